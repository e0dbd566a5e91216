"""The library API: every CLI command is a thin layer over one of these functions."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamplan.account import Account, Portfolio
from kamplan.engine.accounts import load_portfolio
from kamplan.errors import Diagnostic, UsageError
from kamplan.plugins.calls import account_recommendations, account_scores, export, rank, run_rules
from kamplan.plugins.host import PluginHost
from kamplan.read.discovery import find_config

PathArg = str | os.PathLike[str]


@dataclass
class ValidationResult:
    """What ``validate`` found.

    Attributes:
        portfolio: The loaded portfolio.
        diagnostics: Every problem, sorted by file, line and column.
        strict: Whether warnings count as failures.
    """

    portfolio: Portfolio
    diagnostics: list[Diagnostic]
    strict: bool = False

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The diagnostics of severity warning."""
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing fails (no errors; no warnings either under ``strict``)."""
        return not self.errors and not (self.strict and self.warnings)

    @property
    def exit_code(self) -> int:
        """0 when ok, 1 otherwise."""
        return 0 if self.ok else 1


def validate(
    paths: Iterable[PathArg] = (),
    *,
    strict: bool = False,
    portfolio: Portfolio | None = None,
    host: PluginHost | None = None,
    plugin_dirs: Iterable[PathArg] = (),
    use_cache: bool = True,
) -> ValidationResult:
    """Load plans and run schema checks, reference checks and every lint rule.

    Args:
        paths: Plan files, folder plans or portfolio roots (current directory when empty).
        strict: Count warnings as failures.
        portfolio: An already loaded portfolio (``paths`` is then ignored).
        host: Plugin host to use.
        plugin_dirs: Extra plugin folders for the default host.
        use_cache: Use the content-hash cache.

    Returns:
        The result, with diagnostics sorted by position.
    """
    if portfolio is None:
        portfolio = load_portfolio(paths, host=host, plugin_dirs=plugin_dirs, use_cache=use_cache)
    diagnostics = list(portfolio.diagnostics)
    for account in portfolio.accounts:
        diagnostics += run_rules(account, host or portfolio.host)
    diagnostics.sort(key=lambda d: (d.file, d.line, d.column, d.code))
    return ValidationResult(portfolio, diagnostics, strict)


def resolve_account(plan: PathArg, *, host: PluginHost | None = None,
                    plugin_dirs: Iterable[PathArg] = (), use_cache: bool = True) -> Account:
    """Load one account from a plan path, or by account id from the portfolio in the current folder.

    Raises:
        UsageError: When nothing matches.
        PlanError: When the plan does not validate.
    """
    from kamplan.errors import PlanError

    path = Path(plan)
    if path.exists():
        portfolio = load_portfolio([path], host=host, plugin_dirs=plugin_dirs, use_cache=use_cache)
    else:
        if find_config(Path.cwd()) is None and not (Path.cwd() / "account_plans").is_dir():
            raise UsageError(f"{plan}: no such plan file, folder or account id")
        portfolio = load_portfolio([], host=host, plugin_dirs=plugin_dirs, use_cache=use_cache)
        matches = [a for a in portfolio.accounts if a.id == str(plan)]
        if not matches:
            bad = [d for d in portfolio.diagnostics if Path(d.file).stem == str(plan)]
            if bad:
                raise PlanError(bad)
            raise UsageError(f"{plan}: no such plan file, folder or account id")
        portfolio.accounts = matches
    errors = [d for d in portfolio.diagnostics if d.severity == "error"]
    if errors or not portfolio.accounts:
        raise PlanError(errors)
    account = portfolio.accounts[0]
    integrity = [d for d in run_rules(account, portfolio.host) if d.severity == "error"]
    if integrity:
        raise PlanError(integrity)
    return account


def chart(plan: PathArg | Account, *, fmt: str = "svg", root: str | None = None, depth: int | None = None,
          color_by: str = "attitude", renderer: str = "auto", redact: bool = False, show_team: bool = True,
          max_nodes: int | None = None, notices: list[str] | None = None,
          host: PluginHost | None = None) -> str | bytes:
    """Draw an account's org chart.

    Args:
        plan: A plan path, an account id of the portfolio in the current folder, or an Account.
        fmt: ``svg``, ``png``, ``pdf``, ``dot`` or ``mermaid`` (any chart exporter).
        root: Draw this stakeholder and the people below them only.
        depth: Levels below the root to keep (1 = direct reports).
        color_by: ``attitude``, ``role``, ``coverage`` or ``influence``.
        renderer: ``auto``, ``system`` or ``embedded``.
        redact: Leave contact details and notes out.
        show_team: Draw our team and their relationships.
        max_nodes: Node budget (default 1,500); above it the deepest levels become summary nodes.
        notices: A list that receives notices for the reader (e.g. that the chart was summarised).
        host: Plugin host.

    Returns:
        Text (dot, mermaid, svg) or bytes (png, pdf).
    """
    account = plan if isinstance(plan, Account) else resolve_account(plan, host=host)
    options = {"root": root, "depth": depth, "color_by": color_by, "renderer": renderer,
               "redact": redact, "show_team": show_team, "max_nodes": max_nodes,
               "notices": notices if notices is not None else []}
    content, _ = export(account, fmt, options, host)
    return content


def schema() -> dict[str, Any]:
    """The JSON Schema of the plan format, generated from the models."""
    from kamplan.plan.model import plan_json_schema

    return plan_json_schema()


def list_plugins(host: PluginHost | None = None) -> list[dict[str, Any]]:
    """Installed plugins with version and hooks, as in ``kamplan plugins --format json``."""
    host = host or PluginHost()
    return [{"name": p.name, "version": p.version, "hooks": p.hooks, "source": p.source} for p in host.plugins()]


def _accounts(paths: Iterable[PathArg], portfolio: Portfolio | None, host: PluginHost | None,
              use_cache: bool, progress: Any = None) -> Portfolio:
    from kamplan.errors import PlanError

    if portfolio is None:
        portfolio = load_portfolio(paths, host=host, use_cache=use_cache, progress=progress)
    errors = [d for d in portfolio.diagnostics if d.severity == "error"]
    for account in portfolio.accounts:
        errors += [d for d in run_rules(account, host or portfolio.host) if d.severity == "error"]
    if errors:
        raise PlanError(errors)
    return portfolio


def score(paths: Iterable[PathArg] = (), *, portfolio: Portfolio | None = None, host: PluginHost | None = None,
          use_cache: bool = True, progress: Any = None) -> list[dict[str, Any]]:
    """Run every registered scorer on every account.

    Returns:
        ``[{"account", "scores": {name: {"value", "details"}}}]`` as in ``kamplan score --format json``.

    Raises:
        PlanError: When a plan has errors (scores of invalid plans would mislead).
        PluginError: When a scorer raises or returns something else than a number or a Score.
    """
    portfolio = _accounts(paths, portfolio, host, use_cache, progress)
    return [{"account": a.id, "scores": account_scores(a, host or portfolio.host)} for a in portfolio.accounts]


def recommend(paths: Iterable[PathArg] = (), *, limit: int | None = None, portfolio: Portfolio | None = None,
              host: PluginHost | None = None, use_cache: bool = True, progress: Any = None) -> list[dict[str, Any]]:
    """Run every registered recommender on every account, ranked by priority (1 first), then value.

    Returns:
        The records of ``kamplan recommend --format json`` (absent fields are None).
    """
    portfolio = _accounts(paths, portfolio, host, use_cache, progress)
    rows = rank([r for a in portfolio.accounts for r in account_recommendations(a, host or portfolio.host)])
    return rows[:limit] if limit is not None else rows


def kpi(paths: Iterable[PathArg] = (), *, period: str | None = None, portfolio: Portfolio | None = None,
        host: PluginHost | None = None, use_cache: bool = True, progress: Any = None) -> dict[str, Any]:
    """NRR, GRR, logo churn, expansion rate, share of wallet and coverage per account, group and portfolio.

    Args:
        paths: What to load.
        period: The period to report (``2026-Q3``); default: each account's latest period.
        portfolio: An already loaded portfolio.
        host: Plugin host.
        use_cache: Use the content-hash cache.

    Returns:
        ``{"portfolio", "groups", "accounts", "anomalies"}`` as in ``kamplan kpi --format json``.
    """
    from kamplan.builtin.kpis import compute_kpis

    if period is not None:
        import re

        if not re.fullmatch(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?", period):
            raise UsageError(f"--period {period!r}: expected YYYY, YYYY-Qn or YYYY-MM")
    portfolio = _accounts(paths, portfolio, host, use_cache, progress)
    return compute_kpis(portfolio.accounts, period).to_json()


def report(plan: PathArg | Account, *, fmt: str = "md", redact: bool = False, table: str | None = None,
           host: PluginHost | None = None) -> tuple[str | bytes, str]:
    """One account's plan as a document: any exporter (``md``, ``html``, ``json``, ``csv``, ``xlsx``, charts...).

    Returns:
        The content and the exporter's file suffix.
    """
    account = plan if isinstance(plan, Account) else resolve_account(plan, host=host)
    options: dict[str, Any] = {"redact": redact}
    if table is not None:
        options["table"] = table
    return export(account, fmt, options, host)


def site(paths: Iterable[PathArg] = (), *, out: PathArg, redact: bool = False, portfolio: Portfolio | None = None,
         host: PluginHost | None = None, use_cache: bool = True, progress: Any = None) -> Path:
    """Build the static offline site: ``out/index.html`` and one page per account. Returns the index path."""
    from kamplan.web.build import build_site

    portfolio = _accounts(paths, portfolio, host, use_cache, progress)
    return build_site(portfolio, out, redact=redact, host=host or portfolio.host)


def fmt(paths: Iterable[PathArg] = (), *, check: bool = False) -> Any:
    """Put plans in canonical order, keeping comments (see :mod:`kamplan.repo.fmt`)."""
    from kamplan.repo.fmt import fmt as run

    return run(tuple(paths), check=check)


def diff(rev: str, rev2: str | None = None, paths: Iterable[PathArg] = (), *, host: PluginHost | None = None) -> Any:
    """The changes between two git revisions, in planning terms (see :mod:`kamplan.repo.diff`)."""
    from kamplan.repo.diff import diff as run

    return run(rev, rev2, tuple(paths), host=host)


def import_records(fmt: str, file: PathArg, account: str, **options: Any) -> Any:
    """``kamplan import``: merge a CRM or HR export into a plan (see :func:`kamplan.repo.merge.import_records`)."""
    from kamplan.repo.merge import import_records as run

    return run(fmt, file, account, **options)
