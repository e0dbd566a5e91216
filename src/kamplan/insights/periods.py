"""Revenue periods: ``2026`` (a year), ``2026-Q3`` (a quarter), ``2026-07`` (a month)."""

from __future__ import annotations


def period_granularity(period: str) -> str:
    """``year``, ``quarter`` or ``month`` for a revenue period."""
    if "-Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


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
