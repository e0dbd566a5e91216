"""``kamplan site``: write the dashboard and one page per account into a folder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from kamplan.account import Portfolio
from kamplan.fileio import write_atomic
from kamplan.plugins.host import PluginHost


def build_site(portfolio: Portfolio, out_dir: str | os.PathLike[str], *, redact: bool = False,
               host: PluginHost | None = None) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/accounts/ID.html``; return the index path."""
    from kamplan.builtin.kpis import compute_kpis
    from kamplan.render.document import build_report
    from kamplan.render.html import account_page, index_page

    out = Path(out_dir)
    (out / "accounts").mkdir(parents=True, exist_ok=True)
    kpis = compute_kpis(portfolio.accounts).to_json()
    by_id = {a["account"]: a for a in kpis["accounts"]}
    rows: dict[str, dict[str, Any]] = {}
    generated = portfolio.accounts[0].today if portfolio.accounts else dt.date.today()
    for account in portfolio.accounts:
        report = build_report(account, redact=redact, host=host or portfolio.host)
        generated = account.today
        page = account_page(account, report, standalone=False, nav={"index": "../index.html"})
        write_atomic(out / "accounts" / f"{account.id}.html", page)
        info = report["plan"]["account"]
        kpi = by_id[account.id]
        rows[account.id] = {
            "id": account.id, "name": info["name"], "tier": info.get("tier"), "industry": info.get("industry"),
            "region": info.get("region"), "parent": info.get("parent"), "currency": info.get("currency"),
            "arr": kpi["end_arr"] or None, "nrr": kpi["nrr"], "grr": kpi["grr"],
            "health": report["scores"].get("health", {}).get("value"),
            "coverage": report["scores"].get("coverage", {}).get("value"), "map_status": kpi["map_status"],
            "anomalies": [a["message"] for a in kpis["anomalies"] if a["account"] == account.id],
            "stakeholders": len(report["plan"]["stakeholders"]), "depth": 0,
        }
    write_atomic(out / "index.html", index_page(_grouped(rows), kpis, generated, redact))
    return out / "index.html"


def _grouped(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounts in name order, each group's children right below their parent (indented)."""
    children: dict[str | None, list[str]] = {}
    for rid, row in rows.items():
        parent = row["parent"] if row["parent"] in rows else None
        children.setdefault(parent, []).append(rid)
    out: list[dict[str, Any]] = []

    def walk(parent: str | None, depth: int) -> None:
        for rid in sorted(children.get(parent, []), key=lambda r: rows[r]["name"].casefold()):
            if any(r["id"] == rid for r in out):
                continue
            rows[rid]["depth"] = depth
            rows[rid]["group"] = parent or (rid if children.get(rid) else None)
            out.append(rows[rid])
            walk(rid, depth + 1)

    walk(None, 0)
    out += [r for r in rows.values() if r not in out]  # parent loops: still listed
    return out
