"""Running registered plugins on one account: rules, scorers, recommenders and exporters.

Each call checks what the plugin returned and names the plugin when it is wrong (Plugin API v1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kamplan.errors import Diagnostic, PluginError, UsageError
from kamplan.insights.action_plan import shape, urgency
from kamplan.plugins.host import PluginHost, iter_registered, safe_call
from kamplan.types import Finding

if TYPE_CHECKING:
    from kamplan.account import Account


def _remembered(account: Account, hook: str, host: PluginHost, compute: Callable[[], Any], name: str = "") -> Any:
    """One hook's results on an account, computed once per host and registered set of that hook.

    ``report`` and ``site`` ask more than once (the engine's analysis, then the report document). Callers
    get a new outer list or dict; the results inside are shared, and read only. ``name`` tells apart
    two computations over the same hook.
    """
    entries = [(entry.plugin, entry.name, entry.func) for entry in iter_registered(host, hook)]
    memo = account.__dict__.setdefault("_hook_results", {})
    cached = memo.get(hook + name)
    if cached is not None and cached[0] is host and cached[1] == entries:
        return cached[2]
    value = compute()
    memo[hook + name] = (host, entries, value)
    return value


def warns_only(plugin: str, code: str) -> bool:
    """Whether a registered rule can only warn: kamplan's own W rules (their findings are warnings)."""
    return plugin.startswith("kamplan.builtin.") and code.startswith("W")


def run_rules(account: Account, host: PluginHost, *, warnings: bool = True) -> list[Diagnostic]:
    """Run every registered lint rule on one account.

    Args:
        account: The account.
        host: The plugin host.
        warnings: Also run kamplan's own warning rules; without, only what may find an error runs
            (every plugin's rule, kamplan's E rules): what an analysis needs to know it may go on.

    Raises:
        PluginError: When a rule raises or returns something that is not a Finding.
    """
    return list(_remembered(account, "register_rules", host, lambda: _rules(account, host, warnings),
                            "" if warnings else ":errors"))


def _rules(account: Account, host: PluginHost, warnings: bool = True) -> list[Diagnostic]:
    rules = [entry for entry in iter_registered(host, "register_rules")
             if warnings or not warns_only(entry.plugin, entry.name)]
    out: list[Diagnostic] = []
    for entry in rules:
        findings = safe_call(entry, "rule", account) or []
        for finding in findings:
            if not isinstance(finding, Finding):
                raise PluginError(entry.plugin, f"rule {entry.name!r}",
                                  f"returned {type(finding).__name__}, expected kamplan.Finding")
            out.append(account.diagnostic(finding, entry.name))
    return out


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


def account_scores(account: Account, host: PluginHost | None = None) -> dict[str, Any]:
    """Every registered scorer on one account: ``{name: {"value", "details"}}``.

    Raises:
        PluginError: When a scorer raises or returns something else than a number or a Score from 0 to 100.
    """
    host = host or account.host or PluginHost()
    return dict(_remembered(account, "register_scorers", host, lambda: _scores(account, host)))


def _scores(account: Account, host: PluginHost) -> dict[str, Any]:
    from kamplan.types import Score

    scores: dict[str, Any] = {}
    for entry in iter_registered(host, "register_scorers"):
        result = safe_call(entry, "scorer", account)
        if isinstance(result, int | float) and not isinstance(result, bool):
            result = Score(float(result))
        if not isinstance(result, Score) or (result.value is not None and not 0 <= result.value <= 100):
            raise PluginError(entry.plugin, f"scorer {entry.name!r}",
                              f"returned {result!r}, expected a number or kamplan.Score from 0 to 100")
        scores[entry.name] = {"value": result.value, "details": result.details}
    return scores


def account_recommendations(account: Account, host: PluginHost | None = None) -> list[dict[str, Any]]:
    """Every registered recommender on one account, as ``kamplan recommend --format json`` records."""
    host = host or account.host or PluginHost()
    return list(_remembered(account, "register_recommenders", host, lambda: _recommendations(account, host)))


def _recommendations(account: Account, host: PluginHost) -> list[dict[str, Any]]:
    from kamplan.types import Recommendation

    rows = []
    account_id, as_of = account.id, account.today.isoformat()
    default_owner = _default_owner(account)
    for entry in iter_registered(host, "register_recommenders"):
        for rec in safe_call(entry, "recommender", account) or []:
            if not isinstance(rec, Recommendation):
                raise PluginError(entry.plugin, f"recommender {entry.name!r}",
                                  f"returned {type(rec).__name__}, expected kamplan.Recommendation")
            if rec.priority is not None and (not isinstance(rec.priority, int) or rec.priority < 1):
                raise PluginError(entry.plugin, f"recommender {entry.name!r}",
                                  f"priority must be a positive integer, got {rec.priority!r}")
            value, currency, converted = _in_reporting_currency(account, rec.value)
            basis = "; ".join(b for b in (rec.value_basis, converted) if b) or None
            rows.append({"account": account_id, "recommender": entry.name, "kind": rec.kind, "title": rec.title,
                         "reason": rec.reason, "priority": rec.priority, "value": value, "value_basis": basis,
                         "owner": rec.owner or default_owner,
                         "due": (rec.due or _default_due(account, rec.kind)).isoformat(), "unit": rec.unit,
                         "offering": rec.offering, "stakeholder": rec.stakeholder, "details": rec.details,
                         "currency": currency, "as_of": as_of})
    return rank(shape(account, rows))


def _default_due(account: Account, kind: str) -> dt.date:
    """A suggested date when a recommender gives none: two weeks for a risk, a month for anything else."""
    return account.today + dt.timedelta(days=14 if kind == "risk" else 30)


def _default_owner(account: Account) -> str | None:
    """Who acts when a recommender names nobody: the account's owner, else its KAM, else its first team member."""
    if account.plan.account.owner:
        return account.plan.account.owner
    kam = next((m for m in account.team.values() if m.role == "kam"), None)
    return kam.id if kam else next(iter(account.team), None)


def _in_reporting_currency(account: Account, value: float | None) -> tuple[float | None, str | None, str | None]:
    """A recommendation's money in ``settings.currency`` (when set), with how it was converted.

    Without ``settings.currency`` the value stays in the account's currency (named); an account
    whose currency has no rate in ``settings.fx`` gets no value rather than a wrong one.
    """
    own = account.plan.account.currency
    settings = account.settings.settings
    target = settings.currency
    if value is None:
        return None, target or own, None
    if target is None or own is None or own == target:
        return value, target or own, None
    rate = settings.fx.get(own)
    if rate is None:
        return None, target, f"{value:,.0f} {own}: unconverted, no rate for {own} in settings.fx"
    return value * rate, target, f"{value:,.0f} {own} x {rate} {target}/{own}"


def rank_key(row: dict[str, Any]) -> list[Any]:
    """The sort key of a recommendation: priority (1 first), value (largest first), account, recommender, title."""
    return [*urgency(row), row["account"], row["recommender"], row["title"]]


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort recommendations by :func:`rank_key` (a stable sort: ties keep their order)."""
    return sorted(rows, key=rank_key)
