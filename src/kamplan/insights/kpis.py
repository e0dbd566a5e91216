"""Portfolio KPIs over trailing twelve months (insights.md): per account, per group, for the portfolio.

Per account, :mod:`kamplan.insights.window` reads the window off the revenue snapshots at the as-of
date. Groups (a parent and all its descendants) and the portfolio are ratios of sums over their cohort
accounts, in the reporting currency (:mod:`kamplan.insights.money`), each saying what it stands on.
Every figure is computed from small :class:`KpiInput` records, which is what the engine stores per
plan, so a cached record and a freshly loaded account give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kamplan.insights.anomalies import find_anomalies
from kamplan.insights.money import Rates, money_text, reporting_rates
from kamplan.insights.periods import snapshot_date
from kamplan.insights.window import Row, Window, compute_window, revenue_rows

if TYPE_CHECKING:
    from kamplan.account import Account

@dataclass
class KpiInput:
    """Everything the KPIs of one account depend on: small, and stored by the engine per plan."""

    account: str
    name: str
    parent: str | None
    tier: str | None
    currency: str | None
    wallet: float | None
    reviewed: str | None
    today: str
    revenue: list[Row]
    key_players: int
    key_players_covered: int
    map_status: int
    thresholds: dict[str, float]
    stale_review_days: int
    status_stated: str | None = None
    economic_buyers: int = 0
    economic_buyers_covered: int = 0
    settings_currency: str | None = None
    fx: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the engine's cache stores it)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KpiInput:
        """The inverse of :meth:`to_json`."""
        return cls(**{**data, "revenue": [Row(**r) for r in data["revenue"]]})


def kpi_input(account: Account) -> KpiInput:
    """The KPI record of one loaded account."""
    # here, not at the top: a warm `kpi` reads the cached records and imports no plan models
    from kamplan.insights.coverage import coverage_of, covered_key_players, key_players, map_status

    keys = key_players(account)
    info = account.plan.account
    buyers = [p for p in account.plan.stakeholders if "economic_buyer" in p.roles and p.status not in ("left",)]
    settings = account.settings.settings
    return KpiInput(
        account=account.id, name=info.name, parent=info.parent, tier=info.tier, currency=info.currency,
        wallet=info.wallet, reviewed=info.reviewed.isoformat() if info.reviewed else None,
        today=account.today.isoformat(),
        revenue=revenue_rows(account),
        key_players=len(keys), key_players_covered=len(covered_key_players(account)),
        map_status=map_status(account),
        thresholds=dict(account.settings.kpi_thresholds.model_dump()),
        stale_review_days=account.settings.stale_review_days,
        status_stated=info.status,
        economic_buyers=len(buyers),
        economic_buyers_covered=sum(1 for p in buyers if coverage_of(account, p.id).covered),
        settings_currency=settings.currency, fx=dict(settings.fx),
    )


@dataclass
class AccountFigures:
    """One account's window and the figures read off it (money in the account's currency)."""

    record: KpiInput
    window: Window

    @property
    def share_of_wallet(self) -> float | None:
        """ARR_now / wallet (a prospect's ARR_now is 0), or None without a wallet or a known ARR_now."""
        wallet, now = self.record.wallet, self.window.arr_now
        return now / wallet if wallet and now is not None else None

    @property
    def coverage(self) -> float | None:
        """Covered key players / key players."""
        keys = self.record.key_players
        return self.record.key_players_covered / keys if keys else None

    def to_json(self) -> dict[str, Any]:
        """The ``accounts[]`` entry of ``kamplan kpi --format json``."""
        w = self.window
        ratios = w.ratios()
        return {
            "account": self.record.account, "status": w.status, "status_stated": self.record.status_stated,
            "currency": self.record.currency, "period_now": w.period_now, "period_then": w.period_then,
            "arr_now": w.arr_now, "arr_then": w.arr_then,
            "nrr": _r(ratios["nrr"]), "grr": _r(ratios["grr"]), "logo_churn": _r(ratios["logo_churn"]),
            "expansion_rate": _r(ratios["expansion_rate"]), "share_of_wallet": _r(self.share_of_wallet),
            "coverage": _r(self.coverage),
            "expansion": w.expansion, "contraction": w.contraction, "churn": w.churn,
            "in_cohort": w.in_cohort, "left_out": w.left_out, "left_out_detail": w.detail,
            "residuals": w.residuals, "forecast": w.forecast, "last_actual": w.last_actual,
            "map_status": self.record.map_status,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def account_figures(record: KpiInput | Account, period: str | None = None) -> AccountFigures:
    """One account's figures at its as-of date (or at the last day of ``period``, when given)."""
    data = record if isinstance(record, KpiInput) else kpi_input(record)
    as_of = snapshot_date(period) if period else dt.date.fromisoformat(data.today)
    return AccountFigures(data, compute_window(data.revenue, as_of))


@dataclass
class RollUp:
    """A group's or the portfolio's sums over its members, in the reporting currency."""

    members: list[str] = field(default_factory=list)
    arr_now: float = 0.0  # every converted member with a known ARR_now
    cohort_arr_now: float = 0.0
    arr_then: float = 0.0
    retained: float = 0.0
    expansion: float = 0.0
    contraction: float = 0.0
    churn: float = 0.0
    cohort: int = 0
    churned: int = 0
    wallet: float = 0.0
    wallet_arr: float = 0.0
    key_players: int = 0
    key_players_covered: int = 0
    left_out: list[dict[str, str]] = field(default_factory=list)

    def add(self, figures: AccountFigures, rates: Rates) -> None:
        """Add one member: converted, or left out with the reason."""
        record, window = figures.record, figures.window
        self.members.append(record.account)
        self.key_players += record.key_players
        self.key_players_covered += record.key_players_covered
        rate = rates.rate(record.currency)
        if rate is None:
            self.left_out.append({"account": record.account, "reason": "unconverted",
                                  "detail": rates.why_not(record.currency)})
            return
        if window.arr_now is not None:
            self.arr_now += window.arr_now * rate
            if record.wallet:
                self.wallet += record.wallet * rate
                self.wallet_arr += window.arr_now * rate
        if not window.in_cohort:
            self.left_out.append({"account": record.account, "reason": window.left_out or "",
                                  "detail": window.detail or ""})
            return
        assert window.arr_now is not None and window.arr_then is not None
        self.cohort += 1
        self.churned += 1 if window.arr_now == 0 else 0
        self.cohort_arr_now += window.arr_now * rate
        self.arr_then += window.arr_then * rate
        self.retained += window.retained * rate
        self.expansion += window.expansion * rate
        self.contraction += window.contraction * rate
        self.churn += window.churn * rate

    def to_json(self, currency: str | None) -> dict[str, Any]:
        """The ``portfolio`` / ``groups[]`` shape of ``kamplan kpi --format json``."""
        then = self.arr_then

        def ratio(numerator: float, denominator: float) -> float | None:
            return round(numerator / denominator, 4) if denominator else None

        return {
            "nrr": ratio(self.cohort_arr_now, then), "grr": ratio(self.retained, then),
            "logo_churn": ratio(self.churned, self.cohort), "expansion_rate": ratio(self.expansion, then),
            "share_of_wallet": ratio(self.wallet_arr, self.wallet),
            "coverage": ratio(self.key_players_covered, self.key_players),
            "accounts_in": self.cohort, "accounts_total": len(self.members),
            "arr_share_in": ratio(self.cohort_arr_now, self.arr_now),
            "left_out": self.left_out, "currency": currency,
            "arr_now": round(self.arr_now, 2), "arr_then": round(then, 2),
            "expansion": round(self.expansion, 2), "contraction": round(self.contraction, 2),
            "churn": round(self.churn, 2), "churned_accounts": self.churned,
        }


def stands_on(rollup: dict[str, Any]) -> str:
    """What a roll-up stands on, in words: ``3 of 5 accounts, 82% of ARR``."""
    share = rollup.get("arr_share_in")
    text = f"{rollup['accounts_in']} of {rollup['accounts_total']} accounts"
    return text + (f", {share:.0%} of ARR" if share is not None else "")


@dataclass
class KpiReport:
    """KPIs per account, per group and for the portfolio, with anomalies."""

    as_of: str
    rates: Rates
    accounts: list[AccountFigures]
    groups: dict[str, RollUp]
    portfolio: RollUp
    anomalies: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """The shape of ``kamplan kpi --format json`` (cli.md)."""
        currency = self.rates.currency
        return {
            "as_of": self.as_of, "currency": currency, "fx": dict(self.rates.fx),
            "portfolio": self.portfolio.to_json(currency),
            "groups": [{"account": gid, **g.to_json(currency)} for gid, g in self.groups.items()],
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


def compute_kpis(accounts: list[Account | KpiInput] | list[KpiInput], period: str | None = None) -> KpiReport:
    """KPIs of every account, roll-ups over ``parent`` groups and the portfolio, and anomalies.

    Args:
        accounts: Loaded accounts or their KPI records.
        period: Measure every window as of the last day of this period instead of the as-of date.
    """
    records = [a if isinstance(a, KpiInput) else kpi_input(a) for a in accounts]
    figures = [account_figures(r, period) for r in records]
    first = records[0] if records else None
    rates = reporting_rates(first.settings_currency if first else None, first.fx if first else {},
                            (r.currency for r in records))
    by_id = {f.record.account: f for f in figures}
    portfolio = RollUp()
    for item in figures:
        portfolio.add(item, rates)
    children: dict[str | None, list[str]] = {}
    for record in records:
        children.setdefault(record.parent, []).append(record.account)
    groups: dict[str, RollUp] = {}
    for record in records:
        members = _descendants(children, record.account)
        if len(members) > 1:
            group = RollUp()
            for member in members:
                group.add(by_id[member], rates)
            groups[record.account] = group
    as_of = (snapshot_date(period).isoformat() if period else first.today) if first else dt.date.today().isoformat()
    report = KpiReport(as_of, rates, figures, groups, portfolio, [])
    report.anomalies = find_anomalies(figures, rates)
    return report


def summary_line(report: dict[str, Any]) -> str:
    """The header of ``kamplan kpi``: as of, currency, and what the portfolio figures stand on."""
    portfolio = report["portfolio"]
    money = money_text(portfolio["arr_now"], report["currency"])
    return (f"KPIs as of {report['as_of']}, trailing twelve months, in {report['currency'] or 'one currency'}: "
            f"portfolio ARR {money}; retention figures on {stands_on(portfolio)}")
