"""The library API: every CLI command is a thin layer over one of these functions."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from kamplan.engine.parts import TOP, block, json_array, people_keys_of, rec_blocks, score_block_of
from kamplan.engine.results import PortfolioResult
from kamplan.engine.run import analyse_loaded, run_portfolio
from kamplan.errors import Diagnostic, PlanError, UsageError
from kamplan.plugins.calls import export, rank_key, run_rules
from kamplan.read.discovery import discover, find_config
from kamplan.repo.map_age import stale_map_warnings

if TYPE_CHECKING:
    from kamplan.account import Account, Portfolio
    from kamplan.plugins.host import PluginHost

PathArg = str | os.PathLike[str]


@dataclass
class ValidationResult:
    """What ``validate`` found.

    Attributes:
        diagnostics: Every problem, sorted by file, line and column.
        strict: Whether warnings count as failures.
    """

    diagnostics: list[Diagnostic]
    strict: bool = False
    _portfolio: Portfolio | None = None
    _load: Callable[[], Portfolio] | None = None

    @property
    def portfolio(self) -> Portfolio:
        """The loaded portfolio (loaded on first use: validating does not need the accounts in memory)."""
        if self._portfolio is None:
            assert self._load is not None
            self._portfolio = self._load()
        return self._portfolio

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


def load_portfolio(paths: Iterable[PathArg] = (), **options: Any) -> Portfolio:
    """Load every plan under ``paths`` into accounts (see :func:`kamplan.engine.accounts.load_portfolio`)."""
    from kamplan.engine.accounts import load_portfolio as load

    return load(paths, **options)


def validate(
    paths: Iterable[PathArg] = (),
    *,
    strict: bool = False,
    portfolio: Portfolio | None = None,
    host: PluginHost | None = None,
    plugin_dirs: Iterable[PathArg] = (),
    use_cache: bool = True,
) -> ValidationResult:
    """Schema checks, reference checks and every lint rule on every plan, through the engine.

    Args:
        paths: Plan files, folder plans or portfolio roots (current directory when empty).
        strict: Count warnings as failures.
        portfolio: An already loaded portfolio (``paths`` is then ignored; its accounts are checked as they are).
        host: Plugin host to use (its results are not cached).
        plugin_dirs: Extra plugin folders for the default host.
        use_cache: Use the content-hash cache.

    Returns:
        The result, with diagnostics sorted by position.
    """
    if portfolio is not None:
        diagnostics = list(portfolio.diagnostics)
        for account in portfolio.accounts:
            diagnostics += run_rules(account, host or portfolio.host)
        diagnostics.sort(key=lambda d: (d.file, d.line, d.column, d.code))
        return ValidationResult(diagnostics, strict, _portfolio=portfolio)
    paths = list(paths)
    dirs = list(plugin_dirs)
    result = run_portfolio(paths, host=host, plugin_dirs=dirs, use_cache=use_cache)
    stale_map_warnings(result)
    return ValidationResult(list(result.diagnostics), strict,
                            _load=lambda: load_portfolio(paths, host=host, plugin_dirs=dirs))


@contextlib.contextmanager
def as_of(date: dt.date | str | None) -> Iterator[None]:
    """Run every analysis inside the ``with`` block as of ``date`` (``YYYY-MM-DD``), as ``--as-of`` does.

    Example:
        >>> with kamplan.as_of("2026-06-30"):
        ...     figures = kamplan.kpi(["account_plans/"])
    """
    from kamplan.clock import analysed_as_of

    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            raise UsageError(f"as of {date!r}: expected a date YYYY-MM-DD") from None
    with analysed_as_of(date):
        yield


def resolve_account(plan: PathArg, *, host: PluginHost | None = None,
                    plugin_dirs: Iterable[PathArg] = (), use_cache: bool = True) -> Account:
    """Load one account from a plan path, or by account id from the portfolio in the current folder.

    The plan's checks come from the engine (cached when known); only that plan is loaded.

    Raises:
        UsageError: When nothing matches.
        PlanError: When the plan does not validate.
    """
    dirs = list(plugin_dirs)
    path = Path(plan)
    if not path.exists():
        path = _plan_of_account(str(plan), host, dirs, use_cache)
    checked = run_portfolio([path], host=host, plugin_dirs=dirs, use_cache=use_cache)
    errors = checked.errors
    if errors:
        raise PlanError(errors)
    portfolio = load_portfolio([path], host=host, plugin_dirs=dirs)
    if not portfolio.accounts:
        raise PlanError(portfolio.diagnostics)
    return portfolio.accounts[0]


def _plan_of_account(account_id: str, host: PluginHost | None, dirs: list[PathArg], use_cache: bool) -> Path:
    """The plan of the portfolio in the current folder that holds ``account_id``."""
    config = find_config(Path.cwd())
    if config is None and not (Path.cwd() / "account_plans").is_dir():
        raise UsageError(f"{account_id}: no such plan file, folder or account id")
    plans = discover([])
    by_stem = [p for p in plans if p.stem == account_id or p.name == account_id]
    result = run_portfolio(plans, host=host, plugin_dirs=dirs, use_cache=use_cache)
    for group in result.groups:
        for candidate in group.plans:
            if group.entries[str(candidate)]["account"] == account_id:
                return candidate
    if by_stem:
        return by_stem[0]  # a plan that does not validate: its problems are shown
    raise UsageError(f"{account_id}: no such plan file, folder or account id")


def chart(plan: PathArg | Account, *, fmt: str = "svg", root: str | None = None, depth: int | None = None,
          color_by: str = "attitude", renderer: str = "auto", redact: bool = False, show_team: bool = True,
          max_nodes: int | None = None, notices: list[str] | None = None,
          host: PluginHost | None = None, team: str = "badges", view: str | None = None) -> str | bytes:
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
        team: ``badges`` (who knows each person, on the person) or ``cluster`` (our team as boxes).
        view: ``unit:ID``, ``role:ROLE`` or ``team:ID``: only that part of the map, with the managers above.

    Returns:
        Text (dot, mermaid, svg) or bytes (png, pdf).
    """
    from kamplan.account import Account

    account = plan if isinstance(plan, Account) else resolve_account(plan, host=host)
    options = {"root": root, "depth": depth, "color_by": color_by, "renderer": renderer,
               "redact": redact, "show_team": show_team, "max_nodes": max_nodes, "team": team, "view": view,
               "notices": notices if notices is not None else []}
    content, _ = export(account, fmt, options, host)
    return content


