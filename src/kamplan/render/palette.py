"""Colours of the org chart, chosen for contrast (dark text on light fills, white on dark)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kamplan.account import Account
    from kamplan.graph import StakeholderGraph
    from kamplan.plan.model import Stakeholder

COLOR_MODES = ("attitude", "role", "coverage", "influence")

# value -> (fill, text colour, legend label)
PALETTES: dict[str, dict[str, tuple[str, str, str]]] = {
    "attitude": {
        "champion": ("#15803d", "#ffffff", "champion"),
        "supporter": ("#a6d96a", "#1a1a1a", "supporter"),
        "neutral": ("#fff7bc", "#1a1a1a", "neutral"),
        "skeptic": ("#fdae61", "#1a1a1a", "skeptic"),
        "blocker": ("#c62828", "#ffffff", "blocker"),
        "unknown": ("#e6e6e6", "#1a1a1a", "unknown"),
    },
    "role": {
        "economic_buyer": ("#6a3d9a", "#ffffff", "economic buyer"),
        "decision_maker": ("#1f78b4", "#ffffff", "decision maker"),
        "champion": ("#2e7d32", "#ffffff", "champion"),
        "technical_buyer": ("#a6cee3", "#1a1a1a", "technical buyer"),
        "user_buyer": ("#b2df8a", "#1a1a1a", "user buyer"),
        "influencer": ("#fdbf6f", "#1a1a1a", "influencer / coach"),
        "gatekeeper": ("#fb9a99", "#1a1a1a", "gatekeeper / approver"),
        "other": ("#f0f0f0", "#1a1a1a", "other roles"),
        "none": ("#ffffff", "#1a1a1a", "no buying role"),
    },
    "coverage": {
        "strong": ("#15803d", "#ffffff", "strong relationship"),
        "medium": ("#a6d96a", "#1a1a1a", "medium relationship"),
        "weak": ("#fee08b", "#1a1a1a", "weak relationship"),
        "stale": ("#d9d9d9", "#1a1a1a", "stale relationship (not covered)"),
        "none": ("#f4a582", "#1a1a1a", "not covered"),
    },
    "influence": {
        "decisive": ("#08306b", "#ffffff", "decisive influence"),
        "high": ("#2171b5", "#ffffff", "high influence"),
        "medium": ("#9ecae1", "#1a1a1a", "medium influence"),
        "low": ("#deebf7", "#1a1a1a", "low influence"),
    },
}

_ROLE_GROUPS = {
    "coach": "influencer",
    "influencer": "influencer",
    "approver": "gatekeeper",
    "gatekeeper": "gatekeeper",
    "evaluator": "other",
    "end_user": "other",
}
_ROLE_PRIORITY = ("economic_buyer", "decision_maker", "champion", "technical_buyer", "user_buyer")

EDGE_STYLES = {
    "reports_to": {"color": "#404040", "penwidth": "1.4", "arrowhead": "none"},
    "dotted": {"color": "#606060", "style": "dashed", "arrowhead": "none", "constraint": "false"},
    "influences": {"color": "#1f5fbf", "arrowhead": "vee", "constraint": "false"},
    "conflicts": {"color": "#d62728", "dir": "both", "arrowhead": "tee", "arrowtail": "tee",
                  "style": "bold", "constraint": "false"},
    "allies": {"color": "#2ca02c", "dir": "none", "style": "bold", "constraint": "false"},
    "relationship": {"color": "#8e44ad", "arrowhead": "dot", "style": "dashed", "constraint": "false"},
}
STRENGTH_WIDTH = {"weak": "1", "medium": "2.2", "strong": "3.6"}


def coverage_key(account: Account, person_id: str) -> str:
    """The coverage colour of a person, by the one coverage model (insights.coverage): the strength of
    the fresh tie that covers them, ``stale`` when their medium or strong ties are all old, else the
    strongest tie (``weak`` or ``none``)."""
    from kamplan.insights.coverage import coverage_of

    found = coverage_of(account, person_id)
    if found.covered and found.tie is not None:
        return found.tie.strength
    if found.stale:
        return "stale"
    return "weak" if found.best == "weak" else "none"


def color_key(mode: str, person: Stakeholder, graph: StakeholderGraph, account: Account | None = None) -> str:
    """The palette key of ``person`` when colouring by ``mode`` (coverage needs the ``account``)."""
    if mode == "attitude":
        return person.attitude
    if mode == "influence":
        return person.influence
    if mode == "coverage":
        return coverage_key(account, person.id) if account is not None else graph.coverage(person.id).best
    for role in _ROLE_PRIORITY:
        if role in person.roles:
            return role
    for role in person.roles:
        return _ROLE_GROUPS.get(role, "other")
    return "none"
