"""Where ``kamplan validate`` keeps its results between runs (``.kamplan_cache/``).

Per context (kamplan version, plugin set, ``kamplan.yaml``, the as-of date; see
:mod:`kamplan.engine.context`) there are three stores, each keyed by a plan's content hash: the
*entries* (each plan's report already rendered as text, its counts and its parent account), the
*rows* (each plan's diagnostics as data, read only when something needs them: another output
format, a cross-plan problem, the Python API) and one store per part of the analysis (scores,
recommendations, the KPI record...; see :mod:`kamplan.engine.parts`), each read only by the commands
that show it. One more store, shared by all contexts, remembers each plan's file stamps and the hash
they had.

Each store is a JSON file plus an append-only journal of later changes, so that validating after
touching one file of a big portfolio appends a few lines instead of rewriting megabytes. The journal
is folded into the file when it grows past a quarter of it. A cache is never trusted for more than
it can prove: entries are keyed by content, a torn journal line is skipped (a cache miss), and a
file whose stamps are too fresh to tell an edit apart is hashed again (see :meth:`ResultCache.content_key`).

A cache is read back only when this user wrote it on this machine: the store file, each journal line
and each part in a pack carry an HMAC made with the user's own key (:mod:`kamplan.userdirs`) over the
store's name and the record, and a file another user owns is not read at all. A cache committed to
the repository, copied from elsewhere or forged with kamplan's key functions is therefore a miss.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from kamplan.engine.fingerprint import file_hash
from kamplan.engine.parts import PARTS
from kamplan.fileio import write_atomic
from kamplan.read.discovery import files_of_plan
from kamplan.userdirs import read_own, sign, signed, unsigned

log = logging.getLogger(__name__)

# A stamp is trusted only when the file last changed this long before it was hashed (as git's index
# does): an edit in the same instant as the read would otherwise keep the same stamp.
RACY_NS = 2_000_000_000
# What every cached entry carries (kamplan.engine.run writes them); anything else is a miss.
ENTRY_KEYS = frozenset({"account", "tier", "id_at", "parent", "parent_at", "text", "errors", "warnings", "first",
                        "last", "config", "all_checks"})


GITIGNORE = "*\n"


def ensure_gitignore(folder: Path) -> None:
    """Keep ``folder/.gitignore`` ignoring everything (one left empty by a full disk is repaired)."""
    gitignore = folder / ".gitignore"
    try:
        if gitignore.read_bytes() == GITIGNORE.encode():
            return
    except OSError:
        pass
    write_atomic(gitignore, GITIGNORE, durable=False)


class JournaledJson:
    """A dict stored as a JSON file plus a journal of changes made since (one JSON line each).

    Args:
        path: The store file (the journal is beside it).
        key: The user's signing key; what it did not sign is not read.
    """

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self.key = key
        self.journal = path.with_name(path.name + ".journal")
        self.pending: dict[str, Any] = {}
        self._data: dict[str, Any] | None = None

    @property
    def data(self) -> dict[str, Any]:
        """Everything stored, read on first use (adding entries does not need it)."""
        if self._data is None:
            self._data = {}
            payload = unsigned(self.key, self.path.name, read_own(self.path))
            try:
                loaded = json.loads(payload) if payload is not None else None
                if isinstance(loaded, dict):
                    self._data = loaded
            except ValueError:
                pass
            journal_name = self.journal.name
            for line in (read_own(self.journal) or b"").splitlines():
                record = unsigned(self.key, journal_name, line)
                try:  # a line torn by a crash or a concurrent writer, or not signed by this user: a miss
                    key, value = json.loads(record) if record is not None else (None, None)
                except (ValueError, TypeError):
                    continue
                if isinstance(key, str):
                    self._data[key] = value
            self._data.update(self.pending)
        return self._data

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any) -> None:
        if self._data is not None:
            self._data[key] = value
        self.pending[key] = value

    def save(self, prune: set[str] | None = None) -> None:
        """Write what changed: journal lines, or the whole file when the journal has grown too long.

        Args:
            prune: Keys to drop when the file is rewritten (stale results).
        """
        if not self.pending and not prune:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ensure_gitignore(self.path.parent)
            main_bytes = _size(self.path)
            lines = b""
            if main_bytes and not prune:  # the journal is an option only beside an existing file
                journal_name = self.journal.name
                lines = b"".join(
                    signed(self.key, journal_name,
                           json.dumps([k, v], ensure_ascii=False, separators=(",", ":")).encode("utf-8"), b" ")
                    + b"\n"
                    for k, v in self.pending.items())
            if lines and _size(self.journal) + len(lines) < main_bytes // 4:
                fd = os.open(self.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, lines)  # one write: concurrent writers interleave whole lines
                finally:
                    os.close(fd)
            else:
                for key in prune or ():
                    self.data.pop(key, None)
                payload = json.dumps(self.data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                write_atomic(self.path, signed(self.key, self.path.name, payload), durable=False)
                self.journal.unlink(missing_ok=True)
        except OSError as exc:  # a read-only checkout still validates, just without a cache
            log.info("cache not written: %s", exc)
        self.pending.clear()


def named_store(folder: Path, name: str, key: bytes) -> JournaledJson:
    """The store of one portfolio step in ``.kamplan_cache/`` (W412's answers, history's figures, the
    moves between accounts): a :class:`JournaledJson` named with the user's key, signed like the others."""
    return JournaledJson(folder / f"{name}-{sign(key, name.encode())[:16]}.json", key)


