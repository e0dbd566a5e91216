"""``kamplan validate`` at portfolio scale: results cached by content hash, cold runs in parallel.

Each plan is validated on its own (read, schema, graph, every rule), which makes its diagnostics a
pure function of: the plan's bytes, ``kamplan.yaml``'s bytes, the plugin set, the kamplan version and
the date rules compare against. That tuple is the cache key, so a cache can never change a result.
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
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.discovery import (
    CONFIG_NAME,
    PLAN_SUFFIXES,
    config_mapping,
    configured_plans_dir,
    discover,
    find_config,
    plans_in,
)
from kamplan.errors import Diagnostic, unknown_parent_message
from kamplan.fileio import write_atomic
from kamplan.fingerprint import file_hash, plugin_fingerprint

log = logging.getLogger(__name__)

CACHE_DIR = ".kamplan_cache"
CACHE_FORMAT = "validate-2"
PARALLEL_MIN_PLANS = 40
Progress = Callable[[int, int], None]


@dataclass
class BatchResult:
    """Diagnostics of every plan, and how they were obtained."""

    diagnostics: list[Diagnostic]
    plans: int
    cached: int = 0
    computed: int = 0
    workers: int = 1
    notes: list[str] = field(default_factory=list)


def _plan_files(plan: Path) -> list[Path]:
    if plan.is_dir():
        return sorted(f for f in plan.iterdir() if f.is_file() and f.suffix in PLAN_SUFFIXES)
    return [plan]


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
    for folder in dict.fromkeys(Path(p).parent for p in paths):
        config = find_config(folder)
        if config and (config.parent / "plugins").is_dir():
            dirs.append((config.parent / "plugins").resolve())
    return list(dict.fromkeys(dirs))


# -- the work for one plan (runs in a worker process on cold runs) ----------------------------------
_HOST: Any = None
_CONFIGS: dict[Path | None, Any] = {}


def _validate_one(plan: Path) -> dict[str, Any]:
    """Read, validate and check one plan; the ``parent`` rule is left to :func:`_finish`.

    This is :func:`kamplan.loader.load_portfolio` for a single plan, minus what only a whole
    portfolio needs: ``kamplan.yaml`` is loaded once per process, and the portfolio's ids are not
    listed per plan (the parent is settled across plans afterwards).
    """
    from kamplan.api import run_rules
    from kamplan.loader import build_account, load_config, read_plan_source, validate_source

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
        account = build_account(model, source, info, {model.account.id, parent} if parent else {model.account.id})
        account.host = _HOST
        if parent is not None:
            entry["parent"], entry["parent_at"] = parent, list(account.locator.locate(("account", "parent"),
                                                                                       key=True))
        diagnostics += run_rules(account, _HOST)
        entry["account"] = account.id
    entry["diagnostics"] = [d.to_row() for d in diagnostics]
    return entry


def _worker(plans: list[str]) -> list[dict[str, Any]]:
    from kamplan.loader import paused_gc

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
    result = BatchResult([], len(plan_paths))
    host = None
    for config, plans in groups.items():
        root = config.parent if config else plans[0].parent
        plans_dir = root / configured_plans_dir(config) if config else None
        known = {p.stem for p in plans_in(plans_dir)} if plans_dir else set()
        context = _context_key(config, plugins)
        store = _CacheFile(root / CACHE_DIR / f"{CACHE_FORMAT}-{context[:24]}.json") if use_cache else None
        entries: dict[str, dict[str, Any]] = {}
        missing: list[Path] = []
        keys = {plan: store.content_key(plan) for plan in plans} if store else {}
        for plan in plans:
            hit = store.get(keys[plan]) if store else None
            if hit is not None:
                entries[str(plan)] = hit
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
                entries[str(plan)] = entry
                if store:
                    store.put(keys[plan], entry)
            result.computed += len(missing)
        if store:
            store.save(keep={keys[p] for p in plans})
        result.diagnostics += _finish(plans, entries, known)
    result.diagnostics.sort(key=lambda d: (d.file, d.line, d.column, d.code))
    return result


def _finish(plans: list[Path], entries: dict[str, dict[str, Any]], known: set[str]) -> list[Diagnostic]:
    """Turn entries into diagnostics: kamplan.yaml's problems once, ``parent`` settled across plans."""
    known = known | {e["account"] for e in entries.values() if e["account"]}
    out: list[Diagnostic] = []
    config_seen: set[Diagnostic] = set()
    for plan in plans:
        entry = entries[str(plan)]
        for item in entry["diagnostics"]:
            diagnostic = Diagnostic(*item)
            if diagnostic.file.endswith(CONFIG_NAME) and os.path.basename(diagnostic.file) == CONFIG_NAME:
                if diagnostic in config_seen:
                    continue
                config_seen.add(diagnostic)
            out.append(diagnostic)
        if entry["parent"] is not None and entry["parent"] not in known:
            file, line, column = entry["parent_at"]
            out.append(Diagnostic(file, line, column, "error", "E301", unknown_parent_message(entry["parent"]),
                                  "account.parent"))
    return out


