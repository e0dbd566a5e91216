"""What hangs on a deal, in money and time: its chance and expected value, who it depends on, and how
its close date makes an action urgent. Shared by the built-in recommenders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kamplan.account import Account
from kamplan.plan.model import Opportunity

DEFAULT_STAGE_PROBABILITY = {"qualification": 0.1, "discovery": 0.2, "proposal": 0.4, "negotiation": 0.7,
                             "commit": 0.9}
DEFAULT_PROBABILITY = 0.2
WHITESPACE_CHANCE = 0.1  # an unqualified cell: its estimate is worth a tenth until it is a deal


def probability(account: Account, cell: Opportunity) -> tuple[float, str]:
    """A deal's chance to close: ``probability``, else by ``stage`` (``settings.stage_probability`` over
    the defaults, matched without case), else 0.2; with where it came from."""
    if cell.probability is not None:
        return cell.probability, f"probability {cell.probability:g}"
    given = account.settings.settings.stage_probability
    stages = {**DEFAULT_STAGE_PROBABILITY, **{k.lower(): v for k, v in given.items()}}
    if cell.stage and cell.stage.lower() in stages:
        chance = stages[cell.stage.lower()]
        return chance, f"probability {chance:g} for stage {cell.stage}"
    return DEFAULT_PROBABILITY, f"default probability {DEFAULT_PROBABILITY:g}"


def expected_value(account: Account, cell: Opportunity) -> tuple[float | None, str | None]:
    """ARR x probability for a deal, ARR x 0.1 for a whitespace estimate; with the basis in words."""
    if cell.arr is None:
        return None, None
    currency = account.plan.account.currency or ""
    if cell.status == "pipeline":
        chance, why = probability(account, cell)
    else:
        chance, why = WHITESPACE_CHANCE, f"{WHITESPACE_CHANCE:g} for an unqualified whitespace estimate"
    return cell.arr * chance, f"ARR {cell.arr:,.0f} {currency} x {why}".replace("  ", " ")


def days_until(account: Account, date: dt.date | None) -> int | None:
    """Days from the as-of date to ``date`` (negative when past), or None without a date."""
    return (date - account.today).days if date else None


def deal_words(account: Account, cell: Opportunity) -> str:
    """A deal in words: ``Analytics in Group Finance``."""
    return f"{offering_name(account.offerings.get(cell.offering), cell.offering)} in {unit_name(account, cell.unit)}"


def deals_at_stake(account: Account, person_id: str) -> list[tuple[Opportunity, float | None, str | None]]:
    """The open deals ``person_id`` sponsors or is a buying influence of, with their expected values,
    most valuable first."""
    return list(_deals_by_person(account).get(person_id, ()))


def _deals_by_person(account: Account) -> dict[str, list[tuple[Opportunity, float | None, str | None]]]:
    """:func:`deals_at_stake` of everyone, from one pass over the open deals."""
    def build() -> dict[str, list[tuple[Opportunity, float | None, str | None]]]:
        found: dict[str, list[tuple[Opportunity, float | None, str | None]]] = {}
        for cell in account.plan.opportunities:
            if cell.status != "pipeline":
                continue
            valued = (cell, *expected_value(account, cell))
            people = {b.stakeholder for b in cell.buying_influences} | ({cell.sponsor} if cell.sponsor else set())
            for person in people:
                found.setdefault(person, []).append(valued)
        for deals in found.values():
            deals.sort(key=lambda item: -(item[1] or 0))
        return found

    return account.memo("deals_by_person", build)


def stake(account: Account, person_id: str) -> tuple[float | None, str | None, int | None, dt.date | None]:
    """The largest open deal that hangs on ``person_id``: value, basis, days to its close, its close."""
    deals = deals_at_stake(account, person_id)
    if not deals:
        return None, None, None, None
    cell, value, basis = deals[0]
    closing = days_until(account, cell.close)
    return value, (f"at stake: {deal_words(account, cell)}, {basis}" if basis else None), closing, cell.close


def due_by(account: Account, days: int, close: dt.date | None) -> dt.date:
    """In ``days`` days, or by the deal's close when that comes sooner (and is still ahead)."""
    due = account.today + dt.timedelta(days=days)
    return close if close is not None and account.today <= close < due else due


def time_priority(priority: int, closing: int | None) -> int:
    """A deal closing within 30 days makes its action priority 1, within 90 days at least 2."""
    if closing is not None and 0 <= closing <= 30:
        return 1
    if closing is not None and 0 <= closing <= 90:
        return min(priority, 2)
    return priority


def offering_name(offering: Any, fallback: str) -> str:
    """An offering's name, or ``fallback`` (its id) when the portfolio does not name it."""
    return offering.name if offering is not None and offering.name else fallback


def unit_name(account: Account, unit_id: str) -> str:
    """A unit's name (the first unit of that id in the plan), or its id."""
    names = account.memo("unit_names", lambda: {u.id: u.name for u in reversed(account.plan.units)}, timeless=True)
    return names.get(unit_id) or unit_id