class FileParts:
    """Big parts, packed: each save writes the new parts into one pack file, and an index remembers
    where each part is (pack, offset, length).

    The pre-rendered recommendation blocks and the people records of a portfolio are megabytes of text
    full of quotes and line ends: as a JSON store they cost more to write and read than everything
    else, and as one file per plan a cold run creates thousands of files. Each part in a pack is
    signed on its own (over the store's name and its key), the index is a signed
    :class:`JournaledJson`, and a pack another user owns is not read. Packs no part points to are
    removed; when there are more than ``MAX_PACKS``, the live parts are copied into one.
    """

    MAX_PACKS = 8

    def __init__(self, folder: Path, key: bytes) -> None:
        self.folder = folder
        self.key = key
        self.pending: dict[str, bytes] = {}  # each new part as its signed record (signed when put)
        self.index = JournaledJson(folder / f"{folder.name}.index.json", key)
        self._packs: dict[str, bytes | None] = {}

    def _record_name(self, key: str) -> str:
        return f"{self.folder.name}/{key}"

    def _pack(self, name: str) -> bytes | None:
        if name not in self._packs:
            self._packs[name] = read_own(self.folder / name) if _PACK.fullmatch(name) else None
        return self._packs[name]

    def get(self, key: str) -> str | None:
        """The part of ``key``, or None (also when its pack is missing or the record damaged)."""
        record = self.pending.get(key)  # a new part is read back from its signed record, as a packed one
        if record is None:
            where = self.index.get(key)
            if not (isinstance(where, list) and len(where) == 3 and isinstance(where[0], str)
                    and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in where[1:])):
                return None
            data = self._pack(where[0])
            if data is None or where[1] + where[2] > len(data):
                return None
            record = data[where[1]:where[1] + where[2]]
        payload = unsigned(self.key, self._record_name(key), record)
        try:
            return payload.decode("utf-8") if payload is not None else None
        except ValueError:
            return None

    def put(self, key: str, value: str) -> None:
        """Keep ``value`` for the next save, signed now: a run puts each part as its unit's result
        arrives, while the workers still compute, so the save after them only writes."""
        self.pending[key] = signed(self.key, self._record_name(key), value.encode("utf-8"))

    def save(self, prune: set[str] | None = None) -> None:
        """Write the new parts as one pack, forget the stale ones, and remove packs nothing points to."""
        try:
            if not self.pending and not prune:
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            live = [key for key in self.index.data if not prune or key not in prune]
            compact = len({_pack_of(self.index.data[key]) for key in live} - {None}) >= self.MAX_PACKS
            if compact:  # the live parts go into the new pack too
                for key in live:
                    if key not in self.pending:
                        text = self.get(key)
                        if text is not None:
                            self.put(key, text)
            if self.pending:
                self._write_pack()
            self.index.save(set(self.index.data) - set(self.pending) if compact else prune)
            self._remove_unused()
        except OSError as exc:  # a read-only checkout still works, just without a cache
            log.info("cache not written: %s", exc)
        self.pending.clear()

    def _write_pack(self) -> None:
        name = f"pack-{os.getpid()}-{time.time_ns()}.bin"
        chunks, offset = [], 0
        for key, record in self.pending.items():
            self.index.put(key, [name, offset, len(record)])
            chunks.append(record)
            offset += len(record)
        write_atomic(self.folder / name, b"".join(chunks), durable=False)

    def _remove_unused(self) -> None:
        """Remove the packs no part points to (one written in the last minute may be another run's)."""
        used = {_pack_of(where) for where in self.index.data.values()}
        recent = time.time() - 60
        for entry in os.scandir(self.folder):
            if _PACK.fullmatch(entry.name) and entry.name not in used and entry.stat().st_mtime < recent:
                os.unlink(entry.path)


