"""``kamplan report --format pptx``: an editable slide deck for the quarterly business review (python-pptx).

Slides: the title (account, tier, owner, as-of date); KPI tiles; the org chart as native boxes joined
by connectors (a KAM can move a box and its lines follow; a big account shows its key people and the
managers between them, at most ``MAX_NATIVE_PEOPLE`` boxes, and says so); key stakeholders with roles,
attitude and coverage; the whitespace matrix; goals and actions; risks and renewals. The client version
(``client=True``, see :mod:`kamplan.render.client_view`) has the title, the chart without colours or
coverage, the client's objectives and the shared goals and actions only.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from kamplan.insights.coverage import KEY_ROLES
from kamplan.render.org_layout import tidy_tree
from kamplan.render.palette import PALETTES
from kamplan.render.values import initials

if TYPE_CHECKING:
    from kamplan.account import Account

MAX_NATIVE_PEOPLE = 30  # beyond, boxes get too small to read from across a room
KEY_TREE_PEOPLE = 20
SLIDE_W, SLIDE_H = 13.333, 7.5  # inches, 16:9
DARK = "1F4E79"
NEUTRAL_FILL = "F2F2F2"


def _rgb(hex_colour: str) -> Any:
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _money(value: float | None, currency: str | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} {currency or ''}".strip()


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


class Deck:
    """A presentation being built, with helpers for the slide kinds it uses."""

    def __init__(self) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
        self.blank = self.prs.slide_layouts[6]

    def slide(self, title: str) -> Any:
        """A blank slide with a title bar."""
        from pptx.util import Inches, Pt

        slide = self.prs.slides.add_slide(self.blank)
        box = slide.shapes.add_textbox(Inches(0.5), Inches(0.3), Inches(SLIDE_W - 1), Inches(0.7))
        frame = box.text_frame
        frame.text = title
        run = frame.paragraphs[0].runs[0]
        run.font.size, run.font.bold, run.font.color.rgb = Pt(26), True, _rgb(DARK)
        return slide

    def text(self, slide: Any, x: float, y: float, w: float, h: float, lines: list[str], size: int = 14,
             bold_first: bool = False, colour: str = "1A1A1A") -> Any:
        """A text box of ``lines`` (inches)."""
        from pptx.util import Inches, Pt

        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            for run in paragraph.runs:
                run.font.size = Pt(size)
                run.font.color.rgb = _rgb(colour)
                run.font.bold = bold_first and i == 0
        return box

    def table(self, slide: Any, header: list[str], rows: list[list[str]], top: float = 1.2,
              widths: list[float] | None = None, size: int = 11) -> Any:
        """A native table under the title; long tables are cut with a last row saying how many more."""
        from pptx.util import Inches, Pt

        limit = 14
        shown = rows[:limit]
        if len(rows) > limit:
            shown.append([f"... and {len(rows) - limit} more (see the xlsx or the site)"] + [""] * (len(header) - 1))
        height = Inches(0.35) * (len(shown) + 1)
        shape = slide.shapes.add_table(len(shown) + 1, len(header), Inches(0.5), Inches(top),
                                       Inches(SLIDE_W - 1), height)
        grid = shape.table
        for i, width in enumerate(widths or []):
            grid.columns[i].width = Inches(width)
        for r, row in enumerate([header, *shown]):
            for c, value in enumerate(row):
                cell = grid.cell(r, c)
                cell.text = value
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(size)
                        run.font.bold = r == 0
        return shape

    def save(self) -> bytes:
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()


def build_deck(account: Account, report: dict[str, Any], *, client: bool = False) -> bytes:
    """The deck of one account (see the module docstring); ``report`` is :func:`build_report`'s, or the
    client view's when ``client``."""
    deck = Deck()
    plan = report["plan"]
    info = plan["account"]
    _title_slide(deck, report, client)
    if not client:
        _kpi_slide(deck, report)
    _chart_slide(deck, account, report, client)
    if client:
        _objectives_slide(deck, report)
    else:
        _stakeholder_slide(deck, report)
        _whitespace_slide(deck, report)
    _goals_actions_slide(deck, report, client)
    if not client:
        _risks_slide(deck, report)
    deck.prs.core_properties.title = f"{info['name']}: account plan"
    deck.prs.core_properties.author = "kamplan"
    return deck.save()