def schema(kind: str = "plan") -> dict[str, Any]:
    """The JSON Schema of one kind of document, generated from the models, for editors.

    Args:
        kind: ``plan`` (a plan file), ``fragment`` (any file of a folder plan) or ``config`` (kamplan.yaml).

    Returns:
        A draft 2020-12 JSON Schema that accepts every document kamplan accepts, as a YAML 1.2
        parser delivers it (``1_000_000`` as text, a year ``2026`` as a number).
    """
    from kamplan.plan.json_schema import KINDS, json_schema

    if kind not in KINDS:
        raise UsageError(f"unknown schema kind {kind!r}; expected one of {', '.join(KINDS)}")
    return json_schema(kind)


def list_plugins(host: PluginHost | None = None) -> list[dict[str, Any]]:
    """Installed plugins with version and hooks, as in ``kamplan plugins --format json``."""
    from kamplan.plugins.host import PluginHost

    host = host or PluginHost()
    return [{"name": p.name, "version": p.version, "hooks": p.hooks, "source": p.source} for p in host.plugins()]


def _analysed(paths: Iterable[PathArg], portfolio: Portfolio | None, host: PluginHost | None, use_cache: bool,
              progress: Any, plugin_dirs: Iterable[PathArg], *parts: str) -> PortfolioResult:
    """The engine's results with these analysis parts (PlanError, on use, when a plan has errors)."""
    if portfolio is not None:
        return analyse_loaded(portfolio, host)
    return run_portfolio(paths, parts=parts, host=host, use_cache=use_cache, progress=progress,
                         plugin_dirs=plugin_dirs, warnings=False)


def score(paths: Iterable[PathArg] = (), *, portfolio: Portfolio | None = None, host: PluginHost | None = None,
          use_cache: bool = True, progress: Any = None, plugin_dirs: Iterable[PathArg] = ()) -> list[dict[str, Any]]:
    """Run every registered scorer on every account.

    Returns:
        ``[{"account", "as_of", "scores": {name: {"value", "details"}}}]`` as in ``kamplan score --format json``
        (a value is None where a score does not apply: health of a prospect or a churned account).

    Raises:
        PlanError: When a plan has errors (scores of invalid plans would mislead).
        PluginError: When a scorer raises or returns something else than a number or a Score.
    """
    # one part for the table, the JSON and the library: the cached text of each plan's record
    return cast(list[dict[str, Any]], json.loads(score_json(paths, portfolio=portfolio, host=host,
                                                            use_cache=use_cache, progress=progress,
                                                            plugin_dirs=plugin_dirs)))


def score_json(paths: Iterable[PathArg] = (), *, portfolio: Portfolio | None = None, host: PluginHost | None = None,
               use_cache: bool = True, progress: Any = None, plugin_dirs: Iterable[PathArg] = ()) -> str:
    """The text of ``kamplan score --format json``: :func:`score`'s records, indented by 2 (arguments as there)."""
    found = _analysed(paths, portfolio, host, use_cache, progress, plugin_dirs, "score_block")
    return json_array(found.parsed("score_block", score_block_of))


