"""Pydantic v2 models of the account plan format v1 (``docs/plan-format.md``).

Every YAML-facing model forbids unknown fields; free-form data goes under ``custom``. Enumerated
fields are plain strings (``Literal``), so ``person.attitude == "champion"`` works.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kamplan.clock import as_of_override
from kamplan.plan.fields import Custom, Day, Id, Money, Number, Target, Text

FORMAT_VERSIONS = (1,)


Tier = Literal["strategic", "key", "growth", "maintain"]
TeamRole = Literal[
    "kam", "assistant", "exec_sponsor", "sales", "solution_architect", "csm", "tam", "delivery",
    "finance", "other",
]
BuyingRole = Literal[
    "economic_buyer", "decision_maker", "technical_buyer", "user_buyer", "influencer", "champion",
    "coach", "gatekeeper", "approver", "evaluator", "end_user",
]
Attitude = Literal["champion", "supporter", "neutral", "skeptic", "blocker", "unknown"]
InfluenceLevel = Literal["low", "medium", "high", "decisive"]
PersonStatus = Literal["active", "new_in_role", "leaving", "left", "placeholder"]
Strength = Literal["none", "weak", "medium", "strong"]
TieKind = Literal["influences", "conflicts", "allies"]
TieStrength = Literal["low", "medium", "high"]
CellStatus = Literal["owned", "pipeline", "whitespace", "competitor", "not_a_fit"]
GoalStatus = Literal["not_started", "on_track", "at_risk", "off_track", "achieved", "dropped"]
ActionStatus = Literal["open", "in_progress", "done", "blocked", "cancelled"]
RiskSeverity = Literal["low", "medium", "high"]
AccountStatus = Literal["prospect", "active", "churned"]
ContractStatus = Literal["active", "renewing", "renewed", "cancelled", "expired"]
InteractionKind = Literal["meeting", "call", "email", "workshop", "qbr", "event", "other"]
Currency = Annotated[Text, Field(pattern=r"^[A-Z]{3}$")]
Probability = Annotated[float, Field(ge=0, le=1)]

ATTITUDE_ORDER = ("blocker", "skeptic", "unknown", "neutral", "supporter", "champion")
INFLUENCE_ORDER = ("low", "medium", "high", "decisive")
STRENGTH_ORDER = ("none", "weak", "medium", "strong")
STRENGTH_RANK = {strength: rank for rank, strength in enumerate(STRENGTH_ORDER)}  # none 0 .. strong 3
DEFAULT_HEALTH_WEIGHTS: dict[str, int | float] = {
    "coverage": 25, "freshness": 15, "sentiment": 15, "revenue": 20, "renewal": 10, "key_people": 10, "hygiene": 5,
}


class Entry(BaseModel):
    """Base of every YAML-facing model: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AccountInfo(Entry):
    """The ``account:`` section."""

    id: Id | None = None
    name: Text
    tier: Tier | None = None
    industry: Text | None = None
    region: Text | None = None
    parent: Id | None = None
    owner: Id | None = None
    reviewed: Day | None = None
    currency: Currency | None = None
    wallet: Money | None = None
    status: AccountStatus | None = None
    custom: Custom = Field(default_factory=dict)


class Unit(Entry):
    """A business unit or buying centre of the client; units form a tree."""

    id: Id
    name: Text | None = None
    parent: Id | None = None
    custom: Custom = Field(default_factory=dict)


class Offering(Entry):
    """One of our products or services."""

    id: Id
    name: Text | None = None
    family: Text | None = None
    custom: Custom = Field(default_factory=dict)


class TeamMember(Entry):
    """A person of our account team (name may come from ``kamplan.yaml`` ``people``)."""

    id: Id
    name: Text | None = None
    role: TeamRole | None = None
    custom: Custom = Field(default_factory=dict)


class Contact(Entry):
    """Personal contact data; dropped by every export run with ``--redact``."""

    email: Text | None = None
    phone: Text | None = None
    linkedin: Text | None = None


