"""Where ids are defined and where they are referenced, by field path (``*`` is any list index).

The editor features (completion, go to definition, find references, rename) read these tables; the
reference checks (E301, :mod:`kamplan.builtin.integrity`) check the same fields.
"""

from __future__ import annotations

from collections.abc import Sequence

# An id kind: what the id names.
IdKind = str
Pattern = tuple[str, ...]

PLAN_DEFINITIONS: dict[Pattern, IdKind] = {
    ("units", "*", "id"): "unit",
    ("offerings", "*", "id"): "offering",
    ("team", "*", "id"): "team",
    ("stakeholders", "*", "id"): "stakeholder",
    ("goals", "*", "id"): "goal",
    ("actions", "*", "id"): "action",
    ("contracts", "*", "id"): "contract",
    ("objectives", "*", "id"): "objective",
}
CONFIG_DEFINITIONS: dict[Pattern, IdKind] = {
    ("offerings", "*", "id"): "offering",
    ("people", "*", "id"): "team",
}
REFERENCES: dict[Pattern, IdKind] = {
    ("account", "owner"): "team",
    ("units", "*", "parent"): "unit",
    ("stakeholders", "*", "unit"): "unit",
    ("stakeholders", "*", "reports_to"): "stakeholder",
    ("stakeholders", "*", "dotted_to", "*"): "stakeholder",
    ("relationships", "*", "team"): "team",
    ("relationships", "*", "stakeholder"): "stakeholder",
    ("influence", "*", "from"): "stakeholder",
    ("influence", "*", "to"): "stakeholder",
    ("opportunities", "*", "unit"): "unit",
    ("opportunities", "*", "offering"): "offering",
    ("opportunities", "*", "sponsor"): "stakeholder",
    ("opportunities", "*", "buying_influences", "*", "stakeholder"): "stakeholder",
    ("goals", "*", "owner"): "team",
    ("goals", "*", "objective"): "objective",
    ("objectives", "*", "owner"): "stakeholder",
    ("objectives", "*", "offerings", "*"): "offering",
    ("actions", "*", "owner"): "team",
    ("actions", "*", "goal"): "goal",
    ("actions", "*", "stakeholders", "*"): "stakeholder",
    ("decisions", "*", "decided_by", "*"): "stakeholder",
    ("decisions", "*", "offerings", "*"): "offering",
    ("decisions", "*", "units", "*"): "unit",
    ("risks", "*", "stakeholder"): "stakeholder",
    ("interactions", "*", "team", "*"): "team",
    ("interactions", "*", "stakeholders", "*"): "stakeholder",
    ("contracts", "*", "unit"): "unit",
    ("contracts", "*", "offerings", "*"): "offering",
}
# Ids defined in kamplan.yaml are shared by every plan of the portfolio.
PORTFOLIO_KINDS = frozenset(CONFIG_DEFINITIONS.values())


def pattern_of(path: Sequence[str | int]) -> Pattern:
    """A field path with its list indexes as ``*``: ``("stakeholders", 3, "id")`` -> ``("stakeholders", "*", "id")``."""
    return tuple("*" if isinstance(step, int) else step for step in path)
