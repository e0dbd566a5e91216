"""Built-in scorers: coverage (with the relationship-map status), freshness, sentiment and health.

Every score is 0..100 and carries the details that explain it; the formulas are in docs/scores.md.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from kamplan.account import Account
from kamplan.insights.coverage import (
    MAP_STATUS_TEXT,
    active_people,
    coverage_of,
    effective_last_contact,
    is_fresh,
    is_key_player,
    key_player_ids,
    key_players,
    map_status,
)
from kamplan.insights.window import revenue_window
from kamplan.plan.model import Stakeholder
from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Score

ROLE_WEIGHT = {"economic_buyer": 3.0, "decision_maker": 2.5}
INFLUENCE_WEIGHT = {"low": 0.5, "medium": 1.0, "high": 1.5, "decisive": 2.0}
STRENGTH_VALUE = {"none": 0.0, "weak": 0.3, "medium": 0.7, "strong": 1.0}
ATTITUDE_VALUE = {"champion": 1.0, "supporter": 0.75, "neutral": 0.5, "skeptic": 0.25, "blocker": 0.0}
def person_weight(person: Stakeholder) -> float:
    """How much covering this person matters: role weight x influence weight."""
    role = max((ROLE_WEIGHT.get(r, 1.0) for r in person.roles), default=1.0)
    if is_key_player(person) and role == 1.0:
        role = 1.5
    return role * INFLUENCE_WEIGHT[person.influence]


def _credit(account: Account, person_id: str, without: str | None) -> tuple[float, bool]:
    """A person's coverage credit and whether they are covered (insights.coverage), ``without`` a member.

    Covered: the strength value of the strongest fresh medium or strong tie; else ``STALE_CREDIT`` for
    a medium or strong tie that is stale, 0.3 for a weak tie, 0 for none. Without a member, the same,
    on the ties the others hold (a person that member does not know keeps their credit).
    """
    found = coverage_of(account, person_id)
    if without is None or without not in found.members:
        if found.covered and found.tie is not None:
            return STRENGTH_VALUE[found.tie.strength], True
        return (STALE_CREDIT if found.stale else STRENGTH_VALUE["weak"] if found.best == "weak" else 0.0), False
    return _credit_from(account, person_id, without)


def _credit_from(account: Account, person_id: str, without: str) -> tuple[float, bool]:
    """:func:`_credit` of a person ``without`` knows, from the ties the other members hold."""
    best, stale, weak = 0.0, False, False
    for rel in account.graph.relationships_of(person_id):
        if rel.team == without or rel.strength == "none":
            continue
        if rel.strength == "weak":
            weak = True
        elif is_fresh(account, effective_last_contact(account, rel)):
            best = max(best, STRENGTH_VALUE[rel.strength])
        else:
            stale = True
    if best:
        return best, True
    return (STALE_CREDIT if stale else STRENGTH_VALUE["weak"] if weak else 0.0), False


STALE_CREDIT = 0.15  # an old medium or strong tie is worth a little, but it does not cover anyone


def coverage(account: Account, *, without: str | None = None) -> Score:
    """How well our team covers the people who decide, weighted by role and influence.

    A key player covered by the one coverage model (a fresh medium or strong tie) counts with the
    strength of that tie; an uncovered one counts 0.3 for a weak tie and 0.15 for stale ties only.
    The lists in the details (``uncovered``, ``key_players_covered``) are exactly the model's.

    Args:
        account: The account.
        without: Leave this team member's relationships out (what their departure would cost).
    """
    keys = key_players(account)
    targets, weights = _targets(account)
    total = covered_value = 0.0
    rows: list[dict[str, Any]] = []
    for person in targets:
        weight = weights[person.id]
        credit, is_covered = _credit(account, person.id, without)
        total += weight
        covered_value += weight * credit
        rows.append({"stakeholder": person.id, "weight": round(weight, 2), "covered": is_covered,
                     "credit": round(credit, 2)})
    value = 100.0 * covered_value / total if total else 0.0
    status = map_status(account) if without is None else None
    details: dict[str, Any] = {
        "map_status": status,
        "map_status_text": MAP_STATUS_TEXT.get(status) if status is not None else None,
        "key_players": len(keys),
        "key_players_covered": sum(1 for r in rows if r["covered"]) if keys else 0,
        "uncovered": [r["stakeholder"] for r in rows if not r["covered"]],
        "people": rows,
    }
    return Score(round(value, 1), details)


def coverage_without_each(account: Account, members: list[str | None]) -> dict[str | None, float]:
    """``coverage(account, without=m).value`` for each of ``members`` (None: nobody left out), without
    the details, in one pass (the key-person risk asks it for every team member). Each sum is taken in
    the same order as there."""
    targets, weights = _targets(account)
    total = 0.0
    covered = dict.fromkeys(members, 0.0)
    for person in targets:
        weight = weights[person.id]
        total += weight
        knows = coverage_of(account, person.id).members
        kept = _credit(account, person.id, None)[0] * weight  # the credit of anyone who does not know them
        for member in members:
            covered[member] += (_credit_from(account, person.id, member)[0] * weight
                                if member is not None and member in knows else kept)
    return {member: round(100.0 * value / total if total else 0.0, 1) for member, value in covered.items()}


def _targets(account: Account) -> tuple[list[Stakeholder], dict[str, float]]:
    """Whom the coverage score weighs (the key players, else everyone active), and each person's weight."""
    targets = key_players(account) or active_people(account)
    weights = account.memo("person_weights", lambda: {p.id: person_weight(p) for p in targets}, timeless=True)
    return targets, weights


