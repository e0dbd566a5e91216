"""``kamplan validate`` at portfolio scale: results cached by content hash, cold runs in parallel.

Each plan is validated on its own (read, schema, graph, every rule), which makes its diagnostics a
pure function of: the plan's bytes and its path as shown from the working folder, ``kamplan.yaml``'s
bytes, the plugin set, the kamplan version and the date rules compare against. That tuple is the
cache key (:mod:`kamplan.engine.store`), so a cache can never change a result.
The one rule that looks across plans (``account.parent`` must name a plan of the portfolio) is
settled afterwards, from each plan's cached parent id and its position. Where a plugin implements
``after_portfolio_loaded`` (it may look across accounts), the whole portfolio is loaded at once and
nothing is cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from kamplan.engine.fingerprint import file_hash, plugin_fingerprint
from kamplan.engine.store import ResultCache
from kamplan.errors import Diagnostic, unknown_parent_message
from kamplan.read.discovery import (
    CONFIG_NAME,
    config_mapping,
    configured_plans_dir,
    discover,
    find_config,
    plans_in,
)

log = logging.getLogger(__name__)

CACHE_DIR = ".kamplan_cache"
CACHE_FORMAT = "validate-4"
PARALLEL_MIN_PLANS = 40
Progress = Callable[[int, int], None]


@dataclass
class _Group:
    """The plans of one portfolio (one kamplan.yaml) and their results, cached or just computed."""

    plans: list[Path]
    entries: dict[str, dict[str, Any]]
    keys: dict[Path, str]
    rows: dict[str, str]  # each plan's rows as JSON text: cheap to pass between processes and to store
    store: ResultCache | None
    known: set[str]

    def rows_of(self, plan: Path) -> list[list[Any]]:
        rows = self.rows.get(str(plan))
        if rows is None and self.store is not None:
            rows = self.store.rows(self.keys[plan])
        try:
            decoded = json.loads(rows) if rows is not None else None
        except ValueError:
            decoded = None
        if not isinstance(decoded, list):  # the rows store lost or damaged it: validate that plan again
            decoded = json.loads(_validate_one(plan)["rows"])
        return decoded

    def unknown_parent(self, entry: dict[str, Any]) -> bool:
        return entry["parent"] is not None and entry["parent"] not in self.known


@dataclass
class BatchResult:
    """Diagnostics of every plan, and how they were obtained.

    The diagnostics are assembled on first use: a plain-text report of cached plans is put together
    from each plan's pre-rendered block (:meth:`text_report`) without building them at all.
    """

    plans: int
    cached: int = 0
    computed: int = 0
    workers: int = 1
    notes: list[str] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    _diagnostics: list[Diagnostic] | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic (kamplan.yaml's once), sorted by file, line, column and code."""
        if self._diagnostics is None:
            found = [d for group in self.groups for d in _finish(group)]
            found.sort(key=_position)
            self._diagnostics = found
        return self._diagnostics

    @diagnostics.setter
    def diagnostics(self, value: list[Diagnostic]) -> None:
        self._diagnostics = value
        self.groups = []

    def text_report(self) -> str:
        """The ``text`` output: one line per diagnostic, in order."""
        blocks = self._blocks()
        if blocks is None:
            return "\n".join(d.format_text() for d in self.diagnostics)
        return "\n".join(entry["text"] for entry in blocks)

    def counts(self) -> tuple[int, int]:
        """(errors, warnings)."""
        blocks = self._blocks()
        if blocks is None:
            errors = sum(1 for d in self.diagnostics if d.severity == "error")
            return errors, len(self.diagnostics) - errors
        return sum(e["errors"] for e in blocks), sum(e["warnings"] for e in blocks)

    def _blocks(self) -> list[dict[str, Any]] | None:
        """Each plan's rendered block in report order, when no problem crosses plans; else None."""
        if self._diagnostics is not None or not self.groups:
            return None
        blocks = []
        for group in self.groups:
            for plan in group.plans:
                entry = group.entries[str(plan)]
                if entry["config"] or group.unknown_parent(entry):
                    return None  # kamplan.yaml's problems are shown once; a parent is settled across plans
                if entry["text"]:
                    blocks.append(entry)
        blocks.sort(key=lambda e: e["first"])
        for before, after in pairwise(blocks):
            if before["last"] > after["first"]:
                return None  # plans whose files interleave: sort line by line
        return blocks