def _make_host(dirs: list[Path]) -> Any:
    from kamplan.plugins import PluginHost

    return PluginHost(plugin_dirs=dirs)


def _compute(plans: list[Path], host: Any, parallel: bool, progress: Progress | None,
             result: BatchResult) -> list[dict[str, Any]]:
    global _HOST
    _HOST = host
    _CONFIGS.clear()  # kamplan.yaml may have changed since an earlier call in this process
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(cpus, 8)
    if not parallel or workers < 2 or len(plans) < PARALLEL_MIN_PLANS:
        from kamplan.loader import paused_gc

        out = []
        with paused_gc():
            for i, plan in enumerate(plans):
                out.append(_validate_one(plan))
                if progress:
                    progress(i + 1, len(plans))
        return out
    import multiprocessing

    result.workers = workers
    size = max(1, min(50, len(plans) // (workers * 4)))
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


_STAMPS = "~stamps"
_RACY_NS = 2_000_000_000


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


class _CacheFile:
    """One JSON file of results per context: {plan content hash: entry}; written atomically.

    It also remembers each plan's file stamps (size, modification and change times, inode) and the
    hash they had, so that a warm run hashes only files whose stamps changed. As git does with its
    index, a stamp is trusted only if the file had last changed at least two seconds before it was
    hashed: a file changed in the same instant as it was read is hashed again next time.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.changed = False
        self.started = time.time_ns()
        try:
            self.data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}
        stamps = self.data.pop(_STAMPS, None)
        self.stamps: dict[str, list[Any]] = stamps if isinstance(stamps, dict) else {}

    def content_key(self, plan: Path) -> str:
        """The SHA-256 of the plan's files; read and hashed only when their stamps changed."""
        files = _plan_files(plan)
        stamp = [_stamp(f) for f in files]
        known = self.stamps.get(str(plan))
        if (known is not None and known[0] == stamp and None not in stamp
                and all(s[2] < known[2] - _RACY_NS for s in stamp)):
            return str(known[1])
        digest = file_hash(files)
        self.stamps[str(plan)] = [stamp, digest, self.started]
        self.changed = True
        return digest

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def put(self, key: str, entry: dict[str, Any]) -> None:
        self.data[key] = entry
        self.changed = True

    def save(self, keep: set[str]) -> None:
        stale = set(self.data) - keep
        if stale and len(self.data) > 2 * len(keep):  # keep older versions around for a while, then prune
            for key in stale:
                del self.data[key]
            for plan in [p for p, (_, digest, _) in self.stamps.items() if digest not in self.data]:
                del self.stamps[plan]
            self.changed = True
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            write_atomic(self.path, json.dumps({**self.data, _STAMPS: self.stamps}, ensure_ascii=False,
                                               separators=(",", ":")), durable=False)
        except OSError as exc:  # a read-only checkout still validates, just without a cache
            log.info("cache not written: %s", exc)