def _title_slide(deck: Deck, report: dict[str, Any], client: bool) -> None:
    info = report["plan"]["account"]
    slide = deck.prs.slides.add_slide(deck.blank)
    owner = report.get("team", {}).get(info.get("owner"), {}).get("name") or info.get("owner") or ""
    deck.text(slide, 0.8, 2.3, SLIDE_W - 1.6, 1.2, [info["name"]], size=40, bold_first=True, colour=DARK)
    facts = [f"Account plan as of {report['as_of']}"]
    if not client:
        facts.append(" · ".join(x for x in (f"tier: {info['tier']}" if info.get("tier") else "",
                                             f"owner: {owner}" if owner else "") if x))
    deck.text(slide, 0.8, 3.6, SLIDE_W - 1.6, 1.2, [f for f in facts if f], size=20, colour="404040")


def _kpi_slide(deck: Deck, report: dict[str, Any]) -> None:
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches, Pt

    slide = deck.slide("Key figures")
    kpis = report["kpis"]
    currency = kpis.get("currency")
    health = (report["scores"].get("health") or {}).get("value")
    renewal = report.get("renewal")
    tiles = [
        (_money(kpis.get("arr_now"), currency), "ARR now"),
        (_pct(kpis.get("nrr")), "NRR, twelve months"),
        (_pct(kpis.get("grr")), "GRR, twelve months"),
        ("n/a" if health is None else f"{health:.0f}", "health (0-100)"),
        (_pct(kpis.get("coverage")), "key players covered"),
        (str(kpis.get("map_status")), "relationship map status (0-3)"),
        (renewal["end"] if renewal else "none", f"next renewal: {renewal['title']}" if renewal else "next renewal"),
        (kpis.get("status", ""), "account status"),
    ]
    for i, (big, label) in enumerate(tiles):
        x, y = 0.5 + (i % 4) * 3.1, 1.4 + (i // 4) * 2.7
        tile = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(y), Inches(2.9), Inches(2.3))
        tile.fill.solid()
        tile.fill.fore_color.rgb = _rgb("EAF1F8")
        tile.line.color.rgb = _rgb("B4C7DC")
        frame = tile.text_frame
        frame.word_wrap = True
        frame.text = big
        frame.paragraphs[0].runs[0].font.size = Pt(26)
        frame.paragraphs[0].runs[0].font.bold = True
        frame.paragraphs[0].runs[0].font.color.rgb = _rgb(DARK)
        second = frame.add_paragraph()
        second.text = label
        second.runs[0].font.size = Pt(13)
        second.runs[0].font.color.rgb = _rgb("333333")


def _chart_people(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in report["plan"]["stakeholders"] if p.get("status") != "left"]


def _chart_slide(deck: Deck, account: Account, report: dict[str, Any], client: bool) -> None:
    people = _chart_people(report)
    slide = deck.slide("Organisation and relationships" if not client else "Organisation")
    if len(people) <= MAX_NATIVE_PEOPLE:
        _native_chart(slide, report, people, client)
        return
    shown = _key_people_tree(people, client)
    _native_chart(slide, report, shown, client)
    deck.text(slide, 0.5, SLIDE_H - 0.45, SLIDE_W - 1, 0.4,
              [f"{len(shown)} of {len(people)} people: the key people and the managers between them "
               f"(the whole chart: kamplan chart {report['plan']['account'].get('id') or ''})"],
              size=10, colour="595959")


