"""``kamplan report ID --format pdf``: the account plan as a printable PDF, with pip-installed libraries only.

reportlab lays out the document with the bundled DejaVu fonts (every script plans use; names stay
text). The internal version: the key figures, the org chart as a vector drawing (the embedded
renderer's SVG through svglib), key stakeholders, the whitespace, goals and actions, risks and the
top of the action plan. The client version (:mod:`kamplan.render.client_view`): the organisation as
an outline, the client's objectives and the shared goals and actions.
"""

from __future__ import annotations

import functools
import io
from typing import TYPE_CHECKING, Any

from kamplan.render.convert import BOLD, REGULAR

if TYPE_CHECKING:
    from kamplan.account import Account

FONT, FONT_BOLD = "KamplanText", "KamplanText-Bold"
DARK = "#1F4E79"


@functools.cache
def _fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(FONT, str(REGULAR)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(BOLD)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12)
    return {
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=22, leading=27,
                                textColor=colors.HexColor(DARK), spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=13, leading=16,
                             textColor=colors.HexColor(DARK), spaceBefore=10, spaceAfter=4),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10,
                               textColor=colors.white),
    }


def _table(rows: list[list[str]], widths: list[float], styles: dict[str, Any]) -> Any:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cells = [[Paragraph(escape(str(v)), styles["head" if r == 0 else "cell"]) for v in row]
             for r, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(DARK)),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#EEF3F8")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B4C7DC")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _paragraph(text: str, style: Any) -> Any:
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(text), style)


def _chart(account: Account, width: float, height: float) -> Any:
    """The org chart as a vector drawing scaled to fit ``width`` x ``height`` points."""
    from kamplan.render.convert import drawing_of
    from kamplan.render.dot import ChartOptions, build_dot
    from kamplan.render.engines import render

    drawing = drawing_of(render(build_dot(account, ChartOptions(redact=True, max_nodes=120)), "svg", "embedded"))
    scale = min(width / drawing.width, height / drawing.height, 1.0)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    return drawing


def build_pdf(account: Account, report: dict[str, Any], *, client: bool = False) -> bytes:
    """The PDF document of one account (see the module docstring)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _fonts()
    styles = _styles()
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(out, pagesize=page, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=12 * mm,
                            bottomMargin=12 * mm, title=f"{report['plan']['account']['name']}: account plan",
                            author="kamplan")
    width = page[0] - 28 * mm
    story = _client_story(report, styles, width) if client else _story(account, report, styles, width,
                                                                      page[1] - 60 * mm)
    doc.build(story)
    return out.getvalue()


def _story(account: Account, report: dict[str, Any], styles: dict[str, Any], width: float, height: float
           ) -> list[Any]:
    from reportlab.platypus import PageBreak

    plan = report["plan"]
    info = plan["account"]
    kpis = report["kpis"]
    currency = kpis.get("currency") or info.get("currency") or ""
    health = (report["scores"].get("health") or {}).get("value")

    def pct(value: Any) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    owner = report.get("team", {}).get(info.get("owner"), {}).get("name") or info.get("owner") or ""
    story: list[Any] = [
        _paragraph(info["name"], styles["title"]),
        _paragraph(" · ".join(x for x in (f"as of {report['as_of']}", f"tier {info['tier']}" if info.get("tier")
                                          else "", f"owner {owner}" if owner else "") if x), styles["body"]),
        _paragraph("Key figures", styles["h2"]),
        _table([["ARR now", "NRR", "GRR", "health", "key players covered", "map status", "status"],
                [f"{kpis['arr_now']:,.0f} {currency}" if kpis.get("arr_now") is not None else "n/a",
                 pct(kpis.get("nrr")), pct(kpis.get("grr")), "n/a" if health is None else f"{health:.0f}",
                 pct(kpis.get("coverage")), str(kpis.get("map_status")), kpis.get("status", "")]],
               [width / 7] * 7, styles),
        _paragraph("Organisation and relationships", styles["h2"]),
        _chart(account, width, height - 40),
        PageBreak(),
        _paragraph("Key stakeholders", styles["h2"]),
    ]
    from kamplan.render.document import stakeholder_table

    rows = [["Name", "Title", "Roles", "Attitude", "Influence", "Coverage"], *stakeholder_table(report)]
    story.append(_table(rows, [width * f for f in (0.17, 0.22, 0.17, 0.1, 0.09, 0.25)], styles))
    matrix = report["whitespace"]
    if matrix["rows"]:
        story.append(_paragraph("Whitespace", styles["h2"]))
        head = ["Unit", *[o["name"] for o in matrix["offerings"]]]
        body = [[r["name"], *[(c["status"] if c["status"] != "unknown" else "")
                              + (f" ({c['arr']:,.0f})" if c["arr"] else "") for c in r["cells"]]]
                for r in matrix["rows"]]
        story.append(_table([head, *body], [width / len(head)] * len(head), styles))
    story += _goals_and_actions(report, styles, width)
    risks = [[r.get("severity", ""), r["title"], r.get("mitigation") or ""] for r in plan["risks"]]
    if risks:
        story += [_paragraph("Risks", styles["h2"]),
                  _table([["Severity", "Risk", "Mitigation"], *risks], [width * 0.12, width * 0.5, width * 0.38],
                         styles)]
    recs = report.get("recommendations", [])
    if recs:
        story += [_paragraph("Action plan (top five)", styles["h2"]),
                  _table([["Priority", "What", "Why", "Due"],
                          *[[str(r.get("priority")), r["title"], r.get("reason") or "", r.get("due") or ""]
                            for r in recs]], [width * 0.08, width * 0.32, width * 0.5, width * 0.1], styles)]
    return story


def _goals_and_actions(report: dict[str, Any], styles: dict[str, Any], width: float) -> list[Any]:
    plan = report["plan"]
    team = report.get("team", {})
    rows = [["goal", g["title"], str(g.get("target") if g.get("target") is not None else ""), g.get("due") or "",
             g.get("status", "")] for g in plan["goals"]]
    rows += [["action", a["title"], team.get(a.get("owner"), {}).get("name") or a.get("owner") or "",
              a.get("due") or "", a.get("status", "")] for a in report.get("actions", plan["actions"])]
    if not rows:
        return []
    return [_paragraph("Goals and actions", styles["h2"]),
            _table([["", "What", "Target / owner", "Due", "Status"], *rows],
                   [width * f for f in (0.08, 0.52, 0.18, 0.11, 0.11)], styles)]


def _client_story(report: dict[str, Any], styles: dict[str, Any], width: float) -> list[Any]:
    from kamplan.render.client_view import org_outline

    plan = report["plan"]
    story: list[Any] = [_paragraph(plan["account"]["name"], styles["title"]),
                        _paragraph(f"Account plan as of {report['as_of']}", styles["body"]),
                        _paragraph("Organisation", styles["h2"])]
    for depth, person in org_outline(report):
        line = person["name"] + (f", {person['title']}" if person.get("title") else "")
        style = styles["body"].clone(f"outline-{depth}", leftIndent=14 * depth)
        story.append(_paragraph(line, style))
    if plan["objectives"]:
        story += [_paragraph("Your objectives", styles["h2"]),
                  _table([["Objective", "Due"], *[[o["title"], o.get("due") or ""] for o in plan["objectives"]]],
                         [width * 0.8, width * 0.2], styles)]
    story += _goals_and_actions(report, styles, width)
    return story
