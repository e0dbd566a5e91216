"""One account's trailing-twelve-month window over its revenue snapshots (insights.md, "The window").

``now`` is the last closed period at the as-of date A, ``then`` the same period a year earlier. The
window's steps (the rows after then up to now) give expansion, contraction and churn; a breakdown that
does not add up is kept, and its residual counted (positive as expansion, negative as contraction). An
account whose data stops at ARR 0 stays churned; one whose data stops early is stale.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kamplan.insights.periods import last_closed, period_granularity, period_key, snapshot_date, twelve_months_before

if TYPE_CHECKING:
    from kamplan.account import Account

RESIDUAL_TOLERANCE = 0.5  # money units: rounding in a hand-written breakdown is not a residual


@dataclass(frozen=True)
class Row:
    """One revenue period as the window needs it (ARR at the period's last day, optional breakdown)."""

    period: str
    arr: float
    expansion: float | None = None
    contraction: float | None = None
    churn: float | None = None

    @property
    def has_breakdown(self) -> bool:
        """Whether the row says how the ARR changed."""
        return any(v is not None for v in (self.expansion, self.contraction, self.churn))


@dataclass
class Step:
    """One period inside the window and what it contributed."""

    period: str
    arr_before: float
    arr: float
    expansion: float = 0.0
    contraction: float = 0.0
    churn: float = 0.0
    residual: float | None = None  # the part of the ARR change the breakdown does not explain
    derived: bool = False  # no breakdown: the ARR change itself was classified


@dataclass
class Window:
    """The account's window at the as-of date and everything read off it."""

    status: str  # prospect | active | churned
    granularity: str | None = None
    period_now: str | None = None
    period_then: str | None = None
    arr_now: float | None = None
    arr_then: float | None = None
    expansion: float = 0.0
    contraction: float = 0.0
    churn: float = 0.0
    steps: list[Step] = field(default_factory=list)
    forecast: list[str] = field(default_factory=list)
    last_actual: str | None = None
    left_out: str | None = None  # why the account is not in the cohort: prospect, new, gap, stale, churned
    detail: str | None = None  # the same in words

    @property
    def in_cohort(self) -> bool:
        """Whether the account counts in the retention figures (ARR_then > 0 and ARR_now known)."""
        return self.left_out is None

    @property
    def residuals(self) -> list[dict[str, Any]]:
        """The steps whose breakdown does not add up, with the residual."""
        return [{"period": s.period, "residual": s.residual} for s in self.steps if s.residual is not None]

    def ratios(self) -> dict[str, float | None]:
        """NRR, GRR, expansion rate and logo churn of a cohort account (all None outside the cohort)."""
        then = self.arr_then
        if not self.in_cohort or not then or self.arr_now is None:
            return {"nrr": None, "grr": None, "expansion_rate": None, "logo_churn": None}
        kept = max(0.0, then - self.contraction - self.churn)
        return {"nrr": self.arr_now / then, "grr": min(1.0, kept / then), "expansion_rate": self.expansion / then,
                "logo_churn": 1.0 if self.arr_now == 0 else 0.0}

    @property
    def retained(self) -> float:
        """max(0, ARR_then - contraction - churn): the numerator of GRR."""
        return max(0.0, (self.arr_then or 0.0) - self.contraction - self.churn)


def revenue_rows(account: Account) -> list[Row]:
    """The account's revenue rows as the window reads them."""
    return [Row(r.period, r.arr, r.expansion, r.contraction, r.churn) for r in account.plan.revenue]


def revenue_window(account: Account) -> Window:
    """The account's window at its as-of date, computed once per account (rules, scores and recommenders share it)."""
    return account.memo("revenue_window", lambda: compute_window(revenue_rows(account), account.today))


def breakdown_residual(previous: Row, row: Row) -> float | None:
    """The part of the ARR change since ``previous`` that ``row``'s breakdown does not explain (None: it adds up)."""
    explained = (row.expansion or 0.0) - (row.contraction or 0.0) - (row.churn or 0.0)
    residual = (row.arr - previous.arr) - explained
    return residual if abs(residual) > RESIDUAL_TOLERANCE else None


def compute_window(rows: list[Row], as_of: dt.date) -> Window:
    """The window of an account with revenue ``rows`` (one granularity) at the as-of date."""
    if not rows:
        return Window("prospect", left_out="prospect", detail="no revenue rows", arr_now=0.0)
    kind = period_granularity(rows[0].period)
    ordered = sorted(rows, key=lambda r: period_key(r.period))
    actual = [r for r in ordered if snapshot_date(r.period) <= as_of]
    window = Window("active", granularity=kind, forecast=[r.period for r in ordered if snapshot_date(r.period) > as_of])
    now = last_closed(kind, as_of)
    then = twelve_months_before(now)
    window.period_now, window.period_then = now, then
    window.last_actual = actual[-1].period if actual else None
    if not any(r.arr > 0 for r in actual):
        window.status, window.arr_now, window.left_out = "prospect", 0.0, "prospect"
        window.detail = "no actual ARR yet" + (f" (forecast from {window.forecast[0]})" if window.forecast else "")
        return window
    window.arr_now = _value_at(actual, now)
    if window.arr_now is None:
        window.left_out = "stale"
        window.detail = f"revenue data ends at {window.last_actual}, before {now}"
        return window
    window.status = "active" if window.arr_now > 0 else "churned"
    window.arr_then = _value_at(actual, then)
    if window.arr_then is None:
        first = actual[0].period
        window.left_out = "new" if period_key(first) > period_key(then) else "gap"
        window.detail = (f"first revenue in {first}, after {then}" if window.left_out == "new"
                         else f"no revenue row for {then}")
    elif window.arr_then == 0:
        window.left_out = "churned" if window.status == "churned" else "new"
        window.detail = (f"churned before {then}" if window.status == "churned"
                         else f"ARR was 0 in {then}: new business since")
    _steps(window, actual, then, now)
    return window


def _value_at(actual: list[Row], period: str) -> float | None:
    """ARR at ``period``: its row, else 0 when the latest row before it is 0 (churn carried), else unknown."""
    key = period_key(period)
    before = [r for r in actual if period_key(r.period) <= key]
    if not before:
        return None
    if before[-1].period == period:
        return before[-1].arr
    return 0.0 if before[-1].arr == 0 else None


def _steps(window: Window, actual: list[Row], then: str, now: str) -> None:
    low, high = period_key(then), period_key(now)
    for previous, row in itertools.pairwise(actual):
        if not low < period_key(row.period) <= high:
            continue
        step = Step(row.period, previous.arr, row.arr)
        change = row.arr - previous.arr
        if row.has_breakdown:
            step.expansion = row.expansion or 0.0
            step.contraction = row.contraction or 0.0
            step.churn = row.churn or 0.0
            residual = breakdown_residual(previous, row)
            if residual is not None:
                step.residual = residual
                if residual > 0:
                    step.expansion += residual
                else:
                    step.contraction -= residual
        else:
            step.derived = True
            if row.arr == 0 and previous.arr > 0:
                step.churn = previous.arr
            elif change > 0:
                step.expansion = change
            else:
                step.contraction = -change
        window.steps.append(step)
        window.expansion += step.expansion
        window.contraction += step.contraction
        window.churn += step.churn
