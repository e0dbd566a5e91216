"""The Blue Sheet exporter, tested with kamplan's pytest fixtures."""

from __future__ import annotations

import textwrap

import kamplan_bluesheet

import kamplan
from kamplan import load_portfolio

PLAN = """\
kamplan: 1
account: {name: "Blue | Co", currency: EUR}
units:
  - {id: hq, name: HQ}
  - {id: it, name: IT, parent: hq}
offerings: [{id: core, name: Core}]
team: [{id: kam, name: Kim}]
stakeholders:
  - {id: cfo, name: Carla, unit: hq, roles: [economic_buyer], attitude: supporter}
  - {id: arch, name: Archie, unit: it, roles: [technical_buyer], attitude: blocker}
  - {id: fan, name: Fay, unit: it, roles: [coach], status: leaving}
relationships:
  - {team: kam, stakeholder: cfo, strength: strong, last_contact: 2026-11-01}
opportunities:
  - {unit: it, offering: core, status: pipeline, arr: 120000, stage: proposal, competitor: Initech}
  - {unit: hq, offering: core, status: owned, arr: 50000}
"""


def test_four_buying_influences_with_red_flags(tmp_path, register_plugin):
    path = tmp_path / "blue.yaml"
    path.write_text(textwrap.dedent(PLAN), encoding="utf-8")
    with register_plugin(kamplan_bluesheet, "bluesheet") as host, kamplan.as_of("2026-11-30"):
        account = load_portfolio([path], host=host).accounts[0]
        text, suffix = kamplan.export(account, "bluesheet", {"redact": False}, host)
    assert suffix == ".md"
    assert "# Blue Sheet: Blue \\| Co" in text
    assert "## Core for IT" in text and "ARR 120,000 EUR" in text and "competitor Initech" in text
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert "Carla" in rows["Economic buyer"] and "| strong | none |" in rows["Economic buyer"]
    assert "no user buyers identified" in rows["User buyers"]
    assert "Archie: blocker" in rows["Technical buyers"]
    assert "Fay: leaving" in rows["Coach"] and "Fay: no fresh medium or strong relationship" in rows["Coach"]
    assert "**Red flags: 5**" in text
    assert "Core for HQ" not in text  # owned cells have no Blue Sheet


def test_installed_entry_point_is_listed():
    names = {p["name"]: p for p in kamplan.list_plugins()}
    assert names["bluesheet"]["hooks"] == ["register_exporters"]


DEAL = """\
  - unit: it
    offering: core
    status: pipeline
    arr: 80000
    buying_influences:
      - {stakeholder: arch, role: economic_buyer, mode: even_keel}
      - {stakeholder: cfo, role: coach, mode: growth, win: A board win on cost}
"""


def test_a_deals_own_buying_influences_are_read_as_written(tmp_path, register_plugin):
    """The deal's economic buyer is the deal's (Archie signs this one), not the unit's role holder."""
    text = textwrap.dedent(PLAN).replace(
        "  - {unit: it, offering: core, status: pipeline, arr: 120000, stage: proposal, competitor: Initech}\n", DEAL)
    path = tmp_path / "blue.yaml"
    path.write_text(text, encoding="utf-8")
    with register_plugin(kamplan_bluesheet, "bluesheet") as host, kamplan.as_of("2026-11-30"):
        account = load_portfolio([path], host=host).accounts[0]
        sheet, _ = kamplan.export(account, "bluesheet", {"redact": False}, host)
    rows = {line.split("|")[1].strip(): line for line in sheet.splitlines() if line.startswith("| ")}
    assert "Archie" in rows["Economic buyer"] and "Carla" not in rows["Economic buyer"]
    assert "Archie: even keel (sees no reason to change)" in rows["Economic buyer"]
    assert "Archie: no win identified" in rows["Economic buyer"]
    assert "Carla" in rows["Coach"] and "| growth | A board win on cost |" in rows["Coach"]
    assert "no user buyers identified" in rows["User buyers"]