PER_ACCOUNT = 5  # a short action plan: the top of each account's list (insights.md)


def recommend(paths: Iterable[PathArg] = (), *, limit: int | None = None, per_account: int | None = PER_ACCOUNT,
              portfolio: Portfolio | None = None, host: PluginHost | None = None, use_cache: bool = True,
              progress: Any = None, plugin_dirs: Iterable[PathArg] = ()) -> list[dict[str, Any]]:
    """Each account's short action plan, ranked across the portfolio by priority (1 first), then value.

    Args:
        paths: What to load.
        limit: At most this many overall.
        per_account: At most this many per account (None: everything, as ``--all``).
        portfolio: An already loaded portfolio.
        host: Plugin host.
        use_cache: Use the content-hash cache.
        progress: Called as ``progress(done, total)``.
        plugin_dirs: Extra plugin folders for the default host.

    Returns:
        The records of ``kamplan recommend --format json`` (absent fields are None).
    """
    # the ranked blocks of each plan's cached text: decoding every plan's whole list cost more
    return cast(list[dict[str, Any]], json.loads(recommend_json(
        paths, limit=limit, per_account=per_account, portfolio=portfolio, host=host, use_cache=use_cache,
        progress=progress, plugin_dirs=plugin_dirs)))


def _mover_actions(result: PortfolioResult) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """The accounts in plan order, and the portfolio step's recommendations about people who moved
    between them (:mod:`kamplan.insights.movers`), by account.

    The step reads every plan's ``people_keys``; its result is kept under the key of all the plans'
    contents, so that a run in which nothing changed reads none of them.
    """
    cache = result.portfolio_cache("movers")
    if cache is not None:
        store, key = cache
        known = store.get(key)
        if isinstance(known, dict) and isinstance(known.get("accounts"), list) \
                and isinstance(known.get("moves"), dict):
            return known["accounts"], known["moves"]
    accounts, moves = _find_mover_actions(result)
    if cache is not None:
        store.put(key, {"accounts": accounts, "moves": moves})
        store.save(prune=set(store.data) - {key})  # only this portfolio's latest state is worth keeping
    return accounts, moves


def _find_mover_actions(result: PortfolioResult) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    from kamplan.insights.movers import find_moves, involved, move_actions

    found = result.parsed("people_keys", people_keys_of)
    accounts = [account for account, _, _ in found]
    # only the plans that share evidence with another can hold a move: only theirs are decoded
    parts = [json.loads(found[i][2]) for i in sorted(involved([tokens for _, tokens, _ in found]))]
    moves = find_moves(parts)
    if not moves:
        return accounts, {}
    by_account: dict[str, list[dict[str, Any]]] = {}
    currency = {part["account"]: part["currency"] for part in parts}
    for row in move_actions(moves, dt.date.fromisoformat(result.as_of), currency):
        by_account.setdefault(row["account"], []).append(row)
    return accounts, by_account


def recommend_json(paths: Iterable[PathArg] = (), *, limit: int | None = None, per_account: int | None = PER_ACCOUNT,
                   portfolio: Portfolio | None = None, host: PluginHost | None = None, use_cache: bool = True,
                   progress: Any = None, plugin_dirs: Iterable[PathArg] = ()) -> str:
    """The text of ``kamplan recommend --format json`` (arguments as for :func:`recommend`)."""
    kind = "rec_top" if per_account is not None and per_account <= TOP else "rec_blocks"
    found = _analysed(paths, portfolio, host, use_cache, progress, plugin_dirs, kind, "people_keys")
    accounts, moves = _mover_actions(found)
    moved = {account: [(rank_key(r), block(r)) for r in rows] for account, rows in moves.items()}
    parts = found.parsed(kind, rec_blocks)
    if moved:  # each account's own, with the moves about it, ranked again before the per-account cut
        parts = [sorted([*part, *moved.get(account, [])], key=lambda item: item[0])
                 for account, part in zip(accounts, parts, strict=True)]
    blocks = [item for part in parts for item in (part[:per_account] if per_account is not None else part)]
    blocks.sort(key=lambda item: item[0])  # stable, as rank() is: ties keep plan order
    return json_array(text for _, text in (blocks[:limit] if limit is not None else blocks))