def freshness(account: Account) -> Score:
    """How recently our relationships were touched: 100 within half the stale limit, 0 at twice it."""
    limit = account.settings.stale_contact_days
    rels = [r for r in account.plan.relationships if r.strength != "none"]
    if not rels:
        return Score(0.0, {"relationships": 0, "reason": "no relationships"})
    weighted = total = 0.0
    ages = []
    for rel in rels:
        weight = STRENGTH_VALUE[rel.strength]
        if rel.last_contact is None:
            fresh = 0.0
        else:
            age = (account.today - rel.last_contact).days
            ages.append(age)
            fresh = 1.0 if age <= limit / 2 else max(0.0, 1.0 - (age - limit / 2) / (1.5 * limit))
        weighted += weight * fresh
        total += weight
    return Score(round(100.0 * weighted / total, 1), {
        "relationships": len(rels),
        "stale": sum(1 for a in ages if a > limit),
        "undated": len(rels) - len(ages),
        "median_age_days": statistics.median(ages) if ages else None,
        "stale_contact_days": limit,
    })


def sentiment(account: Account) -> Score:
    """Influence-weighted attitude (champion 100 .. blocker 0); a key player of unknown attitude counts as 0.

    An unknown position of someone who decides is a red flag (as on the Blue Sheet): it lowers the
    score and never lifts it. Other people of unknown attitude are left out. Its value is None when nobody counts.
    """
    people = active_people(account)
    keys = key_player_ids(account)
    counted = [(p, ATTITUDE_VALUE.get(p.attitude, 0.0)) for p in people
               if p.attitude != "unknown" or p.id in keys]
    counts = {a: sum(1 for p in people if p.attitude == a) for a in (*ATTITUDE_VALUE, "unknown")}
    unknown_keys = [p.id for p in people if p.attitude == "unknown" and p.id in keys]
    if not counted:
        return Score(None, {"counts": counts, "reason": "no attitude known"})
    total = sum(INFLUENCE_WEIGHT[p.influence] for p, _ in counted)
    value = sum(INFLUENCE_WEIGHT[p.influence] * v for p, v in counted) / total
    return Score(round(100.0 * value, 1), {"counts": counts, "unknown_key_players": unknown_keys})


def revenue_trend(account: Account) -> Score:
    """From the window's NRR (insights.md): 0.7 or less = 0, 0.9 = 50, 1.1 or more = 100; None outside the cohort."""
    window = revenue_window(account)
    nrr = window.ratios()["nrr"]
    if nrr is None:
        return Score(None, {"reason": window.detail or "no twelve-month window", "status": window.status})
    value = max(0.0, min(100.0, 50.0 + 250.0 * (nrr - 0.9)))
    return Score(round(value, 1), {"nrr": round(nrr, 4), "from": window.period_then, "to": window.period_now})


