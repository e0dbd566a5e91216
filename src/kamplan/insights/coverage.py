"""Who counts and who is covered: active people, key players and the relationship-map status."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kamplan.account import Account
    from kamplan.plan.model import Stakeholder


SUPPORTIVE = ("champion", "supporter")
KEY_ROLES = ("economic_buyer", "decision_maker")
MAP_STATUS_TEXT = {
    0: "no contacts",
    1: "no key players covered",
    2: "key players covered, none supportive",
    3: "supportive key players covered",
}


def active_people(account: Account) -> list[Stakeholder]:
    """Stakeholders who are there (not left, not an unidentified placeholder)."""
    return list(account.memo("active_people", lambda: [p for p in account.plan.stakeholders
                                                       if p.status not in ("left", "placeholder")]))


def key_players(account: Account) -> list[Stakeholder]:
    """The active people who are key players (see :func:`is_key_player`), in plan order."""
    return list(account.memo("key_players", lambda: [p for p in active_people(account) if is_key_player(p)]))


def is_key_player(person: Stakeholder) -> bool:
    """Economic buyers, decision makers and people of high or decisive influence."""
    return any(r in person.roles for r in KEY_ROLES) or person.influence in ("high", "decisive")


def map_status(account: Account) -> int:
    """The relationship-map status 0..3 (see ``MAP_STATUS_TEXT``)."""
    graph = account.graph
    people = active_people(account)
    if not any(graph.coverage(p.id).best != "none" for p in people):
        return 0
    covered_keys = [p for p in key_players(account) if graph.coverage(p.id).covered]
    if not covered_keys:
        return 1
    return 3 if any(p.attitude in SUPPORTIVE for p in covered_keys) else 2