_PACK = re.compile(r"pack-\d+-\d+\.bin")


def _pack_of(where: Any) -> str | None:
    """The pack an index entry points to (None for a damaged entry)."""
    return where[0] if isinstance(where, list) and where and isinstance(where[0], str) else None
# The parts stored as files (see FileParts); the others are JSON stores.
FILE_PARTS = frozenset({"rows", "rec_blocks", "rec_top", "people_keys"})


def _well_formed(entry: Any) -> bool:
    """An entry as kamplan.engine.run writes it (a damaged or foreign one is a cache miss)."""
    if not isinstance(entry, dict) or not entry.keys() >= ENTRY_KEYS:
        return False
    bounds_ok = all(entry[k] is None or (isinstance(entry[k], list) and len(entry[k]) == 4) for k in ("first", "last"))
    ids_ok = all(entry[k] is None or isinstance(entry[k], str) for k in ("account", "tier", "parent"))
    id_ok = entry["id_at"] is None or (isinstance(entry["id_at"], list) and len(entry["id_at"]) == 3)
    parent_ok = entry["parent"] is None or (isinstance(entry["parent_at"], list) and len(entry["parent_at"]) == 3)
    return (isinstance(entry["text"], str) and isinstance(entry["errors"], int) and isinstance(entry["warnings"], int)
            and isinstance(entry["config"], bool) and isinstance(entry["all_checks"], bool)
            and bounds_ok and ids_ok and id_ok and parent_ok
            and (entry["first"] is None) == (not entry["text"]))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def plan_fingerprint(plan: Path) -> tuple[list[list[int] | None], str]:
    """A plan's file stamps, then the hash of its files (:func:`~kamplan.engine.fingerprint.file_hash`):
    what :meth:`ResultCache.remember` records, computed where the plan is read (a cold run's workers)."""
    files = files_of_plan(plan)
    stamp = _stamps(files)
    return stamp, file_hash(files)


def _stamps(files: list[Path]) -> list[list[int] | None]:
    return [_stamp(f) for f in files]


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