def renewal(account: Account) -> Score:
    """Contracts: 0 when one is a renewal risk (W508), 60 when a renewal is due within 90 days and being
    worked on, else 100; None without contracts."""
    from kamplan.insights.contracts import renewal_risks, upcoming

    contracts = [c for c in account.plan.contracts if c.status in ("active", "renewing")]
    if not contracts:
        return Score(None, {"reason": "no active contract in the plan"})
    risks = renewal_risks(account)
    if risks:
        return Score(0.0, {"at_risk": [c.id for c in risks]})
    soon = upcoming(account, days=90)
    return Score(60.0 if soon else 100.0, {"due_within_90_days": [c.id for c in soon]})


KEY_PEOPLE_DAYS = 180


def key_people(account: Account) -> Score:
    """Champions and economic buyers staying: 100, minus 40 per one leaving and 50 per one gone in the
    last 180 days (``since`` on a person who left); None when the plan names neither role."""
    key = [p for p in account.plan.stakeholders if {"champion", "economic_buyer"} & set(p.roles)
           or p.attitude == "champion"]
    if not key:
        return Score(None, {"reason": "no champion or economic buyer in the plan"})
    leaving = [p.id for p in key if p.status == "leaving"]
    gone = [p.id for p in key if p.status == "left" and p.since is not None
            and 0 <= (account.today - p.since).days <= KEY_PEOPLE_DAYS]
    value = max(0, 100 - 40 * len(leaving) - 50 * len(gone))
    return Score(float(value), {"leaving": leaving, "left_recently": gone})


def hygiene(account: Account) -> Score:
    """Plan upkeep: 100, minus 15 per overdue action, 30 for a stale or missing review, 10 per loose goal."""
    plan = account.plan
    overdue = [a.id for a in plan.actions
               if a.due and a.status in ("open", "in_progress", "blocked") and a.due < account.today]
    reviewed = plan.account.reviewed
    stale = reviewed is None or (account.today - reviewed).days > account.settings.stale_review_days
    loose_goals = [g.id for g in plan.goals
                   if (g.owner is None or g.due is None) and g.status not in ("achieved", "dropped")]
    value = 100 - 15 * len(overdue) - (30 if stale else 0) - 10 * len(loose_goals)
    return Score(float(max(0, value)),
                 {"overdue_actions": overdue, "stale_review": stale, "goals_without_owner_or_due": loose_goals})


HEALTH_PARTS: dict[str, Callable[[Account], Score]] = {
    "coverage": coverage,
    "freshness": freshness,
    "sentiment": sentiment,
    "revenue": revenue_trend,
    "renewal": renewal,
    "key_people": key_people,
    "hygiene": hygiene,
}


def health(account: Account) -> Score:
    """A weighted scorecard of parts (``settings.health_weights``); a part that does not apply is n/a,
    its weight shared among the others and named. A number for active accounts only."""
    window = revenue_window(account)
    if window.status != "active":
        return Score(None, {"status": window.status,
                            "reason": f"health is for active accounts; this one is {window.status}"})
    weights = {k: float(v) for k, v in account.settings.health_weights.items() if k in HEALTH_PARTS and v > 0}
    if not weights:
        weights = {k: 1.0 for k in HEALTH_PARTS}
    results = {name: HEALTH_PARTS[name](account) for name in weights}
    parts = {k: r.value for k, r in results.items() if r.value is not None}
    not_applicable = {k: str(r.details.get("reason", "does not apply")) for k, r in results.items() if r.value is None}
    used = {k: weights[k] for k in parts}
    total = sum(used.values())
    if not total:
        return Score(None, {"reason": "no part of the scorecard applies", "not_applicable": not_applicable})
    value = sum(parts[k] * used[k] for k in used) / total
    return Score(round(value, 1), {
        "parts": {k: {"value": parts[k], "weight": used[k], "share": round(used[k] / total, 3),
                      "contribution": round(parts[k] * used[k] / total, 1)} for k in used},
        "not_applicable": not_applicable,
    })


@hookimpl
def register_scorers(register: Callable[..., Any]) -> None:
    """Register coverage, freshness, sentiment and health."""
    register("coverage", coverage)
    register("freshness", freshness)
    register("sentiment", sentiment)
    register("health", health)
