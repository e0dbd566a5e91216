"""``report --format pptx`` (opened with python-pptx, converted by LibreOffice) and ``--audience client``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

SECRET_PLAN = """\
kamplan: 1
account: {name: Client Co, currency: EUR, reviewed: 2026-10-01, tier: strategic, owner: kam,
          custom: {note: INTERNAL-CUSTOM}}
units: [{id: hq, name: Head Office}]
offerings: [{id: core, name: Core}]
team: [{id: kam, name: Kim Account, role: kam}]
stakeholders:
  - {id: ceo, name: Cleo Chief, title: Chief Executive, unit: hq, roles: [economic_buyer], attitude: blocker,
     influence: decisive, notes: INTERNAL-NOTE-CEO, prefers: INTERNAL-RIVAL-VENDOR, tags: [INTERNAL-TAG],
     contact: {email: cleo@secret.example, phone: "+49 INTERNAL-PHONE"}}
  - {id: cfo, name: Finn Money, title: Finance Director, unit: hq, reports_to: ceo, attitude: champion,
     status: new_in_role}
relationships:
  - {team: kam, stakeholder: ceo, strength: weak, last_contact: 2026-11-01, notes: INTERNAL-REL-NOTE}
influence:
  - {from: cfo, to: ceo, kind: influences, strength: high}
opportunities:
  - {unit: hq, offering: core, status: competitor, competitor: INTERNAL-COMPETITOR, arr: 123457}
revenue:
  - {period: 2026-Q3, arr: 987653}
goals:
  - {id: g1, title: Shared go-live by summer, due: 2027-06-30, shared: true}
  - {id: g2, title: INTERNAL-GOAL upsell, due: 2027-03-31}
actions:
  - {id: a1, title: Joint steering meeting, owner: kam, due: 2026-12-15, shared: true}
  - {id: a2, title: INTERNAL-ACTION get past Cleo, owner: kam, due: 2026-12-10, stakeholders: [ceo]}
objectives:
  - {id: o1, title: Halve onboarding time, shared: true}
  - {id: o2, title: INTERNAL-OBJECTIVE read, shared: false}
risks:
  - {title: INTERNAL-RISK Cleo blocks, severity: high, stakeholder: ceo}
interactions:
  - {date: 2026-11-01, kind: meeting, team: [kam], stakeholders: [ceo], summary: INTERNAL-MEETING}
