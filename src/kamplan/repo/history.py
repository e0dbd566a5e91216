"""``kamplan history``: each account's map figures at the end of each month or quarter, from git.

For each date (the last day of each month or quarter from ``since`` to ``until``), the plans as they
were at the last commit on or before that day (committer date, as ``git log --before`` reads it) are
analysed as of that day: coverage, relationship-map status, health, NRR, key players and how many are
covered, champions, stale relationships, open and overdue actions, and the commit. An account that
did not exist yet at a date has no row for it (absent, not zero); a plan that could not be read at a
date is reported in ``problems`` with its first diagnostic, and the other accounts are still shown.

Each commit's tree is listed once; a plan version (its files' blob ids and kamplan.yaml's) is written
out and read once however many dates it was current at, and its figures at each date are kept in
``.kamplan_cache/`` (see :mod:`kamplan.engine.timeline`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.engine.context import CACHE_DIR, plugin_dirs_for
from kamplan.engine.fingerprint import plugin_fingerprint
from kamplan.engine.store import JournaledJson, named_store
from kamplan.engine.timeline import Version, analyse_versions, figure_key
from kamplan.errors import UsageError
from kamplan.plugins.host import PluginHost
from kamplan.read.discovery import CONFIG_NAME, DEFAULT_PLANS_DIR, PLAN_SUFFIXES, configured_plans_dir, find_config
from kamplan.repo.git import git, repo_root, tree_entries, write_blobs
from kamplan.userdirs import user_key

EVERY = ("month", "quarter")


@dataclass
class History:
    """The rows, one per account and date, and what could not be read."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def period_ends(since: dt.date, until: dt.date, every: str) -> list[dt.date]:
    """The last day of each month or quarter from the one holding ``since`` to ``until`` (itself last,
    when it is not a period end)."""
    if every not in EVERY:
        raise UsageError(f"--every must be month or quarter, not {every!r}")
    step = 1 if every == "month" else 3
    month = since.month if every == "month" else ((since.month - 1) // 3) * 3 + 1
    year = since.year
    ends: list[dt.date] = []
    while True:
        month_end = month + step - 1
        nxt = dt.date(year + (month_end // 12), month_end % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if end >= until:
            break
        if end >= since:
            ends.append(end)
        month += step
        if month > 12:
            month -= 12
            year += 1
    ends.append(until)
    return ends


def default_until(anchor: Path) -> dt.date:
    """The as-of date of the portfolio holding ``anchor``: ``--as-of``, ``settings.today``, else today."""
    from kamplan.engine.context import as_of

    return dt.date.fromisoformat(as_of(find_config(anchor if anchor.is_dir() else anchor.parent)))


def commit_at(root: Path, day: dt.date) -> str | None:
    """The last commit on or before the end of ``day`` (committer date), or None before the first."""
    out = git(["rev-list", "-1", f"--before={day.isoformat()} 23:59:59", "HEAD"], root).decode().strip()
    return out or None


@dataclass(frozen=True)
class _Portfolio:
    """Where a portfolio's files are, relative to the repository root."""

    config: str  # kamplan.yaml
    plans: str  # the plans folder


def _portfolios(paths: Sequence[Path], root: Path) -> tuple[list[_Portfolio], set[str] | None]:
    """The portfolios of ``paths``, and the plans (paths from the root) when only some plans were given."""
    found, only = [], set()
    for path in paths or [Path.cwd()]:
        path = path.resolve()
        config = find_config(path)
        base = config.parent if config else (path if path.is_dir() else path.parent)
        plans = (base / (configured_plans_dir(config) if config else DEFAULT_PLANS_DIR)).resolve()
        found.append(_Portfolio(_posix(os.path.relpath(base / CONFIG_NAME, root)),
                                _posix(os.path.relpath(plans, root))))
        if path.parent == plans:  # a plan file or folder plan: only its account
            only.add(_posix(os.path.relpath(path, root)))
        else:
            only.add("*")
    return sorted(set(found), key=lambda p: p.plans), None if "*" in only else only


def _posix(rel: str) -> str:
    return Path(rel).as_posix()


@dataclass
class _Versions:
    """Every distinct version of every plan over the dates, each given a place in a scratch folder."""

    scratch: Path
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> plan, shown, writes, dates, commits
    layers: dict[tuple[str, str], int] = field(default_factory=dict)  # (config blob, plan name) -> versions so far
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def add(self, portfolio: _Portfolio, entries: list[tuple[str, str, str]], day: dt.date, commit: str) -> None:
        """The plans of ``portfolio`` in one commit's tree, current at ``day``."""
        config_blob = next((blob for _, blob, path in entries if path == portfolio.config), "")
        prefix = "" if portfolio.plans == "." else portfolio.plans + "/"
        plans: dict[str, list[tuple[str, str]]] = {}
        for mode, blob, path in entries:
            inside = path[len(prefix):].split("/") if path.startswith(prefix) else []
            if not inside or len(inside) > 2 or any(part.startswith(".") for part in inside) \
                    or not inside[-1].endswith(PLAN_SUFFIXES) or path == portfolio.config:
                continue
            if mode == "120000":  # a link may lead anywhere: never followed (as extract does)
                self.skipped.append({"date": day.isoformat(), "commit": commit[:12], "file": path,
                                     "problem": "a symbolic link: not read"})
                continue
            plans.setdefault(inside[0], []).append((inside[1] if len(inside) == 2 else "", blob))
        for name, files in plans.items():
            files.sort()
            key = hashlib.sha256(repr((portfolio.plans, config_blob, name, files)).encode()).hexdigest()
            version = self.by_key.get(key)
            if version is None:
                version = self.by_key[key] = self._place(portfolio, config_blob, name, files)
            version["dates"].append(day)
            version["commits"].append(commit)

    def _place(self, portfolio: _Portfolio, config_blob: str, name: str,
               files: list[tuple[str, str]]) -> dict[str, Any]:
        """Where a new version is written: the n-th version of a plan under one kamplan.yaml in folder n."""
        layer = self.layers.get((config_blob, name), 0)
        self.layers[(config_blob, name)] = layer + 1
        folder = self.scratch / f"{config_blob[:12] or 'none'}-{layer}"
        base = os.path.dirname(portfolio.config)
        plan = folder / os.path.relpath(portfolio.plans, base or ".") / name
        writes = [(blob, plan / file if file else plan) for file, blob in files]
        if config_blob:
            writes.append((config_blob, folder / CONFIG_NAME))
        shown = name if portfolio.plans == "." else f"{portfolio.plans}/{name}"
        return {"plan": plan, "shown": shown, "writes": writes, "dates": [], "commits": []}

    def write(self, root: Path, keys: set[str]) -> None:
        """Write the files of the versions in ``keys`` (one git process for all of them)."""
        targets: dict[str, list[Path]] = {}
        for key in keys:
            for blob, target in self.by_key[key]["writes"]:
                if target not in targets.setdefault(blob, []):
                    targets[blob].append(target)
        write_blobs(root, targets)


def history(paths: Sequence[str | os.PathLike[str]] = (), *, since: dt.date | None = None,
            until: dt.date | None = None, every: str = "quarter", host: Any = None,
            plugin_dirs: Sequence[str | os.PathLike[str]] = (), use_cache: bool = True) -> History:
    """The figures of every account at each date (see the module docstring).

    Args:
        paths: Portfolio roots or plans folders in a git work tree (the current folder when empty).
        since: The first period (default: a year before ``until``).
        until: The last date (default: the as-of date, ``--as-of`` or ``settings.today``).
        every: ``month`` or ``quarter``.
        host: Plugin host (default: the one every command uses; a given host's figures are not cached).
        plugin_dirs: ``--plugins-dir`` folders for the default host.
        use_cache: Keep each version's figures at each date in ``.kamplan_cache/``.

    Raises:
        UsageError: Outside a git repository, or with dates the wrong way round.
        PluginError: When a plugin fails.
    """
    given = [Path(p) for p in paths]
    anchor = (given[0] if given else Path.cwd()).resolve()
    root = repo_root(anchor)
    until = until or default_until(anchor)
    since = since or until.replace(year=until.year - 1)
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    portfolios, only = _portfolios(given, root)
    context, cache = "", None
    if host is None:
        dirs = plugin_dirs_for([anchor], plugin_dirs)
        host = PluginHost(plugin_dirs=dirs)
        context = plugin_fingerprint(dirs)
        cache = history_store(root / Path(portfolios[0].config).parent) if use_cache else None
    wanted = sorted({*(p.config for p in portfolios), *(p.plans for p in portfolios)})
    with tempfile.TemporaryDirectory(prefix="kamplan-history-") as tmp:
        versions = _Versions(Path(tmp))
        trees: dict[str, list[tuple[str, str, str]]] = {}
        for day in period_ends(since, until, every):
            commit = commit_at(root, day)
            if commit is None:
                continue
            if commit not in trees:
                trees[commit] = tree_entries(commit, root, wanted)
            for portfolio in portfolios:
                versions.add(portfolio, trees[commit], day, commit)
        found = [Version(v["plan"], key, tuple(v["dates"]), v["shown"]) for key, v in versions.by_key.items()]
        keys = {v.key: [figure_key(v, d, context) for d in v.dates] for v in found}
        versions.write(root, {v.key for v in found
                              if cache is None or any(cache.get(k) is None for k in keys[v.key])})
        outcomes = analyse_versions(found, host, store=cache, context=context)
    if cache is not None:
        keep = {k for ks in keys.values() for k in ks}
        cache.save(prune=set(cache.data) - keep if len(cache.data) > 2 * max(len(keep), 1) else None)
    return _assemble(versions, outcomes, only)


def history_store(portfolio_root: Path) -> JournaledJson | None:
    """The store of history's figures in the portfolio's ``.kamplan_cache/`` (None without a user key)."""
    key = user_key()
    if key is None:
        return None
    return named_store(portfolio_root / CACHE_DIR, "history", key)


def _assemble(versions: _Versions, outcomes: dict[tuple[str, dt.date], dict[str, Any]],
              only: set[str] | None = None) -> History:
    """The rows by date and plan, and the problems (the first error of each plan at each date).

    With ``only`` (plans given by path), the rows of the accounts those plans held at any date, under
    whatever file name (a renamed plan is followed), and those plans' problems.
    """
    result = History(problems=[p for p in versions.skipped if only is None or p["file"] in only])
    dated = sorted((day, v["shown"], key, commit) for key, v in versions.by_key.items()
                   for day, commit in zip(v["dates"], v["commits"], strict=True))
    accounts = None if only is None else {outcomes[(key, day)]["row"]["account"] for day, shown, key, _ in dated
                                          if shown in only and "row" in outcomes[(key, day)]}
    for day, shown, key, commit in dated:
        outcome = outcomes[(key, day)]
        if "row" in outcome:
            if accounts is None or outcome["row"]["account"] in accounts:
                result.rows.append({**outcome["row"], "commit": commit[:12]})
        elif only is None or shown in only:
            problem = outcome["problem"]
            result.problems.append({"date": day.isoformat(), "commit": commit[:12], "file": problem["file"],
                                    "line": problem["line"], "column": problem["column"],
                                    "problem": f"{problem['code']} {problem['message']}"})
    return result