def kpi(paths: Iterable[PathArg] = (), *, period: str | None = None, portfolio: Portfolio | None = None,
        host: PluginHost | None = None, use_cache: bool = True, progress: Any = None,
        plugin_dirs: Iterable[PathArg] = ()) -> dict[str, Any]:
    """NRR, GRR, logo churn, expansion rate, share of wallet and coverage per account, group and portfolio.

    Args:
        paths: What to load.
        period: The period to report (``2026-Q3``); default: each account's latest period.
        portfolio: An already loaded portfolio.
        host: Plugin host.
        use_cache: Use the content-hash cache.
        progress: Called as ``progress(done, total)``.
        plugin_dirs: Extra plugin folders for the default host.

    Returns:
        ``{"portfolio", "groups", "accounts", "anomalies"}`` as in ``kamplan kpi --format json``.
    """
    from kamplan.insights.kpis import KpiInput, compute_kpis

    if period is not None:
        import re

        if not re.fullmatch(r"\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?", period):
            raise UsageError(f"--period {period!r}: expected YYYY, YYYY-Qn or YYYY-MM")
    found = _analysed(paths, portfolio, host, use_cache, progress, plugin_dirs, "facts").decoded("facts")
    return compute_kpis([KpiInput.from_json(a["kpi"]) for a in found], period).to_json()


CLIENT_FORMATS = ("md", "html", "pdf", "pptx")
# `report --format pdf` is the account plan as a document; `chart --format pdf` is the chart alone
REPORT_FORMAT_NAMES = {"pdf": "report-pdf"}


def report(plan: PathArg | Account, *, fmt: str = "md", redact: bool = False, table: str | None = None,
           host: PluginHost | None = None, audience: str = "internal") -> tuple[str | bytes, str]:
    """One account's plan as a document: any exporter (``md``, ``html``, ``json``, ``csv``, ``xlsx``, ``pptx``...).

    Args:
        plan: A plan file, folder plan, account id or loaded account.
        fmt: The exporter.
        redact: Leave contact details and notes out.
        table: csv: which table.
        host: Plugin host.
        audience: ``internal`` (everything) or ``client`` (md, html, pdf and pptx: only what may be
            shown to the client, see :mod:`kamplan.render.client_view`).

    Returns:
        The content and the exporter's file suffix.

    Raises:
        UsageError: For an unknown audience, or ``client`` with a format that has no client version.
    """
    from kamplan.account import Account

    if audience not in ("internal", "client"):
        raise UsageError(f"--audience must be internal or client, not {audience!r}")
    if audience == "client" and fmt not in CLIENT_FORMATS:
        raise UsageError(f"--audience client is for {', '.join(CLIENT_FORMATS)}; {fmt} shows internal data")
    account = plan if isinstance(plan, Account) else resolve_account(plan, host=host)
    options: dict[str, Any] = {"redact": redact or audience == "client", "audience": audience}
    if table is not None:
        options["table"] = table
    return export(account, REPORT_FORMAT_NAMES.get(fmt, fmt), options, host)


def site(paths: Iterable[PathArg] = (), *, out: PathArg, redact: bool = False, portfolio: Portfolio | None = None,
         host: PluginHost | None = None, use_cache: bool = True, progress: Any = None,
         plugin_dirs: Iterable[PathArg] = (), history: bool = False) -> Path:
    """Build the static offline site: ``out/index.html`` and one page per account. Returns the index path.

    Only pages whose inputs changed are written again (see :mod:`kamplan.web.site`). With ``history``,
    the dashboard shows each account's coverage, health and NRR over the last eight quarters, from git
    (:mod:`kamplan.repo.history`).
    """
    from kamplan.web.site import build_site

    found_trends = trends(list(paths), host=host, plugin_dirs=plugin_dirs) if history else None
    return build_site(paths, out, redact=redact, portfolio=portfolio, host=host, use_cache=use_cache,
                      progress=progress, plugin_dirs=plugin_dirs, trends=found_trends)


def trends(paths: Iterable[PathArg] = (), *, host: PluginHost | None = None,
           plugin_dirs: Iterable[PathArg] = ()) -> dict[str, dict[str, list[Any]]]:
    """Per account: the quarter ends of the last two years, and coverage, health, NRR, map status and
    commit at each, from git (:mod:`kamplan.repo.history`; what ``site --history`` and ``serve --history`` show).

    Raises:
        UsageError: Outside a git repository.
    """
    import datetime as dt

    from kamplan.repo.history import default_until, history

    paths = list(paths)
    until = default_until((Path(paths[0]) if paths else Path.cwd()).resolve())
    since = dt.date(until.year - 2, until.month, 1) + dt.timedelta(days=1)
    found = history(paths, since=since, until=until, every="quarter", host=host, plugin_dirs=list(plugin_dirs))
    by_account: dict[str, dict[str, list[Any]]] = {}
    for row in found.rows:
        trend = by_account.setdefault(row["account"], {"dates": [], "coverage": [], "health": [], "nrr": [],
                                                   "map_status": [], "commit": []})
        for key in ("coverage", "health", "nrr", "map_status", "commit"):
            trend[key].append(row[key])
        trend["dates"].append(row["date"])
    return by_account


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
