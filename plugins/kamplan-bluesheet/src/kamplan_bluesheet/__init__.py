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
    """Role holders per buying influence for one opportunity: the sponsor plus people of its unit chain."""
    chain = units_up(account, cell.unit)
    people = [p for p in account.plan.stakeholders if p.unit in chain or p.id == cell.sponsor]
    return {name: [p for p in people if any(r in p.roles for r in roles)] for name, roles in INFLUENCES.items()}


def red_flags(account: Any, influence: str, holders: list[Any]) -> list[str]:
    """What is wrong with one buying influence."""
    if not holders:
        return [f"no {influence.lower()} identified"]
    flags = []
    for person in holders:
        if not account.graph.coverage(person.id).covered:
            flags.append(f"{person.name}: no medium or strong relationship")
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
                  "| buying influence | who | attitude | our best relationship | red flags |",
                  "|---|---|---|---|---|"]
        all_flags = []
        for influence, holders in influences_for(account, cell).items():
            flags = red_flags(account, influence, holders)
            all_flags += flags
            who = ", ".join(md(p.name) for p in holders) or "-"
            attitude = ", ".join(p.attitude for p in holders) or "-"
            best = ", ".join(account.graph.coverage(p.id).best for p in holders) or "-"
            lines.append(f"| {influence} | {who} | {attitude} | {best} | {md('; '.join(flags)) or 'none'} |")
        lines += ["", f"**Red flags: {len(all_flags)}**", ""]
    return "\n".join(lines) + "\n"


@kamplan.hookimpl
def register_exporters(register: Callable[..., Any]) -> None:
    """Register the ``bluesheet`` exporter (Markdown)."""
    register("bluesheet", bluesheet, ".md")
