"""The engine's front: every command's way to get results for a set of plans.

For each plan it looks up the results of the plan's content in the cache (``.kamplan_cache/``, one
store per context, see :mod:`kamplan.engine.context`), computes what is missing with work units
(in parallel when there are many), stores them, and hands the whole to the portfolio step
(:mod:`kamplan.engine.results`). ``validate`` asks for the checks; score, recommend, kpi, report and
site ask for the analysis too; the site also asks for a page of each account whose page is out of date.

Where a plugin implements ``after_portfolio_loaded`` (it may look across accounts), the portfolio is
loaded whole and nothing is cached, since no plan's results are then a function of that plan alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamplan.engine.context import CACHE_DIR, CACHE_FORMAT, as_of, context_key, plugin_dirs_for
from kamplan.engine.fingerprint import file_hash, plugin_fingerprint
from kamplan.engine.helper import MOST_PLANS, HelperSlot
from kamplan.engine.parts import PARTS, analysis_parts
from kamplan.engine.results import PlanGroup, PortfolioResult
from kamplan.engine.store import ResultCache
from kamplan.userdirs import sign, user_key

if TYPE_CHECKING:
    from kamplan.engine.runner import Progress
    from kamplan.engine.unit import Visit
from kamplan.read.discovery import (
    configured_plans_dir,
    discover,
    files_of_plan,
    find_config,
    plans_in,
    resolving_folders_once,
)

log = logging.getLogger(__name__)

PathArg = str | os.PathLike[str]
# Asked per plan with (plan, its content key): whether the visit function must run on it.
VisitWhen = Callable[[Path, str], bool]


def run_portfolio(
    paths: Iterable[PathArg] = (),
    *,
    parts: Sequence[str] = (),
    visit: Visit | None = None,
    visit_when: VisitWhen | None = None,
    use_cache: bool = True,
    parallel: bool = True,
    plugin_dirs: Iterable[PathArg] = (),
    host: Any = None,
    progress: Progress | None = None,
    texts: Mapping[Path, str] | None = None,
    warnings: bool = True,
) -> PortfolioResult:
    """Results of every plan under ``paths``: from the cache where they are known, computed otherwise.

    Args:
        paths: Plan files, folder plans or portfolio roots (the current folder when empty).
        parts: The parts of each valid plan's analysis to get (see :mod:`kamplan.engine.parts`); none: checks only.
        visit: Extra work on a loaded valid account, done in the worker (the site writes a page).
        visit_when: Which plans to visit, asked with the plan and its content key (default: every plan).
        use_cache: Read and write ``.kamplan_cache/``.
        parallel: Use several processes for a cold run of many plans.
        plugin_dirs: ``--plugins-dir`` folders (the portfolio's own ``plugins/`` is added when it exists).
        host: A plugin host to use instead of the default one; its results are not cached, since
            an arbitrary host cannot be told apart from another by a key.
        progress: Called as ``progress(done, total)`` while plans are computed.
        texts: Text to read instead of a file's content, by absolute file path (an editor's unsaved
            buffers): a plan with such a file is computed from it and neither read from nor written
            to the cache; every other plan is as on disk.
        warnings: Run kamplan's own warning rules. The analysis commands (score, kpi, recommend) show
            no warnings and need to know only that a plan has no errors: without, a plan not in the
            cache is checked by the rules that can find an error, and its cached entry says so, so
            that ``validate`` checks it again in full.

    Returns:
        The per-plan results and the portfolio step over them.

    Raises:
        UsageError: When a path does not exist or holds no plans.
        PluginError: When a plugin fails to load or raises in a hook.
    """
    with resolving_folders_once(), HelperSlot() as slot:
        return _run(paths, parts, visit, visit_when, use_cache, parallel, plugin_dirs, host, progress, texts,
                    warnings, slot)


def _run(paths: Iterable[PathArg], parts: Sequence[str], visit: Visit | None, visit_when: VisitWhen | None,
         use_cache: bool, parallel: bool, plugin_dirs: Iterable[PathArg], host: Any, progress: Progress | None,
         texts: Mapping[Path, str] | None, warnings: bool, slot: HelperSlot) -> PortfolioResult:
    plan_paths = discover(paths)
    dirs = plugin_dirs_for(plan_paths, plugin_dirs)
    if host is not None:
        use_cache, visit_when = False, None
    plugins = plugin_fingerprint(dirs) if use_cache or visit_when is not None else ""
    groups: dict[Path | None, list[Path]] = {}
    for plan in plan_paths:
        groups.setdefault(find_config(plan), []).append(plan)
    result = PortfolioResult(len(plan_paths), locate_id=_locate_id)
    for config, plans in groups.items():
        root = config.parent if config else plans[0].parent
        plans_dir = root / configured_plans_dir(config) if config else None
        context = context_key(config, plugins)
        result.as_of = as_of(config)
        store = _store_for(root, context) if use_cache else None
        group = PlanGroup(plans, store=store, known={p.stem for p in plans_in(plans_dir)} if plans_dir else set())
        # a new store holds nothing: the workers hash each plan as they read it, instead of this process first
        hash_in_workers = store is not None and visit_when is None and store.is_empty()
        if store and not hash_in_workers:
            group.keys = {plan: store.content_key(plan) for plan in plans}
            if store.hashed and host is None and visit is None:
                slot.start(dirs)  # a plan changed, few may be missing: the plugins load while the cache is read
        elif visit_when is not None:
            group.keys = {plan: file_hash(files_of_plan(plan)) for plan in plans}
        to_visit: set[str] = set()
        checked: set[str] = set()  # plans whose checks are cached (and valid): only their analysis is computed
        missing: list[Path] = []
        edited = _edited(plans, texts)
        config_text = _config_text(config, texts)
        if config_text is not None:  # kamplan.yaml edited, not saved: every plan of it computed again
            edited = {str(plan): edited.get(str(plan), {}) for plan in plans}
        for plan in plans:
            if str(plan) in edited:
                missing.append(plan)
                continue
            key = group.keys.get(plan)
            wants_visit = visit is not None and (visit_when is None or visit_when(plan, f"{context}:{key}"))
            if wants_visit:
                to_visit.add(str(plan))
            hit, complete = _cached(store, key, parts, wants_visit, group, plan, warnings)
            if hit is not None:
                group.entries[str(plan)] = hit
            if complete:
                result.cached += 1
                continue
            if hit is not None:
                checked.add(str(plan))
            missing.append(plan)
        config_texts = {config: config_text} if config is not None and config_text is not None else None
        if missing and slot.helper is not None and len(missing) < MOST_PLANS and not to_visit:
            answer = slot.helper.compute(missing, parts=parts, checked=checked, texts=edited,
                                         config_texts=config_texts, warnings=warnings,
                                         fingerprints=hash_in_workers)
            if answer is not None and not answer[0]:
                take = _taker(missing, group, result, to_visit, set(edited), hash_in_workers)
                for index, out in enumerate(answer[1]):
                    take(index, out)
                result.computed += len(missing)
                missing = []
        slot.stop()  # used, or of no use: many plans to compute go to the parallel workers
        if missing:
            if host is None:
                host = _default_host(dirs)
            if host.pm.hook.after_portfolio_loaded.get_hookimpls():
                result.notes.append("a plugin implements after_portfolio_loaded: whole-portfolio load, no cache")
                return _whole(plan_paths, host, parts, visit, result)
            from kamplan.engine.runner import run_units

            # each result is taken (kept, hashed, signed) as it arrives, while the workers compute the rest
            _, result.workers = run_units(missing, host, parts=parts, visit=visit, visit_plans=to_visit,
                                          checked=checked, parallel=parallel, progress=progress,
                                          texts=edited, config_texts=config_texts,
                                          warnings=warnings, fingerprints=hash_in_workers,
                                          take=_taker(missing, group, result, to_visit, set(edited),
                                                      hash_in_workers))
            result.computed += len(missing)
        group.recompute = _recompute(host, dirs)
        group.edited = set(edited)
        group.known |= {e["account"] for e in group.entries.values() if e["account"]}
        if plans_dir is not None and any(group.unknown_parent(e) for e in group.entries.values()):
            group.known |= account_ids_of(plans_in(plans_dir), set(plans))
        if store:
            store.save(keep={group.keys[p] for p in plans})
        result.groups.append(group)
    return result


def _taker(missing: list[Path], group: PlanGroup, result: PortfolioResult, to_visit: set[str], edited: set[str],
           hashed_in_workers: bool) -> Callable[[int, dict[str, Any]], None]:
    """What keeps the result of the ``index``-th of ``missing`` in the group and its store."""
    store = group.store

    def take(index: int, out: dict[str, Any]) -> None:
        plan = missing[index]
        name = str(plan)
        if store and hashed_in_workers:
            group.keys[plan] = store.remember(plan, *out["fingerprint"])
        if out["entry"] is not None:
            group.entries[name], group.rows[name] = out["entry"], out["rows"]
        for kind, text in (out["parts"] or {}).items():
            group.parts.setdefault(kind, {})[name] = text
        if name in to_visit and out["visited"] is not None:
            result.visited[name] = out["visited"]
        if store and name not in edited:
            store.put(group.keys[plan], out["entry"], out["rows"], out["parts"])

    return take


def _config_text(config: Path | None, texts: Mapping[Path, str] | None) -> str | None:
    """kamplan.yaml's unsaved text, when it is among ``texts``."""
    if config is None or not texts:
        return None
    whole = Path(os.path.abspath(config))
    return next((text for f, text in texts.items() if Path(os.path.abspath(f)) == whole), None)


