"""Revenue periods: ``2026`` (a year), ``2026-Q3`` (a quarter), ``2026-07`` (a month).

A period's row is a snapshot: the ARR on its last day (insights.md, "Revenue rows are snapshots").
"""

from __future__ import annotations

import calendar
import datetime as dt


def period_granularity(period: str) -> str:
    """``year``, ``quarter`` or ``month`` for a revenue period."""
    if "-Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


def _parts(period: str) -> tuple[int, int]:
    """(year, index within the year: 1 for a year, 1-4 for a quarter, 1-12 for a month)."""
    kind = period_granularity(period)
    if kind == "year":
        return int(period), 1
    year, rest = period.split("-")
    return int(year), int(rest[1]) if kind == "quarter" else int(rest)


def period_key(period: str) -> tuple[int, int]:
    """A sort key: periods of one granularity in time order."""
    return _parts(period)


def snapshot_date(period: str) -> dt.date:
    """The last day of ``period``: the date its ARR is measured on."""
    kind = period_granularity(period)
    year, index = _parts(period)
    month = 12 if kind == "year" else index * 3 if kind == "quarter" else index
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def previous_period(period: str) -> str:
    """The period before ``period`` of the same granularity (``2026-Q1`` -> ``2025-Q4``)."""
    kind = period_granularity(period)
    year, index = _parts(period)
    if kind == "year":
        return str(year - 1)
    if kind == "quarter":
        return f"{year - 1}-Q4" if index == 1 else f"{year}-Q{index - 1}"
    return f"{year - 1}-12" if index == 1 else f"{year}-{index - 1:02d}"


def twelve_months_before(period: str) -> str:
    """The period of the same granularity twelve months earlier (``2026-Q3`` -> ``2025-Q3``)."""
    kind = period_granularity(period)
    year, index = _parts(period)
    if kind == "year":
        return str(year - 1)
    return f"{year - 1}-Q{index}" if kind == "quarter" else f"{year - 1}-{index:02d}"


def last_closed(kind: str, date: dt.date) -> str:
    """The latest period of granularity ``kind`` whose last day is on or before ``date``."""
    if kind == "year":
        return str(date.year if (date.month, date.day) == (12, 31) else date.year - 1)
    if kind == "quarter":
        quarter = (date.month - 1) // 3 + 1
        candidate = f"{date.year}-Q{quarter}"
        return candidate if snapshot_date(candidate) <= date else previous_period(candidate)
    candidate = f"{date.year}-{date.month:02d}"
    return candidate if snapshot_date(candidate) <= date else previous_period(candidate)