class Stakeholder(Entry):
    """A person at the client: one node of the org chart."""

    id: Id
    name: Text
    title: Text | None = None
    unit: Id | None = None
    reports_to: Id | None = None
    dotted_to: list[Id] = Field(default_factory=list)
    roles: list[BuyingRole] = Field(default_factory=list)
    attitude: Attitude = "unknown"
    influence: InfluenceLevel = "medium"
    status: PersonStatus = "active"
    since: Day | None = None
    contact: Contact | None = None
    tags: list[Text] = Field(default_factory=list)
    notes: Text | None = None
    prefers: Text | None = None
    custom: Custom = Field(default_factory=dict)


class Relationship(Entry):
    """Who of our team knows which stakeholder, and how well."""

    team: Id
    stakeholder: Id
    strength: Strength
    target: Strength | None = None
    last_contact: Day | None = None
    notes: Text | None = None
    custom: Custom = Field(default_factory=dict)


class InfluenceTie(Entry):
    """An informal tie between two stakeholders."""

    from_: Id = Field(alias="from")
    to: Id
    kind: TieKind = "influences"
    strength: TieStrength = "medium"
    custom: Custom = Field(default_factory=dict)


BuyingInfluenceRole = Literal["economic_buyer", "user_buyer", "technical_buyer", "coach"]
ResponseMode = Literal["growth", "trouble", "even_keel", "overconfident"]


class BuyingInfluence(Entry):
    """Who decides one deal, and how (the Miller Heiman Blue Sheet)."""

    stakeholder: Id
    role: BuyingInfluenceRole
    mode: ResponseMode | None = None
    win: Text | None = None
    custom: Custom = Field(default_factory=dict)


class Opportunity(Entry):
    """One cell of the whitespace matrix (unit x offering)."""

    unit: Id
    offering: Id
    status: CellStatus
    arr: Money | None = None
    probability: Probability | None = None
    stage: Text | None = None
    close: Day | None = None
    competitor: Text | None = None
    sponsor: Id | None = None
    buying_influences: list[BuyingInfluence] = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)


