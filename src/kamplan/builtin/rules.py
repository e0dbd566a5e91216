"""Lint rules (warnings): gaps an account manager should close before the next review."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kamplan.account import Account
from kamplan.insights.coverage import coverage_of
from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Finding

KEY_ROLES = ("economic_buyer", "decision_maker")
OPEN_ACTION = ("open", "in_progress", "blocked")


def _warn(message: str, *path: str | int) -> Finding:
    return Finding(message, tuple(path), "warning")


def _active(account: Account) -> Iterator[tuple[int, Any]]:
    for i, person in enumerate(account.plan.stakeholders):
        if person.status != "left":
            yield i, person


def no_economic_buyer(account: Account) -> Iterator[Finding]:
    """W401: nobody in the plan holds the economic_buyer role."""
    if not any("economic_buyer" in p.roles for _, p in _active(account)):
        yield _warn("no economic buyer identified: who signs the cheque?", "stakeholders")


def uncovered_key_people(account: Account) -> Iterator[Finding]:
    """W402: an economic buyer or decision maker without a medium or strong relationship."""
    for i, person in _active(account):
        roles = [r for r in KEY_ROLES if r in person.roles]
        if not roles:
            continue
        found = coverage_of(account, person.id)
        if not found.covered:
            why = (f"their medium or strong ties are stale (last contact {found.last_contact or 'never'})"
                   if found.stale else f"best: {found.best}")
            yield _warn(f"{person.name} ({person.id}, {' and '.join(roles)}) has no fresh medium or strong "
                        f"relationship with our team ({why})", "stakeholders", i)


def single_threaded(account: Account) -> Iterator[Finding]:
    """W403: one team member holds every relationship, or only one stakeholder is covered."""
    by_member = account.graph.relationships_by_member()
    covered = {r.stakeholder for rels in by_member.values() for r in rels}
    if not account.plan.stakeholders:
        return
    if not by_member:
        yield _warn("no relationships: nobody of our team knows anyone at this account", "relationships")
    elif len(by_member) == 1:
        member = next(iter(by_member))
        yield _warn(f"single-threaded: {member!r} holds every relationship ({len(covered)} people)", "relationships")
    elif len(covered) == 1:
        yield _warn(f"single-threaded: only {next(iter(covered))!r} is covered by our team", "relationships")


def stale_relationships(account: Account) -> Iterator[Finding]:
    """W404: a relationship not touched for longer than ``stale_contact_days``."""
    limit = account.settings.stale_contact_days
    for i, rel in enumerate(account.plan.relationships):
        if rel.last_contact and rel.strength != "none":
            age = (account.today - rel.last_contact).days
            if age > limit:
                yield _warn(f"stale relationship {rel.team} -> {rel.stakeholder}: last contact "
                            f"{rel.last_contact} ({age} days ago, limit {limit})", "relationships", i, "last_contact")


def stale_plan(account: Account) -> Iterator[Finding]:
    """W405: the plan was not reviewed within ``stale_review_days`` (or never)."""
    reviewed = account.plan.account.reviewed
    limit = account.settings.stale_review_days
    if reviewed is None:
        yield _warn("plan has no 'reviewed' date", "account")
    elif (account.today - reviewed).days > limit:
        days = (account.today - reviewed).days
        yield _warn(f"stale plan: last reviewed {reviewed} ({days} days ago, limit {limit})", "account", "reviewed")


def unaddressed_blockers(account: Account) -> Iterator[Finding]:
    """W406: a high or decisive blocker with no action or risk about them."""
    plan = account.plan
    addressed = {r.stakeholder for r in plan.risks} | {
        p for a in plan.actions if a.status in OPEN_ACTION for p in a.stakeholders
    }
    for i, person in _active(account):
        if person.attitude == "blocker" and person.influence in ("high", "decisive") and person.id not in addressed:
            yield _warn(f"{person.name} ({person.id}) is a {person.influence}-influence blocker with no open action "
                        "or risk about them", "stakeholders", i, "attitude")


def departed_still_named(account: Account) -> Iterator[Finding]:
    """W407: a stakeholder who left still sponsors an opportunity or is named in an open action."""
    plan = account.plan
    gone = {p.id for p in plan.stakeholders if p.status == "left"}
    for i, cell in enumerate(plan.opportunities):
        if cell.sponsor in gone and cell.status != "not_a_fit":
            yield _warn(f"{cell.sponsor!r} has left but still sponsors ({cell.unit}, {cell.offering})",
                        "opportunities", i, "sponsor")
    for i, action in enumerate(plan.actions):
        if action.status in OPEN_ACTION:
            for j, person_id in enumerate(action.stakeholders):
                if person_id in gone:
                    yield _warn(f"{person_id!r} has left but is named in open action {action.id!r}",
                                "actions", i, "stakeholders", j)


def incomplete_goals(account: Account) -> Iterator[Finding]:
    """W408: a goal without an owner or a due date."""
    for i, goal in enumerate(account.plan.goals):
        missing = [name for name in ("owner", "due") if getattr(goal, name) is None]
        if missing and goal.status not in ("achieved", "dropped"):
            yield _warn(f"goal {goal.id!r} has no {' and no '.join(missing)}", "goals", i)


def overdue_actions(account: Account) -> Iterator[Finding]:
    """W409: an open action past its due date."""
    for i, action in enumerate(account.plan.actions):
        if action.due and action.status in OPEN_ACTION and action.due < account.today:
            days = (account.today - action.due).days
            yield _warn(f"action {action.id!r} is overdue by {days} days (due {action.due})", "actions", i, "due")


def second_economic_buyer(account: Account) -> Iterator[Finding]:
    """W410: more than one economic buyer in one unit."""
    seen: dict[str | None, str] = {}
    for i, person in _active(account):
        if "economic_buyer" in person.roles:
            if person.unit in seen:
                where = f"unit {person.unit!r}" if person.unit else "the account (no unit)"
                yield _warn(f"second economic buyer in {where}: {person.id!r} and {seen[person.unit]!r}",
                            "stakeholders", i, "roles")
            else:
                seen[person.unit] = person.id


def misplaced_cell_fields(account: Account) -> Iterator[Finding]:
    """W411: ``stage``/``close`` on a non-pipeline cell, ``competitor`` on a non-competitor cell."""
    for i, cell in enumerate(account.plan.opportunities):
        for name in ("stage", "close"):
            if getattr(cell, name) is not None and cell.status != "pipeline":
                yield _warn(f"{name} is for pipeline cells, this one is {cell.status}", "opportunities", i, name)
        if cell.competitor is not None and cell.status != "competitor":
            yield _warn(f"competitor is for competitor cells, this one is {cell.status}",
                        "opportunities", i, "competitor")


RULES: dict[str, Callable[[Account], Iterable[Finding]]] = {
    "W401": no_economic_buyer,
    "W402": uncovered_key_people,
    "W403": single_threaded,
    "W404": stale_relationships,
    "W405": stale_plan,
    "W406": unaddressed_blockers,
    "W407": departed_still_named,
    "W408": incomplete_goals,
    "W409": overdue_actions,
    "W410": second_economic_buyer,
    "W411": misplaced_cell_fields,
}


@hookimpl
def register_rules(register: Callable[..., Any]) -> None:
    """Register the lint warnings."""
    for code, func in RULES.items():
        register(code, func)
