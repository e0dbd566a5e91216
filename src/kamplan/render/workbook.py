"""``kamplan report --format xlsx``: a workbook a KAM can sort, sum, filter and print.

Dates are date cells, money is numbers with the account's currency as the number format, the
whitespace sheet has one row per cell with its status and a numeric ARR, a revenue sheet has each
period's figures, and every sheet prints landscape, one page wide, with its header row repeated.
Text stays text (never a formula, whatever it starts with).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from kamplan.render.tables import table

DATE_FORMAT = "yyyy-mm-dd"


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _shown(value: Any, kind: str | None, currency: str | None) -> str:
    """The text a cell shows (for its column's width): money with separators and currency, a date."""
    if kind == "money" and isinstance(value, int | float):
        return f"{value:,.0f} {currency or ''}"
    if isinstance(value, dt.date):
        return "2026-12-31"
    return str(value)


def sheets(report: dict[str, Any]) -> list[tuple[str, list[str], list[list[Any]], dict[str, str]]]:
    """Each sheet: name, header, rows and the kind of each typed column (date, money, number, percent)."""
    plan = report["plan"]
    out: list[tuple[str, list[str], list[list[Any]], dict[str, str]]] = []
    header, rows = table(report, "stakeholders")
    out.append(("stakeholders", header, rows, {}))
    header, rows = table(report, "relationships")
    out.append(("relationships", header, rows, {"last_contact": "date"}))
    names = {o["id"]: o["name"] for o in report["whitespace"]["offerings"]}
    units = {u["id"]: u.get("name") or u["id"] for u in plan["units"]}
    out.append(("whitespace", ["unit", "offering", "status", "arr", "probability", "close", "stage", "competitor",
                               "sponsor"],
                [[units.get(c["unit"], c["unit"]), names.get(c["offering"], c["offering"]), c["status"], c.get("arr"),
                  c.get("probability"), c.get("close"), c.get("stage"), c.get("competitor"), c.get("sponsor")]
                 for c in plan["opportunities"]],
                {"arr": "money", "probability": "percent", "close": "date"}))
    out.append(("revenue", ["period", "arr", "expansion", "contraction", "churn"],
                [[r["period"], r["arr"], r.get("expansion"), r.get("contraction"), r.get("churn")]
                 for r in sorted(plan["revenue"], key=lambda r: r["period"])],
                {"arr": "money", "expansion": "money", "contraction": "money", "churn": "money"}))
    out.append(("contracts", ["id", "title", "start", "end", "arr", "notice_days", "auto_renew", "status"],
                [[c["id"], c.get("title"), c.get("start"), c.get("end"), c.get("arr"), c.get("notice_days"),
                  c.get("auto_renew"), c.get("status")] for c in plan.get("contracts", [])],
                {"start": "date", "end": "date", "arr": "money", "notice_days": "number"}))
    header, rows = table(report, "goals")
    out.append(("goals", header, rows, {"due": "date", "target": "number"}))
    header, rows = table(report, "actions")
    out.append(("actions", header, rows, {"due": "date"}))
    return out


def build_workbook(report: dict[str, Any]) -> bytes:
    """The workbook of one account (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    currency = report["plan"]["account"].get("currency")
    money_format = f'#,##0 "{currency}"' if currency else "#,##0"
    formats = {"date": DATE_FORMAT, "money": money_format, "number": "General", "percent": "0%"}
    book = Workbook()
    book.remove(book.active)
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for name, header, rows, kinds in sheets(report):
        sheet = book.create_sheet(name)
        typed = {header.index(column): kind for column, kind in kinds.items() if column in header}
        sheet.append(header)
        for row in rows:
            values = []
            for i, value in enumerate(row):
                kind = typed.get(i)
                if kind == "date":
                    value = _date(value)
                if isinstance(value, str):  # control characters cannot be stored in a worksheet: dropped
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                values.append(value)
            sheet.append(values)
        for cell in sheet[1]:
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(vertical="center")
        for row in sheet.iter_rows(min_row=2):
            for i, cell in enumerate(row):
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text stays text: never a formula, whatever it starts with
                elif i in typed and cell.value is not None:
                    cell.number_format = formats[typed[i]]
        sheet.freeze_panes = "B2" if name in ("stakeholders", "whitespace") else "A2"
        for i, column in enumerate(sheet.columns, start=1):
            kind = typed.get(i - 1)
            width = max((len(_shown(c.value, kind, currency)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[get_column_letter(i)].width = min(60, max(10, width + 2))
        sheet.auto_filter.ref = sheet.dimensions
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_title_rows = "1:1"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
