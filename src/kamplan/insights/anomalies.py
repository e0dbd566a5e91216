"""What to look at (insights.md, "Thresholds and anomalies").

Per account, on the window's figures against annual thresholds: NRR below ``nrr_min``, GRR below
``grr_min``, ARR over the window falling more than ``arr_drop_max``, the last step falling more than
``step_drop_max``, a strategic account whose economic buyer is not covered, stale revenue data, a stale
review. Across accounts, robust z-scores on the bad side only, and only with ``outlier_min_accounts``
accounts or more that have the value (on five accounts, "outliers" are noise).
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import TYPE_CHECKING, Any

from kamplan.insights.money import Rates

if TYPE_CHECKING:
    from kamplan.insights.kpis import AccountFigures

# The figures compared across accounts, and which side is bad (-1: low values are bad).
OUTLIER_SIDES = {"nrr": -1, "share_of_wallet": -1, "coverage": -1}


def find_anomalies(figures: list[AccountFigures], rates: Rates) -> list[dict[str, Any]]:
    """Rule-based anomalies per account, then bad-side outliers across the portfolio."""
    del rates  # per-account ratios do not depend on the currency
    out: list[dict[str, Any]] = []
    for item in figures:
        out += _account_anomalies(item)
    if figures:
        out += _outliers(figures)
    return out


def _account_anomalies(item: AccountFigures) -> list[dict[str, Any]]:
    record, window = item.record, item.window
    limits = record.thresholds
    out: list[dict[str, Any]] = []

    def flag(kpi: str, message: str) -> None:
        out.append({"account": record.account, "kpi": kpi, "message": message})

    ratios = window.ratios()
    span = f"({window.period_then} -> {window.period_now})"
    if ratios["nrr"] is not None and ratios["nrr"] < limits["nrr_min"]:
        flag("nrr", f"NRR {ratios['nrr']:.0%} over twelve months is below {limits['nrr_min']:.0%} {span}")
    if ratios["grr"] is not None and ratios["grr"] < limits["grr_min"]:
        flag("grr", f"GRR {ratios['grr']:.0%} over twelve months is below {limits['grr_min']:.0%} {span}")
    start = window.arr_then if window.arr_then else (window.steps[0].arr_before if window.steps else None)
    end = window.arr_now
    if start and end is not None and (start - end) / start > limits["arr_drop_max"]:
        flag("arr", f"ARR fell {(start - end) / start:.0%} over the window ({start:,.0f} -> {end:,.0f}), "
                    f"more than {limits['arr_drop_max']:.0%}")
    if window.steps:
        last = window.steps[-1]
        drop_max = limits.get("step_drop_max", 0.10)
        if last.arr_before > 0 and (last.arr_before - last.arr) / last.arr_before > drop_max:
            flag("arr_step", f"ARR fell {(last.arr_before - last.arr) / last.arr_before:.0%} in {last.period} "
                             f"({last.arr_before:,.0f} -> {last.arr:,.0f}), more than {drop_max:.0%} in one step")
    if record.tier == "strategic" and window.status != "churned":
        if not record.economic_buyers:
            flag("coverage", "strategic account with no economic buyer identified")
        elif record.economic_buyers_covered < record.economic_buyers:
            flag("coverage", "strategic account whose economic buyer is not covered "
                             "(no fresh medium or strong relationship)")
    if window.left_out == "stale":
        flag("revenue", f"stale revenue data: {window.detail}")
    reviewed = dt.date.fromisoformat(record.reviewed) if record.reviewed else None
    if reviewed is None or (dt.date.fromisoformat(record.today) - reviewed).days > record.stale_review_days:
        flag("review", f"stale plan: {'last reviewed ' + str(reviewed) if reviewed else 'never reviewed'}")
    return out


def _outliers(figures: list[AccountFigures]) -> list[dict[str, Any]]:
    limits = figures[0].record.thresholds
    minimum = int(limits.get("outlier_min_accounts", 20))
    z_limit = limits.get("outlier_z", 3.5)
    out: list[dict[str, Any]] = []
    for key, side in OUTLIER_SIDES.items():
        values = {f.record.account: _value(f, key) for f in figures}
        known = {k: v for k, v in values.items() if v is not None}
        if len(known) < minimum:
            continue
        median = statistics.median(known.values())
        for account_id, z in robust_z(known).items():
            if z * side > z_limit:
                out.append({"account": account_id, "kpi": key,
                            "message": f"{key} {known[account_id]:.2f} is far below the portfolio's "
                                       f"(median {median:.2f}, robust z {z:+.1f})"})
    return out


def _value(item: AccountFigures, key: str) -> float | None:
    if key == "share_of_wallet":
        return item.share_of_wallet
    if key == "coverage":
        return item.coverage
    return item.window.ratios()[key]


def robust_z(values: dict[str, float]) -> dict[str, float]:
    """Modified z-scores 0.6745 (x - median) / MAD; empty when MAD is 0."""
    if not values:
        return {}
    median = statistics.median(values.values())
    mad = statistics.median(abs(v - median) for v in values.values())
    if mad == 0:
        return {}
    return {k: 0.6745 * (v - median) / mad for k, v in values.items()}
