"""The library API: every CLI command is a thin layer over one of these functions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamplan.account import Account, Portfolio
from kamplan.errors import Diagnostic, PluginError, UsageError
from kamplan.loader import find_config, load_portfolio
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
    out: list[Diagnostic] = []
    for entry in iter_registered(host, "register_rules"):
        findings = safe_call(entry, "rule", account) or []
        for finding in findings:
            if not isinstance(finding, Finding):
                raise PluginError(entry.plugin, f"rule {entry.name!r}",
                                  f"returned {type(finding).__name__}, expected kamplan.Finding")
            out.append(account.diagnostic(finding, entry.name))
    return out


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
        host: Plugin host.

    Returns:
        Text (dot, mermaid, svg) or bytes (png, pdf).
    """
    account = plan if isinstance(plan, Account) else resolve_account(plan, host=host)
    options = {"root": root, "depth": depth, "color_by": color_by, "renderer": renderer,
               "redact": redact, "show_team": show_team}
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
