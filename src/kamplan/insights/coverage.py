"""One meaning of "covered" (insights.md, "Coverage: one meaning"), used by every figure and rule.

A stakeholder is **covered** when a team member has a ``medium`` or ``strong`` relationship with them
whose last contact (the later of its ``last_contact`` and the latest interaction naming both) is
within ``stale_contact_days`` of the as-of date; an undated relationship is not fresh. The KPI, the
coverage score's lists, the relationship-map status, the rules, the recommendations, the chart and
the site all ask :func:`coverage_of`, so the same person is covered or not everywhere.

**Key players** are economic buyers, decision makers, champions and anyone of decisive influence;
people who left and placeholders never are; people leaving are, and are flagged.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, NamedTuple

from kamplan.plan.model import STRENGTH_RANK

if TYPE_CHECKING:
    from kamplan.account import Account
    from kamplan.plan.model import Relationship, Stakeholder


SUPPORTIVE = ("champion", "supporter")
KEY_ROLES = ("economic_buyer", "decision_maker", "champion")
MAP_STATUS_TEXT = {
    0: "no key player covered",
    1: "some key players covered",
    2: "every economic buyer and at least half of the key players covered",
    3: "status 2, with a covered champion and no uncovered high or decisive blocker",
}


class PersonCoverage(NamedTuple):  # a named tuple: built for every person of every plan, cheaply
    """How our team covers one stakeholder at the as-of date.

    Attributes:
        stakeholder: The stakeholder's id.
        covered: A fresh medium or strong relationship exists.
        tie: The relationship that gives the coverage (the strongest fresh one), if any.
        best: The strongest relationship of any age (``none`` when nobody knows them).
        last_contact: The effective last contact of ``tie`` (or of the strongest tie when uncovered).
        stale: A medium or strong relationship exists, but none is fresh.
        members: Team members with any relationship, strongest first.
    """

    stakeholder: str
    covered: bool
    tie: Relationship | None
    best: str
    last_contact: dt.date | None
    stale: bool
    members: tuple[str, ...]


def _interaction_dates(account: Account) -> dict[tuple[str, str], dt.date]:
    """The latest interaction naming each (team member, stakeholder) pair."""
    def build() -> dict[tuple[str, str], dt.date]:
        latest: dict[tuple[str, str], dt.date] = {}
        for meeting in account.plan.interactions:
            if meeting.date > account.today:
                continue  # a future meeting is a plan, not a contact
            for member in meeting.team:
                for person in meeting.stakeholders:
                    key = (member, person)
                    if key not in latest or latest[key] < meeting.date:
                        latest[key] = meeting.date
        return latest

    return account.memo("interaction_dates", build)


_MEDIUM = STRENGTH_RANK["medium"]


def _later(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return b if a is None else a if b is None else max(a, b)


def effective_last_contact(account: Account, rel: Relationship) -> dt.date | None:
    """The later of the relationship's ``last_contact`` and the latest interaction naming both."""
    return _later(rel.last_contact, _interaction_dates(account).get((rel.team, rel.stakeholder)))


def is_fresh(account: Account, when: dt.date | None) -> bool:
    """Whether a contact on ``when`` is within ``stale_contact_days`` of the as-of date (undated: never)."""
    return when is not None and (account.today - when).days <= account.settings.stale_contact_days


def stale_ties(account: Account) -> frozenset[tuple[str, str]]:
    """The ``(team member, stakeholder)`` relationships whose effective last contact is not fresh."""
    return frozenset(account.memo("stale_ties", lambda: frozenset(
        (r.team, r.stakeholder) for r in account.plan.relationships
        if not is_fresh(account, effective_last_contact(account, r)))))


def coverage_of(account: Account, person_id: str) -> PersonCoverage:
    """How our team covers ``person_id`` (computed once per person and account)."""
    table: dict[str, PersonCoverage] | None = account.__dict__.get("_coverage_table")  # asked ~500 times a plan
    if table is None:
        table = account.__dict__["_coverage_table"] = {}
    known = table.get(person_id)
    if known is not None:
        return known
    today, limit, met = account.memo("freshness_context", lambda: (
        account.today, account.settings.stale_contact_days, _interaction_dates(account)))
    rels = [r for r in account.graph.relationships_of(person_id) if r.strength != "none"]
    solid, fresh = [], []
    for rel in rels:
        if STRENGTH_RANK[rel.strength] >= _MEDIUM:
            when = _later(rel.last_contact, met.get((rel.team, rel.stakeholder)))
            solid.append((rel, when))
            if when is not None and (today - when).days <= limit:  # is_fresh, inlined: asked for everyone
                fresh.append((rel, when))
    fresh.sort(key=lambda item: (-STRENGTH_RANK[item[0].strength], -(item[1].toordinal() if item[1] else 0)))
    if fresh:
        tie, when = fresh[0]
    elif rels:
        tie, when = None, effective_last_contact(account, rels[0])
    else:
        tie, when = None, None
    found = PersonCoverage(person_id, bool(fresh), tie, rels[0].strength if rels else "none", when,
                           bool(solid) and not fresh, tuple([r.team for r in rels]))
    table[person_id] = found
    return found


def active_people(account: Account) -> list[Stakeholder]:
    """Stakeholders who are there (not left, not an unidentified placeholder)."""
    return list(account.memo("active_people", lambda: [p for p in account.plan.stakeholders
                                                       if p.status not in ("left", "placeholder")],
                             timeless=True))


def key_players(account: Account) -> list[Stakeholder]:
    """The active people who are key players, in plan order: :func:`is_key_player`, and the buying
    influences of open pipeline deals (while the deal is open, whoever decides it decides)."""
    def build() -> list[Stakeholder]:
        deal = {b.stakeholder for cell in account.plan.opportunities if cell.status == "pipeline"
                for b in cell.buying_influences}
        return [p for p in active_people(account) if is_key_player(p) or p.id in deal]

    return list(account.memo("key_players", build, timeless=True))


def key_player_ids(account: Account) -> set[str]:
    """The ids of :func:`key_players`."""
    return account.memo("key_player_ids", lambda: {p.id for p in key_players(account)}, timeless=True)


def is_key_player(person: Stakeholder) -> bool:
    """Economic buyers, decision makers, champions (by role or attitude) and anyone of decisive influence."""
    if person.status in ("left", "placeholder"):
        return False
    roles = person.roles  # a model field read costs a pydantic hook: read it once, not once per role
    return (any(r in roles for r in KEY_ROLES) or person.attitude == "champion"
            or person.influence == "decisive")


def covered_key_players(account: Account) -> list[Stakeholder]:
    """The key players who are covered."""
    return list(account.memo("covered_key_players",
                             lambda: [p for p in key_players(account) if coverage_of(account, p.id).covered]))


def map_status(account: Account) -> int:
    """The relationship-map status 0..3 (``MAP_STATUS_TEXT``; kamplan's own scale, insights.md)."""
    keys = key_players(account)
    covered = {p.id for p in covered_key_players(account)}
    if not covered:
        return 0
    buyers = [p for p in keys if "economic_buyer" in p.roles]
    if not buyers or any(p.id not in covered for p in buyers) or len(covered) * 2 < len(keys):
        return 1
    champion = any(p.id in covered and ("champion" in p.roles or p.attitude == "champion") for p in keys)
    blocker = any(p.attitude == "blocker" and p.influence in ("high", "decisive")
                  and not coverage_of(account, p.id).covered for p in active_people(account))
    return 3 if champion and not blocker else 2
