"""Flat tables of an account (stakeholders, relationships, whitespace, goals, actions) for CSV and Excel."""

from __future__ import annotations

from typing import Any

TABLES = ("stakeholders", "relationships", "whitespace", "goals", "actions")
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Defuse spreadsheet formula injection: text starting with = + - @ (or tab/CR) gets a leading '."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def table(report: dict[str, Any], name: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of table ``name`` from a report model (already redacted when asked)."""
    plan = report["plan"]
    coverage = report["coverage"]
    if name == "stakeholders":
        header = ["id", "name", "title", "unit", "reports_to", "dotted_to", "roles", "attitude", "influence",
                  "status", "coverage", "known_by", "email", "phone", "tags", "notes"]
        rows = []
        for p in plan["stakeholders"]:
            contact = p.get("contact") or {}
            cov = coverage.get(p["id"], {})
            rows.append([p["id"], p["name"], p.get("title"), p.get("unit"), p.get("reports_to"),
                         ", ".join(p.get("dotted_to") or []), ", ".join(p.get("roles") or []), p["attitude"],
                         p["influence"], p["status"], cov.get("best"),
                         ", ".join(f"{k['name']} ({k['strength']})" for k in cov.get("known_by", [])),
                         contact.get("email"), contact.get("phone"), ", ".join(p.get("tags") or []), p.get("notes")])
        if report["redacted"]:
            drop = {header.index(c) for c in ("email", "phone", "notes")}
            header = [h for i, h in enumerate(header) if i not in drop]
            rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
        return header, rows
    if name == "relationships":
        header = ["team", "team_name", "stakeholder", "stakeholder_name", "strength", "last_contact"]
        names = {p["id"]: p["name"] for p in plan["stakeholders"]}
        team = report["team"]
        rows = [[r["team"], (team.get(r["team"]) or {}).get("name"), r["stakeholder"], names.get(r["stakeholder"]),
                 r["strength"], r.get("last_contact")] for r in plan["relationships"]]
        if not report["redacted"]:
            header.append("notes")
            for row, r in zip(rows, plan["relationships"], strict=True):
                row.append(r.get("notes"))
        return header, rows
    if name == "whitespace":
        matrix = report["whitespace"]
        header = ["unit", *(o["name"] for o in matrix["offerings"])]
        rows = [[row["name"], *(c["status"] + (f" ({c['arr']:,.0f})" if c["arr"] else "") for c in row["cells"])]
                for row in matrix["rows"]]
        return header, rows
    if name == "goals":
        header = ["id", "title", "metric", "target", "due", "owner", "status"]
        return header, [[g.get(h) for h in header] for g in plan["goals"]]
    if name == "actions":
        header = ["id", "title", "owner", "due", "status", "overdue", "goal", "stakeholders"]
        return header, [[a["id"], a["title"], a.get("owner"), a.get("due"), a["status"], a["overdue"], a.get("goal"),
                         ", ".join(a.get("stakeholders") or [])] for a in report["actions"]]
    raise KeyError(name)
