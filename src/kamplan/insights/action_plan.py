"""A short action plan, not a list of everything (insights.md, "Recommendations").

Every recommender's suggestions for one account go through :func:`shape`, which keeps only what a
KAM would act on:

- **aware of the account's status**: a churned account gets win-back actions only; a prospect no expand;
- **one next-best action per stakeholder**: the most urgent (then most valuable) suggestion about a
  person; the others are dropped (``uncovered blocker`` and ``get introduced`` are one action);
- **aware of the plan**: no land or expand for a cell a standing decision is about (its offerings and
  units, before ``revisit``) or whose status is competitor, not_a_fit or owned; no introduction to
  someone leaving, gone or a placeholder; an open action that already names the stakeholder replaces
  a relationship suggestion about them (the plan already says it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kamplan.insights.window import revenue_window

if TYPE_CHECKING:
    from kamplan.account import Account

CLOSED_CELLS = ("competitor", "not_a_fit", "owned")
OPEN_ACTIONS = ("open", "in_progress", "blocked")
GONE = ("leaving", "left", "placeholder")


def _status(account: Account) -> str:
    return revenue_window(account).status


def _decided(account: Account, unit: str | None, offering: str | None) -> bool:
    """Whether a standing decision is about the (unit, offering) cell."""
    for decision in account.plan.decisions:
        if decision.revisit is not None and decision.revisit <= account.today:
            continue
        if offering in decision.offerings and (not decision.units or unit in decision.units):
            return True
    return False


def urgency(row: dict[str, Any]) -> tuple[int, float]:
    """How urgent a suggestion is: priority (1 first, none last), then value (largest first)."""
    return (row["priority"] if row["priority"] is not None else 99, -(row["value"] or 0))


def shape(account: Account, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The account's suggestions as a short action plan (see the module docstring)."""
    status = _status(account)
    people = {p.id: p for p in account.plan.stakeholders}
    cells = {(c.unit, c.offering): c for c in account.plan.opportunities}
    in_actions = {pid for a in account.plan.actions if a.status in OPEN_ACTIONS for pid in a.stakeholders}
    kept: list[dict[str, Any]] = []
    for row in rows:
        kind = row["kind"]
        if status == "churned" and kind != "win_back":
            continue
        if status == "prospect" and kind == "expand":
            continue
        if kind in ("land", "expand"):
            cell = cells.get((row["unit"], row["offering"]))
            if (cell is not None and cell.status in CLOSED_CELLS) or _decided(account, row["unit"], row["offering"]):
                continue
        person = people.get(row["stakeholder"]) if row["stakeholder"] else None
        if kind == "relationship" and person is not None and (person.status in GONE or person.id in in_actions):
            continue
        kept.append(row)
    best: dict[str, dict[str, Any]] = {}
    for row in kept:
        pid = row["stakeholder"]
        if pid and row["kind"] not in ("land", "expand", "renewal") and (
                pid not in best or urgency(row) < urgency(best[pid])):
            best[pid] = row
    return [r for r in kept if not r["stakeholder"] or r["kind"] in ("land", "expand", "renewal")
            or best.get(r["stakeholder"]) is r]
