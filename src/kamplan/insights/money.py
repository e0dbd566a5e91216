"""Money in one currency (insights.md, "Money in one currency").

Roll-ups are in the reporting currency: ``settings.currency``, else the currency of the most accounts
(ties broken alphabetically). ``settings.fx`` gives one unit of each other currency in the reporting
currency. An account whose currency has no rate is never summed: it is left out as unconverted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rates:
    """The reporting currency and the rates into it."""

    currency: str | None
    fx: Mapping[str, float]
    any_stated: bool = True  # some account states a currency (else every amount is in one unnamed currency)

    def rate(self, currency: str | None) -> float | None:
        """How much one unit of ``currency`` is in the reporting currency, or None when unknown."""
        if currency is None:
            return None if self.any_stated else 1.0
        if currency == self.currency:
            return 1.0
        return self.fx.get(currency)

    def why_not(self, currency: str | None) -> str:
        """Why an account's money cannot be converted."""
        if currency is None:
            return f"the plan states no currency (the portfolio reports in {self.currency})"
        return f"no rate for {currency} in settings.fx (the portfolio reports in {self.currency})"


def reporting_rates(stated: str | None, fx: Mapping[str, float], currencies: Iterable[str | None]) -> Rates:
    """The portfolio's rates: ``settings.currency``, else the most common account currency."""
    counts = Counter(c for c in currencies if c)
    if stated:
        return Rates(stated, dict(fx), bool(counts))
    if not counts:
        return Rates(None, dict(fx), False)
    most = max(counts.values())
    return Rates(min(c for c, n in counts.items() if n == most), dict(fx), True)


def money_text(amount: float | None, currency: str | None) -> str:
    """``1,250,000 EUR`` (``-`` for None)."""
    if amount is None:
        return "-"
    return f"{amount:,.0f}" + (f" {currency}" if currency else "")
