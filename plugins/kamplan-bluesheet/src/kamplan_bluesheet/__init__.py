"""Blue Sheet exporter: Miller Heiman's four buying influences per opportunity, with red flags."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import kamplan

__version__ = "0.1.0"

# Buying influence -> the plan's buying roles that fill it.
INFLUENCES = {
    "Economic buyer": ("economic_buyer",),
    "User buyers": ("user_buyer", "end_user"),
    "Technical buyers": ("technical_buyer", "evaluator", "gatekeeper"),
    "Coach": ("coach", "champion"),
}
OPEN = ("pipeline", "competitor", "whitespace")
# A deal's own buying influences (opportunities[].buying_influences) -> the Blue Sheet's rows.
STATED = {"economic_buyer": "Economic buyer", "user_buyer": "User buyers", "technical_buyer": "Technical buyers",
          "coach": "Coach"}
# Response modes in which a buying influence sees no reason to change: red flags on a Blue Sheet.
NO_CHANGE = ("even_keel", "overconfident")


def md(text: Any) -> str:
    """Escape text for a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def units_up(account: Any, unit_id: str) -> list[str]:
    """The unit and its parents: people there buy for it."""
    parents = {u.id: u.parent for u in account.plan.units}
    chain, current = [], unit_id
    while current and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def influences_for(account: Any, cell: Any) -> dict[str, list[Any]]:
    """Role holders per buying influence for one opportunity.

    A deal that names its own ``buying_influences`` is read as written: the deal's economic buyer is
    the one who signs this deal, whoever holds the role in the unit. Otherwise they are inferred from
    the buying roles of the sponsor and the people of the cell's unit chain.
    """
    if cell.buying_influences:
        people = {p.id: p for p in account.plan.stakeholders}
        found: dict[str, list[Any]] = {name: [] for name in INFLUENCES}
        for influence in cell.buying_influences:
            if influence.stakeholder in people:
                found[STATED[influence.role]].append(people[influence.stakeholder])
        return found
    chain = units_up(account, cell.unit)
    people = [p for p in account.plan.stakeholders if p.unit in chain or p.id == cell.sponsor]
    return {name: [p for p in people if any(r in p.roles for r in roles)] for name, roles in INFLUENCES.items()}


def stated_of(cell: Any, person_id: str) -> Any:
    """The deal's own buying-influence entry for a person, if it names one."""
    return next((b for b in cell.buying_influences if b.stakeholder == person_id), None)


def red_flags(account: Any, influence: str, holders: list[Any], cell: Any = None) -> list[str]:
    """What is wrong with one buying influence (uncovered, a blocker, changing jobs, no reason to change)."""
    from kamplan.insights.coverage import coverage_of

    if not holders:
        return [f"no {influence.lower()} identified"]
    flags = []
    for person in holders:
        if not coverage_of(account, person.id).covered:
            flags.append(f"{person.name}: no fresh medium or strong relationship")
        stated = stated_of(cell, person.id) if cell is not None else None
        if stated is not None and stated.mode in NO_CHANGE:
            flags.append(f"{person.name}: {stated.mode.replace('_', ' ')} (sees no reason to change)")
        if stated is not None and not stated.win:
            flags.append(f"{person.name}: no win identified")
        if person.attitude == "blocker":
            flags.append(f"{person.name}: blocker")
        if person.status in ("new_in_role", "leaving", "left"):
            flags.append(f"{person.name}: {person.status.replace('_', ' ')}")
    return flags


def bluesheet(account: Any, options: Mapping[str, Any]) -> str:
    """The Blue Sheet of every open opportunity of the account, as Markdown."""
    plan = account.plan
    lines = [f"# Blue Sheet: {md(plan.account.name)}", ""]
    cells = [c for c in plan.opportunities if c.status in OPEN]
    if not cells:
        lines.append("No open opportunities (pipeline, competitor or whitespace).")
    units = {u.id: u.name or u.id for u in plan.units}
    for cell in cells:
        offering = account.offerings.get(cell.offering)
        offering_name = offering.name if offering and offering.name else cell.offering
        title = f"{offering_name} for {units.get(cell.unit, cell.unit)}"
        lines += [f"## {md(title)}", "",
                  f"Status: {cell.status}" + (f", stage {md(cell.stage)}" if cell.stage else "")
                  + (f", close {cell.close}" if cell.close else "")
                  + (f", ARR {cell.arr:,.0f} {plan.account.currency or ''}".rstrip() if cell.arr else "")
                  + (f", competitor {md(cell.competitor)}" if cell.competitor else ""), "",
                  "| buying influence | who | attitude | mode | win | our best relationship | red flags |",
                  "|---|---|---|---|---|---|---|"]
        all_flags = []
        for influence, holders in influences_for(account, cell).items():
            flags = red_flags(account, influence, holders, cell)
            all_flags += flags
            who = ", ".join(md(p.name) for p in holders) or "-"
            attitude = ", ".join(p.attitude for p in holders) or "-"
            stated = [stated_of(cell, p.id) for p in holders]
            mode = ", ".join(s.mode.replace("_", " ") for s in stated if s is not None and s.mode) or "-"
            win = "; ".join(md(s.win) for s in stated if s is not None and s.win) or "-"
            best = ", ".join(account.graph.coverage(p.id).best for p in holders) or "-"
            lines.append(f"| {influence} | {who} | {attitude} | {mode} | {win} | {best} | "
                         f"{md('; '.join(flags)) or 'none'} |")
        lines += ["", f"**Red flags: {len(all_flags)}**", ""]
    return "\n".join(lines) + "\n"


@kamplan.hookimpl
def register_exporters(register: Callable[..., Any]) -> None:
    """Register the ``bluesheet`` exporter (Markdown)."""
    register("bluesheet", bluesheet, ".md")
