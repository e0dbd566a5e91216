"""The stakeholder graph: typed nodes and edges, with the queries plugins need, and networkx on demand.

Nodes are tuples ``(kind, id)`` where kind is ``"stakeholder"``, ``"team"`` or ``"unit"``, so a
team member and a stakeholder may share an id. Edges of a :class:`networkx.MultiDiGraph` are keyed
by their kind: ``reports_to`` and ``dotted`` (person -> manager), ``influences``, ``conflicts``,
``allies`` (as written: from -> to), ``relationship`` (team member -> stakeholder), ``member_of``
(stakeholder -> unit) and ``part_of`` (unit -> parent unit).

The graph is kept in networkx's own adjacency layout (node -> neighbour -> edge key -> attributes,
the key dicts shared between successors and predecessors), and the queries below read it directly.
:attr:`StakeholderGraph.nx` wraps the same dicts into a :class:`networkx.MultiDiGraph` on first use,
so validating plans never imports networkx (about 60 ms of every command) and never pays for its
views, while plugins get the full networkx API.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from kamplan.plan.model import STRENGTH_ORDER, STRENGTH_RANK, Relationship, Stakeholder

if TYPE_CHECKING:
    import networkx as nx

    from kamplan.account import Account

STAKEHOLDER, TEAM, UNIT = "stakeholder", "team", "unit"
Node = tuple[str, str]
# Per team member: the cost of the cheapest warm path to each person, and the step that reached them
# (the person before, the step's name, the path's length).
_Trees = dict[str, tuple[dict[str, float], dict[str, tuple[str | None, str, int]]]]
PERSON_EDGES = ("reports_to", "dotted", "influences", "conflicts", "allies")

# Cost of stepping over an edge on a warm path: strong ties are cheap, weak ones expensive.
_RELATIONSHIP_COST = {"strong": 1.0, "medium": 2.0, "weak": 4.0}
_TIE_COST = {"high": 1.0, "medium": 2.0, "low": 3.0}
_REPORTING_COST = 2.0
# Cost of passing *through* a person: champions and supporters open doors, blockers close them.
# A stale tie and a person about to leave are worse ways in than their strength and attitude say.
_STALE_COST = 3.0
_LEAVING_COST = 4.0
_NEVER = float("inf")
_ATTITUDE_COST = {"champion": 0.0, "supporter": 0.5, "neutral": 1.5, "unknown": 2.0, "skeptic": 3.0, "blocker": 6.0}


@dataclass(frozen=True)
class Coverage:
    """How our team covers one stakeholder.

    Attributes:
        stakeholder: Stakeholder id.
        best: The strongest relationship strength (``none`` when nobody knows them).
        members: Team member ids with a relationship, strongest first.
        last_contact: The most recent contact date over all relationships.
    """

    stakeholder: str
    best: str
    members: tuple[str, ...]
    last_contact: dt.date | None

    @property
    def covered(self) -> bool:
        """True when someone of our team has at least a medium relationship."""
        return STRENGTH_ORDER.index(self.best) >= STRENGTH_ORDER.index("medium")


class WarmPath(NamedTuple):  # a named tuple: a hundred are built per plan, and a frozen dataclass is 4x dearer
    """A chain of introductions from one of our team to a target stakeholder.

    Attributes:
        team_member: Where the path starts (our side).
        people: Stakeholder ids from the first contact to the target, in order.
        steps: One per hop, named from the side of the person before it: ``relationship`` (our team member
            knows them), ``reports_to``, ``manages``, ``dotted_to``, ``dotted_manages``, ``influences``,
            ``influenced_by``, ``allies``.
        cost: Lower is warmer.
    """

    team_member: str
    people: tuple[str, ...]
    steps: tuple[str, ...]
    cost: float


class StakeholderGraph:
    """Typed graph of one account; ``nx`` is the same graph as a :class:`networkx.MultiDiGraph`.

    The graph is a read-only view of the plan: answers (coverage, warm paths) are computed once and
    kept. Change the plan and build a new account rather than editing ``nx``.
    """

    def __init__(self) -> None:
        self._nodes: dict[Node, dict[str, Any]] = {}
        self._succ: dict[Node, dict[Node, dict[str, dict[str, Any]]]] = {}
        self._pred: dict[Node, dict[Node, dict[str, dict[str, Any]]]] = {}
        self._coverage: dict[str, Coverage] = {}  # scorers, rules and recommenders ask again and again
        self._relationships: dict[str, tuple[Relationship, ...]] = {}
        self._warm: dict[tuple[str, int, int, frozenset[tuple[str, str]]], tuple[WarmPath, ...]] = {}
        self._by_member: dict[str, list[Relationship]] | None = None
        self._warm_trees_by: dict[tuple[int, frozenset[tuple[str, str]]], _Trees] = {}
        self._introductions_table: tuple[dict[str, list[tuple[str, str, float]]], set[str]] | None = None

    @cached_property
    def nx(self) -> nx.MultiDiGraph:
        """The graph as a :class:`networkx.MultiDiGraph`, sharing this graph's dicts (built on first use)."""
        import networkx

        graph = networkx.MultiDiGraph()
        graph._node, graph._adj, graph._succ, graph._pred = self._nodes, self._succ, self._succ, self._pred
        return graph

    # -- building ---------------------------------------------------------------------------------
    @classmethod
    def from_account(cls, account: Account) -> StakeholderGraph:
        """Build the graph of an account; references to unknown ids are skipped, not raised."""
        graph = cls()
        plan = account.plan
        builder = _Builder(graph)
        node, edge, nodes, succ = builder.node, builder.edge, builder.nodes, builder.succ
        for unit in plan.units:
            node((UNIT, unit.id), kind=UNIT, data=unit)
        for member in account.team.values():
            node((TEAM, member.id), kind=TEAM, data=member)
        people = [((STAKEHOLDER, person.id), person) for person in plan.stakeholders]
        for here, person in people:
            node(here, kind=STAKEHOLDER, data=person)
        for unit in plan.units:
            if unit.parent and (UNIT, unit.parent) in nodes:
                edge((UNIT, unit.id), (UNIT, unit.parent), "part_of", {"kind": "part_of"})
        for here, person in people:
            manager, person_id, unit_id = person.reports_to, here[1], person.unit  # each field read once
            if manager and manager != person_id:
                there = (STAKEHOLDER, manager)
                if there in nodes:
                    edge(here, there, "reports_to", {"kind": "reports_to"})
            for manager in person.dotted_to:
                if (STAKEHOLDER, manager) in nodes and manager != person_id:
                    edge(here, (STAKEHOLDER, manager), "dotted", {"kind": "dotted"})
            if unit_id:
                there = (UNIT, unit_id)
                if there in nodes:
                    edge(here, there, "member_of", {"kind": "member_of"})
        for tie in plan.influence:
            a, b = (STAKEHOLDER, tie.from_), (STAKEHOLDER, tie.to)
            if a in nodes and b in nodes and a != b:
                edge(a, b, tie.kind, {"kind": tie.kind, "strength": tie.strength})
        for rel in plan.relationships:
            a, b = (TEAM, rel.team), (STAKEHOLDER, rel.stakeholder)
            if b in nodes:
                if a not in nodes:
                    node(a, kind=TEAM, data=account.declared_people.get(rel.team))
                attrs = {"kind": "relationship", "strength": rel.strength, "last_contact": rel.last_contact,
                         "data": rel}
                keys = succ[a].get(b)
                if keys is None:  # the usual case, inlined: one relationship per pair
                    succ[a][b] = builder.pred[b][a] = {"relationship": attrs}
                else:
                    edge(a, b, "relationship", attrs)
        return graph

    # -- nodes ------------------------------------------------------------------------------------
    def stakeholder(self, person_id: str) -> Stakeholder:
        """Return the stakeholder model with ``person_id``.

        Raises:
            KeyError: When there is none.
        """
        return self._nodes[(STAKEHOLDER, person_id)]["data"]

    def stakeholders(self) -> list[Stakeholder]:
        """Every stakeholder, in plan order."""
        return [d["data"] for d in self._nodes.values() if d["kind"] == STAKEHOLDER]

    def team_members(self) -> list[str]:
        """Ids of our team members in the graph."""
        return [n[1] for n, d in self._nodes.items() if d["kind"] == TEAM]

    def __contains__(self, person_id: object) -> bool:
        return (STAKEHOLDER, person_id) in self._nodes

    def __len__(self) -> int:
        return sum(1 for d in self._nodes.values() if d["kind"] == STAKEHOLDER)

    # -- the org chart ----------------------------------------------------------------------------
    def manager(self, person_id: str) -> str | None:
        """The solid-line manager of ``person_id``, if any."""
        for target, keys in self._succ.get((STAKEHOLDER, person_id), {}).items():
            if "reports_to" in keys:
                return target[1]
        return None

    def chain_of_managers(self, person_id: str) -> list[str]:
        """Managers of ``person_id`` from the direct one to the top (stops at a loop)."""
        chain: list[str] = []
        seen = {person_id}
        current = self.manager(person_id)
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = self.manager(current)
        return chain

    def direct_reports(self, person_id: str) -> list[str]:
        """People whose solid line goes to ``person_id``, in plan order."""
        return [src[1] for src, keys in self._pred.get((STAKEHOLDER, person_id), {}).items() if "reports_to" in keys]

    def dotted_reports(self, person_id: str) -> list[str]:
        """People with a dotted line to ``person_id``."""
        return [src[1] for src, keys in self._pred.get((STAKEHOLDER, person_id), {}).items() if "dotted" in keys]

    def subtree(self, person_id: str, depth: int | None = None) -> list[str]:
        """``person_id`` and everyone below by solid lines, breadth first, ``depth`` levels deep."""
        order = [person_id]
        seen = {person_id}
        queue: deque[tuple[str, int]] = deque([(person_id, 0)])
        while queue:
            current, level = queue.popleft()
            if depth is not None and level >= depth:
                continue
            for child in self.direct_reports(current):
                if child not in seen:
                    seen.add(child)
                    order.append(child)
                    queue.append((child, level + 1))
        return order

    def roots(self) -> list[str]:
        """People at the top of a tree (no solid-line manager)."""
        return [p.id for p in self.stakeholders() if self.manager(p.id) is None]

    def depth_of(self, person_id: str) -> int:
        """Number of managers above ``person_id``."""
        return len(self.chain_of_managers(person_id))

    def unit_members(self, unit_id: str) -> list[str]:
        """Stakeholders whose ``unit`` is ``unit_id``."""
        return [src[1] for src, keys in self._pred.get((UNIT, unit_id), {}).items() if "member_of" in keys]

    def unit_parent(self, unit_id: str) -> str | None:
        """The parent unit of ``unit_id``."""
        for target, keys in self._succ.get((UNIT, unit_id), {}).items():
            if "part_of" in keys:
                return target[1]
        return None

    def ties(self, person_id: str, kind: str | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Informal ties touching ``person_id`` as ``(other, kind, attrs)``, in both directions."""
        for other, key, attrs in self._touching((STAKEHOLDER, person_id)):
            if key in ("influences", "conflicts", "allies") and (kind is None or key == kind):
                yield other[1], key, attrs

    def _touching(self, node: Node) -> Iterator[tuple[Node, str, dict[str, Any]]]:
        """Edges out of ``node`` then into it, as ``(other end, key, attributes)``."""
        for dst, keys in self._succ.get(node, {}).items():
            for key, attrs in keys.items():
                yield dst, key, attrs
        for src, keys in self._pred.get(node, {}).items():
            for key, attrs in keys.items():
                yield src, key, attrs

    # -- our coverage -----------------------------------------------------------------------------
    def relationships_of(self, person_id: str) -> list[Relationship]:
        """Our team's relationships with ``person_id``, strongest first."""
        known = self._relationships.get(person_id)
        if known is None:
            rels = [keys["relationship"]["data"] for keys in self._pred.get((STAKEHOLDER, person_id), {}).values()
                    if "relationship" in keys]
            known = self._relationships[person_id] = tuple(sorted(rels, key=lambda r: -STRENGTH_RANK[r.strength]))
        return list(known)

    def coverage(self, person_id: str) -> Coverage:
        """How our team covers ``person_id``: best strength, who, last contact (computed once per person)."""
        known = self._coverage.get(person_id)
        if known is not None:
            return known
        rels = [r for r in self.relationships_of(person_id) if r.strength != "none"]
        best = rels[0].strength if rels else "none"
        contacts = [r.last_contact for r in rels if r.last_contact]
        found = Coverage(person_id, best, tuple(r.team for r in rels), max(contacts) if contacts else None)
        self._coverage[person_id] = found
        return found

    def relationships_by_member(self) -> dict[str, list[Relationship]]:
        """Team member id -> their relationships (``none`` strength excluded)."""
        known = self._by_member
        if known is None:  # one walk over every node's edges, kept: rules and recommenders all ask
            found: dict[str, list[Relationship]] = {}
            for src, neighbours in self._succ.items():
                if src[0] != TEAM:
                    continue
                for keys in neighbours.values():
                    attrs = keys.get("relationship")
                    if attrs is not None and attrs["strength"] != "none":
                        found.setdefault(src[1], []).append(attrs["data"])
            known = self._by_member = found
        return {member: list(rels) for member, rels in known.items()}

    def warm_paths(self, target: str, *, limit: int = 3, max_hops: int = 5,
                   stale: frozenset[tuple[str, str]] = frozenset()) -> list[WarmPath]:
        """The warmest introduction paths from our team to ``target``, best first (one per team member).

        A path starts with a relationship of at least ``weak`` strength and continues over reporting
        lines, dotted lines, ``influences`` and ``allies`` ties (either direction), never over a
        ``conflicts`` tie. Passing through champions and supporters is cheaper than through
        skeptics and blockers, and through someone ``leaving`` dearer; people who left are never used.
        Each team member's shortest-path tree is computed once per graph, so asking for every key
        player of a big account stays cheap.

        Args:
            target: The stakeholder to reach.
            limit: At most this many paths.
            max_hops: At most this many steps after the first relationship.
            stale: ``(team member, stakeholder)`` relationships that are no longer fresh: starting
                from one costs more, so a fresh tie wins over a stale one of the same strength.

        Returns:
            The paths, cheapest first.
        """
        known = self._warm.get((target, limit, max_hops, stale))
        if known is not None:
            return list(known)
        if target not in self:
            return []
        trees = self._warm_trees(max_hops, stale)
        # a path's length is its depth in the tree: only the best ``limit`` are walked back
        best = sorted((cost[target], previous[target][2], member) for member, (cost, previous) in trees.items()
                      if target in cost)[:limit]
        paths = []
        for cost_there, _, member in best:
            previous = trees[member][1]
            people: list[str] = []
            steps: list[str] = []
            node: str | None = target
            while node is not None:
                people.append(node)
                before, step, _ = previous[node]
                steps.append(step)
                node = before
            paths.append(WarmPath(member, tuple(reversed(people)), tuple(reversed(steps)), cost_there))
        self._warm[target, limit, max_hops, stale] = tuple(paths)
        return paths

    def _warm_trees(self, max_hops: int, stale: frozenset[tuple[str, str]]) -> _Trees:
        """Per team member: Dijkstra from their relationships over the people graph (cached)."""
        cache = self._warm_trees_by
        if (max_hops, stale) in cache:
            return cache[max_hops, stale]
        adjacency, left = self._introductions()
        trees: _Trees = {}
        for member, rels in sorted(self.relationships_by_member().items()):
            cost: dict[str, float] = {}
            previous: dict[str, tuple[str | None, str, int]] = {}
            heap: list[tuple[float, int, str, str | None, str, int]] = []
            counter = 0
            for rel in rels:
                if rel.stakeholder in left:
                    continue
                start = _RELATIONSHIP_COST.get(rel.strength, 8.0)
                if (member, rel.stakeholder) in stale:
                    start += _STALE_COST
                heapq.heappush(heap, (start, counter, rel.stakeholder, None, "relationship", 1))
                counter += 1
            push, pop = heapq.heappush, heapq.heappop
            # the cheapest cost pushed for each person: a dearer (or equally dear, later) way there would
            # only be popped after it and dropped, so it is not pushed at all (same tree, fewer steps)
            offered: dict[str, float] = {}
            while heap:
                here_cost, _, here, before, step, depth = pop(heap)
                if here in cost:
                    continue
                cost[here], previous[here] = here_cost, (before, step, depth)
                if depth >= max_hops:
                    continue
                for other, kind, step_cost in adjacency[here]:
                    if other not in cost:
                        there = here_cost + step_cost
                        if there < offered.get(other, _NEVER):
                            offered[other] = there
                            push(heap, (there, counter, other, here, kind, depth + 1))
                            counter += 1
            trees[member] = (cost, previous)
        cache[max_hops, stale] = trees
        return trees

    def _introductions(self) -> tuple[dict[str, list[tuple[str, str, float]]], set[str]]:
        """Per person who is there: whom they can introduce us to, the step's name and what passing
        through them and over the step costs; and the people who left (kept: they do not depend on a date).

        Each person's steps are their edges out (named as ``_OUTWARD`` says), then their edges in
        (``_INWARD``), in the graph's order: the warm-path search breaks ties in that order.
        """
        known = self._introductions_table
        if known is not None:
            return known
        people = self.stakeholders()
        left = {p.id for p in people if p.status == "left"}
        adjacency: dict[str, list[tuple[str, str, float]]] = {}
        succ, pred, outward, inward = self._succ, self._pred, _OUTWARD, _INWARD
        for person in people:
            person_id = person.id  # each model field read once: a read costs a pydantic hook
            if person_id in left:
                continue
            through = _ATTITUDE_COST.get(person.attitude, 2.0) + (_LEAVING_COST if person.status == "leaving" else 0.0)
            node = (STAKEHOLDER, person_id)
            steps = []
            for neighbours, names in ((succ[node], outward), (pred[node], inward)):
                for (kind, other), keys in neighbours.items():
                    if kind != STAKEHOLDER or other in left:
                        continue
                    for key, attrs in keys.items():
                        name = names.get(key)
                        if name is not None:
                            cost = _REPORTING_STEP_COST.get(key)
                            if cost is None:
                                cost = _TIE_COST.get(attrs.get("strength", "medium"), 2.0)
                            steps.append((other, name, through + cost))
            adjacency[person_id] = steps
        known = self._introductions_table = (adjacency, left)
        return known


class _Builder:
    """Adds nodes and keyed edges in networkx's adjacency layout, as ``add_node``/``add_edge`` would."""

    def __init__(self, graph: StakeholderGraph) -> None:
        self.nodes = graph._nodes
        self.succ = graph._succ
        self.pred = graph._pred

    def node(self, node: Node, **attrs: Any) -> None:
        if node in self.nodes:
            self.nodes[node].update(attrs)
            return
        self.succ[node] = {}
        self.pred[node] = {}
        self.nodes[node] = attrs

    def edge(self, u: Node, v: Node, key: str, attrs: dict[str, Any]) -> None:
        keys = self.succ[u].get(v)
        if keys is None:
            keys = self.succ[u][v] = self.pred[v][u] = {}
        if key in keys:
            keys[key].update(attrs)
        else:
            keys[key] = attrs


# Step names seen from the person we stand on: "X reports to Y", "X manages Y", "X influences Y".
_OUTWARD = {"reports_to": "reports_to", "dotted": "dotted_to", "influences": "influences", "allies": "allies"}
_INWARD = {"reports_to": "manages", "dotted": "dotted_manages", "influences": "influenced_by", "allies": "allies"}


# Stepping over a reporting line costs the same whatever else the edge says; an informal tie costs by strength.
_REPORTING_STEP_COST = {"reports_to": _REPORTING_COST, "dotted": _REPORTING_COST + 1.0}
