"""Integrity rules (errors): duplicate ids, unknown references, loops, duplicate cells."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kamplan.account import Account
from kamplan.errors import quote, unknown_parent_message
from kamplan.insights.periods import period_granularity
from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Finding


def _error(message: str, *path: str | int) -> Finding:
    return Finding(message, tuple(path), "error")


def duplicate_ids(account: Account) -> Iterator[Finding]:
    """E300: an id used twice in one list (and a revenue period or relationship given twice)."""
    plan = account.plan
    for section in ("units", "offerings", "team", "stakeholders", "goals", "actions", "contracts", "objectives"):
        seen: dict[str, int] = {}
        for i, entry in enumerate(getattr(plan, section)):
            if entry.id in seen:
                yield _error(f"duplicate id {quote(entry.id)} in {section} (first at {section}[{seen[entry.id]}])",
                             section, i, "id")
            else:
                seen[entry.id] = i
    periods: dict[str, int] = {}
    for i, point in enumerate(plan.revenue):
        if point.period in periods:
            yield _error(f"duplicate revenue period {point.period!r}", "revenue", i, "period")
        periods.setdefault(point.period, i)
    pairs: dict[tuple[str, str], int] = {}
    for i, rel in enumerate(plan.relationships):
        key = (rel.team, rel.stakeholder)
        if key in pairs:
            yield _error(f"duplicate relationship {rel.team!r} -> {rel.stakeholder!r} "
                         f"(first at relationships[{pairs[key]}])", "relationships", i)
        pairs.setdefault(key, i)


def unknown_references(account: Account) -> Iterator[Finding]:
    """E301: a reference to an id that does not exist."""
    plan = account.plan
    units = {u.id for u in plan.units}
    people = {s.id for s in plan.stakeholders}
    team = set(account.team) | set(account.declared_people)
    offerings = set(account.offerings)
    goals = {g.id for g in plan.goals}

    found: list[Finding] = []

    def check(value: str | None, known: set[str], what: str, *path: str | int) -> None:
        # a call per reference, not a generator: a plan has about a thousand of them
        if value is not None and value not in known:
            found.append(_error(f"unknown {what} {quote(value)}", *path))

    check(plan.account.owner, team, "team member", "account", "owner")
    if plan.account.parent is not None and plan.account.parent not in account.portfolio_ids:
        found.append(_error(unknown_parent_message(plan.account.parent), "account", "parent"))
    for i, unit in enumerate(plan.units):
        check(unit.parent, units, "unit", "units", i, "parent")
    for i, member in enumerate(plan.team):
        if account.team[member.id].name is None:
            found.append(_error(f"team member {member.id!r} has no name and is not declared in kamplan.yaml people",
                                "team", i, "id"))
    for i, person in enumerate(plan.stakeholders):
        check(person.unit, units, "unit", "stakeholders", i, "unit")
        check(person.reports_to, people, "stakeholder", "stakeholders", i, "reports_to")
        for j, manager in enumerate(person.dotted_to):
            check(manager, people, "stakeholder", "stakeholders", i, "dotted_to", j)
    for i, rel in enumerate(plan.relationships):
        check(rel.team, team, "team member", "relationships", i, "team")
        check(rel.stakeholder, people, "stakeholder", "relationships", i, "stakeholder")
    for i, tie in enumerate(plan.influence):
        check(tie.from_, people, "stakeholder", "influence", i, "from")
        check(tie.to, people, "stakeholder", "influence", i, "to")
    objectives = {o.id for o in plan.objectives}
    for i, cell in enumerate(plan.opportunities):
        check(cell.unit, units, "unit", "opportunities", i, "unit")
        check(cell.offering, offerings, "offering", "opportunities", i, "offering")
        check(cell.sponsor, people, "stakeholder", "opportunities", i, "sponsor")
        for j, influence in enumerate(cell.buying_influences):
            check(influence.stakeholder, people, "stakeholder", "opportunities", i, "buying_influences", j,
                             "stakeholder")
    for i, goal in enumerate(plan.goals):
        check(goal.owner, team, "team member", "goals", i, "owner")
        check(goal.objective, objectives, "objective", "goals", i, "objective")
    for i, objective in enumerate(plan.objectives):
        check(objective.owner, people, "stakeholder", "objectives", i, "owner")
        for j, offering in enumerate(objective.offerings):
            check(offering, offerings, "offering", "objectives", i, "offerings", j)
    for i, action in enumerate(plan.actions):
        check(action.owner, team, "team member", "actions", i, "owner")
        check(action.goal, goals, "goal", "actions", i, "goal")
        for j, person_id in enumerate(action.stakeholders):
            check(person_id, people, "stakeholder", "actions", i, "stakeholders", j)
    for i, decision in enumerate(plan.decisions):
        for j, person_id in enumerate(decision.decided_by):
            check(person_id, people, "stakeholder", "decisions", i, "decided_by", j)
        for j, offering in enumerate(decision.offerings):
            check(offering, offerings, "offering", "decisions", i, "offerings", j)
        for j, unit_id in enumerate(decision.units):
            check(unit_id, units, "unit", "decisions", i, "units", j)
    for i, risk in enumerate(plan.risks):
        check(risk.stakeholder, people, "stakeholder", "risks", i, "stakeholder")
    for i, meeting in enumerate(plan.interactions):
        for j, member_id in enumerate(meeting.team):
            check(member_id, team, "team member", "interactions", i, "team", j)
        for j, person_id in enumerate(meeting.stakeholders):
            check(person_id, people, "stakeholder", "interactions", i, "stakeholders", j)
    for i, contract in enumerate(plan.contracts):
        check(contract.unit, units, "unit", "contracts", i, "unit")
        for j, offering in enumerate(contract.offerings):
            check(offering, offerings, "offering", "contracts", i, "offerings", j)
    yield from found


def find_loops(parent_of: dict[str, str | None]) -> list[list[str]]:
    """Every cycle of a ``child -> parent`` mapping, each listed once from its first member."""
    loops: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    for start in parent_of:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            loops.append(walk[walk.index(node):])
        for visited in walk:
            state[visited] = 2
    return loops


def reporting_loops(account: Account) -> Iterator[Finding]:
    """E302: a reports_to chain (or a unit's parent chain) that loops, self-report included."""
    plan = account.plan
    index = {p.id: i for i, p in enumerate(plan.stakeholders)}
    for loop in find_loops({p.id: p.reports_to for p in plan.stakeholders}):
        shown = " -> ".join([*loop, loop[0]])
        message = (f"{loop[0]!r} reports to themself" if len(loop) == 1
                   else f"reports_to loop: {shown}")
        yield _error(message, "stakeholders", index[loop[0]], "reports_to")
    unit_index = {u.id: i for i, u in enumerate(plan.units)}
    for loop in find_loops({u.id: u.parent for u in plan.units}):
        yield _error(f"unit parent loop: {' -> '.join([*loop, loop[0]])}", "units", unit_index[loop[0]], "parent")


def duplicate_cells(account: Account) -> Iterator[Finding]:
    """E303: two opportunities for the same (unit, offering) cell."""
    seen: dict[tuple[str, str], int] = {}
    for i, cell in enumerate(account.plan.opportunities):
        key = (cell.unit, cell.offering)
        if key in seen:
            yield _error(f"duplicate cell ({cell.unit}, {cell.offering}) (first at opportunities[{seen[key]}])",
                         "opportunities", i)
        seen.setdefault(key, i)


def mixed_granularity(account: Account) -> Iterator[Finding]:
    """E304: revenue periods of more than one granularity in one plan."""
    revenue = account.plan.revenue
    if not revenue:
        return
    first = period_granularity(revenue[0].period)
    for i, point in enumerate(revenue):
        kind = period_granularity(point.period)
        if kind != first:
            yield _error(f"revenue period {point.period!r} is a {kind}, but this plan counts in {first}s "
                         f"({revenue[0].period!r}); use one granularity per plan", "revenue", i, "period")


def conflicting_people(account: Account) -> Iterator[Finding]:
    """E305: a team member declared in the plan and in kamplan.yaml with different names."""
    for i, member in enumerate(account.plan.team):
        declared = account.declared_people.get(member.id)
        if declared and member.name and declared.name and member.name != declared.name:
            yield _error(f"team member {member.id!r} is {member.name!r} here but {declared.name!r} in kamplan.yaml",
                         "team", i, "name")


RULES: dict[str, Callable[[Account], Iterable[Finding]]] = {
    "E300": duplicate_ids,
    "E301": unknown_references,
    "E302": reporting_loops,
    "E303": duplicate_cells,
    "E304": mixed_granularity,
    "E305": conflicting_people,
}


@hookimpl
def register_rules(register: Callable[..., Any]) -> None:
    """Register the integrity rules (errors)."""
    for code, func in RULES.items():
        register(code, func)
