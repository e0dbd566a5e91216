"""Portfolio KPIs: NRR, GRR, expansion rate, logo churn, share of wallet, coverage, and anomalies.

Formulas (docs/kpis.md): for the chosen period P of an account, start = ARR at the previous period of
the same granularity; expansion, contraction and churn come from P's breakdown or, where it is
missing, from the ARR change (growth = expansion, decline = contraction, to zero = churn).
Portfolio and group ratios are ratios of sums, never averages of ratios.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from kamplan.account import Account
from kamplan.builtin.integrity import period_granularity
from kamplan.builtin.scoring import active_people, is_key_player, map_status

RATIO_KEYS = ("nrr", "grr", "logo_churn", "expansion_rate", "share_of_wallet", "coverage")


@dataclass
class Movement:
    """The sums behind the ratios of one account, one group or the portfolio."""

    start_arr: float = 0.0
    end_arr: float = 0.0
    expansion: float = 0.0
    contraction: float = 0.0
    churn: float = 0.0
    accounts_at_start: int = 0
    accounts_lost: int = 0
    wallet: float = 0.0
    wallet_arr: float = 0.0
    key_players: int = 0
    key_players_covered: int = 0

    def add(self, other: Movement) -> None:
        """Add another movement's sums to this one."""
        for name in asdict(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def ratios(self) -> dict[str, float | None]:
        """The six KPIs as fractions (None where the denominator is zero)."""
        start = self.start_arr

        def ratio(numerator: float, denominator: float) -> float | None:
            return round(numerator / denominator, 4) if denominator else None

        grr = ratio(start - self.contraction - self.churn, start)
        return {
            "nrr": ratio(start + self.expansion - self.contraction - self.churn, start),
            "grr": min(grr, 1.0) if grr is not None else None,
            "logo_churn": ratio(self.accounts_lost, self.accounts_at_start),
            "expansion_rate": ratio(self.expansion, start),
            "share_of_wallet": ratio(self.wallet_arr, self.wallet),
            "coverage": ratio(self.key_players_covered, self.key_players),
        }


@dataclass
class AccountKpi:
    """KPIs of one account for one period."""

    account: str
    period: str | None
    start_period: str | None
    movement: Movement
    map_status: int
    derived: bool = False
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``accounts[]`` entry of ``kamplan kpi --format json``."""
        return {"account": self.account, **self.movement.ratios(), "period": self.period,
                "start_period": self.start_period, "start_arr": self.movement.start_arr,
                "end_arr": self.movement.end_arr, "expansion": self.movement.expansion,
                "contraction": self.movement.contraction, "churn": self.movement.churn,
                "map_status": self.map_status, "breakdown_derived": self.derived, "notes": self.notes}


def previous_period(period: str) -> str:
    """The period before ``period`` of the same granularity (``2026-Q1`` -> ``2025-Q4``)."""
    kind = period_granularity(period)
    if kind == "year":
        return str(int(period) - 1)
    year, rest = period.split("-")
    if kind == "quarter":
        quarter = int(rest[1])
        return f"{int(year) - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
    month = int(rest)
    return f"{int(year) - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def account_kpi(account: Account, period: str | None = None) -> AccountKpi:
    """KPIs of one account for ``period`` (default: its latest revenue period)."""
    revenue = {r.period: r for r in account.plan.revenue}
    movement = Movement()
    people = active_people(account)
    movement.key_players = sum(1 for p in people if is_key_player(p))
    movement.key_players_covered = sum(1 for p in people if is_key_player(p) and account.graph.coverage(p.id).covered)
    status = map_status(account)
    end_period = period or (max(revenue) if revenue else None)
    result = AccountKpi(account.id, end_period, None, movement, status)
    if end_period is None:
        result.notes.append("no revenue history")
        return result
    if end_period not in revenue:
        if revenue and period_granularity(end_period) != period_granularity(next(iter(revenue))):
            result.notes.append(f"period {end_period} is not of this plan's granularity")
        else:
            result.notes.append(f"no revenue for {end_period}")
        return result
    end = revenue[end_period]
    movement.end_arr = end.arr
    if account.plan.account.wallet:
        movement.wallet = account.plan.account.wallet
        movement.wallet_arr = end.arr
    start_period = previous_period(end_period)
    result.start_period = start_period
    if start_period not in revenue:
        result.notes.append(f"no ARR for the start period {start_period}: new account or gap, left out of NRR/GRR")
        return result
    start = revenue[start_period].arr
    movement.start_arr = start
    if start > 0:
        movement.accounts_at_start = 1
        movement.accounts_lost = 1 if end.arr == 0 else 0
    if any(v is not None for v in (end.expansion, end.contraction, end.churn)):
        movement.expansion = end.expansion or 0
        movement.contraction = end.contraction or 0
        movement.churn = end.churn or 0
        derived_end = start + movement.expansion - movement.contraction - movement.churn
        if abs(derived_end - end.arr) > 0.5:
            result.notes.append(f"breakdown does not add up: {start} + {movement.expansion} - {movement.contraction} "
                                f"- {movement.churn} = {derived_end}, but ARR is {end.arr}")
    else:
        result.derived = True
        change = end.arr - start
        if end.arr == 0 and start > 0:
            movement.churn = start
        elif change > 0:
            movement.expansion = change
        else:
            movement.contraction = -change
    return result


@dataclass
class KpiReport:
    """KPIs per account, per group and for the portfolio, with anomalies."""

    accounts: list[AccountKpi]
    groups: dict[str, Movement]
    portfolio: Movement
    anomalies: list[dict[str, Any]]
    currencies: list[str]

    def to_json(self) -> dict[str, Any]:
        """The shape of ``kamplan kpi --format json``."""
        return {
            "portfolio": {**self.portfolio.ratios(), "start_arr": self.portfolio.start_arr,
                          "end_arr": self.portfolio.end_arr, "accounts": len(self.accounts),
                          "currencies": self.currencies},
            "groups": [{"account": gid, **m.ratios(), "start_arr": m.start_arr, "end_arr": m.end_arr}
                       for gid, m in self.groups.items()],
            "accounts": [a.to_json() for a in self.accounts],
            "anomalies": self.anomalies,
        }


def _descendants(accounts: list[Account], root: str) -> list[str]:
    found, frontier = [root], [root]
    while frontier:
        current = frontier.pop()
        for child in accounts:
            if child.plan.account.parent == current and child.id not in found:
                found.append(child.id)
                frontier.append(child.id)
    return found


def compute_kpis(accounts: Iterable[Account], period: str | None = None) -> KpiReport:
    """KPIs of every account, roll-ups over ``parent`` groups, the portfolio and anomalies."""
    accounts = list(accounts)
    rows = [account_kpi(a, period) for a in accounts]
    by_id = {r.account: r for r in rows}
    portfolio = Movement()
    for row in rows:
        portfolio.add(row.movement)
    groups: dict[str, Movement] = {}
    for account in accounts:
        members = _descendants(accounts, account.id)
        if len(members) > 1:
            total = Movement()
            for member in members:
                total.add(by_id[member].movement)
            groups[account.id] = total
    currencies = sorted({a.plan.account.currency for a in accounts if a.plan.account.currency})
    report = KpiReport(rows, groups, portfolio, [], currencies)
    report.anomalies = find_anomalies(accounts, rows)
    if len(currencies) > 1:
        report.anomalies.append({"account": None, "kpi": "currency",
                                 "message": f"portfolio sums mix currencies ({', '.join(currencies)}); "
                                            "compare the per-account ratios"})
    return report


def find_anomalies(accounts: list[Account], rows: list[AccountKpi]) -> list[dict[str, Any]]:
    """Rule-based anomalies per account, then outliers across the portfolio (robust z-score)."""
    out: list[dict[str, Any]] = []
    for account, row in zip(accounts, rows, strict=True):
        limits = account.settings.kpi_thresholds
        ratios = row.movement.ratios()
        nrr, grr = ratios["nrr"], ratios["grr"]
        if nrr is not None and nrr < limits.nrr_min:
            out.append({"account": account.id, "kpi": "nrr",
                        "message": f"NRR {nrr:.0%} is below {limits.nrr_min:.0%} ({row.start_period} -> {row.period})"})
        if grr is not None and grr < limits.grr_min:
            out.append({"account": account.id, "kpi": "grr",
                        "message": f"GRR {grr:.0%} is below {limits.grr_min:.0%} ({row.start_period} -> {row.period})"})
        start, end = row.movement.start_arr, row.movement.end_arr
        if start and (start - end) / start > limits.arr_drop_max:
            out.append({"account": account.id, "kpi": "arr",
                        "message": f"ARR fell {(start - end) / start:.0%} ({start:,.0f} -> {end:,.0f}), "
                                   f"more than {limits.arr_drop_max:.0%}"})
        if account.plan.account.tier == "strategic" and row.map_status < limits.min_map_status_strategic:
            out.append({"account": account.id, "kpi": "coverage",
                        "message": f"strategic account with relationship-map status {row.map_status} "
                                   f"(below {limits.min_map_status_strategic})"})
        reviewed = account.plan.account.reviewed
        if reviewed is None or (account.today - reviewed).days > account.settings.stale_review_days:
            when = f"last reviewed {reviewed}" if reviewed else "never reviewed"
            out.append({"account": account.id, "kpi": "review", "message": f"stale plan: {when}"})
    if accounts:
        z_limit = accounts[0].settings.kpi_thresholds.outlier_z
        for key in ("nrr", "share_of_wallet", "coverage"):
            values = {r.account: r.movement.ratios()[key] for r in rows}
            known = {k: v for k, v in values.items() if v is not None}
            for account_id, z in robust_z(known).items():
                if abs(z) > z_limit:
                    median = statistics.median(known.values())
                    out.append({"account": account_id, "kpi": key,
                                "message": f"{key} {known[account_id]:.2f} is an outlier (robust z {z:+.1f}; "
                                           f"portfolio median {median:.2f})"})
    return out


def robust_z(values: dict[str, float]) -> dict[str, float]:
    """Modified z-scores 0.6745 (x - median) / MAD; empty when fewer than 5 values or MAD is 0."""
    if len(values) < 5:
        return {}
    median = statistics.median(values.values())
    mad = statistics.median(abs(v - median) for v in values.values())
    if mad == 0:
        return {}
    return {k: 0.6745 * (v - median) / mad for k, v in values.items()}
