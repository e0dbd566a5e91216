"""Portfolio KPIs: NRR, GRR, expansion rate, logo churn, share of wallet, coverage, and anomalies.

Formulas (docs/kpis.md): for the chosen period P of an account, start = ARR at the previous period of
the same granularity; expansion, contraction and churn come from P's breakdown or, where it is
missing, from the ARR change (growth = expansion, decline = contraction, to zero = churn).
Portfolio and group ratios are ratios of sums, never averages of ratios.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kamplan.insights.coverage import key_players, map_status
from kamplan.insights.periods import period_granularity, previous_period

if TYPE_CHECKING:
    from kamplan.account import Account

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


@dataclass(frozen=True)
class RevenueRow:
    """One revenue period as the KPIs need it."""

    period: str
    arr: float
    expansion: float | None = None
    contraction: float | None = None
    churn: float | None = None


@dataclass
class KpiInput:
    """Everything the KPIs of one account depend on: small, and stored by the engine per plan.

    Built once per plan content (:func:`kpi_input`); every figure of ``kamplan kpi`` is computed from
    these records, so a cached record and a freshly loaded account give the same numbers.
    """

    account: str
    parent: str | None
    tier: str | None
    currency: str | None
    wallet: float | None
    reviewed: str | None
    today: str
    revenue: list[RevenueRow]
    key_players: int
    key_players_covered: int
    map_status: int
    thresholds: dict[str, float]
    stale_review_days: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the engine's cache stores it)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KpiInput:
        """The inverse of :meth:`to_json`."""
        return cls(**{**data, "revenue": [RevenueRow(**r) for r in data["revenue"]]})


def kpi_input(account: Account) -> KpiInput:
    """The KPI record of one loaded account."""
    keys = key_players(account)
    info = account.plan.account
    return KpiInput(
        account=account.id, parent=info.parent, tier=info.tier, currency=info.currency,
        wallet=info.wallet, reviewed=info.reviewed.isoformat() if info.reviewed else None,
        today=account.today.isoformat(),
        revenue=[RevenueRow(r.period, r.arr, r.expansion, r.contraction, r.churn) for r in account.plan.revenue],
        key_players=len(keys), key_players_covered=sum(1 for p in keys if account.graph.coverage(p.id).covered),
        map_status=map_status(account),
        thresholds=dict(account.settings.kpi_thresholds.model_dump()),
        stale_review_days=account.settings.stale_review_days,
    )


def account_kpi(account: Account | KpiInput, period: str | None = None) -> AccountKpi:
    """KPIs of one account for ``period`` (default: its latest revenue period)."""
    data = account if isinstance(account, KpiInput) else kpi_input(account)
    revenue = {r.period: r for r in data.revenue}
    movement = Movement()
    movement.key_players = data.key_players
    movement.key_players_covered = data.key_players_covered
    status = data.map_status
    end_period = period or (max(revenue) if revenue else None)
    result = AccountKpi(data.account, end_period, None, movement, status)
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
    if data.wallet:
        movement.wallet = data.wallet
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


def _descendants(children: dict[str | None, list[str]], root: str) -> list[str]:
    found, frontier = [root], [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.append(child)
                frontier.append(child)
    return found


def compute_kpis(accounts: Iterable[Account | KpiInput], period: str | None = None) -> KpiReport:
    """KPIs of every account, roll-ups over ``parent`` groups, the portfolio and anomalies."""
    records = [a if isinstance(a, KpiInput) else kpi_input(a) for a in accounts]
    rows = [account_kpi(r, period) for r in records]
    by_id = {r.account: r for r in rows}
    portfolio = Movement()
    for row in rows:
        portfolio.add(row.movement)
    groups: dict[str, Movement] = {}
    children: dict[str | None, list[str]] = {}
    for record in records:
        children.setdefault(record.parent, []).append(record.account)
    for record in records:
        members = _descendants(children, record.account)
        if len(members) > 1:
            total = Movement()
            for member in members:
                total.add(by_id[member].movement)
            groups[record.account] = total
    currencies = sorted({r.currency for r in records if r.currency})
    report = KpiReport(rows, groups, portfolio, [], currencies)
    report.anomalies = find_anomalies(records, rows)
    if len(currencies) > 1:
        report.anomalies.append({"account": None, "kpi": "currency",
                                 "message": f"portfolio sums mix currencies ({', '.join(currencies)}); "
                                            "compare the per-account ratios"})
    return report


def find_anomalies(records: list[KpiInput], rows: list[AccountKpi]) -> list[dict[str, Any]]:
    """Rule-based anomalies per account, then outliers across the portfolio (robust z-score)."""
    out: list[dict[str, Any]] = []
    for record, row in zip(records, rows, strict=True):
        limits = record.thresholds
        ratios = row.movement.ratios()
        nrr, grr = ratios["nrr"], ratios["grr"]
        span = f"({row.start_period} -> {row.period})"
        if nrr is not None and nrr < limits["nrr_min"]:
            out.append({"account": record.account, "kpi": "nrr",
                        "message": f"NRR {nrr:.0%} is below {limits['nrr_min']:.0%} {span}"})
        if grr is not None and grr < limits["grr_min"]:
            out.append({"account": record.account, "kpi": "grr",
                        "message": f"GRR {grr:.0%} is below {limits['grr_min']:.0%} {span}"})
        start, end = row.movement.start_arr, row.movement.end_arr
        if start and (start - end) / start > limits["arr_drop_max"]:
            out.append({"account": record.account, "kpi": "arr",
                        "message": f"ARR fell {(start - end) / start:.0%} ({start:,.0f} -> {end:,.0f}), "
                                   f"more than {limits['arr_drop_max']:.0%}"})
        if record.tier == "strategic" and row.map_status < limits["min_map_status_strategic"]:
            out.append({"account": record.account, "kpi": "coverage",
                        "message": f"strategic account with relationship-map status {row.map_status} "
                                   f"(below {limits['min_map_status_strategic']})"})
        reviewed = dt.date.fromisoformat(record.reviewed) if record.reviewed else None
        if reviewed is None or (dt.date.fromisoformat(record.today) - reviewed).days > record.stale_review_days:
            when = f"last reviewed {reviewed}" if reviewed else "never reviewed"
            out.append({"account": record.account, "kpi": "review", "message": f"stale plan: {when}"})
    if records:
        z_limit = records[0].thresholds["outlier_z"]
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