class ResultCache:
    """The entries, rows and stamps of one context in ``folder``, signed with the user's ``key``."""

    def __init__(self, folder: Path, context: str, key: bytes) -> None:
        self.folder = folder
        self.key = key
        self.started = time.time_ns()
        self.entries = JournaledJson(folder / f"{context}.json", key)
        self.stamps = JournaledJson(folder / f"stamps-{sign(key, b'stamps')[:16]}.json", key)
        self._side: dict[str, JournaledJson | FileParts] = {}
        self._context = context
        self.cwd = os.getcwd()
        self.hashed = 0  # plans whose files were hashed again by content_key (their stamps changed)

    def _store(self, kind: str) -> JournaledJson | FileParts:
        store = self._side.get(kind)
        if store is None:
            store = self._side[kind] = (FileParts(self.folder / f"{self._context}.{kind}", self.key)
                                        if kind in FILE_PARTS
                                        else JournaledJson(self.folder / f"{self._context}.{kind}.json", self.key))
        return store

    @property
    def context(self) -> str:
        """The name of this context's stores (the format, the version, the plugins, kamplan.yaml, the date)."""
        return self._context

    @property
    def rows_store(self) -> JournaledJson | FileParts:
        """The diagnostics rows, opened on first use."""
        return self._store("rows")

    def content_key(self, plan: Path) -> str:
        """The plan's content hash; its files are read and hashed only when their stamps changed."""
        files = files_of_plan(plan)
        stamp = _stamps(files)
        known = self.stamps.get(self._stamp_name(plan))
        if (isinstance(known, list) and len(known) == 3 and isinstance(known[2], int) and known[0] == stamp
                and all(s is not None and s[2] < known[2] - RACY_NS for s in stamp)):
            return str(known[1])
        self.hashed += 1
        return self.remember(plan, stamp, file_hash(files))

    def remember(self, plan: Path, stamp: list[list[int] | None], digest: str) -> str:
        """Record a plan's content hash with the stamps its files had before they were hashed
        (see :func:`plan_fingerprint`); returns the hash, the plan's content key."""
        self.stamps.put(self._stamp_name(plan), [stamp, digest, self.started])
        return digest

    def _stamp_name(self, plan: Path) -> str:
        return f"{self.cwd}\0{plan}"  # the hash covers the path as shown from here (see file_hash)

    def is_empty(self) -> bool:
        """Whether nothing was ever stored in this context (no entries file, no journal): every plan is
        a miss, so its content key need not be known before it is computed."""
        return not self.entries.pending and not _size(self.entries.path) and not _size(self.entries.journal)

    def get(self, key: str) -> dict[str, Any] | None:
        """A plan's entry (rendered report, counts, parent), or None (also when it is not one)."""
        entry = self.entries.get(key)
        return entry if _well_formed(entry) else None

    def rows(self, key: str) -> str | None:
        """A plan's diagnostics as rows, in JSON text (the store is read from disk on first use)."""
        rows = self.rows_store.get(key)
        return rows if isinstance(rows, str) else None

    def part(self, kind: str, key: str) -> str | None:
        """One part of a plan's analysis in JSON text (its store is read on first use), or None."""
        text = self._store(kind).get(key)
        return text if isinstance(text, str) else None

    def put(self, key: str, entry: dict[str, Any] | None, rows: str | None,
            parts: dict[str, str] | None = None) -> None:
        """Store a plan's results (its checks and its analysis parts only when they were computed)."""
        if entry is not None and rows is not None:
            self.entries.put(key, entry)
            self.rows_store.put(key, rows)
        for kind, text in (parts or {}).items():
            self._store(kind).put(key, text)

    def save(self, keep: set[str]) -> None:
        """Write the changes; results of plans no longer present go when the stores are rewritten."""
        stale = set(self.entries.data) - keep
        prune = stale if len(self.entries.data) > 2 * max(len(keep), 1) else None
        self.entries.save(prune)
        if prune:  # open every store, so that each drops the stale results
            for kind in ("rows", *PARTS):
                self._store(kind)
        for store in self._side.values():
            store.save(prune)
        self.stamps.save()
        forget_old_contexts(self.folder, self._context)


KEEP_CONTEXTS = 4


def forget_old_contexts(folder: Path, current: str, keep: int = KEEP_CONTEXTS) -> None:
    """Remove the stores of all but the ``keep`` most recently used contexts (never ``current``).

    A context changes with every new as-of date, kamplan.yaml or plugin set; without this, a portfolio
    analysed every day would grow its cache by a full set of stores a day.
    """
    try:
        names = [entry for entry in os.scandir(folder) if entry.name.startswith(("engine-", "validate-"))]
    except OSError:
        return
    used: dict[str, float] = {}
    for entry in names:
        context = entry.name.split(".", 1)[0]
        try:
            used[context] = max(used.get(context, 0.0), entry.stat().st_mtime)
        except OSError:
            continue
    recent = sorted(used, key=lambda c: used[c], reverse=True)
    stale = [c for c in recent[keep:] if c != current]
    for entry in names:
        if entry.name.split(".", 1)[0] in stale:
            try:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError as exc:
                log.info("old cache not removed: %s", exc)