def _edited(plans: list[Path], texts: Mapping[Path, str] | None) -> dict[str, dict[Path, str]]:
    """Per plan (as a string): the given texts of its files, keyed as the plan's reader names them."""
    if not texts:
        return {}
    given = {Path(os.path.abspath(f)): text for f, text in texts.items()}
    found: dict[str, dict[Path, str]] = {}
    for plan in plans:
        whole = Path(os.path.abspath(plan))
        if whole in given:
            found[str(plan)] = {plan: given[whole]}
        elif plan.is_dir():
            inside = {plan / f.name: text for f, text in given.items() if f.parent == whole}
            if inside:
                found[str(plan)] = inside
    return found


def _cached(store: ResultCache | None, key: str | None, parts: Sequence[str], visit: bool, group: PlanGroup,
            plan: Path, warnings: bool) -> tuple[dict[str, Any] | None, bool]:
    """The plan's cached entry (or None), and whether the cache holds everything this run needs of it."""
    if store is None or key is None:
        return None, False
    hit = store.get(key)
    if hit is None or (warnings and not hit["all_checks"]):  # checked for errors only: checked again
        return None, False
    valid = hit["account"] is not None and not hit["errors"]
    if not valid:
        return hit, True  # nothing more is computed for a plan with errors
    if parts:
        found = {kind: store.part(kind, key) for kind in parts}
        if any(text is None for text in found.values()):
            return hit, False
        for kind, text in found.items():
            group.parts.setdefault(kind, {})[str(plan)] = text  # type: ignore[assignment]
    return hit, not visit  # a visit needs the account loaded


