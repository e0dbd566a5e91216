"""One account as a document model: the validated plan (optionally redacted) plus computed sections.

Every exporter and the site read this model, so ``--redact`` is applied in exactly one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kamplan.account import Account
from kamplan.plugins.host import PluginHost

PERSONAL_KEYS = ("contact", "notes")


def redact_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """Drop contact details and notes everywhere in a dumped plan (stakeholders, relationships...)."""

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items() if k not in PERSONAL_KEYS}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return {k: (scrub(v) if k != "custom" else v) for k, v in plan.items()}


def coverage_rows(account: Account) -> dict[str, dict[str, Any]]:
    """Per stakeholder: whether they are covered (insights.coverage), how, and who of our team knows them."""
    from kamplan.insights.coverage import coverage_of
    from kamplan.render.palette import coverage_key

    out = {}
    for person in account.plan.stakeholders:
        cov = coverage_of(account, person.id)
        known = []
        for rel in account.graph.relationships_of(person.id):
            member = account.team.get(rel.team) or account.declared_people.get(rel.team)
            known.append({"team": rel.team, "name": member.name if member and member.name else rel.team,
                          "strength": rel.strength,
                          "last_contact": rel.last_contact.isoformat() if rel.last_contact else None})
        out[person.id] = {"best": cov.best, "covered": cov.covered, "stale": cov.stale,
                          "coverage_key": coverage_key(account, person.id),
                          "last_contact": cov.last_contact.isoformat() if cov.last_contact else None,
                          "known_by": known}
    return out


STAKEHOLDER_COLUMNS = ["Name", "Title", "Roles", "Attitude", "Influence", "Our coverage"]


def stakeholder_table(report: dict[str, Any], *, key_first: bool = False) -> list[list[str]]:
    """The people who are there (not left, not placeholders) as printable rows of ``STAKEHOLDER_COLUMNS``:
    roles, attitude, influence and the coverage state with who knows them (the deck and the PDF report).

    Args:
        report: :func:`build_report`'s model.
        key_first: Key players first (buying roles, champions), then by influence.
    """
    from kamplan.insights.coverage import KEY_ROLES

    people = [p for p in report["plan"]["stakeholders"] if p.get("status") not in ("left", "placeholder")]
    if key_first:
        def weight(p: dict[str, Any]) -> tuple[int, int]:
            key = any(r in KEY_ROLES for r in p.get("roles", [])) or p.get("attitude") == "champion"
            return (0 if key else 1, {"decisive": 0, "high": 1, "medium": 2, "low": 3}.get(p.get("influence", ""), 2))

        people.sort(key=weight)
    coverage = report.get("coverage", {})
    rows = []
    for person in people:
        known = coverage.get(person["id"], {})
        ties = ", ".join(f"{k['name']} ({k['strength']})" for k in known.get("known_by", [])[:2])
        state = "covered" if known.get("covered") else "stale" if known.get("stale") else "not covered"
        rows.append([person["name"], person.get("title") or "",
                     ", ".join(r.replace("_", " ") for r in person.get("roles", [])),
                     person.get("attitude", ""), person.get("influence", ""), f"{state}: {ties}" if ties else state])
    return rows


def whitespace_matrix(account: Account) -> dict[str, Any]:
    """Units x offerings with each cell's status and ARR ("unknown" where there is no row)."""
    plan = account.plan
    offerings = list(dict.fromkeys([c.offering for c in plan.opportunities] + [o.id for o in plan.offerings]))
    cells = {(c.unit, c.offering): c for c in plan.opportunities}
    rows = []
    for unit in plan.units:
        row = []
        for off in offerings:
            cell = cells.get((unit.id, off))
            row.append({"offering": off, "status": cell.status if cell else "unknown",
                        "arr": cell.arr if cell else None})
        rows.append({"unit": unit.id, "name": unit.name or unit.id, "cells": row})
    names = {o: (account.offerings[o].name or o) if o in account.offerings else o for o in offerings}
    return {"offerings": [{"id": o, "name": names[o]} for o in offerings], "rows": rows}


ACTION_PLAN_SIZE = 5  # the same top as `kamplan recommend` shows per account


def build_report(account: Account, *, redact: bool = False, host: PluginHost | None = None) -> dict[str, Any]:
    """The JSON of ``kamplan report --format json``: ``plan`` plus scores, findings, recommendations, KPIs."""
    from kamplan.insights.contracts import nearest_renewal
    from kamplan.insights.kpis import account_figures
    from kamplan.plugins.calls import account_recommendations, account_scores, run_rules

    host = host or account.host or PluginHost()
    plan = account.plan.dump()
    if redact:
        plan = redact_plan(plan)
    today = account.today
    actions = [{**a, "overdue": bool(a.get("due") and a["status"] in ("open", "in_progress", "blocked")
                                     and dt.date.fromisoformat(a["due"]) < today)} for a in plan["actions"]]
    return {
        "plan": plan,
        "generated": today.isoformat(),
        "redacted": redact,
        "scores": account_scores(account, host),
        "findings": [d.to_json() for d in run_rules(account, host)],
        "recommendations": account_recommendations(account, host)[:ACTION_PLAN_SIZE],
        "recommendations_total": len(account_recommendations(account, host)),
        "kpis": account_figures(account).to_json(),
        "as_of": account.today.isoformat(),
        "renewal": nearest_renewal(account),
        "coverage": coverage_rows(account),
        "whitespace": whitespace_matrix(account),
        "actions": actions,
        "team": {mid: {"name": m.name, "role": m.role} for mid, m in account.team.items()},
    }