def _is_config(file: str) -> bool:
    """Whether a diagnostic is about a ``kamplan.yaml`` (shown once, not once per plan)."""
    return file.endswith(CONFIG_NAME) and os.path.basename(file) == CONFIG_NAME


def _position(d: Diagnostic) -> tuple[str, int, int, str]:
    return (d.file, d.line, d.column, d.code)


def _today(config: Path | None) -> str:
    """The date the rules see: ``settings.today`` when kamplan.yaml pins it, else the real date."""
    settings = config_mapping(config).get("settings") if config is not None else None
    pinned = settings.get("today") if isinstance(settings, dict) else None
    return str(pinned) if pinned else dt.date.today().isoformat()


def _context_key(config: Path | None, plugins: str) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, plugins, _today(config), file_hash([config]) if config else "-"):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def plugin_dirs_for(paths: Iterable[Path], extra: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """``--plugins-dir`` folders plus the ``plugins/`` folder beside the portfolio's kamplan.yaml."""
    dirs = [Path(d).resolve() for d in extra]
    for folder in dict.fromkeys(os.path.dirname(p) or "." for p in paths):
        config = find_config(Path(folder))
        if config and (config.parent / "plugins").is_dir():
            dirs.append((config.parent / "plugins").resolve())
    return list(dict.fromkeys(dirs))


# -- the work for one plan (runs in a worker process on cold runs) ----------------------------------
_HOST: Any = None
_CONFIGS: dict[Path | None, Any] = {}


def _validate_one(plan: Path) -> dict[str, Any]:
    """Read, validate and check one plan; the ``parent`` rule is left to :func:`_finish`.

    This is :func:`kamplan.engine.accounts.load_portfolio` for a single plan, minus what only a whole
    portfolio needs: ``kamplan.yaml`` is loaded once per process, and the portfolio's ids are not
    listed per plan (the parent is settled across plans afterwards).
    """
    from kamplan.engine.accounts import build_account
    from kamplan.plugins.calls import run_rules
    from kamplan.read.sources import load_config, read_plan_source, validate_source

    config = find_config(plan)
    info = _CONFIGS.get(config)
    if info is None:
        info = _CONFIGS[config] = load_config(config)
    source = read_plan_source(plan)
    model = validate_source(source)
    diagnostics = [*info.diagnostics, *source.diagnostics]
    entry: dict[str, Any] = {"account": None, "parent": None, "parent_at": None}
    if model is not None:
        parent = model.account.parent
        account = build_account(model, source, info, {i for i in (model.account.id, parent) if i})
        account.host = _HOST
        if parent is not None:
            entry["parent"], entry["parent_at"] = parent, list(account.locator.locate(("account", "parent"),
                                                                                       key=True))
        diagnostics += run_rules(account, _HOST)
        entry["account"] = account.id
    return _entry(entry, diagnostics)


def _entry(entry: dict[str, Any], diagnostics: list[Diagnostic]) -> dict[str, Any]:
    """A plan's result: its report rendered as text, counts, sort bounds, and its rows."""
    diagnostics.sort(key=_position)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    entry.update(
        text="\n".join(d.format_text() for d in diagnostics),
        errors=errors,
        warnings=len(diagnostics) - errors,
        first=list(_position(diagnostics[0])) if diagnostics else None,
        last=list(_position(diagnostics[-1])) if diagnostics else None,
        config=any(_is_config(d.file) for d in diagnostics),
        rows=json.dumps([d.to_row() for d in diagnostics], ensure_ascii=False, separators=(",", ":")),
    )
    return entry


def _worker(plans: list[str]) -> list[dict[str, Any]]:
    from kamplan.read.sources import paused_gc

    with paused_gc():
        return [_validate_one(Path(p)) for p in plans]


def validate_portfolio(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    use_cache: bool = True,
    parallel: bool = True,
    plugin_dirs: Iterable[str | os.PathLike[str]] = (),
    progress: Progress | None = None,
) -> BatchResult:
    """Validate every plan under ``paths`` with the content-hash cache and, cold, several processes.

    Returns:
        Every diagnostic (kamplan.yaml's included), sorted by file, line and column.
    """
    plan_paths = discover(paths)
    dirs = plugin_dirs_for(plan_paths, plugin_dirs)
    groups: dict[Path | None, list[Path]] = {}
    for plan in plan_paths:
        groups.setdefault(find_config(plan), []).append(plan)
    plugins = plugin_fingerprint(dirs)
    result = BatchResult(len(plan_paths))
    host = None
    for config, plans in groups.items():
        root = config.parent if config else plans[0].parent
        plans_dir = root / configured_plans_dir(config) if config else None
        known = {p.stem for p in plans_in(plans_dir)} if plans_dir else set()
        context = _context_key(config, plugins)
        store = ResultCache(root / CACHE_DIR, f"{CACHE_FORMAT}-{context[:24]}") if use_cache else None
        group = _Group(plans, {}, {}, {}, store, known)
        missing: list[Path] = []
        if store:
            group.keys = {plan: store.content_key(plan) for plan in plans}
        for plan in plans:
            hit = store.get(group.keys[plan]) if store else None
            if hit is not None:
                group.entries[str(plan)] = hit
                result.cached += 1
            else:
                missing.append(plan)
        if missing:
            if host is None:
                host = _make_host(dirs)
                if host.pm.hook.after_portfolio_loaded.get_hookimpls():
                    result.notes.append("a plugin implements after_portfolio_loaded: whole-portfolio load, no cache")
                    return _whole(plan_paths, host, result)
            computed = _compute(missing, host, parallel, progress, result)
            for plan, entry in zip(missing, computed, strict=True):
                rows = group.rows[str(plan)] = entry.pop("rows")
                group.entries[str(plan)] = entry
                if store:
                    store.put(group.keys[plan], entry, rows)
            result.computed += len(missing)
        group.known |= {e["account"] for e in group.entries.values() if e["account"]}
        if store:
            store.save(keep={group.keys[p] for p in plans})
        result.groups.append(group)
    return result


def _finish(group: _Group) -> list[Diagnostic]:
    """A group's diagnostics: kamplan.yaml's problems once, ``parent`` settled across plans."""
    out: list[Diagnostic] = []
    config_seen: set[Diagnostic] = set()
    for plan in group.plans:
        entry = group.entries[str(plan)]
        for item in group.rows_of(plan) if entry["text"] else ():
            diagnostic = Diagnostic(*item)
            if _is_config(diagnostic.file):
                if diagnostic in config_seen:
                    continue
                config_seen.add(diagnostic)
            out.append(diagnostic)
        if group.unknown_parent(entry):
            file, line, column = entry["parent_at"]
            out.append(Diagnostic(file, line, column, "error", "E301", unknown_parent_message(entry["parent"]),
                                  "account.parent"))
    return out


def _make_host(dirs: list[Path]) -> Any:
    from kamplan.plugins.host import PluginHost

    return PluginHost(plugin_dirs=dirs)


def _compute(plans: list[Path], host: Any, parallel: bool, progress: Progress | None,
             result: BatchResult) -> list[dict[str, Any]]:
    global _HOST
    _HOST = host
    _CONFIGS.clear()  # kamplan.yaml may have changed since an earlier call in this process
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(cpus, 8)
    if not parallel or workers < 2 or len(plans) < PARALLEL_MIN_PLANS:
        from kamplan.read.sources import paused_gc

        serial = []
        with paused_gc():
            for i, plan in enumerate(plans):
                serial.append(_validate_one(plan))
                if progress:
                    progress(i + 1, len(plans))
        return serial
    import multiprocessing

    result.workers = workers
    size = max(1, min(20, len(plans) // (workers * 8)))  # small chunks: no worker left alone at the end
    chunks = [[str(p) for p in plans[i:i + size]] for i in range(0, len(plans), size)]
    out: list[dict[str, Any]] = []
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for part in pool.imap(_worker, chunks):
            out += part
            if progress:
                progress(len(out), len(plans))
    return out


def _whole(plan_paths: list[Path], host: Any, result: BatchResult) -> BatchResult:
    from kamplan.api import validate

    full = validate(plan_paths, host=host)
    result.diagnostics = full.diagnostics
    result.computed = len(plan_paths)
    return result
