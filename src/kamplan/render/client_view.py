"""What may be shown to the client (``kamplan report --audience client``).

Only: the account's name, the people's names, titles and units, the reporting lines (solid and
dotted), the units, and the objectives, goals and actions marked ``shared: true``. Never: attitudes,
influence, buying roles, statuses, notes, tags, contact details, relationships, interactions, risks,
competitor preferences, opportunities, revenue, scores, findings or recommendations. The view is built
by picking those fields (an allow-list), so a field added to the format later stays internal.
"""

from __future__ import annotations

from typing import Any

PERSON_FIELDS = ("id", "name", "title", "unit", "reports_to", "dotted_to")
GOAL_FIELDS = ("id", "title", "metric", "target", "due", "status")
ACTION_FIELDS = ("id", "title", "due", "status", "owner")
OBJECTIVE_FIELDS = ("id", "title", "due")


def _pick(entry: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: entry[k] for k in fields if k in entry}


def client_report(report: dict[str, Any]) -> dict[str, Any]:
    """The client's view of a report from :func:`kamplan.render.document.build_report`."""
    plan = report["plan"]
    people = [p for p in plan["stakeholders"] if p.get("status") not in ("left", "placeholder")]
    kept = {p["id"] for p in people}
    shown_people = [{**_pick(p, PERSON_FIELDS), "reports_to": p.get("reports_to") if p.get("reports_to") in kept
                     else None, "dotted_to": [d for d in p.get("dotted_to", []) if d in kept]} for p in people]
    actions = [a for a in report.get("actions", plan["actions"]) if a.get("shared")]
    owners = {a.get("owner") for a in actions}
    team = {k: {"name": v.get("name")} for k, v in report.get("team", {}).items() if k in owners}
    return {
        "audience": "client",
        "as_of": report["as_of"],
        "team": team,
        "plan": {
            "account": {"id": plan["account"].get("id"), "name": plan["account"]["name"]},
            "units": [_pick(u, ("id", "name", "parent")) for u in plan["units"]],
            "stakeholders": shown_people,
            "objectives": [_pick(o, OBJECTIVE_FIELDS) for o in plan.get("objectives", []) if o.get("shared")],
            "goals": [_pick(g, GOAL_FIELDS) for g in plan["goals"] if g.get("shared")],
            "actions": [_pick(a, ACTION_FIELDS) for a in actions],
        },
        "actions": [_pick(a, ACTION_FIELDS) for a in actions],
    }


def org_outline(report: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The people as an indented outline of the reporting lines: ``(depth, person)`` in tree order."""
    people = report["plan"]["stakeholders"]
    ids = {p["id"] for p in people}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for person in people:
        manager = person.get("reports_to")
        children.setdefault(manager if manager in ids and manager != person["id"] else None, []).append(person)
    out: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    stack = [(0, p) for p in reversed(children.get(None, []))]
    while stack:
        depth, person = stack.pop()
        if person["id"] in seen:
            continue
        seen.add(person["id"])
        out.append((depth, person))
        stack += [(depth + 1, c) for c in reversed(children.get(person["id"], []))]
    out += [(0, p) for p in people if p["id"] not in seen]  # on a reporting loop
    return out
