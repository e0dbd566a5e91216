"""Contracts and renewals (plan-format.md, ``contracts``).

A contract still ``active`` whose notice deadline (``end`` minus ``notice_days``) is within 90 days of
the as-of date, and that nobody is working on (no open action naming it or its offerings, no pipeline
cell for its offerings), is a renewal risk.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kamplan.account import Account
    from kamplan.plan.model import Contract

RENEWAL_WINDOW_DAYS = 90
OPEN = ("open", "in_progress", "blocked")


def notice_by(contract: Contract) -> dt.date | None:
    """The last day to act: ``end`` minus ``notice_days``."""
    return contract.end - dt.timedelta(days=contract.notice_days) if contract.end else None


def upcoming(account: Account, days: int = RENEWAL_WINDOW_DAYS) -> list[Contract]:
    """Active or renewing contracts whose notice deadline falls within ``days`` of the as-of date (or passed)."""
    limit = account.today + dt.timedelta(days=days)
    out = []
    for contract in account.plan.contracts:
        deadline = notice_by(contract)
        if contract.status in ("active", "renewing") and deadline is not None and contract.end is not None \
                and deadline <= limit and contract.end >= account.today:
            out.append(contract)
    return sorted(out, key=lambda c: (c.end or dt.date.max, c.id))


def worked_on(account: Account, contract: Contract) -> bool:
    """Whether an open action or a pipeline cell is about the contract or its offerings."""
    offerings = set(contract.offerings)
    names = {contract.id.casefold(), *(o.casefold() for o in offerings)}
    names |= {str(account.offerings[o].name).casefold() for o in offerings
              if o in account.offerings and account.offerings[o].name}
    if contract.title:
        names.add(contract.title.casefold())
    for action in account.plan.actions:
        title = action.title.casefold()
        if action.status in OPEN and ("renew" in title or any(n and n in title for n in names)):
            return True
    return any(cell.status == "pipeline" and cell.offering in offerings for cell in account.plan.opportunities)


def renewal_risks(account: Account) -> list[Contract]:
    """The contracts that are a renewal risk (see the module docstring), found once per account."""
    return account.memo("renewal_risks", lambda: [c for c in upcoming(account)
                                                   if c.status == "active" and not worked_on(account, c)])


def nearest_renewal(account: Account) -> dict[str, Any] | None:
    """The next contract end from the as-of date, as the site and the reports show it."""
    ahead = [c for c in account.plan.contracts
             if c.status in ("active", "renewing") and c.end is not None and c.end >= account.today]
    if not ahead:
        return None
    contract = min(ahead, key=lambda c: (c.end, c.id))
    assert contract.end is not None
    deadline = notice_by(contract)
    return {"id": contract.id, "title": contract.title or contract.id, "end": contract.end.isoformat(),
            "days": (contract.end - account.today).days, "notice_by": deadline.isoformat() if deadline else None,
            "arr": contract.arr, "auto_renew": contract.auto_renew, "status": contract.status,
            "at_risk": contract in renewal_risks(account)}