def account_ids_of(portfolio: list[Path], given: set[Path]) -> set[str]:
    """The account ids of the portfolio's plans that were not asked for (only read when a parent is unknown).

    A plan validated alone must still see an account that another plan defines under an id other
    than its file name. Only ``account.id`` is read, with the light parser.
    """
    import yaml_rs

    ids = set()
    for plan in portfolio:
        if plan in given or plan.resolve() in given:
            continue
        for file in files_of_plan(plan):
            try:
                data = yaml_rs.loads(file.read_text(encoding="utf-8-sig"), parse_datetime=False)
            except (OSError, UnicodeDecodeError, yaml_rs.YAMLDecodeError, ValueError):
                continue
            account = data.get("account") if isinstance(data, dict) else None
            if isinstance(account, dict) and isinstance(account.get("id"), str):
                ids.add(account["id"])
    return ids


def _store_for(root: Path, context: str) -> ResultCache | None:
    """The context's store, named with the user's key (no key, e.g. a read-only home: no cache)."""
    key = user_key()
    if key is None:
        log.info("no per-user cache key can be kept: results are not cached")
        return None
    return ResultCache(root / CACHE_DIR, f"{CACHE_FORMAT}-{sign(key, context.encode())[:24]}", key)


def _default_host(dirs: list[Path]) -> Any:
    from kamplan.plugins.host import PluginHost
    from kamplan.read.sources import paused_gc

    with paused_gc():  # it imports the plan models and the plugins: objects that live as long as the process
        return PluginHost(plugin_dirs=dirs)


