"""Report exporters: ``json``, ``md``, ``html``, ``csv``, ``xlsx`` and ``pptx`` (``kamplan report --format NAME``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from typing import Any

from kamplan.account import Account
from kamplan.errors import UsageError
from kamplan.plugins.hookspecs import hookimpl


def _report(account: Account, options: Mapping[str, Any]) -> dict[str, Any]:
    from kamplan.render.document import build_report

    return build_report(account, redact=bool(options.get("redact")))


def export_json(account: Account, options: Mapping[str, Any]) -> str:
    """The validated plan (defaults filled in) plus scores, findings, recommendations and KPIs."""
    return json.dumps(_report(account, options), ensure_ascii=False, indent=2, default=str) + "\n"


def export_csv(account: Account, options: Mapping[str, Any]) -> str:
    """One table as CSV (``table``: stakeholders, relationships, whitespace, goals, actions); formulas defused."""
    from kamplan.render.tables import TABLES, neutralise, table

    name = options.get("table") or "stakeholders"
    if name not in TABLES:
        raise UsageError(f"--table must be one of {', '.join(TABLES)}, not {name!r}")
    header, rows = table(_report(account, options), name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v if not isinstance(v, bool) else str(v).lower())
                         for v in row])
    return "\ufeff" + buffer.getvalue()  # a BOM so that Excel reads UTF-8 names intact


def export_xlsx(account: Account, options: Mapping[str, Any]) -> bytes:
    """An Excel workbook with typed cells and print setup (see :mod:`kamplan.render.workbook`)."""
    from kamplan.render.workbook import build_workbook

    return build_workbook(_report(account, options))


def _client(options: Mapping[str, Any]) -> bool:
    return options.get("audience") == "client"


def _client_report(account: Account, options: Mapping[str, Any]) -> dict[str, Any]:
    from kamplan.render.client_view import client_report

    return client_report(_report(account, options))


def export_md(account: Account, options: Mapping[str, Any]) -> str:
    """A readable account plan in Markdown, with the org chart as a Mermaid diagram (the client
    version: the organisation as an outline and what is shared)."""
    from kamplan.render.dot import ChartOptions
    from kamplan.render.html import render_template
    from kamplan.render.mermaid import build_mermaid

    if _client(options):
        from kamplan.render.client_view import org_outline

        view = _client_report(account, options)
        return render_template("client.md", report=view, outline=org_outline(view), markdown=True)

    report = _report(account, options)
    mermaid = build_mermaid(account, ChartOptions(redact=bool(options.get("redact"))))
    return render_template("report.md", report=report, mermaid=mermaid, markdown=True)


def export_html(account: Account, options: Mapping[str, Any]) -> str:
    """One self-contained HTML file: the plan, its scores and the org chart as inline SVG (the client
    version: the organisation as an outline and what is shared)."""
    from kamplan.render.html import account_page, client_page

    if _client(options):
        return client_page(_client_report(account, options))
    return account_page(account, _report(account, options), standalone=True)


def export_pptx(account: Account, options: Mapping[str, Any]) -> bytes:
    """An editable slide deck for the business review (see :mod:`kamplan.render.deck`)."""
    from kamplan.render.deck import build_deck

    if _client(options):
        return build_deck(account, _client_report(account, options), client=True)
    return build_deck(account, _report(account, options))


def export_report_pdf(account: Account, options: Mapping[str, Any]) -> bytes:
    """The account plan as a printable PDF document (``report --format pdf``; see
    :mod:`kamplan.render.pdf_report`)."""
    from kamplan.render.pdf_report import build_pdf

    if _client(options):
        return build_pdf(account, _client_report(account, options), client=True)
    return build_pdf(account, _report(account, options))


@hookimpl
def register_exporters(register: Callable[..., Any]) -> None:
    """Register the report formats."""
    register("json", export_json, ".json")
    register("md", export_md, ".md")
    register("html", export_html, ".html")
    register("csv", export_csv, ".csv")
    register("xlsx", export_xlsx, ".xlsx")
    register("pptx", export_pptx, ".pptx")
    register("report-pdf", export_report_pdf, ".pdf")
