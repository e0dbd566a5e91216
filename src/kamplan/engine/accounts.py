"""Validated plans -> accounts and portfolios: settings, our team and offerings resolved per account."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kamplan.account import Account, AccountSettings, Portfolio
from kamplan.plan.model import Offering, Plan, TeamMember
from kamplan.read.discovery import discover, find_config, plans_in
from kamplan.read.sources import ConfigInfo, PlanSource, load_config, paused_gc, read_plan_source, validate_source


def resolve_team(plan: Plan, people: dict[str, TeamMember]) -> dict[str, TeamMember]:
    """Our team for one account: plan entries completed from ``kamplan.yaml`` people.

    The plan's role wins for its account; the name comes from the plan or from ``people``.
    """
    team: dict[str, TeamMember] = {}
    for member in plan.team:
        declared = people.get(member.id)
        if declared is None or (member.name and member.role):
            team[member.id] = member
            continue
        team[member.id] = TeamMember.model_construct(  # both halves are validated already
            id=member.id,
            name=member.name or declared.name,
            role=member.role or declared.role,
            custom=member.custom,
        )
    return team


def build_account(plan: Plan, source: PlanSource, info: ConfigInfo, portfolio_ids: set[str]) -> Account:
    """Wrap a validated plan into an :class:`Account` with its settings, team and offerings."""
    config = info.config
    people = {p.id: p for p in config.people}
    offerings: dict[str, Offering] = {o.id: o for o in config.offerings}
    offerings.update({o.id: o for o in plan.offerings})
    return Account(
        plan=plan,
        locator=source.locator,
        settings=AccountSettings(config.settings, dict(config.plugins)),
        team=resolve_team(plan, people),
        offerings=offerings,
        source=source.path,
        portfolio_ids=portfolio_ids,
        declared_people=people,
    )


def load_portfolio(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    host: Any = None,
    plugin_dirs: Iterable[str | os.PathLike[str]] = (),
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Portfolio:
    """Load every plan under ``paths`` (files, folder plans or portfolio roots).

    Args:
        paths: What to load; the current directory when empty.
        host: The :class:`~kamplan.plugins.PluginHost` to use; a default one when None (built-ins,
            entry points, ``--plugins-dir`` folders and the trusted ``plugins/`` folder beside ``kamplan.yaml``).
        plugin_dirs: Extra plugin folders for the default host.
        use_cache: Accepted for symmetry with ``validate``, whose results are what the cache stores.
        progress: Called as ``progress(done, total)`` while plans are read (for progress bars).

    Returns:
        The portfolio: valid accounts plus the diagnostics of plans that could not be loaded.

    Raises:
        UsageError: When a path does not exist or holds no plans.
        PluginError: When a plugin fails to load or raises in ``after_portfolio_loaded``.
    """
    del use_cache  # loads always read every file; the result cache belongs to `kamplan validate`
    plan_paths = discover(paths)
    configs: dict[Path | None, ConfigInfo] = {}
    with paused_gc():
        sources = []
        for i, path in enumerate(plan_paths):
            sources.append(read_plan_source(path))
            if progress is not None:
                progress(i + 1, len(plan_paths))
        plans: list[tuple[PlanSource, Plan | None, ConfigInfo]] = []
        for source in sources:
            config_path = find_config(source.path)
            if config_path not in configs:
                configs[config_path] = load_config(config_path)
            plans.append((source, validate_source(source), configs[config_path]))
    first = configs[next(iter(configs))] if configs else load_config(None)
    if host is None:
        from kamplan.engine.context import plugin_dirs_for
        from kamplan.plugins.host import PluginHost

        host = PluginHost(plugin_dirs=plugin_dirs_for(plan_paths, plugin_dirs))
    known_ids = {p.stem for info in configs.values() if info.plans_dir for p in plans_in(info.plans_dir)}
    known_ids |= {plan.account.id for _, plan, _ in plans if plan and plan.account.id}
    diagnostics = [d for info in configs.values() for d in info.diagnostics]
    accounts = []
    for source, plan, info in plans:
        diagnostics += source.diagnostics
        if plan is not None:
            accounts.append(build_account(plan, source, info, known_ids))
    for account in accounts:
        account.host = host
    portfolio = Portfolio(accounts, diagnostics, first.config, first.root, host)
    host.call_lifecycle("after_portfolio_loaded", portfolio=portfolio)
    return portfolio
