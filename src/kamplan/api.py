"""The library API: every CLI command is a thin layer over one of these functions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamplan.account import Account, Portfolio
from kamplan.discovery import find_config
from kamplan.errors import Diagnostic, PluginError, UsageError
from kamplan.loader import load_portfolio
from kamplan.plugins import PluginHost, iter_registered, safe_call
from kamplan.types import Finding

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


def run_rules(account: Account, host: PluginHost) -> list[Diagnostic]:
    """Run every registered lint rule on one account.

    Raises:
        PluginError: When a rule raises or returns something that is not a Finding.
    """
    rules = list(iter_registered(host, "register_rules"))
    key = (host, [(entry.plugin, entry.name, entry.func) for entry in rules])
    cached = account.__dict__.get("_rule_results")
    if cached is not None and cached[0][0] is host and cached[0][1] == key[1]:
        return list(cached[1])  # report and site ask twice (to refuse invalid plans, then to list findings)
    out: list[Diagnostic] = []
    for entry in rules:
        findings = safe_call(entry, "rule", account) or []
        for finding in findings:
            if not isinstance(finding, Finding):
                raise PluginError(entry.plugin, f"rule {entry.name!r}",
                                  f"returned {type(finding).__name__}, expected kamplan.Finding")
            out.append(account.diagnostic(finding, entry.name))
    account.__dict__["_rule_results"] = (key, out)
    return list(out)


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


def export(account: Account, fmt: str, options: Mapping[str, Any] | None = None,
           host: PluginHost | None = None) -> tuple[str | bytes, str]:
    """Run exporter ``fmt`` on an account.

    Returns:
        The exported content and the exporter's file suffix.

    Raises:
        UsageError: When no exporter has that name.
    """
    host = host or account.host or PluginHost()
    exporters = host.registry("register_exporters")
    if fmt not in exporters:
        raise UsageError(f"unknown format {fmt!r}; available: {', '.join(sorted(exporters))}")
    entry = exporters[fmt]
    content = safe_call(entry, "exporter", account, dict(options or {}))
    if not isinstance(content, str | bytes):
        raise PluginError(entry.plugin, f"exporter {fmt!r}",
                          f"returned {type(content).__name__}, expected str or bytes")
    return content, entry.extra["suffix"]


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
    from kamplan.model import plan_json_schema

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


def account_scores(account: Account, host: PluginHost | None = None) -> dict[str, Any]:
    """Every registered scorer on one account: ``{name: {"value", "details"}}``.

    Raises:
        PluginError: When a scorer raises or returns something else than a number or a Score from 0 to 100.
    """
    from kamplan.types import Score

    host = host or account.host or PluginHost()
    scores: dict[str, Any] = {}
    for entry in iter_registered(host, "register_scorers"):
        result = safe_call(entry, "scorer", account)
        if isinstance(result, int | float) and not isinstance(result, bool):
            result = Score(float(result))
        if not isinstance(result, Score) or not 0 <= result.value <= 100:
            raise PluginError(entry.plugin, f"scorer {entry.name!r}",
                              f"returned {result!r}, expected a number or kamplan.Score from 0 to 100")
        scores[entry.name] = {"value": result.value, "details": result.details}
    return scores


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


def account_recommendations(account: Account, host: PluginHost | None = None) -> list[dict[str, Any]]:
    """Every registered recommender on one account, as ``kamplan recommend --format json`` records."""
    from kamplan.types import Recommendation

    host = host or account.host or PluginHost()
    rows = []
    for entry in iter_registered(host, "register_recommenders"):
        for rec in safe_call(entry, "recommender", account) or []:
            if not isinstance(rec, Recommendation):
                raise PluginError(entry.plugin, f"recommender {entry.name!r}",
                                  f"returned {type(rec).__name__}, expected kamplan.Recommendation")
            if rec.priority is not None and (not isinstance(rec.priority, int) or rec.priority < 1):
                raise PluginError(entry.plugin, f"recommender {entry.name!r}",
                                  f"priority must be a positive integer, got {rec.priority!r}")
            rows.append({"account": account.id, "recommender": entry.name, "kind": rec.kind, "title": rec.title,
                         "reason": rec.reason, "priority": rec.priority, "value": rec.value, "unit": rec.unit,
                         "offering": rec.offering, "stakeholder": rec.stakeholder, "details": rec.details})
    return rank(rows)


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort recommendations: priority (1 first), then value (largest first), then account and title."""
    return sorted(rows, key=lambda r: (r["priority"] if r["priority"] is not None else 99, -(r["value"] or 0),
                                       r["account"], r["recommender"], r["title"]))


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
    from kamplan.kpis import compute_kpis

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
    """Put plans in canonical order, keeping comments (see :mod:`kamplan.formatting`)."""
    from kamplan.formatting import fmt as run

    return run(tuple(paths), check=check)


def diff(rev: str, rev2: str | None = None, paths: Iterable[PathArg] = (), *, host: PluginHost | None = None) -> Any:
    """The changes between two git revisions, in planning terms (see :mod:`kamplan.changes`)."""
    from kamplan.changes import diff as run

    return run(rev, rev2, tuple(paths), host=host)


def import_records(fmt: str, file: PathArg, account: str, **options: Any) -> Any:
    """``kamplan import``: merge a CRM or HR export into a plan (see :func:`kamplan.merge.import_records`)."""
    from kamplan.merge import import_records as run

    return run(fmt, file, account, **options)
