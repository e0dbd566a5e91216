"""Loaded accounts and portfolios: the objects plugins receive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kamplan.errors import Diagnostic
from kamplan.parse.locate import Locator
from kamplan.parse.reader import format_path
from kamplan.plan.model import Offering, Plan, PortfolioConfig, Settings, TeamMember, today

T = TypeVar("T")

if TYPE_CHECKING:
    from kamplan.graph import StakeholderGraph
    from kamplan.plugins.host import PluginHost
    from kamplan.types import Finding


@dataclass
class AccountSettings:
    """Portfolio settings as one account sees them, with every plugin's own settings.

    Attributes:
        settings: The ``settings:`` section of ``kamplan.yaml`` (defaults when there is none).
        plugins: ``plugins:`` of ``kamplan.yaml``: settings per plugin name.
    """

    settings: Settings = field(default_factory=Settings)
    plugins: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.settings, name)

    def plugin(self, name: str) -> dict[str, Any]:
        """Return the settings of plugin ``name`` (empty when none are given)."""
        return self.plugins.get(name, {})


@dataclass
class Account:
    """One validated account plan with its graph and the settings that apply to it.

    Attributes:
        plan: The validated :class:`kamplan.plan.model.Plan`.
        locator: Where each field of the plan is written (file, line, column).
        settings: Portfolio and plugin settings.
        team: Our team for this account, resolved against ``kamplan.yaml`` people.
        offerings: Offerings available here: the portfolio catalogue plus the plan's own.
        source: The plan file or folder.
        portfolio_ids: Ids of every account known in the portfolio (for ``parent``).
        declared_people: Team members declared in ``kamplan.yaml``.
        host: The plugin host the account was loaded with.
    """

    plan: Plan
    locator: Locator
    settings: AccountSettings = field(default_factory=AccountSettings)
    team: dict[str, TeamMember] = field(default_factory=dict)
    offerings: dict[str, Offering] = field(default_factory=dict)
    source: Path | None = None
    portfolio_ids: set[str] = field(default_factory=set)
    declared_people: dict[str, TeamMember] = field(default_factory=dict)
    host: PluginHost | None = None

    @property
    def id(self) -> str:
        """The account id (``account.id``, defaulting to the file stem or folder name)."""
        return self.plan.account.id or ""

    @property
    def name(self) -> str:
        """The account's display name."""
        return self.plan.account.name

    @cached_property
    def graph(self) -> StakeholderGraph:
        """The stakeholder graph, built on first use."""
        from kamplan.graph import StakeholderGraph

        return StakeholderGraph.from_account(self)

    @property
    def today(self) -> dt.date:
        """The date rules compare against (``settings.today`` when pinned)."""
        return today(self.settings.settings)

    def memo(self, key: str, compute: Callable[[], T], *, timeless: bool = False) -> T:
        """A value derived from the plan, computed once per account (the plan does not change once loaded).

        Args:
            key: A name for the value, unique per kind of value.
            compute: Computes it on first use.
            timeless: The value does not depend on the as-of date, so :meth:`at_another_date` keeps it.
        """
        store = self.__dict__.get("_timeless" if timeless else "_memo")
        if store is None:
            store = self.__dict__["_timeless" if timeless else "_memo"] = {}
        try:
            return store[key]
        except KeyError:
            value = store[key] = compute()
            return value

    def at_another_date(self) -> Account:
        """A copy of this account to analyse at another as-of date (``history``).

        The plan, the graph and the values memoised as ``timeless`` are shared; everything computed
        against a date (freshness, overdue actions, the revenue window, plugin results) is not.
        """
        copy = replace(self)
        copy.__dict__["graph"] = self.graph
        copy.__dict__["_timeless"] = self.__dict__.setdefault("_timeless", {})  # shared: filled once for all
        return copy

    def diagnostic(self, finding: Finding, code: str) -> Diagnostic:
        """Turn a rule's finding into a positioned diagnostic."""
        path = _parse_path(finding.path)
        file, line, column = self.locator.locate(path, key=True)
        return Diagnostic(file, line, column, finding.severity, code, finding.message, format_path(path))


@dataclass
class Portfolio:
    """Every account loaded from the given paths, and what could not be loaded.

    Attributes:
        accounts: The valid accounts, in path order.
        diagnostics: Errors of plans that could not be read or validated.
        config: The portfolio's ``kamplan.yaml`` (defaults when there is none).
        root: Folder of ``kamplan.yaml`` (or the folder given), if any.
        host: The plugin host used to load it.
    """

    accounts: list[Account]
    diagnostics: list[Diagnostic]
    config: PortfolioConfig
    root: Path | None
    host: PluginHost

    def account(self, account_id: str) -> Account:
        """Return the account with ``account_id``.

        Raises:
            KeyError: When there is none.
        """
        for acc in self.accounts:
            if acc.id == account_id:
                return acc
        raise KeyError(account_id)

    def children(self, account_id: str) -> list[Account]:
        """Accounts whose ``parent`` is ``account_id``."""
        return [a for a in self.accounts if a.plan.account.parent == account_id]


def _parse_path(path: tuple[str | int, ...] | str) -> tuple[str | int, ...]:
    if isinstance(path, tuple):
        return path
    parts: list[str | int] = []
    for chunk in path.replace("]", "").split("."):
        if not chunk:
            continue
        head, *indices = chunk.split("[")
        if head:
            parts.append(head)
        parts.extend(int(i) for i in indices)
    return tuple(parts)