def _recompute(host: Any, dirs: list[Path]) -> Callable[[Path, Sequence[str]], dict[str, Any]]:
    def again(plan: Path, parts: Sequence[str]) -> dict[str, Any]:
        from kamplan.engine.unit import WORKER, compute

        WORKER.host = host or _default_host(dirs)
        out = compute(plan, parts)
        if "plugin_error" in out:
            raise out["plugin_error"]
        return out

    return again


def _locate_id(plan: Path) -> tuple[str, int, int]:
    """Where a plan gives its account id (or, when it does not, its ``account:`` key)."""
    from kamplan.read.sources import read_plan_source

    source = read_plan_source(plan)
    return source.locator.locate(("account", "id"), key=True)


def _whole(plan_paths: list[Path], host: Any, parts: Sequence[str], visit: Visit | None,
           result: PortfolioResult) -> PortfolioResult:
    from kamplan.engine.accounts import load_portfolio
    from kamplan.plugins.calls import run_rules

    portfolio = load_portfolio(plan_paths, host=host)
    diagnostics = list(portfolio.diagnostics)
    for account in portfolio.accounts:
        diagnostics += run_rules(account, host)
    valid = not any(d.severity == "error" for d in diagnostics)
    found = _parts_of(portfolio.accounts, host) if parts and valid else {}
    if visit is not None and valid:
        for account in portfolio.accounts:
            result.visited[str(account.source)] = visit(account)
    result.set_whole(diagnostics, found)
    result.computed = len(plan_paths)
    return result


def _parts_of(accounts: list[Any], host: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {kind: [] for kind in PARTS}
    for account in accounts:
        for kind, text in analysis_parts(account, host or account.host).items():
            found[kind].append(text)
    return found


def analyse_loaded(portfolio: Any, host: Any = None) -> PortfolioResult:
    """The analysis of an already loaded portfolio, computed in memory (nothing cached).

    Raises:
        PlanError: When a plan has errors.
    """
    from kamplan.plugins.calls import run_rules

    diagnostics = list(portfolio.diagnostics)
    for account in portfolio.accounts:
        diagnostics += run_rules(account, host or portfolio.host)
    result = PortfolioResult(len(portfolio.accounts))
    valid = not any(d.severity == "error" for d in diagnostics)
    result.set_whole(diagnostics, _parts_of(portfolio.accounts, host) if valid else {})
    return result


def validate_portfolio(
    paths: Iterable[PathArg] = (),
    *,
    use_cache: bool = True,
    parallel: bool = True,
    plugin_dirs: Iterable[PathArg] = (),
    progress: Progress | None = None,
) -> PortfolioResult:
    """``kamplan validate``: the checks of every plan under ``paths`` (see :func:`run_portfolio`)."""
    return run_portfolio(paths, use_cache=use_cache, parallel=parallel, plugin_dirs=plugin_dirs, progress=progress)
