"""A Mermaid flowchart of the org chart (GitHub renders it in Markdown)."""

from __future__ import annotations

import dataclasses

from kamplan.account import Account
from kamplan.render.dot import ChartOptions, visible
from kamplan.render.palette import PALETTES, color_key

_ENTITIES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "{": "#123;", "}": "#125;",
             "[": "#91;", "]": "#93;", "(": "#40;", ")": "#41;", "|": "#124;", "#": "#35;", "`": "#96;"}


def mermaid_text(text: object) -> str:
    """Escape text for a quoted Mermaid label (entity codes; newlines become spaces)."""
    out = []
    for ch in " ".join(str(text).split()):
        out.append(_ENTITIES.get(ch, ch))
    return "".join(out)


MAX_EDGES = 480  # Mermaid refuses more than 500 links (its maxEdges); a margin for its own
MAX_CHARS = 48_000  # and more than 50,000 characters (its maxTextSize)


def build_mermaid(account: Account, options: ChartOptions | None = None) -> str:
    """Return a Mermaid ``flowchart TD`` of the account's org chart, within Mermaid's own limits.

    Solid arrows are reporting lines, dotted arrows dotted lines, thick arrows influence,
    red links conflicts, green links allies; our team appears as rounded nodes. When the chart
    would pass Mermaid's limits (500 links, 50,000 characters), the node budget shrinks until it
    fits: the deepest levels become summary nodes ("+120 people in Logistics"), our team's links
    are left out first, and a notice says so.
    """
    options = options or ChartOptions()
    budget = options.max_nodes
    team = options.show_team
    while True:
        attempt = dataclasses.replace(options, max_nodes=budget, show_team=team, notices=[])
        text, edges = _flowchart(account, attempt)
        if (edges <= MAX_EDGES and len(text) <= MAX_CHARS) or budget <= 1:
            break
        if team:
            team = False
            continue
        budget = max(1, min(int(budget * 0.7), budget - 1, edges // 2 if edges > MAX_EDGES else budget - 1))
    options.notices.extend(attempt.notices)
    if budget < options.max_nodes or team != options.show_team:
        options.notices.append(
            f"mermaid: Mermaid draws at most 500 links and 50,000 characters; this chart shows "
            f"{'its top levels' if budget < options.max_nodes else 'the people'}"
            f"{' without our team' if team != options.show_team else ''} (kamplan chart --format svg draws "
            "everyone)")
    return text


def _flowchart(account: Account, options: ChartOptions) -> tuple[str, int]:
    """The flowchart text and its number of links."""
    graph = account.graph
    chosen = visible(account, options)
    shown = chosen.people
    shown_set = set(shown)
    ids = {pid: f"s{i}" for i, pid in enumerate(shown)}
    lines = ["flowchart TD"]
    palette = PALETTES[options.color_by]
    classes: dict[str, list[str]] = {}
    for pid in shown:
        person = graph.stakeholder(pid)
        label = f"<b>{mermaid_text(person.name)}</b>"
        if person.title:
            label += f"<br/>{mermaid_text(person.title)}"
        if person.status != "active":
            label += f"<br/><i>{mermaid_text(person.status.replace('_', ' '))}</i>"
        lines.append(f'    {ids[pid]}["{label}"]')
        key = "left" if person.status == "left" else color_key(options.color_by, person, graph, account)
        classes.setdefault(key, []).append(ids[pid])
    links: list[str] = []
    styles: list[tuple[int, str]] = []
    for j, (pid, (count, unit)) in enumerate(chosen.summaries.items()):
        text = f"+{count:,} people" + (f" in {mermaid_text(unit)}" if unit else "")
        lines.append(f'    m{j}["{text}"]')
        links.append(f"    {ids[pid]} -.- m{j}")
    for pid in shown:
        manager = graph.manager(pid)
        if manager in shown_set:
            links.append(f"    {ids[manager]} --> {ids[pid]}")
        for dotted in graph.stakeholder(pid).dotted_to:
            if dotted in shown_set and dotted != pid:
                links.append(f"    {ids[dotted]} -.-> {ids[pid]}")
    for tie in account.plan.influence:
        if tie.from_ in shown_set and tie.to in shown_set and tie.from_ != tie.to:
            a, b = ids[tie.from_], ids[tie.to]
            if tie.kind == "influences":
                styles.append((len(links), "stroke:#1f5fbf,stroke-width:2px"))
                links.append(f"    {a} ==>|influences| {b}")
            elif tie.kind == "conflicts":
                styles.append((len(links), "stroke:#d62728,stroke-width:2px"))
                links.append(f"    {a} x--x|conflict| {b}")
            else:
                styles.append((len(links), "stroke:#2ca02c,stroke-width:2px"))
                links.append(f"    {a} ---|allies| {b}")
    if options.show_team:
        rels = [r for r in account.plan.relationships if r.stakeholder in shown_set and r.strength != "none"]
        members = list(dict.fromkeys(r.team for r in rels))
        if members:
            lines.append('    subgraph team["Our account team"]')
            for j, mid in enumerate(members):
                member = account.team.get(mid) or account.declared_people.get(mid)
                lines.append(f'        t{j}(["{mermaid_text(member.name if member and member.name else mid)}"])')
            lines.append("    end")
            index = {mid: f"t{j}" for j, mid in enumerate(members)}
            for rel in rels:
                styles.append((len(links), "stroke:#8e44ad,stroke-dasharray:4 3"))
                links.append(f"    {index[rel.team]} -.-|{rel.strength}| {ids[rel.stakeholder]}")
    lines += links
    for key, members in classes.items():
        if key == "left":
            lines.append("    classDef left fill:#d9d9d9,color:#6b6b6b,stroke:#9e9e9e,stroke-dasharray:3 3")
        else:
            fill, text, _ = palette.get(key, ("#ffffff", "#1a1a1a", key))
            lines.append(f"    classDef c_{key} fill:{fill},color:{text},stroke:#333")
        lines.append(f"    class {','.join(members)} {'left' if key == 'left' else 'c_' + key}")
    for index_, style in styles:
        lines.append(f"    linkStyle {index_} {style}")
    return "\n".join(lines) + "\n", len(links)
