"""Build the DOT source of an org chart from an account (renderer-independent)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import graphviz

from kamplan.account import Account
from kamplan.errors import UsageError
from kamplan.plan.model import Stakeholder
from kamplan.render.palette import COLOR_MODES, EDGE_STYLES, PALETTES, STRENGTH_WIDTH, color_key, coverage_key
from kamplan.render.values import initials

DEFAULT_MAX_NODES = 1500


@dataclass
class ChartOptions:
    """What to draw.

    Attributes:
        root: Draw this stakeholder and the people below them only.
        depth: Levels below the root (1 = direct reports); None = all.
        color_by: ``attitude``, ``role``, ``coverage`` or ``influence``.
        show_team: Draw our team and their relationships.
        team: How: ``badges`` (on each person: the initials and strength of who knows them, and a
            border coloured by the coverage) or ``cluster`` (our team as boxes with lines to the people).
        view: Draw only part of the map: ``unit:ID`` (a unit and the units below it), ``role:ROLE``
            (the people with that buying role) or ``team:ID`` (whom that team member knows), each with
            the managers above them.
        redact: Leave contact details and notes out of tooltips.
        legend: Draw the legend.
        max_nodes: Node budget; above it the deepest levels are summarised ("+1,234 people in Logistics").
        notices: Filled with what the reader should know (a summarised chart), for the CLI to print.
    """

    root: str | None = None
    depth: int | None = None
    color_by: str = "attitude"
    show_team: bool = True
    team: str = "badges"
    view: str | None = None
    redact: bool = False
    legend: bool = True
    max_nodes: int = DEFAULT_MAX_NODES
    notices: list[str] = field(default_factory=list)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
TOOLTIP_LIMIT = 300


def esc(text: object) -> str:
    """Escape text for a plain Graphviz label: backslashes would start escapes like \\N, and control
    characters (invalid in the SVG's XML) are dropped."""
    return _CONTROL.sub("", str(text).replace("\\", "\\\\").replace("\n", " ").replace("\r", " "))


def plain(label: str) -> str:
    """A label Graphviz takes as text even when it looks like ``<b>HTML</b>`` (names are never markup)."""
    return graphviz.nohtml(label)


def tooltip_text(text: str) -> str:
    """A tooltip: escaped like a label, line ends kept, shortened (a note may be pages long)."""
    lines = [esc(line) for line in text.splitlines()]
    joined = "\n".join(line for line in lines if line)
    if len(joined) > TOOLTIP_LIMIT:
        joined = joined[:TOOLTIP_LIMIT - 1].rstrip("\\") + "…"
    return plain(joined)


def focus(account: Account, options: ChartOptions) -> list[str]:
    """Ids of the stakeholders to draw, in plan order.

    Raises:
        UsageError: When ``root`` is not a stakeholder of the account, or ``depth`` < 0.
    """
    graph = account.graph
    if options.depth is not None and options.depth < 0:
        raise UsageError("--depth must be 0 or more")
    if options.view is not None:
        return _view(account, options.view)
    if options.root is None:
        if options.depth is None:
            return [p.id for p in account.plan.stakeholders]
        keep = {pid for top in graph.roots() for pid in graph.subtree(top, options.depth)}
        return [p.id for p in account.plan.stakeholders if p.id in keep]
    if options.root not in graph:
        raise UsageError(f"--root {options.root!r} is not a stakeholder of {account.id}")
    keep = set(graph.subtree(options.root, options.depth))
    return [p.id for p in account.plan.stakeholders if p.id in keep]


VIEWS = ("unit", "role", "team")


def _view(account: Account, view: str) -> list[str]:
    """The people of a ``--view`` (see :class:`ChartOptions`) and the managers above them, in plan order.

    Raises:
        UsageError: On an unknown view or id.
    """
    kind, _, ident = view.partition(":")
    plan = account.plan
    graph = account.graph
    if kind not in VIEWS or not ident:
        raise UsageError(f"--view must be unit:ID, role:ROLE or team:ID, not {view!r}")
    if kind == "unit":
        units = {u.id for u in plan.units}
        if ident not in units:
            raise UsageError(f"--view unit:{ident}: no such unit in {account.id}")
        below, changed = {ident}, True
        while changed:
            changed = False
            for unit in plan.units:
                if unit.parent in below and unit.id not in below:
                    below.add(unit.id)
                    changed = True
        chosen = {p.id for p in plan.stakeholders if p.unit in below}
    elif kind == "role":
        chosen = {p.id for p in plan.stakeholders if ident in p.roles or (ident == "champion" and p.attitude == ident)}
        if not chosen:
            raise UsageError(f"--view role:{ident}: nobody in {account.id} has that role")
    else:
        if ident not in account.team and ident not in account.declared_people:
            raise UsageError(f"--view team:{ident}: not a team member of {account.id}")
        chosen = {r.stakeholder for r in plan.relationships if r.team == ident and r.strength != "none"}
    keep = set(chosen)
    for pid in chosen:  # the managers above them: the path from the top to each person
        keep.update(graph.chain_of_managers(pid))
    return [p.id for p in plan.stakeholders if p.id in keep]


@dataclass
class Visible:
    """Who a chart draws: people, and summary nodes standing for the people below a cut."""

    people: list[str]
    summaries: dict[str, tuple[int, str | None]]


def visible(account: Account, options: ChartOptions) -> Visible:
    """Apply the focus, then the node budget: cut the deepest levels and summarise what is below.

    The cut is the deepest level at which the people above it plus one summary node per cut
    subtree fit in ``max_nodes``; a notice in ``options.notices`` says how to see the rest.
    """
    shown = focus(account, options)
    if len(shown) <= options.max_nodes:
        return Visible(shown, {})
    graph = account.graph
    shown_set = set(shown)
    depth: dict[str, int] = {}
    below: dict[str, list[str]] = {}
    for pid in shown:
        manager = graph.manager(pid)
        if manager in shown_set:
            below.setdefault(manager, []).append(pid)
    frontier = [p for p in shown if graph.manager(p) not in shown_set]
    level = 0
    by_level: list[list[str]] = []
    while frontier:
        by_level.append(frontier)
        for pid in frontier:
            depth[pid] = level
        frontier = [c for p in frontier for c in below.get(p, []) if c not in depth]
        level += 1
    cut, total = 0, 0
    for level, people in enumerate(by_level):
        total += len(people)
        with_children = sum(1 for p in people if below.get(p))
        if total + with_children > options.max_nodes and level > 0:
            break
        cut = level
    kept = [p for p in shown if depth.get(p, 0) <= cut]
    summaries: dict[str, tuple[int, str | None]] = {}
    units = {u.id: u.name or u.id for u in account.plan.units}
    for pid in by_level[cut]:
        if below.get(pid):
            hidden, stack = [], list(below[pid])
            while stack:
                current = stack.pop()
                hidden.append(current)
                stack.extend(below.get(current, []))
            counts: dict[str | None, int] = {}
            for person in hidden:
                unit = graph.stakeholder(person).unit
                counts[unit] = counts.get(unit, 0) + 1
            top_unit = max(counts, key=lambda u: counts[u])
            summaries[pid] = (len(hidden), units.get(top_unit, top_unit) if top_unit else None)
    options.notices.append(
        f"{len(shown):,} people exceed the chart budget of {options.max_nodes:,} (--max-nodes): drawing "
        f"{len(kept):,} down to level {cut} with {len(summaries):,} summary nodes; "
        "focus with --root ID --depth N to see the rest")
    return Visible(kept, summaries)


def _label(person: Stakeholder) -> str:
    lines = [esc(person.name)]
    if person.title:
        lines.append(esc(person.title))
    marks = []
    if person.status in ("left", "leaving", "new_in_role", "placeholder"):
        marks.append(person.status.replace("_", " ").upper())
    if person.roles:
        marks.append(", ".join(r.replace("_", " ") for r in person.roles))
    if marks:
        lines.append(f"[{esc(' · '.join(marks))}]")
    return "\n".join(lines)


ASSISTANT_TITLE = re.compile(r"\b(assistant|secretary|chief of staff|personal assistant|PA to)\b|"
                             r"помощни|ассистент|секретар|assistent|assistante|sekretär", re.IGNORECASE)


def is_assistant(person: Stakeholder) -> bool:
    """Tagged ``assistant``, or titled as one (assistant, secretary, chief of staff, помощник...)."""
    return "assistant" in person.tags or bool(person.title and ASSISTANT_TITLE.search(person.title))


UNIT_CLUSTER_LIMIT = 150  # above, units are named in the boxes: boxes grouped by unit cross reporting lines
STACK_WIDTH = 4  # a manager's people without reports of their own, in rows of this many


def _stack_wide_levels(dot: graphviz.Digraph, graph: Any, shown: list[str]) -> None:
    """Under a manager with many people who have no reports, put those people in rows of
    ``STACK_WIDTH`` (invisible edges from each to the one a row below) instead of one very wide row."""
    shown_set = set(shown)
    reports: dict[str, list[str]] = {}
    for pid in shown:
        manager = graph.manager(pid)
        if manager in shown_set:
            reports.setdefault(manager, []).append(pid)
    for people in reports.values():
        leaves = [p for p in people if not reports.get(p)]
        if len(leaves) <= STACK_WIDTH + 1:
            continue
        for upper, lower in zip(leaves, leaves[STACK_WIDTH:], strict=False):
            dot.edge(f"s/{upper}", f"s/{lower}", style="invis", weight="2")


# The border of a person in badge mode, by coverage (insights.coverage): colour and width.
BORDER = {"strong": ("#14532d", "3"), "medium": ("#14532d", "2.2"), "weak": ("#b7791f", "1.8"),
          "stale": ("#6b6b6b", "1.8")}


def _badge(account: Account, person_id: str, only: str | None) -> str:
    """``● JD strong · MK weak``: who of our team knows the person, strongest first (two at most)."""
    ties = [r for r in account.graph.relationships_of(person_id) if r.strength != "none"
            and (only is None or r.team == only)]
    if not ties:
        return ""
    shown = []
    for rel in ties[:2]:
        member = account.team.get(rel.team) or account.declared_people.get(rel.team)
        shown.append(f"{initials(member.name if member and member.name else rel.team)} {rel.strength}")
    more = f" +{len(ties) - 2}" if len(ties) > 2 else ""
    return "● " + " · ".join(shown) + more


def _tooltip(person: Stakeholder, redact: bool) -> str:
    parts = [person.name, person.title or "", f"attitude: {person.attitude}", f"influence: {person.influence}"]
    if not redact:
        if person.contact and person.contact.email:
            parts.append(person.contact.email)
        if person.notes:
            parts.append(person.notes)
    return "\n".join(p for p in parts if p)


LEGEND_ROW = 5
LEGEND_LINES = (
    ("reports_to", "reports to"),
    ("dotted", "dotted line"),
    ("influences", "influences"),
    ("conflicts", "conflict"),
    ("allies", "allies"),
    ("relationship", "our relationship (thicker = stronger)"),
)


def _legend(dot: graphviz.Digraph, mode: str, used: set[str], options: ChartOptions, below: str | None,
            badges: bool = False) -> None:
    """A legend cluster: a row of real colour swatches, then a row of real line samples.

    ``below`` is a node of the deepest rank; an invisible edge from it puts the legend under the chart.
    """
    swatches: list[tuple[str, str, dict[str, str]]] = []
    for key, (fill, text, label) in PALETTES[mode].items():
        if key in used:
            swatches.append((f"legend/{mode}/{key}", label, {"fillcolor": fill, "fontcolor": text}))
    swatches.append(("legend/status/placeholder", "placeholder",
                     {"fillcolor": "#ffffff", "style": "rounded,filled,dashed"}))
    swatches.append(("legend/status/left", "has left", {"fillcolor": "#d9d9d9", "color": "#9e9e9e",
                                                         "fontcolor": "#6b6b6b"}))
    if badges:
        swatches.append(("legend/coverage/covered", "covered\n(● JD strong: who\nof our team knows them)",
                         {"fillcolor": "#ffffff", "color": BORDER["strong"][0], "penwidth": BORDER["strong"][1]}))
        swatches.append(("legend/coverage/stale", "stale tie", {"fillcolor": "#ffffff", "color": BORDER["stale"][0],
                                                                "penwidth": BORDER["stale"][1]}))
    lines = [(k, label) for k, label in LEGEND_LINES
             if k != "relationship" or (options.show_team and options.team == "cluster")]
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(label=f"Legend (colour = {mode})", style="rounded", color="#9e9e9e", fontcolor="#333333",
                    fontsize="12", labeljust="l")
        firsts: list[str] = []
        for start in range(0, len(swatches), LEGEND_ROW):  # a compact block of short rows, not one long one
            with legend.subgraph() as row:
                row.attr(rank="same")
                for name, label, attrs in swatches[start:start + LEGEND_ROW]:
                    row.node(name, label, fontsize="10", style=attrs.pop("style", "rounded,filled"),
                             margin="0.08,0.03", **attrs)
            firsts.append(swatches[start][0])
        for start in range(0, len(lines), LEGEND_ROW):
            with legend.subgraph() as row:
                row.attr(rank="same")
                for kind, label in lines[start:start + LEGEND_ROW]:
                    a, b = f"legend/{kind}/a", f"legend/{kind}/b"
                    row.node(a, "", shape="point", width="0.04", color="#ffffff")
                    row.node(b, label, shape="plaintext", style="", fontsize="10", margin="0.02,0.02")
                    attrs = {k: v for k, v in EDGE_STYLES[kind].items() if k != "constraint"}
                    attrs.setdefault("penwidth", "2")
                    row.edge(a, b, minlen="1", **attrs)
            firsts.append(f"legend/{lines[start][0]}/a")
        for upper, lower in itertools.pairwise(firsts):
            legend.edge(upper, lower, style="invis")
    if below:
        dot.edge(below, swatches[0][0], style="invis")


def build_dot(account: Account, options: ChartOptions | None = None) -> str:
    """Return the DOT source of the account's org chart.

    Args:
        account: The account to draw.
        options: Focus, colour mode and what to show.

    Returns:
        DOT source, UTF-8 text.

    Raises:
        UsageError: On an unknown colour mode or focus.
    """
    options = options or ChartOptions()
    if options.color_by not in COLOR_MODES:
        raise UsageError(f"--color-by must be one of {', '.join(COLOR_MODES)}, not {options.color_by!r}")
    graph = account.graph
    chosen = visible(account, options)
    shown = chosen.people
    shown_set = set(shown)
    dot = graphviz.Digraph(account.id or "chart")
    dot.attr(rankdir="TB", charset="UTF-8", fontname="Helvetica", labelloc="t", newrank="true",
             label=plain(esc(account.name)), fontsize="18", nodesep="0.35", ranksep="0.6")
    dot.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", margin="0.12,0.06")
    dot.attr("edge", fontname="Helvetica")
    used_colors: set[str] = set()
    palette = PALETTES[options.color_by]
    if options.team not in ("badges", "cluster"):
        raise UsageError(f"--team must be badges or cluster, not {options.team!r}")
    badges = options.show_team and options.team == "badges"
    team_filter = options.view.partition(":")[2] if options.view and options.view.startswith("team:") else None
    badges_drawn: list[str] = []

    units = {u.id: u for u in account.plan.units}
    members_by_unit: dict[str | None, list[Stakeholder]] = {}
    for pid in shown:
        person = graph.stakeholder(pid)
        members_by_unit.setdefault(person.unit if person.unit in units else None, []).append(person)

    def add_person(target: graphviz.Digraph, person: Stakeholder, unit_name: str | None = None) -> None:
        key = color_key(options.color_by, person, graph, account)
        used_colors.add(key)
        fill, text, _ = palette.get(key, ("#ffffff", "#1a1a1a", key))
        style = "rounded,filled"
        color = "#333333"
        if person.status == "placeholder":
            style += ",dashed"
        if person.status == "left":
            fill, text, color = "#d9d9d9", "#6b6b6b", "#9e9e9e"
        label = _label(person)
        if unit_name:
            label += "\n" + esc(f"({unit_name})")
        penwidth = "1"
        if badges:
            badge = _badge(account, person.id, team_filter)
            if badge:
                label += "\n" + esc(badge)
                badges_drawn.append(person.id)
            color, penwidth = BORDER.get(coverage_key(account, person.id), (color, "1"))
            if person.status == "left":
                color, penwidth = "#9e9e9e", "1"
        target.node(f"s/{person.id}", plain(label), fontcolor=text, fillcolor=fill, style=style,
                    color=color, penwidth=penwidth, tooltip=tooltip_text(_tooltip(person, options.redact)),
                    id=f"s-{person.id}")

    children: dict[str | None, list[str]] = {}
    for unit in account.plan.units:
        parent = unit.parent if unit.parent in units and unit.parent != unit.id else None
        children.setdefault(parent, []).append(unit.id)

    def has_people(unit_id: str, seen: frozenset[str] = frozenset()) -> bool:
        if unit_id in seen:
            return False
        return bool(members_by_unit.get(unit_id)) or any(
            has_people(c, seen | {unit_id}) for c in children.get(unit_id, []))

    def add_unit(target: graphviz.Digraph, unit_id: str, seen: frozenset[str]) -> None:
        if unit_id in seen or not has_people(unit_id):
            return
        with target.subgraph(name=f"cluster_u_{unit_id}") as cluster:
            unit = units[unit_id]
            cluster.attr(label=plain(esc(unit.name or unit.id)), style="rounded,dashed",
                         color="#9e9e9e", fontcolor="#555555", fontsize="12", labeljust="l")
            for person in members_by_unit.get(unit_id, []):
                add_person(cluster, person)
            place_assistants(cluster, members_by_unit.get(unit_id, []))
            for child in children.get(unit_id, []):
                add_unit(cluster, child, seen | {unit_id})

    reports_of: dict[str, int] = {}
    for pid in shown:
        boss = graph.manager(pid)
        if boss in shown_set:
            reports_of[boss] = reports_of.get(boss, 0) + 1
    beside: set[str] = set()

    def place_assistants(target: graphviz.Digraph, people: list[Stakeholder]) -> None:
        """An assistant (or chief of staff) without reports sits beside their manager, in the same unit."""
        here = {p.id for p in people}
        for person in people:
            boss = graph.manager(person.id)
            if boss in here and not reports_of.get(person.id) and is_assistant(person):
                with target.subgraph() as row:
                    row.attr(rank="same")
                    row.node(f"s/{boss}")
                    row.node(f"s/{person.id}")
                beside.add(person.id)

    if len(shown) <= UNIT_CLUSTER_LIMIT:
        for top in children.get(None, []):
            add_unit(dot, top, frozenset())
        for person in members_by_unit.get(None, []):
            add_person(dot, person)
        place_assistants(dot, members_by_unit.get(None, []))
    else:  # a big chart: a pure tree, whose reporting lines never cross; the unit is in each box
        everyone = [graph.stakeholder(pid) for pid in shown]
        for person in everyone:
            add_person(dot, person, units[person.unit].name if person.unit in units else None)
        place_assistants(dot, everyone)

    for pid in shown:
        person = graph.stakeholder(pid)
        manager = graph.manager(pid)
        if manager in shown_set:
            attrs = dict(EDGE_STYLES["reports_to"])
            if pid in beside:  # drawn sideways, beside the manager: the line does not rank them
                attrs["constraint"] = "false"
            dot.edge(f"s/{manager}", f"s/{pid}", **attrs)
        for dotted in person.dotted_to:
            if dotted in shown_set and dotted != pid:
                dot.edge(f"s/{dotted}", f"s/{pid}", **EDGE_STYLES["dotted"])
    _stack_wide_levels(dot, graph, shown)
    for pid, (count, unit_name) in chosen.summaries.items():
        label = f"+{count:,} {'person' if count == 1 else 'people'}" + (f"\nin {esc(unit_name)}" if unit_name else "")
        dot.node(f"more/{pid}", plain(label), shape="box", style="rounded,dashed", color="#777777", fontcolor="#333333",
                 fillcolor="#ffffff", id=f"more-{pid}")
        dot.edge(f"s/{pid}", f"more/{pid}", style="dashed", color="#777777", arrowhead="none")
    for tie in account.plan.influence:
        if tie.from_ in shown_set and tie.to in shown_set and tie.from_ != tie.to:
            attrs = dict(EDGE_STYLES[tie.kind])
            attrs["penwidth"] = {"low": "1", "medium": "1.6", "high": "2.4"}[tie.strength]
            dot.edge(f"s/{tie.from_}", f"s/{tie.to}", **attrs)

    if options.show_team and options.team == "cluster":
        rels = [r for r in account.plan.relationships if r.stakeholder in shown_set and r.strength != "none"
                and (team_filter is None or r.team == team_filter)]
        members = list(dict.fromkeys(r.team for r in rels))
        if members:
            with dot.subgraph(name="cluster_team") as team:
                team.attr(label="Our account team", style="rounded,filled", fillcolor="#f3e9f7",
                          color="#8e44ad", fontcolor="#5b2c6f")
                for mid in members:
                    member = account.team.get(mid) or account.declared_people.get(mid)
                    name = (member.name if member and member.name else mid)
                    role = member.role.replace("_", " ") if member and member.role else ""
                    label = esc(name) + (f"\n{esc(role)}" if role else "")
                    team.node(f"t/{mid}", plain(label), shape="box", style="rounded,filled", fillcolor="#ffffff",
                              color="#8e44ad", id=f"t-{mid}")
            for rel in rels:
                attrs = dict(EDGE_STYLES["relationship"])
                attrs["penwidth"] = STRENGTH_WIDTH.get(rel.strength, "1")
                attrs["tooltip"] = tooltip_text(f"{rel.team} knows {rel.stakeholder}: {rel.strength}")
                dot.edge(f"t/{rel.team}", f"s/{rel.stakeholder}", **attrs)

    if options.legend:
        deepest = max(shown, key=graph.depth_of, default=None)
        _legend(dot, options.color_by, used_colors, options, f"s/{deepest}" if deepest else None,
                bool(badges_drawn))
    return dot.source

