"""Lint rules about money and dates (warnings W501-W508, docs/rules.md).

They read the revenue rows as the KPIs do (:mod:`kamplan.insights.window`): a breakdown is checked
against the change of ARR it explains, the current ARR against the wallet and the owned cells, and
the stated status against the status the revenue shows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kamplan.account import Account
from kamplan.insights.contracts import notice_by, renewal_risks
from kamplan.insights.periods import period_key, snapshot_date
from kamplan.insights.window import RESIDUAL_TOLERANCE, Row, breakdown_residual, revenue_rows, revenue_window
from kamplan.plugins.hookspecs import hookimpl
from kamplan.types import Finding

OWNED_TOLERANCE = 0.10


def _warn(message: str, *path: str | int) -> Finding:
    return Finding(message, tuple(path), "warning")


def _money(amount: float) -> str:
    return f"{amount:+,.0f}" if amount else "0"


def _ordered(account: Account) -> list[tuple[int, Row]]:
    """The revenue rows in period order, each with its index in the plan."""
    rows = list(enumerate(revenue_rows(account)))
    return sorted(rows, key=lambda item: period_key(item[1].period))


def unreconciled_breakdown(account: Account) -> Iterator[Finding]:
    """W501: a revenue breakdown that does not add up to the ARR change (the message gives the residual)."""
    ordered = _ordered(account)
    for (_, before), (i, row) in itertools.pairwise(ordered):
        if not row.has_breakdown:
            continue
        residual = breakdown_residual(before, row)
        if residual is not None:
            explained = (row.expansion or 0) - (row.contraction or 0) - (row.churn or 0)
            change = row.arr - before.arr
            counted = "expansion" if residual > 0 else "contraction"
            yield _warn(f"revenue {row.period}: the breakdown explains {_money(explained)} of a {_money(change)} "
                        f"change since {before.period} (residual {_money(residual)}, counted as {counted})",
                        "revenue", i)


def losses_above_arr(account: Account) -> Iterator[Finding]:
    """W502: contraction plus churn above the previous period's ARR."""
    ordered = _ordered(account)
    for (_, before), (i, row) in itertools.pairwise(ordered):
        lost = (row.contraction or 0) + (row.churn or 0)
        if lost > before.arr + RESIDUAL_TOLERANCE:
            yield _warn(f"revenue {row.period}: contraction + churn ({lost:,.0f}) exceed the ARR of {before.period} "
                        f"({before.arr:,.0f}): more was lost than there was", "revenue", i)


def arr_above_wallet(account: Account) -> Iterator[Finding]:
    """W503: the current ARR above the wallet (the client's whole spend in our category)."""
    wallet, now = account.plan.account.wallet, revenue_window(account).arr_now
    if wallet and now is not None and now > wallet:
        yield _warn(f"ARR now ({now:,.0f}) is above the wallet ({wallet:,.0f}): share of wallet {now / wallet:.0%}; "
                    "is the wallet this account's yearly spend in our category?", "account", "wallet")


def dates_in_the_future(account: Account) -> Iterator[Finding]:
    """W504: a date after the as-of date where only the past makes sense."""
    today = account.today
    plan = account.plan
    found: list[tuple[Any, tuple[str | int, ...], str]] = [(plan.account.reviewed, ("account", "reviewed"), "reviewed")]
    found += [(r.last_contact, ("relationships", i, "last_contact"), "last contact")
              for i, r in enumerate(plan.relationships)]
    found += [(p.since, ("stakeholders", i, "since"), "in the role since") for i, p in enumerate(plan.stakeholders)]
    found += [(d.date, ("decisions", i, "date"), "decision date") for i, d in enumerate(plan.decisions)]
    found += [(m.date, ("interactions", i, "date"), "interaction date") for i, m in enumerate(plan.interactions)]
    for date, path, what in found:
        if date is not None and date > today:
            yield _warn(f"{what} {date} is after the as-of date {today}", *path)


def owned_cells_off_arr(account: Account) -> Iterator[Finding]:
    """W505: owned cells whose ARR (when every owned cell gives one) differs from the ARR now by more than 10%."""
    owned = [c for c in account.plan.opportunities if c.status == "owned"]
    now = revenue_window(account).arr_now
    if not owned or any(c.arr is None for c in owned) or not now:
        return
    total = sum(c.arr or 0 for c in owned)
    if abs(total - now) / now > OWNED_TOLERANCE:
        yield _warn(f"the owned cells add up to {total:,.0f}, but ARR now is {now:,.0f} "
                    f"({(total - now) / now:+.0%}): the whitespace matrix and the revenue disagree", "opportunities")


def stale_revenue(account: Account) -> Iterator[Finding]:
    """W506: revenue data that ends before the last closed period."""
    window = revenue_window(account)
    if window.left_out == "stale":
        yield _warn(f"revenue data ends at {window.last_actual}, but {window.period_now} closed on "
                    f"{snapshot_date(window.period_now or '')}: the KPIs leave this account out until it is added",
                    "revenue")


def contradicted_status(account: Account) -> Iterator[Finding]:
    """W507: a stated ``account.status`` that the revenue contradicts."""
    stated = account.plan.account.status
    window = revenue_window(account)
    if stated is not None and window.left_out != "stale" and stated != window.status:
        arr = f" (ARR now {window.arr_now:,.0f})" if window.arr_now is not None else ""
        yield _warn(f"status says {stated}, but the revenue says {window.status}{arr}", "account", "status")


def renewal_risk(account: Account) -> Iterator[Finding]:
    """W508: an active contract due for renewal within 90 days that nobody is working on."""
    index = {c.id: i for i, c in enumerate(account.plan.contracts)}
    for contract in renewal_risks(account):
        deadline = notice_by(contract)
        arr = f", ARR {contract.arr:,.0f}" if contract.arr else ""
        yield _warn(f"contract {contract.id!r} ends {contract.end} (notice by {deadline}{arr}) and no open action "
                    "or pipeline cell is about its renewal", "contracts", index[contract.id])


RULES: dict[str, Callable[[Account], Iterable[Finding]]] = {
    "W501": unreconciled_breakdown,
    "W502": losses_above_arr,
    "W503": arr_above_wallet,
    "W504": dates_in_the_future,
    "W505": owned_cells_off_arr,
    "W506": stale_revenue,
    "W507": contradicted_status,
    "W508": renewal_risk,
}


@hookimpl
def register_rules(register: Callable[..., Any]) -> None:
    """Register the money and date warnings."""
    for code, func in RULES.items():
        register(code, func)