def _key_people_tree(people: list[dict[str, Any]], client: bool) -> list[dict[str, Any]]:
    """At most ``KEY_TREE_PEOPLE`` people of a big account: the key people (buying roles, champions,
    high or decisive influence; in the client version, the top levels) and the managers above them,
    each reporting line pointing at the nearest manager kept."""
    by_id = {p["id"]: p for p in people}

    def depth(p: dict[str, Any]) -> int:
        seen, node, n = set(), p, 0
        while node.get("reports_to") in by_id and node["id"] not in seen:
            seen.add(node["id"])
            node, n = by_id[node["reports_to"]], n + 1
        return n

    def key(p: dict[str, Any]) -> bool:
        return (any(r in KEY_ROLES for r in p.get("roles", [])) or p.get("attitude") == "champion"
                or p.get("influence") in ("high", "decisive"))

    ranked = sorted(people, key=lambda p: (depth(p), 0 if key(p) else 1)) if client else \
        sorted(people, key=lambda p: (0 if key(p) else 1, depth(p)))
    kept: dict[str, None] = {}
    for person in ranked:
        chain, node, seen = [person], person, {person["id"]}
        while node.get("reports_to") in by_id and node["reports_to"] not in seen:
            node = by_id[node["reports_to"]]
            seen.add(node["id"])
            chain.append(node)
        new = [c["id"] for c in chain if c["id"] not in kept]
        if len(kept) + len(new) > KEY_TREE_PEOPLE:
            continue
        kept.update(dict.fromkeys(new))
    out = []
    for person in people:
        if person["id"] not in kept:
            continue
        manager, seen = person.get("reports_to"), {person["id"]}
        while manager in by_id and manager not in kept and manager not in seen:
            seen.add(manager)
            manager = by_id[manager].get("reports_to")
        out.append({**person, "reports_to": manager if manager in kept else None,
                    "dotted_to": [d for d in person.get("dotted_to", []) if d in kept]})
    return out


def _native_chart(slide: Any, report: dict[str, Any], people: list[dict[str, Any]], client: bool) -> None:
    from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    placed = tidy_tree([(p["id"], p.get("reports_to")) for p in people])
    columns = max((p.column for p in placed), default=0) + 1
    levels = max((p.level for p in placed), default=0) + 1
    area_w, area_h, top = SLIDE_W - 1.0, SLIDE_H - 2.0, 1.3
    slot_w = area_w / columns
    box_w = min(1.9, slot_w * 0.9)
    slot_h = area_h / levels
    box_h = min(0.95, slot_h * 0.72)
    size = 10 if box_w >= 1.4 else 8 if box_w >= 0.9 else 6
    by_id = {p["id"]: p for p in people}
    coverage = report.get("coverage", {})
    team = report.get("team", {})
    shapes: dict[str, Any] = {}
    palette = PALETTES["attitude"]
    for spot in placed:
        person = by_id[spot.id]
        x = 0.5 + spot.column * slot_w + (slot_w - box_w) / 2
        y = top + spot.level * slot_h
        box = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, Inches(x), Inches(y), Inches(box_w), Inches(box_h))
        fill, text_colour = (NEUTRAL_FILL, "1A1A1A") if client else palette.get(
            person.get("attitude", "unknown"), palette["unknown"])[:2]
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(fill)
        box.line.color.rgb = _rgb("7F7F7F")
        box.name = f"{person['name']} ({person['id']})"
        lines = [person["name"], person.get("title") or ""]
        if not client:
            roles = ", ".join(r.replace("_", " ") for r in person.get("roles", []))
            known = coverage.get(person["id"], {})
            best = known.get("known_by") or []
            who = ", ".join(f"{initials(team.get(k['team'], {}).get('name') or k['team'])} {k['strength']}"
                            for k in best[:2])
            lines += [x for x in (f"[{roles}]" if roles else "", f"● {who}" if who else "") if x]
        frame = box.text_frame
        frame.word_wrap = True
        for margin in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
            setattr(frame, margin, Inches(0.03))
        for i, line in enumerate(x for x in lines if x):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.alignment = PP_ALIGN.CENTER
            for run in paragraph.runs:
                run.font.size = Pt(size if i == 0 else max(size - 2, 5))
                run.font.bold = i == 0
                run.font.color.rgb = _rgb(text_colour)
        shapes[spot.id] = box
    for person in people:
        manager = person.get("reports_to")
        if manager in shapes and manager != person["id"]:
            _connect(slide, shapes[manager], 2, shapes[person["id"]], 0, MSO_CONNECTOR.ELBOW, dashed=False)
        for other in person.get("dotted_to", []):
            if other in shapes:
                _connect(slide, shapes[other], 3, shapes[person["id"]], 1, MSO_CONNECTOR.CURVE, dashed=True)


