"""MEDDPICC for kamplan: score the checklist under ``custom.meddpicc`` and lint missing items."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import kamplan

__version__ = "0.1.0"

ITEMS = {
    "metrics": "Metrics: the quantified value the client expects",
    "economic_buyer": "Economic buyer: identified and met",
    "decision_criteria": "Decision criteria: known",
    "decision_process": "Decision process: known",
    "paper_process": "Paper process: contract and procurement steps known",
    "identify_pain": "Identify pain: the problem behind the purchase",
    "champion": "Champion: someone who sells for us inside",
    "competition": "Competition: who else is in the deal",
}


def checklist(account: Any) -> dict[str, Any] | None:
    """The plan's ``custom.meddpicc`` mapping, or None when there is none."""
    value = account.plan.custom.get("meddpicc")
    return value if isinstance(value, dict) else None


def is_done(value: Any) -> bool:
    """An item is done when it is ``true`` or ``{done: true}``."""
    if isinstance(value, dict):
        return value.get("done") is True
    return value is True


def meddpicc_score(account: Any) -> kamplan.Score:
    """Share of the eight MEDDPICC items that are done (0..100)."""
    items = checklist(account)
    if items is None:
        return kamplan.Score(0.0, {"reason": "no custom.meddpicc checklist in the plan"})
    done = [name for name in ITEMS if is_done(items.get(name))]
    missing = [name for name in ITEMS if name not in done]
    return kamplan.Score(round(100 * len(done) / len(ITEMS), 1), {"done": done, "missing": missing})


def missing_items(account: Any) -> Iterator[kamplan.Finding]:
    """MEDD001: a checklist item that is not done (or no checklist where one is required)."""
    items = checklist(account)
    if items is None:
        if account.settings.plugin("meddpicc").get("required"):
            yield kamplan.Finding("no MEDDPICC checklist (custom.meddpicc)", ("custom",))
        return
    for name, text in ITEMS.items():
        if not is_done(items.get(name)):
            path = ("custom", "meddpicc", name) if name in items else ("custom", "meddpicc")
            yield kamplan.Finding(f"MEDDPICC item not done: {text}", path)


def unknown_items(account: Any) -> Iterator[kamplan.Finding]:
    """MEDD002: a checklist key that is not one of the eight items (a typo)."""
    for name in checklist(account) or {}:
        if name not in ITEMS:
            yield kamplan.Finding(f"unknown MEDDPICC item {name!r}; items: {', '.join(ITEMS)}",
                                  ("custom", "meddpicc", name))


def close_gaps(account: Any) -> Iterator[kamplan.Recommendation]:
    """One recommendation per open MEDDPICC item: the qualification work still to do."""
    items = checklist(account)
    if items is None:
        return
    missing = [name for name in ITEMS if not is_done(items.get(name))]
    for rank, name in enumerate(missing):
        yield kamplan.Recommendation(
            kind="risk", title=f"MEDDPICC: {ITEMS[name].split(':')[0]} not qualified",
            reason=f"{ITEMS[name]}; {len(missing)} of {len(ITEMS)} items open",
            priority=2 if name in ("economic_buyer", "champion", "decision_process") else 3 + min(rank, 1))


def deal_economic_buyers(account: Any) -> Iterator[kamplan.Finding]:
    """MEDD003: an open deal whose own buying influences name no economic buyer, or one we have not met.

    MEDDPICC's "E" is per deal: the person who signs *this* deal (``opportunities[].buying_influences``
    with role ``economic_buyer``), identified and met: covered by a fresh medium or strong tie.
    """
    from kamplan.insights.coverage import coverage_of

    people = {p.id: p for p in account.plan.stakeholders}
    for i, cell in enumerate(account.plan.opportunities):
        if cell.status != "pipeline" or not cell.buying_influences:
            continue
        buyers = [b.stakeholder for b in cell.buying_influences if b.role == "economic_buyer"]
        deal = f"{cell.offering} in {cell.unit}"
        if not buyers:
            yield kamplan.Finding(f"MEDDPICC, deal {deal}: no economic buyer among its buying influences",
                                  ("opportunities", i, "buying_influences"))
        for person_id in buyers:
            if person_id in people and not coverage_of(account, person_id).covered:
                yield kamplan.Finding(f"MEDDPICC, deal {deal}: economic buyer {people[person_id].name} not met "
                                      "(no fresh medium or strong relationship)",
                                      ("opportunities", i, "buying_influences"))


@kamplan.hookimpl
def register_recommenders(register: Callable[..., Any]) -> None:
    """Register the ``meddpicc`` recommender (open checklist items)."""
    register("meddpicc", close_gaps)


@kamplan.hookimpl
def register_scorers(register: Callable[..., Any]) -> None:
    """Register the ``meddpicc`` scorer."""
    register("meddpicc", meddpicc_score)


@kamplan.hookimpl
def register_rules(register: Callable[..., Any]) -> None:
    """Register MEDD001 (missing item), MEDD002 (unknown item) and MEDD003 (a deal's economic buyer)."""
    register("MEDD001", missing_items)
    register("MEDD002", unknown_items)
    register("MEDD003", deal_economic_buyers)