class RevenuePoint(Entry):
    """ARR at the end of one period, with an optional breakdown of the change."""

    period: Annotated[Text, Field(pattern=r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")]
    arr: Money
    expansion: Money | None = None
    contraction: Money | None = None
    churn: Money | None = None


class Goal(Entry):
    """An objective with a measurable target."""

    id: Id
    title: Text
    metric: Text | None = None
    target: Target | None = None
    due: Day | None = None
    owner: Id | None = None
    status: GoalStatus = "not_started"
    objective: Id | None = None
    shared: bool = False
    custom: Custom = Field(default_factory=dict)


class Action(Entry):
    """A task with owner, due date and status."""

    id: Id
    title: Text
    owner: Id | None = None
    due: Day | None = None
    status: ActionStatus = "open"
    goal: Id | None = None
    stakeholders: list[Id] = Field(default_factory=list)
    shared: bool = False
    custom: Custom = Field(default_factory=dict)


class Decision(Entry):
    """A decision the client made, and why."""

    date: Day
    decision: Text
    why: Text | None = None
    decided_by: list[Id] = Field(default_factory=list)
    offerings: list[Id] = Field(default_factory=list)
    units: list[Id] = Field(default_factory=list)
    revisit: Day | None = None
    custom: Custom = Field(default_factory=dict)


class Risk(Entry):
    """A risk to the account."""

    title: Text
    severity: RiskSeverity = "medium"
    stakeholder: Id | None = None
    mitigation: Text | None = None
    custom: Custom = Field(default_factory=dict)


class Contract(Entry):
    """What the client has signed: its terms and renewal date."""

    id: Id
    title: Text | None = None
    offerings: list[Id] = Field(default_factory=list)
    unit: Id | None = None
    start: Day | None = None
    end: Day | None = None
    arr: Money | None = None
    auto_renew: bool = False
    notice_days: Annotated[int, Field(ge=0)] = 0
    status: ContractStatus = "active"
    custom: Custom = Field(default_factory=dict)


class Objective(Entry):
    """One of the client's own objectives: what they want to achieve, and how we can help."""

    id: Id
    title: Text
    owner: Id | None = None  # a stakeholder
    due: Day | None = None
    offerings: list[Id] = Field(default_factory=list)
    shared: bool = False
    custom: Custom = Field(default_factory=dict)


class Interaction(Entry):
    """One contact in the meeting log: who of our team met whom, when, about what."""

    date: Day
    kind: InteractionKind = "meeting"
    team: list[Id] = Field(default_factory=list)
    stakeholders: list[Id] = Field(default_factory=list)
    summary: Text | None = None
    next_step: Text | None = None
    custom: Custom = Field(default_factory=dict)


class Plan(Entry):
    """One account plan (a file, or a folder of files merged)."""

    kamplan: Literal[1]
    account: AccountInfo
    units: list[Unit] = Field(default_factory=list)
    offerings: list[Offering] = Field(default_factory=list)
    team: list[TeamMember] = Field(default_factory=list)
    stakeholders: list[Stakeholder] = Field(default_factory=list)
    relationships: list[Relationship] = Field(default_factory=list)
    influence: list[InfluenceTie] = Field(default_factory=list)
    opportunities: list[Opportunity] = Field(default_factory=list)
    revenue: list[RevenuePoint] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)
    objectives: list[Objective] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        """Return the plan as JSON-ready data with the format's field names, defaults filled in."""
        return self.model_dump(mode="json", by_alias=True)


PLAN_SECTIONS = tuple(Plan.model_fields)


class KpiThresholds(Entry):
    """``settings.kpi_thresholds``: when a KPI becomes an anomaly."""

    nrr_min: Number = 0.90
    grr_min: Number = 0.85
    arr_drop_max: Number = 0.15
    step_drop_max: Number = 0.10
    min_map_status_strategic: Annotated[int, Field(ge=0, le=3)] = 2
    outlier_z: Number = 3.5
    outlier_min_accounts: Annotated[int, Field(ge=3)] = 20


class Settings(Entry):
    """``settings:`` of ``kamplan.yaml``: thresholds used by rules, scorers and KPIs."""

    stale_contact_days: Annotated[int, Field(ge=1)] = 90
    stale_review_days: Annotated[int, Field(ge=1)] = 180
    stale_map_days: Annotated[int, Field(ge=1)] = 120
    health_weights: dict[str, Number] = Field(default_factory=lambda: dict(DEFAULT_HEALTH_WEIGHTS))
    kpi_thresholds: KpiThresholds = Field(default_factory=KpiThresholds)
    today: Day | None = None
    currency: Currency | None = None
    fx: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    stage_probability: dict[str, Probability] = Field(default_factory=dict)


class PortfolioConfig(Entry):
    """``kamplan.yaml``: the portfolio's shared offerings, people, settings and plugin settings."""

    kamplan: Literal[1]
    plans: Text = "account_plans"
    offerings: list[Offering] = Field(default_factory=list)
    people: list[TeamMember] = Field(default_factory=list)
    settings: Settings = Field(default_factory=Settings)
    plugins: dict[str, Custom] = Field(default_factory=dict)


def entry_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside a field annotation (``list[Stakeholder]``, ``Contact | None``...), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = entry_model(arg)
        if found is not None:
            return found
    return None


def field_order(model: type[BaseModel]) -> list[str]:
    """The format's order of a model's fields, with ``id`` and ``name`` first."""
    names = [info.alias or name for name, info in model.model_fields.items()]
    first = [n for n in ("id", "name") if n in names]
    return first + [n for n in names if n not in first]


def canonical_order_table() -> dict[str, tuple[list[str], dict[str, str]]]:
    """Every model's field order and the models of its nested entries (``custom`` is free-form: left out).

    ``kamplan.plan.canonical_order`` holds this table, generated by ``scripts/gen_docs.py``, so that
    ``fmt`` can check a plan's order without importing the models (a test checks it for drift).
    """
    table: dict[str, tuple[list[str], dict[str, str]]] = {}
    pending: list[type[BaseModel]] = [Plan, PortfolioConfig]
    while pending:
        model = pending.pop()
        if model.__name__ in table:
            continue
        nested: dict[str, str] = {}
        for name, info in model.model_fields.items():
            key = info.alias or name
            inner = entry_model(info.annotation)
            if inner is not None and key != "custom":
                nested[key] = inner.__name__
                pending.append(inner)
        table[model.__name__] = (field_order(model), nested)
    return dict(sorted(table.items()))


def today(settings: Settings | None = None) -> dt.date:
    """The as-of date A of every analysis: ``--as-of``, else ``settings.today``, else the system date."""
    given = as_of_override()
    if given is not None:
        return given
    if settings is not None and settings.today is not None:
        return settings.today
    return dt.date.today()
