"""The plan format's additions (plan-format.md): objectives, buying influences, prefers, targets,
decisions about cells, shared, interactions; every reference they imply is checked like any other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
PLAN = """\
kamplan: 1
account: {name: Full, reviewed: 2026-10-01}
units: [{id: hq, name: HQ}]
offerings: [{id: core, name: Core}]
team: [{id: kam, name: Kim}]
stakeholders:
  - {id: cfo, name: Carla, roles: [economic_buyer], prefers: Globex}
  - {id: ops, name: Olga, influence: low}
relationships:
  - {team: kam, stakeholder: cfo, strength: medium, target: strong, last_contact: 2026-10-20}
opportunities:
  - unit: hq
    offering: core
    status: pipeline
    probability: 0.4
    buying_influences:
      - {stakeholder: ops, role: user_buyer, mode: trouble, win: Fewer night shifts}
objectives:
  - {id: o1, title: Cut cost 10%, owner: cfo, due: 2027-12-31, offerings: [core], shared: true}
goals:
  - {id: g1, title: Land core, owner: kam, due: 2027-06-30, objective: o1, shared: true}
actions:
  - {id: a1, title: Pilot, owner: kam, due: 2026-12-15, stakeholders: [ops], shared: false}
decisions:
  - {date: 2026-05-10, decision: One vendor, decided_by: [cfo], offerings: [core], units: [hq], revisit: 2027-06-01}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-30}\n", encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    return tmp_path


def _errors(cli, root: Path, text: str) -> list[tuple[str, str]]:
    (root / "account_plans" / "full.yaml").write_text(text, encoding="utf-8")
    rows = json.loads(cli("validate", "--format", "json", cwd=root).out)
    return [(d["code"], d["path"]) for d in rows if d["severity"] == "error"]


def test_a_plan_with_every_addition_validates_and_keeps_its_order(cli, root):
    assert _errors(cli, root, PLAN) == []
    assert cli("fmt", cwd=root).code == 0 and cli("fmt", "--check", cwd=root).code == 0
    text = (root / "account_plans" / "full.yaml").read_text(encoding="utf-8")
    assert text.index("decisions:") < text.index("objectives:")  # the canonical order: objectives after decisions
    assert _errors(cli, root, text) == []
    plan = kamplan.resolve_account(root / "account_plans" / "full.yaml", host=HOST).plan
    assert plan.opportunities[0].buying_influences[0].mode == "trouble" and plan.objectives[0].shared
    assert plan.decisions[0].revisit.isoformat() == "2027-06-01" and plan.stakeholders[0].prefers == "Globex"


@pytest.mark.parametrize("old, new, path", [
    ("objective: o1", "objective: o9", "goals[0].objective"),
    ("owner: cfo, due: 2027-12-31", "owner: nobody, due: 2027-12-31", "objectives[0].owner"),
    ("offerings: [core], shared: true}", "offerings: [nope], shared: true}", "objectives[0].offerings[0]"),
    ("{stakeholder: ops, role: user_buyer", "{stakeholder: ghost, role: user_buyer",
     "opportunities[0].buying_influences[0].stakeholder"),
    ("offerings: [core], units: [hq]", "offerings: [core], units: [nowhere]", "decisions[0].units[0]"),
])
def test_references_of_the_additions_are_checked(cli, root, old, new, path):
    assert ("E301", path) in _errors(cli, root, PLAN.replace(old, new))


def test_enums_of_the_additions_are_checked(cli, root):
    assert ("E201", "opportunities[0].buying_influences[0].mode") in _errors(cli, root, PLAN.replace(
        "mode: trouble", "mode: happy"))
    assert ("E201", "relationships[0].target") in _errors(cli, root, PLAN.replace("target: strong", "target: max"))


def test_buying_influences_of_an_open_deal_are_key_players(root):
    (root / "account_plans" / "full.yaml").write_text(PLAN, encoding="utf-8")
    kpi = kamplan.kpi([root], host=HOST)["accounts"][0]
    assert kpi["coverage"] == 0.5  # cfo (economic buyer, covered) and ops (the deal's user buyer, not covered)
    (root / "account_plans" / "full.yaml").write_text(PLAN.replace("status: pipeline", "status: whitespace")
                                                      .replace("    probability: 0.4\n", ""), encoding="utf-8")
    assert kamplan.kpi([root], host=HOST)["accounts"][0]["coverage"] == 1.0  # the deal is not open