"""
INTERNAL = ["INTERNAL", "blocker", "champion", "decisive", "secret.example", "economic", "987,653", "987653",
            "123,457", "123457", "weak", "influences", "new in role", "new_in_role", "strategic"]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-30}\n", encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    (tmp_path / "account_plans" / "client-co.yaml").write_text(SECRET_PLAN, encoding="utf-8")
    return tmp_path


def _deck_text(path: Path) -> str:
    texts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
            texts.append(shape.name)
    return "\n".join(texts)


def test_the_deck_is_editable_and_complete(cli, tmp_path: Path):
    out = tmp_path / "nordwind.pptx"
    assert cli("report", "nordwind-logistics", "--format", "pptx", "-o", out, cwd=ROOT).code == 0
    deck = Presentation(str(out))
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert titles == ["Nordwind Logistics AG", "Key figures", "Organisation and relationships", "Key stakeholders",
                      "Whitespace: units x offerings", "Goals and actions", "Risks and renewals"]
    chart = deck.slides[2]
    boxes = [s for s in chart.shapes if s.shape_type == 1]  # auto shapes: one per person
    connectors = [s for s in chart.shapes if s.shape_type == 9 or s.__class__.__name__ == "Connector"]
    assert len(boxes) == 11  # the 11 people who have not left
    assert len(connectors) >= 10
    xml = chart.shapes._spTree.xml
    assert xml.count("<a:stCxn") == len(connectors) and xml.count("<a:endCxn") == len(connectors)  # glued
    text = _deck_text(out)
    assert "Ingrid Larsen" in text and "covered: Jane Doe (strong)" in text and "2026-12-31" in text


def test_cyrillic_and_a_big_account(cli, tmp_path: Path):
    sib, big = tmp_path / "sib.pptx", tmp_path / "big.pptx"
    assert cli("report", "sibtelecom", "--format", "pptx", "-o", sib, cwd=ROOT).code == 0
    assert "Елена Соколова" in _deck_text(sib) and "Директор по ИТ (CIO)" in _deck_text(sib)
    assert cli("report", "meridian-bank", "--format", "pptx", "-o", big, cwd=ROOT).code == 0
    chart = Presentation(str(big)).slides[2]
    assert len([s for s in chart.shapes if s.shape_type == 1]) <= 20
    assert "key people and the managers between them" in _deck_text(big)


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs libreoffice-impress)")
def test_the_decks_open_in_libreoffice(cli, tmp_path: Path, secret: Path):
    decks = []
    for account, where in (("nordwind-logistics", ROOT), ("sibtelecom", ROOT), ("client-co", secret)):
        out = tmp_path / f"{account}.pptx"
        args = ["report", account, "--format", "pptx", "-o", out]
        assert cli(*args, *(["--audience", "client"] if account == "client-co" else []), cwd=where).code == 0
        decks.append(out)
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, decks)],
                   check=True, capture_output=True, timeout=300, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    nordwind = PdfReader(str(tmp_path / "nordwind-logistics.pdf"))
    assert len(nordwind.pages) == 7
    assert "Ingrid Larsen" in nordwind.pages[2].extract_text()
    assert "Елена Соколова" in PdfReader(str(tmp_path / "sibtelecom.pdf")).pages[2].extract_text()
    client = "\n".join(page.extract_text() for page in PdfReader(str(tmp_path / "client-co.pdf")).pages)
    assert "Cleo Chief" in client and not [word for word in INTERNAL if word in client]


def _text(path: Path) -> str:
    if path.suffix == ".pptx":
        return _deck_text(path)
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "pptx"])
def test_the_client_version_shows_nothing_internal(cli, secret: Path, tmp_path: Path, fmt: str):
    out = tmp_path / f"client.{fmt}"
    assert cli("report", "client-co", "--format", fmt, "--audience", "client", "-o", out, cwd=secret).code == 0
    text = _text(out)
    leaked = [word for word in INTERNAL if word in text]
    assert not leaked, leaked
    for shown in ("Client Co", "Cleo Chief", "Chief Executive", "Finn Money", "Finance Director",
                  "Shared go-live by summer", "Joint steering meeting", "Halve onboarding time"):
        assert shown in text, shown
    # and the internal version does have them, so the test can tell
    internal = tmp_path / f"internal.{fmt}"
    assert cli("report", "client-co", "--format", fmt, "-o", internal, cwd=secret).code == 0
    full = _text(internal)
    assert "blocker" in full and "INTERNAL-GOAL" in full


def test_client_is_refused_where_there_is_no_client_version(cli, secret: Path):
    for fmt in ("json", "csv", "xlsx", "svg"):
        result = cli("report", "client-co", "--format", fmt, "--audience", "client", "-o", "-", cwd=secret)
        assert result.code == 2 and "--audience client is for md, html, pdf, pptx" in result.err


def test_the_pdf_report_is_a_document_with_text_in_every_script(cli, tmp_path: Path):
    out = tmp_path / "sib.pdf"
    assert cli("report", "sibtelecom", "--format", "pdf", "-o", out, cwd=ROOT).code == 0
    text = _text(out)
    for words in ("Key figures", "Organisation and relationships", "Key stakeholders", "Goals and actions",
                  "Елена Соколова", "Директор по ИТ (CIO)", "ПАО «СибТелеком»"):
        assert words in text, words
    chart = tmp_path / "chart.pdf"  # chart --format pdf stays the chart alone
    assert cli("chart", "sibtelecom", "--format", "pdf", "-o", chart, cwd=ROOT).code == 0
    assert "Key figures" not in _text(chart) and "Елена Соколова" in _text(chart)
