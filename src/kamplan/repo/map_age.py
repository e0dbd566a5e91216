"""W412: a strategic or key account whose map has not changed in git for ``settings.stale_map_days``.

``reviewed`` says when someone last looked; git says when the map last moved. A plan of a strategic
or key account whose ``stakeholders``, ``relationships`` and ``actions`` are the same in every
version committed in the ``stale_map_days`` (120) days up to the as-of date, and not changed in the
working tree either, gets a warning at its account id, whatever ``reviewed`` says. What counts is the
data: a commit that only touches comments, layout, goals or revenue does not refresh the map.

Found by the portfolio step from git, after the per-plan checks (so the same with and without the
cache): a handful of git commands for the whole portfolio, and old versions read only of the plans
a commit touched within the window. Outside a git repository, for a plan git does not track yet, or
one added within the window, there is nothing to say.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path
from typing import Any

from kamplan.engine.results import PlanGroup, PortfolioResult
from kamplan.engine.store import JournaledJson, named_store
from kamplan.errors import Diagnostic, UsageError
from kamplan.read.discovery import config_mapping, files_of_plan, find_config
from kamplan.repo.git import git, iter_blobs, working_tree_changes

MAP_SECTIONS = ("stakeholders", "relationships", "actions")
STALE_TIERS = ("strategic", "key")
DEFAULT_STALE_MAP_DAYS = 120
_NO_BLOB = "0" * 40


def stale_map_warnings(result: PortfolioResult) -> None:
    """Add W412 to every strategic or key account of ``result`` whose map did not change in the window.

    With the cache, whether a plan's map is stale is kept per (HEAD commit, as-of date, window, plan
    content), so a warm run asks git for HEAD only.
    """
    as_of = dt.date.fromisoformat(result.as_of) if result.as_of else dt.date.today()
    for group in result.groups:
        candidates = [plan for plan in group.plans if group.entries[str(plan)]["tier"] in STALE_TIERS
                      and not group.entries[str(plan)]["errors"] and group.entries[str(plan)]["id_at"]]
        if not candidates:
            continue
        days = _stale_map_days(find_config(candidates[0]))
        try:
            root, head = git(["rev-parse", "--show-toplevel", "HEAD"], candidates[0].parent).decode().split()
        except (UsageError, ValueError):  # not in a git work tree (or no commit yet): git has nothing to say
            continue
        known = _store(group)
        keys = {plan: _key(head, as_of, days, plan, group.keys.get(plan)) for plan in candidates} if known else {}
        stale = {plan for plan in candidates if known is not None and known.get(keys[plan]) is True}
        todo = [plan for plan in candidates if known is None or not isinstance(known.get(keys[plan]), bool)]
        if todo:
            found = set(_unchanged(Path(root), todo, as_of - dt.timedelta(days=days), as_of))
            stale |= found
            if known is not None:
                for plan in todo:
                    known.put(keys[plan], plan in found)
                known.save()
        for plan in candidates:
            if plan in stale:
                file, line, column = group.entries[str(plan)]["id_at"]
                result.add(group, plan, [Diagnostic(
                    file, line, column, "warning", "W412",
                    f"the map (stakeholders, relationships, actions) has not changed in the {days} days to "
                    f"{as_of} (settings.stale_map_days), whatever `reviewed` says: a "
                    f"{group.entries[str(plan)]['tier']} account's map goes stale between annual reviews",
                    "account.id")])


def _store(group: PlanGroup) -> JournaledJson | None:
    """Where the answers are kept: beside the group's result cache (none without it)."""
    if group.store is None:
        return None
    return named_store(group.store.folder, "mapage", group.store.key)


def _key(head: str, as_of: dt.date, days: int, plan: Path, content: str | None) -> str:
    return hashlib.sha256(f"{head}\0{as_of}\0{days}\0{plan}\0{content}".encode()).hexdigest()