def _connect(slide: Any, start: Any, start_point: int, end: Any, end_point: int, kind: Any, dashed: bool) -> None:
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.util import Pt

    line = slide.shapes.add_connector(kind, 0, 0, 0, 0)
    line.begin_connect(start, start_point)  # glued: the line follows when a box is moved
    line.end_connect(end, end_point)
    line.line.color.rgb = _rgb("595959")
    line.line.width = Pt(1.25)
    if dashed:
        line.line.dash_style = MSO_LINE_DASH_STYLE.DASH


def _stakeholder_slide(deck: Deck, report: dict[str, Any]) -> None:
    """Key players first (buying roles, champions, high or decisive influence), then the rest."""
    from kamplan.render.document import STAKEHOLDER_COLUMNS, stakeholder_table

    slide = deck.slide("Key stakeholders")
    deck.table(slide, STAKEHOLDER_COLUMNS, stakeholder_table(report, key_first=True),
               widths=[2.2, 2.8, 2.0, 1.2, 1.1, 3.03], size=10)


def _whitespace_slide(deck: Deck, report: dict[str, Any]) -> None:
    matrix = report["whitespace"]
    slide = deck.slide("Whitespace: units x offerings")
    currency = report["plan"]["account"].get("currency")
    header = ["Unit", *[o["name"] for o in matrix["offerings"]]]
    rows = []
    for row in matrix["rows"]:
        cells = [c["status"] if c["status"] != "unknown" else "" for c in row["cells"]]
        cells = [f"{s} ({_money(c['arr'], currency)})" if s and c["arr"] else s for s, c in zip(cells, row["cells"],
                                                                                                   strict=True)]
        rows.append([row["name"], *cells])
    deck.table(slide, header, rows, size=10 if len(header) < 7 else 8)


def _goals_actions_slide(deck: Deck, report: dict[str, Any], client: bool) -> None:
    plan = report["plan"]
    team = report.get("team", {})
    slide = deck.slide("Goals and actions" if not client else "Our joint plan")
    rows = [["goal", g["title"], str(g.get("target") or ""), g.get("due") or "", g.get("status", "")]
            for g in plan["goals"]]
    rows += [["action", a["title"], team.get(a.get("owner"), {}).get("name") or a.get("owner") or "",
              a.get("due") or "", a.get("status", "") + (" (overdue)" if a.get("overdue") else "")]
             for a in report.get("actions", plan["actions"])]
    if not rows:
        deck.text(slide, 0.5, 1.4, SLIDE_W - 1, 1, ["No goals or actions yet."])
        return
    deck.table(slide, ["", "What", "Target / owner", "Due", "Status"], rows, widths=[1.0, 6.3, 2.3, 1.4, 1.33])


def _objectives_slide(deck: Deck, report: dict[str, Any]) -> None:
    objectives = report["plan"].get("objectives", [])
    slide = deck.slide("Your objectives")
    if not objectives:
        deck.text(slide, 0.5, 1.4, SLIDE_W - 1, 1, ["No shared objectives yet."])
        return
    deck.table(slide, ["Objective", "Due"], [[o["title"], o.get("due") or ""] for o in objectives],
               widths=[10.3, 2.03])


def _risks_slide(deck: Deck, report: dict[str, Any]) -> None:
    plan = report["plan"]
    slide = deck.slide("Risks and renewals")
    rows = [[r.get("severity", ""), r["title"], r.get("mitigation") or ""] for r in plan["risks"]]
    renewal = report.get("renewal")
    currency = plan["account"].get("currency")
    for contract in plan.get("contracts", []):
        if contract.get("end"):
            at_risk = renewal and renewal["id"] == contract["id"] and renewal["at_risk"]
            rows.append(["renewal" + (" at risk" if at_risk else ""),
                         f"{contract.get('title') or contract['id']}: ends {contract['end']}",
                         _money(contract.get("arr"), currency)])
    if not rows:
        deck.text(slide, 0.5, 1.4, SLIDE_W - 1, 1, ["No risks or renewals recorded."])
        return
    deck.table(slide, ["Kind", "What", "Mitigation / ARR"], rows, widths=[1.8, 6.8, 3.73])
