"""Public value types that plugins return: Finding, Score, Recommendation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

RecommendationKind = Literal["land", "expand", "relationship", "risk", "renewal", "win_back"]


@dataclass(frozen=True)
class Finding:
    """A lint rule's finding.

    Attributes:
        message: What is wrong, naming the offending value.
        path: Field path in the plan: a tuple (``("stakeholders", 3, "reports_to")``) or text
            (``"stakeholders[3].reports_to"``); it is turned into file, line and column.
        severity: ``"error"`` or ``"warning"``.
    """

    message: str
    path: tuple[str | int, ...] | str = ()
    severity: Literal["error", "warning"] = "warning"


@dataclass(frozen=True)
class Score:
    """A scorer's result: a value from 0 to 100 and the details that explain it.

    Attributes:
        value: The score, 0..100, or None when it does not apply (the details say why: health is a
            number for active accounts only).
        details: Whatever explains the value (parts, counts, weights).
    """

    value: float | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """A recommender's suggestion; only ``kind`` and ``title`` are required.

    Attributes:
        kind: ``land``, ``expand``, ``relationship``, ``risk``, ``renewal`` or ``win_back``.
        title: One line saying what to do.
        reason: Why, naming the people and facts behind it.
        priority: Positive integer, 1 = most urgent.
        value: Money at stake, if any, in the account's currency (converted for the output).
        value_basis: How the value was reached (``ARR 300,000 x probability 0.4``).
        owner: The team member best placed to act.
        due: A suggested date to act by.
        unit: Unit id, if any.
        offering: Offering id, if any.
        stakeholder: Stakeholder id, if any.
        details: Extra structured data (paths, scores).
    """

    kind: RecommendationKind
    title: str
    reason: str | None = None
    priority: int | None = None
    value: float | None = None
    value_basis: str | None = None
    owner: str | None = None
    due: dt.date | None = None
    unit: str | None = None
    offering: str | None = None
    stakeholder: str | None = None
    details: dict[str, Any] | None = None
