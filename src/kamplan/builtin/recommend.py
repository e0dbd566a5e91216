"""Built-in recommenders: land and expand, path to power, and relationship risks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any, Literal

from kamplan.account import Account
from kamplan.builtin.deal_stakes import (
    days_until,
    deal_words,
    deals_at_stake,
    due_by,
    expected_value,
    offering_name,
    stake,
    time_priority,
    unit_name,
)
from kamplan.builtin.scoring import coverage_without_each
from kamplan.graph import WarmPath
from kamplan.insights.coverage import active_people, coverage_of, key_players, stale_ties
from kamplan.insights.window import revenue_window
from kamplan.plan.model import STRENGTH_RANK, Opportunity, Stakeholder
from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Recommendation

OPEN_CELLS = ("whitespace", "pipeline")  # competitor, not_a_fit and owned cells get no land or expand
MAX_INTERMEDIARIES = 3
STEP_WORDS = {"relationship": "knows", "reports_to": "reports to", "manages": "manages",
              "dotted_to": "dotted line to", "dotted_manages": "dotted-line manager of", "influences": "influences",
              "influenced_by": "is influenced by", "allies": "is allied with"}


def _priority(score: float) -> int:
    """Map a 0..1 urgency to priority 1 (most urgent) .. 5."""
    for priority, threshold in ((1, 0.8), (2, 0.6), (3, 0.4), (4, 0.2)):
        if score >= threshold:
            return priority
    return 5


def _who(person: Stakeholder) -> str:
    extra = [x for x in (person.title, person.attitude if person.attitude != "unknown" else None) if x]
    return f"{person.name} ({', '.join(extra)})" if extra else person.name


def _units_below(account: Account, unit_id: str) -> list[str]:
    """``unit_id`` and every unit below it, in a stable order (the unit, then plan order)."""
    def build() -> list[str]:
        below = {unit_id}
        changed = True
        while changed:
            changed = False
            for unit in account.plan.units:
                if unit.parent in below and unit.id not in below:
                    below.add(unit.id)
                    changed = True
        return [unit_id, *(u.id for u in account.plan.units if u.id in below and u.id != unit_id)]

    return list(account.memo(f"units_below:{unit_id}", build, timeless=True))


def _cell_value(cell: Opportunity, largest: float) -> float:
    return (cell.arr or 0) / largest if largest else 0.0


def land_expand(account: Account) -> Iterator[Recommendation]:
    """Rank every whitespace, pipeline and competitor cell by value, adjacency, access and obstacles."""
    plan = account.plan
    graph = account.graph
    owned = [c for c in plan.opportunities if c.status == "owned"]
    owned_pairs = {(c.unit, c.offering) for c in owned}
    units = {u.id: u for u in plan.units}
    cells = [c for c in plan.opportunities if c.status in OPEN_CELLS]
    largest = max((c.arr or 0 for c in cells), default=0)
    objective_offerings = {o for objective in plan.objectives for o in objective.offerings}
    for cell in cells:
        unit = units.get(cell.unit)
        offering = account.offerings.get(cell.offering)
        reasons: list[str] = []
        adjacency = 0.0
        parent = unit.parent if unit else None
        siblings = [u.id for u in plan.units if u.parent == parent and u.id != cell.unit] if unit else []
        owned_nearby = [u for u in siblings if (u, cell.offering) in owned_pairs]
        if owned_nearby:
            adjacency += 0.5
            reasons.append(f"{offering_name(offering, cell.offering)} is owned in sibling unit "
                           f"{', '.join(unit_name(account, u) for u in owned_nearby)}")
        if parent and (parent, cell.offering) in owned_pairs:
            adjacency += 0.5
            reasons.append(f"owned in the parent unit {unit_name(account, parent)}")
        family = offering.family if offering else None
        same_family = [c.offering for c in owned if c.unit == cell.unit and family
                       and (account.offerings.get(c.offering) and account.offerings[c.offering].family == family)
                       and c.offering != cell.offering]
        if same_family:
            adjacency += 0.4
            reasons.append(f"{', '.join(same_family)} of the same family ({family}) is owned in this unit")
        members, best, friends, known = _unit_access(account, cell.unit)
        access = best / 3 * 0.5 + min(len(friends), 2) * 0.15
        if known:
            reasons.append("we know " + ", ".join(_who(m) for m in known[:3]))
        elif friends:
            reasons.append("supporters there we do not know yet: " + ", ".join(_who(m) for m in friends[:3]))
        else:
            reasons.append("nobody of our team knows anyone in this unit")
        sponsor = graph.stakeholder(cell.sponsor) if cell.sponsor and cell.sponsor in graph else None
        if sponsor and sponsor.status == "leaving":
            access += 0.05
            reasons.append(f"sponsor {_who(sponsor)} is leaving: name a new sponsor before the close")
        elif sponsor and sponsor.status != "left":
            access += 0.2 if sponsor.attitude in ("champion", "supporter") else 0.05
            reasons.append(f"sponsor: {_who(sponsor)}")
        elif sponsor:
            reasons.append(f"sponsor {_who(sponsor)} has left: the deal has no sponsor")
        blockers = [m for m in members if m.attitude == "blocker"]
        obstacles = sum(0.4 if m.influence in ("high", "decisive") else 0.2 for m in blockers)
        if blockers:
            reasons.append("blocker: " + ", ".join(_who(m) for m in blockers))
        if cell.status == "competitor":
            obstacles += 0.2
            reasons.append(f"incumbent competitor {cell.competitor or '(unnamed)'}")
        kind: Literal["expand", "land"] = "expand" if any(c.unit == cell.unit for c in owned) else "land"
        goal = cell.offering in objective_offerings
        if goal:
            reasons.append("serves a client objective")
        score = max(0.0, min(1.0, 0.45 * _cell_value(cell, largest) + 0.3 * min(adjacency, 1.0) + 0.35 * access
                             - 0.3 * obstacles + (0.1 if cell.status == "pipeline" else 0.0) + (0.1 if goal else 0.0)))
        priority = _priority(score)
        closing = days_until(account, cell.close) if cell.status == "pipeline" else None
        priority = time_priority(priority, closing)
        if closing is not None and 0 <= closing <= 90:
            reasons.append(f"closes in {closing} days")
        if plan.account.tier == "strategic":
            priority = max(1, priority - 1)
        value, basis = expected_value(account, cell)
        verb = "Expand" if kind == "expand" else "Land"
        yield Recommendation(
            kind=kind,
            title=f"{verb} {offering_name(offering, cell.offering)} in {unit_name(account, cell.unit)} ({cell.status})",
            reason="; ".join(reasons),
            priority=priority,
            value=value,
            value_basis=basis,
            due=cell.close if cell.status == "pipeline" and cell.close and cell.close >= account.today
            else account.today + dt.timedelta(days=90),
            unit=cell.unit,
            offering=cell.offering,
            stakeholder=cell.sponsor,
            details={"score": round(score, 3), "adjacency": round(adjacency, 2), "access": round(access, 2),
                     "obstacles": round(obstacles, 2), "status": cell.status},
        )


def _unit_access(account: Account, unit_id: str) -> tuple[list[Stakeholder], int, list[Stakeholder], list[Stakeholder]]:
    """Who is there in a unit and the units below it, the strongest tie we have with any of them
    (0..3), the champions and supporters among them, and those we cover (once per unit: cells share units)."""
    def build() -> tuple[list[Stakeholder], int, list[Stakeholder], list[Stakeholder]]:
        graph = account.graph
        members = [graph.stakeholder(p) for u in _units_below(account, unit_id) for p in graph.unit_members(u)]
        members = [m for m in members if m.status != "left"]
        found = [coverage_of(account, m.id) for m in members]  # .best: the strongest tie of any age
        best = max((STRENGTH_RANK[c.best] for c in found), default=0)
        friends = [m for m in members if m.attitude in ("champion", "supporter")]
        known = [m for m, c in zip(members, found, strict=True) if c.covered]
        return members, best, friends, known

    return account.memo(f"unit_access:{unit_id}", build)


def describe_path(account: Account, path: WarmPath) -> str:
    """``Jane Doe -> Ingrid Larsen (champion, strong) -[influences]-> Stefan Hoffmann``."""
    graph = account.graph
    member = account.team.get(path.team_member) or account.declared_people.get(path.team_member)
    text = member.name if member and member.name else path.team_member
    for index, (person_id, step) in enumerate(zip(path.people, path.steps, strict=True)):
        person = graph.stakeholder(person_id)
        label = STEP_WORDS.get(step, step.replace("_", " "))
        if index == 0 and (path.team_member, person_id) in stale_ties(account):
            label += ", stale"
        attitude = person.attitude
        notes = [n for n in (attitude if attitude != "unknown" else None,
                             "leaving" if person.status == "leaving" else None) if n]
        text += f" -[{label}]-> {person.name}" + (f" ({', '.join(notes)})" if notes else "")
    return text


def _rivals(account: Account, person_id: str) -> set[str]:
    """The people in a ``conflicts`` tie with ``person_id`` (a path never passes through them)."""
    def build() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for tie in account.plan.influence:
            if tie.kind == "conflicts":
                found.setdefault(tie.from_, set()).add(tie.to)
                found.setdefault(tie.to, set()).add(tie.from_)
        return found

    return set(account.memo("rivals", build, timeless=True).get(person_id, ()))


def relationship(account: Account) -> Iterator[Recommendation]:
    """Path to power for each key player we do not cover: strengthen an existing tie first; else the
    warmest introduction with at most three intermediaries, never through a rival of the target."""
    graph = account.graph
    stale = stale_ties(account)
    for person in key_players(account):
        found = coverage_of(account, person.id)
        if found.covered:
            continue
        deal_roles = [b.role for c, _, _ in deals_at_stake(account, person.id) for b in c.buying_influences
                      if b.stakeholder == person.id]
        if "economic_buyer" in person.roles or person.influence == "decisive" or "economic_buyer" in deal_roles:
            priority = 1
        elif "decision_maker" in person.roles or person.influence == "high" or deal_roles:
            priority = 2
        else:
            priority = 3
        value, basis, closing, close = stake(account, person.id)
        priority = time_priority(priority, closing)
        due = due_by(account, 30, close)
        roles = ", ".join(r.replace("_", " ") for r in person.roles) or (
            f"{deal_roles[0].replace('_', ' ')} of a deal" if deal_roles else f"{person.influence} influence")
        ties = [r for r in graph.relationships_of(person.id) if r.strength != "none"]
        if ties:  # someone already knows them: strengthen that, do not ask for an introduction
            tie = ties[0]
            member = account.team.get(tie.team) or account.declared_people.get(tie.team)
            name = member.name if member and member.name else tie.team
            stale_words = " (stale: not touched recently)" if found.stale else ""
            yield Recommendation(kind="relationship", title=f"{name}: strengthen the relationship with {person.name} "
                                 f"({roles})", reason=f"{name} already knows them ({tie.strength}){stale_words}; "
                                 "a fresh medium or strong tie covers them", priority=priority, owner=tie.team,
                                 due=due, stakeholder=person.id, value=value, value_basis=basis,
                                 details={"tie": tie.strength, "stale": found.stale})
            continue
        rivals = _rivals(account, person.id)
        paths = [p for p in graph.warm_paths(person.id, stale=stale)
                 if len(p.people) > 1 or p.steps != ("relationship",)]
        paths = [p for p in paths if p.people != (person.id,)] or paths
        paths = [p for p in paths if len(p.people) - 1 <= MAX_INTERMEDIARIES and not rivals & set(p.people[:-1])]
        if paths:
            best = paths[0]
            via = [graph.stakeholder(p).name for p in best.people[:-1]]
            title = f"Get introduced to {person.name} ({roles})" + (f" via {' and '.join(via)}" if via else "")
            reason = "warmest path: " + describe_path(account, best)
            going = [graph.stakeholder(p).name for p in best.people[:-1] if graph.stakeholder(p).status == "leaving"]
            if going:
                reason += f"; {' and '.join(going)} is leaving: ask for the introduction now"
            details = {"path": [best.team_member, *best.people], "steps": list(best.steps), "cost": best.cost}
            owner: str | None = best.team_member
        else:
            title = f"Open a relationship with {person.name} ({roles})"
            reason = "no warm path from our team (no relationship, reporting line or influence tie leads there)"
            details = {"path": None}
            priority = min(5, priority + 1)
            owner = None
        yield Recommendation(kind="relationship", title=title, reason=reason, priority=priority, owner=owner,
                             due=due, stakeholder=person.id, value=value, value_basis=basis, details=details)


def only_through(account: Account) -> dict[str, list[Stakeholder]]:
    """Champion or economic buyer id -> the uncovered key players every warm path to whom runs through them."""
    def build() -> dict[str, list[Stakeholder]]:
        graph = account.graph
        hubs = [p for p in active_people(account)
                if p.attitude == "champion" or "economic_buyer" in (roles := p.roles) or "champion" in roles]
        found: dict[str, list[Stakeholder]] = {h.id: [] for h in hubs}
        if not hubs:
            return found
        stale = stale_ties(account)
        for target in key_players(account):
            if coverage_of(account, target.id).covered:
                continue
            paths = [p for p in graph.warm_paths(target.id, stale=stale) if len(p.people) > 1]
            if not paths:
                continue
            on_every = set(paths[0].people[:-1]).intersection(*(p.people[:-1] for p in paths[1:]))
            for hub_id in on_every & found.keys():
                if hub_id != target.id:
                    found[hub_id].append(target)
        return found

    return dict(account.memo("only_through", build))


def departure_what_if(account: Account) -> Iterator[Recommendation]:
    """For each champion and economic buyer: which uncovered key players we could reach only through them.

    Every warm path to a key player we do not cover is looked at; when all of them pass through one
    champion or economic buyer, that person's departure would cut our way in. Two or more targets (or
    an economic buyer among them) make it a risk worth acting on now: open a second way in. Someone
    already ``leaving`` is not a what-if: the risk recommender says it, with what they carry.
    """
    people = {p.id: p for p in account.plan.stakeholders}
    for hub_id, lost in only_through(account).items():
        hub = people[hub_id]
        if hub.status == "leaving":
            continue
        buyer_lost = any("economic_buyer" in t.roles for t in lost)
        if len(lost) >= 2 or buyer_lost:
            names = ", ".join(t.name for t in lost[:4])
            yield Recommendation(kind="risk", title=f"If {hub.name} left, we would lose our way to {len(lost)} key "
                                 f"player(s)", reason=f"every warm path to {names} runs through {hub.name}; open a "
                                 "second way in", priority=1 if buyer_lost else 2, stakeholder=hub.id,
                                 due=account.today + dt.timedelta(days=30),
                                 details={"only_through": [t.id for t in lost]})


def _key_person_leaving(account: Account, person: Stakeholder) -> Recommendation:
    """A champion or economic buyer who is new in role, leaving or gone: what hangs on them, and by when."""
    economic = "economic_buyer" in person.roles
    role = "Economic buyer" if economic else "Champion"
    state = {"new_in_role": "is new in role", "leaving": "is leaving", "left": "has left"}[person.status]
    if economic:
        reasons = ["find out who holds the budget next and meet them" if person.status != "new_in_role"
                   else "build the relationship before the first budget decision"]
    else:
        reasons = ["build a second champion before the sponsorship fades"]
    lost = only_through(account).get(person.id, []) if person.status == "leaving" else []
    if lost:
        reasons.append("our only warm way to " + ", ".join(t.name for t in lost[:4]))
    value, basis, closing, close = stake(account, person.id) if person.status != "new_in_role" else (
        None, None, None, None)
    if close is not None:
        cell = deals_at_stake(account, person.id)[0][0]
        reasons.append(f"{deal_words(account, cell)} hangs on them (closes {close})")
    due = due_by(account, 14, close)
    priority = time_priority(1 if person.status != "new_in_role" else 2, closing)
    return Recommendation(kind="risk", title=f"{role} {person.name} {state}", reason="; ".join(reasons),
                          priority=priority, stakeholder=person.id, value=value, value_basis=basis, due=due,
                          details={"only_through": [t.id for t in lost]})


def renewal(account: Account) -> Iterator[Recommendation]:
    """A renewal nobody is working on (W508): start it before the notice deadline."""
    from kamplan.insights.contracts import notice_by, renewal_risks

    currency = account.plan.account.currency or ""
    for contract in renewal_risks(account):
        deadline = notice_by(contract)
        days = days_until(account, deadline)
        priority = 1 if days is not None and days <= 30 else 2
        if account.plan.account.tier == "strategic":
            priority = 1
        yield Recommendation(kind="renewal", title=f"Start the renewal of {contract.title or contract.id} "
                             f"(notice by {deadline})", reason=f"the contract ends {contract.end}; no open action "
                             "or pipeline cell is about it", priority=priority, value=contract.arr,
                             value_basis=(f"contract ARR {contract.arr:,.0f} {currency}".strip()
                                          if contract.arr else None),
                             due=deadline if deadline and deadline >= account.today else account.today,
                             offering=contract.offerings[0] if contract.offerings else None,
                             unit=contract.unit, details={"contract": contract.id})


def win_back(account: Account) -> Iterator[Recommendation]:
    """A churned account: the one action is to win it back (with what it was worth)."""
    window = revenue_window(account)
    if window.status != "churned":
        return
    before = [r for r in sorted(account.plan.revenue, key=lambda r: r.period) if r.arr > 0]
    last = before[-1] if before else None
    currency = account.plan.account.currency or ""
    friends = [p for p in active_people(account) if p.attitude in ("champion", "supporter")]
    reason = "the account churned" + (f" after {last.period}" if last else "")
    if friends:
        reason += "; still there and on our side: " + ", ".join(_who(p) for p in friends[:3])
    yield Recommendation(kind="win_back", title=f"Win back {account.plan.account.name}", reason=reason,
                         priority=1 if account.plan.account.tier == "strategic" else 2,
                         value=last.arr if last else None,
                         value_basis=f"ARR before the churn {last.arr:,.0f} {currency} ({last.period})".strip()
                         if last else None,
                         due=account.today + dt.timedelta(days=30),
                         stakeholder=friends[0].id if friends else None)


def risk(account: Account) -> Iterator[Recommendation]:
    """Single threading, champions at risk, uncovered blockers, stale key relationships, key-person loss."""
    graph = account.graph
    by_member = graph.relationships_by_member()
    covered = {r.stakeholder for rels in by_member.values() for r in rels}
    if account.plan.stakeholders and len(by_member) == 1:
        member = next(iter(by_member))
        yield Recommendation(kind="risk", title=f"Single-threaded: only {member} has relationships",
                             reason=f"{member} holds all {len(covered)} relationships; add a second thread",
                             priority=1)
    elif account.plan.stakeholders and len(covered) == 1:
        yield Recommendation(kind="risk", title="Single-threaded: only one stakeholder is covered",
                             reason=f"every relationship goes to {next(iter(covered))}", priority=1,
                             stakeholder=next(iter(covered)))
    keys = {p.id for p in key_players(account)}
    for person in account.plan.stakeholders:
        roles, status, attitude = person.roles, person.status, person.attitude  # each model field read once
        champion = attitude == "champion" or "champion" in roles
        if (champion or "economic_buyer" in roles) and status in ("new_in_role", "leaving", "left"):
            yield _key_person_leaving(account, person)
        if status == "left":
            continue
        strong_blocker = attitude == "blocker" and person.influence in ("high", "decisive")
        cov = coverage_of(account, person.id)
        if strong_blocker and not cov.covered:
            yield Recommendation(kind="risk", title=f"Uncovered {person.influence} blocker {person.name}",
                                 reason="nobody of our team has a medium or strong relationship with them",
                                 priority=1 if person.influence == "decisive" else 2, stakeholder=person.id)
        if person.id in keys and cov.stale:  # their medium or strong ties exist, but none is fresh
            age = (account.today - cov.last_contact).days if cov.last_contact else None
            when = f"last contact {cov.last_contact} ({age} days ago)" if cov.last_contact else "never dated"
            yield Recommendation(kind="risk", title=f"Stale relationship with key player {person.name}",
                                 reason=f"{when}: no longer counts as covered", priority=2, stakeholder=person.id)
    if len(by_member) > 1:
        without = coverage_without_each(account, [None, *sorted(by_member)])
        base = without[None]  # coverage(account).value, without its details
        for member in sorted(by_member):
            after = without[member]
            drop = base - after
            if drop >= 20:
                who = account.team.get(member) or account.declared_people.get(member)
                name = who.name if who and who.name else member
                yield Recommendation(kind="risk", title=f"Key-person risk: {name}",
                                     reason=f"if {name} left, coverage would fall from {base:.0f} to {after:.0f}",
                                     priority=1 if drop >= 40 else 2, owner=member,
                                     due=account.today + dt.timedelta(days=30),
                                     details={"team_member": member, "coverage_before": base, "coverage_after": after})


@hookimpl
def register_recommenders(register: Callable[..., Any]) -> None:
    """Register land_expand, relationship, risk, renewal, win_back and departure_what_if."""
    register("land_expand", land_expand)
    register("relationship", relationship)
    register("risk", risk)
    register("renewal", renewal)
    register("win_back", win_back)
    register("departure_what_if", departure_what_if)