def _stale_map_days(config: Path | None) -> int:
    settings = config_mapping(config).get("settings") if config is not None else None
    value = settings.get("stale_map_days") if isinstance(settings, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else DEFAULT_STALE_MAP_DAYS


def _unchanged(root: Path, plans: list[Path], since: dt.date, until: dt.date) -> list[Path]:
    """The plans whose map sections are the same in every version from ``since`` to ``until`` and now."""
    files = {plan: [os.path.relpath(f.resolve(), root) for f in files_of_plan(plan)] for plan in plans}
    scope = sorted({os.path.dirname(f) or "." for fs in files.values() for f in fs})
    base = git(["rev-list", "-1", f"--before={since.isoformat()} 00:00:00", "HEAD"], root).decode().strip()
    if not base:
        return []  # the repository is younger than the window: every map is new
    existed = set(git(["ls-tree", "-r", "-z", "--name-only", base, "--", *scope], root).decode().split("\0"))
    changes = _window_changes(root, scope, since, until)
    dirty = working_tree_changes(root, scope)
    unchanged = []
    for plan, rels in files.items():
        if not all(r in existed for r in rels) or any(dirty.get(r) == "new" for r in rels):
            continue  # added (or renamed) within the window: a new map
        touched = [r for r in rels if r in changes or r in dirty]
        if not touched or _same_map(root, touched, changes, dirty):
            unchanged.append(plan)
    return unchanged


def _window_changes(root: Path, scope: list[str], since: dt.date, until: dt.date) -> dict[str, list[str]]:
    """Per file changed by a commit in the window: its blob before the first change, then after each."""
    out = git(["log", "--raw", "--no-abbrev", "--no-renames", "-z", "--format=%x01",
               f"--since={since.isoformat()} 00:00:00", f"--until={until.isoformat()} 23:59:59",
               "HEAD", "--", *scope], root)
    newest_first: dict[str, list[tuple[str, str]]] = {}
    fields = out.split(b"\0")
    i = 0
    while i < len(fields):
        field = fields[i].lstrip(b"\x01\n")
        if field.startswith(b":"):
            _, _, old, new, _status = field.decode().split(" ")
            path = fields[i + 1].decode("utf-8", "surrogateescape")
            newest_first.setdefault(path, []).append((old, new))
            i += 2
        else:
            i += 1
    return {path: [pairs[-1][0], *(new for _, new in reversed(pairs))] for path, pairs in newest_first.items()}


def _same_map(root: Path, touched: list[str], changes: dict[str, list[str]], dirty: dict[str, str]) -> bool:
    """Whether each touched file's map sections are the same in all its versions (and in the working tree).

    Consecutive versions with the same bytes are the same; others are parsed, and the first
    difference ends the search (the usual case: a commit that did change the map).
    """
    blobs = sorted({b for r in touched for b in changes.get(r, []) if b != _NO_BLOB})
    texts = dict(iter_blobs(root, blobs))
    for rel in touched:
        versions = [texts.get(b) if b != _NO_BLOB else b"" for b in changes.get(rel, [])]
        if rel in dirty:
            try:
                versions.append((root / rel).read_bytes())
            except OSError:
                return False
        parsed: dict[int, dict[str, Any] | None] = {}
        for i in range(1, len(versions)):
            if versions[i] == versions[i - 1]:
                continue
            for j in (i - 1, i):
                if j not in parsed:
                    parsed[j] = _map_of(versions[j])
            if parsed[i - 1] is None or parsed[i] != parsed[i - 1]:
                return False
    return True


def _map_of(raw: bytes | None) -> dict[str, Any] | None:
    """The map sections of one version of a file (None when it cannot be read: counted as a change)."""
    if raw is None:
        return None
    import yaml_rs

    try:
        data = yaml_rs.loads(raw.decode("utf-8"))
    except Exception:  # yaml-rs raises its own error types; any failure to read counts as a change
        return None
    if not isinstance(data, dict):
        return {} if data is None else None
    return {section: data.get(section) for section in MAP_SECTIONS}

