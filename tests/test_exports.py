"""Every report format opens in the tool people use for it, names intact, and --redact leaves nothing personal."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent
HOST = PluginHost(entry_points=False)

EVIL = """\
kamplan: 1
account: {name: "Évil & <Co>", currency: EUR, reviewed: 2026-10-01}
units: [{id: hq, name: "=HQ"}]
offerings: [{id: core, name: "+Core"}]
team: [{id: kam, name: Kim}]
stakeholders:
  - {id: xss, name: "<img src=x onerror=alert(1)>", title: "=HYPERLINK(\\"http://evil\\")", unit: hq,
     roles: [economic_buyer], attitude: champion, contact: {email: xss@secret.example, phone: "+44 20 7946 0000"},
     notes: "TOP-SECRET-NOTE"}
  - {id: ivan, name: "Иван Петров", title: "-1+2", reports_to: xss, notes: "SECOND-SECRET"}
relationships:
  - {team: kam, stakeholder: xss, strength: strong, last_contact: 2026-10-20, notes: "REL-SECRET"}
opportunities:
  - {unit: hq, offering: core, status: whitespace, arr: 100000}
revenue:
  - {period: 2026-Q2, arr: 100}
  - {period: 2026-Q3, arr: 120}
goals: [{id: g1, title: "@grow", owner: kam, due: 2027-01-01}]
actions: [{id: a1, title: Late one, owner: kam, due: 2026-01-01}]
decisions: [{date: 2026-05-01, decision: "Pick | vendor", why: "*cheap*"}]
risks: [{title: "Risk <b>", stakeholder: xss}]
"""
SECRETS = ("xss@secret.example", "+44 20 7946 0000", "TOP-SECRET-NOTE", "SECOND-SECRET", "REL-SECRET")


@pytest.fixture
def evil(write_plan):
    with kamplan.as_of("2026-11-30"):  # the figures must not move with the clock
        yield kamplan.resolve_account(write_plan(EVIL, "evil.yaml"), host=HOST)


def test_json_contract(evil):
    content, suffix = kamplan.report(evil, fmt="json", host=HOST)
    data = json.loads(content)
    assert suffix == ".json"
    assert data["plan"]["stakeholders"][1]["name"] == "Иван Петров"
    assert data["plan"]["stakeholders"][1]["attitude"] == "unknown"  # defaults filled in
    assert data["plan"]["influence"] == [] and data["plan"]["account"]["id"] == "evil"
    assert {"scores", "findings", "recommendations", "kpis"} <= set(data)
    # one quarter of history: a new account, outside the twelve-month cohort (insights.md)
    assert (data["kpis"]["status"], data["kpis"]["arr_now"], data["kpis"]["left_out"]) == ("active", 120, "new")
    assert data["kpis"]["nrr"] is None and data["as_of"] == "2026-11-30"


def test_csv_defuses_formulas_and_keeps_names(evil):
    content, _ = kamplan.report(evil, fmt="csv", host=HOST)
    assert content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0]["name"] == "<img src=x onerror=alert(1)>" and rows[1]["name"] == "Иван Петров"
    assert rows[0]["title"].startswith("'=HYPERLINK") and rows[1]["title"] == "'-1+2"
    assert rows[0]["unit"] == "hq" and rows[0]["email"] == "xss@secret.example"
    for name in ("relationships", "whitespace", "goals", "actions"):
        table, _ = kamplan.report(evil, fmt="csv", table=name, host=HOST)
        lines = list(csv.reader(io.StringIO(table.lstrip("\ufeff"))))
        assert len(lines) >= 2
        assert not any(cell.startswith(("=", "+", "-", "@")) for row in lines[1:] for cell in row)
    whitespace, _ = kamplan.report(evil, fmt="csv", table="whitespace", host=HOST)
    assert "'=HQ" in whitespace and "'+Core" in whitespace


def test_xlsx_opens_in_openpyxl(evil, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="xlsx is an optional extra; make test installs it")
    content, suffix = kamplan.report(evil, fmt="xlsx", host=HOST)
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(content)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["stakeholders", "relationships", "whitespace", "revenue", "contracts", "goals",
                               "actions"]
    sheet = book["stakeholders"]
    assert sheet.freeze_panes == "B2" and sheet["A1"].font.bold
    assert sheet["B3"].value == "Иван Петров"
    assert sheet["C2"].value == '=HYPERLINK("http://evil")' and sheet["C2"].data_type == "s"  # text, not a formula
    assert sheet.column_dimensions["B"].width >= 12
    assert book["actions"]["F2"].value is True  # overdue


def test_markdown_report(evil):
    text, suffix = kamplan.report(evil, fmt="md", host=HOST)
    assert suffix == ".md" and text.startswith("# Évil &amp; &lt;Co&gt;")
    for heading in ("## Summary", "## Org chart", "## Stakeholders", "## Coverage", "## Whitespace", "## Goals",
                    "## Actions", "## Decisions", "## Risks", "## Findings", "## Recommendations"):
        assert heading in text
    assert "```mermaid\nflowchart TD" in text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in text and "<img" not in text
    assert "Pick \\| vendor" in text and "Иван Петров" in text and "**overdue**" in text


def test_html_report_is_self_contained(evil):
    html, suffix = kamplan.report(evil, fmt="html", host=HOST)
    assert suffix == ".html"
    import html as htmllib

    assert "<svg" in html and "Content-Security-Policy" in html and "default-src 'none'" in htmllib.unescape(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "Иван Петров" in html and "overdue" in html


@pytest.mark.parametrize("fmt", ["json", "md", "html", "csv", "xlsx", "svg", "dot", "mermaid"])
def test_redact_leaves_nothing_personal(evil, fmt):
    options = {"table": None}
    content, _ = kamplan.report(evil, fmt=fmt, redact=True, host=HOST, **{k: v for k, v in options.items() if v})
    if isinstance(content, bytes):
        if fmt == "xlsx":
            import zipfile

            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        else:
            content = content.decode("utf-8", "replace")
    for secret in SECRETS:
        assert secret not in content, (fmt, secret)
    if fmt in ("csv", "md", "html", "json"):
        assert "Иван Петров" in content


def test_redacted_csv_tables(evil):
    for table in ("stakeholders", "relationships"):
        content, _ = kamplan.report(evil, fmt="csv", table=table, redact=True, host=HOST)
        for secret in SECRETS:
            assert secret not in content


def test_report_cli(cli, tmp_path):
    out = tmp_path / "nw.md"
    result = cli("report", ROOT / "account_plans" / "nordwind-logistics.yaml", "--format", "md", "-o", out)
    assert result.code == 0 and out.read_text().startswith("# Nordwind Logistics AG")
    result = cli("report", "sibtelecom", "--format", "csv", "--table", "relationships", "-o", "-", cwd=ROOT)
    assert result.code == 0 and "Анна Иванова" in result.out
    assert cli("report", "sibtelecom", "--format", "nope", cwd=ROOT).code == 2


def test_demo_reports_in_every_format():
    portfolio = kamplan.load_portfolio([ROOT], host=HOST)
    for account in portfolio.accounts:
        for fmt in ("md", "html", "json", "csv", "xlsx", "mermaid"):
            content, _ = kamplan.report(account, fmt=fmt, host=HOST)
            assert content


def test_site_redact_leaves_nothing_personal(tmp_path, write_plan):
    path = write_plan(EVIL, "evil.yaml", tmp_path / "portfolio" / "account_plans")
    (tmp_path / "portfolio" / "kamplan.yaml").write_text("kamplan: 1\n")
    index = kamplan.site([path.parent.parent], out=tmp_path / "site", redact=True, host=HOST)
    pages = [p.read_text(encoding="utf-8") for p in index.parent.rglob("*.html")]
    assert len(pages) == 2
    for page in pages:
        for secret in SECRETS:
            assert secret not in page
    assert any("Иван Петров" in page for page in pages)
    plain = kamplan.site([path.parent.parent], out=tmp_path / "site2", host=HOST)
    assert "xss@secret.example" in (plain.parent / "accounts" / "evil.html").read_text(encoding="utf-8")


def test_xlsx_cells_are_typed_and_the_sheets_print(cli, tmp_path):
    import datetime as dt

    import openpyxl

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "nordwind.xlsx"
    assert cli("report", "nordwind-logistics", "--format", "xlsx", "-o", out, cwd=root).code == 0
    book = openpyxl.load_workbook(out)
    whitespace = book["whitespace"]
    header = [c.value for c in whitespace[1]]
    assert header[:4] == ["unit", "offering", "status", "arr"]
    rows = [[c.value for c in row] for row in whitespace.iter_rows(min_row=2)]
    owned = next(r for r in rows if r[0] == "Group IT" and r[1] == "Integration Platform")
    assert owned[2] == "owned" and owned[3] == 620000
    assert whitespace.cell(row=2, column=4).number_format == '#,##0 "EUR"'
    closes = [r[header.index("close")] for r in rows if r[header.index("close")] is not None]
    assert closes and all(isinstance(v, dt.datetime | dt.date) for v in closes)
    revenue = book["revenue"]
    assert [c.value for c in revenue[1]][:2] == ["period", "arr"]
    assert all(isinstance(row[1].value, int | float) for row in revenue.iter_rows(min_row=2))
    actions = book["actions"]
    due = [c.value for c in actions[1]].index("due")
    assert all(isinstance(row[due].value, dt.datetime | dt.date) for row in actions.iter_rows(min_row=2)
               if row[due].value is not None)
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$1:$1"
