"""Tables drawn before, kept in the user's cache under a key of everything the drawing depends on.

``kamplan recommend`` prints thousands of rows; when nothing changed, the engine hands back the same
JSON text as last time, and the table drawn from it is the same too. So a drawn table is kept, keyed
by a hash of: the JSON text it is drawn from, the table's layout name, the output's width, encoding and
styling, kamplan's version, and the size and modification time of the modules that turn the JSON into
rows and draw them (an edited kamplan never reuses a table drawn by its older code). Drawing is a pure
function of those, so a kept table is exactly what drawing again would print.

The tables live in the user's own cache folder (``~/.cache/kamplan/tables``), each file signed with
the user's key and read only when this user owns it; the :data:`MOST` most recently used are kept.
``--no-cache`` neither reads nor writes them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from kamplan import __version__
from kamplan.fileio import write_atomic
from kamplan.userdirs import cache_dir, read_own, signed, unsigned, user_key

MOST = 8  # tables kept: a few portfolios' outputs at a few widths


def tables_dir() -> Path:
    """Where the drawn tables are kept."""
    return cache_dir() / "tables"


def table_key(source: str, layout: str, settings: Iterable[object], code: Iterable[str]) -> str:
    """The key of a table drawn from ``source``.

    Args:
        source: The text the table's rows are made from (a command's JSON output).
        layout: The table's name (which columns, made how).
        settings: Everything else the drawing reads: width, encoding, styling...
        code: The files of the code that makes the rows and draws them (their size and mtime count).
    """
    digest = hashlib.sha256()
    for part in (__version__, layout, *map(repr, settings), *map(_stamp, code)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _stamp(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return f"{path}:missing"
    return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"


def recall(key: str) -> str | None:
    """The table kept under ``key``, or None (never kept, not this user's, damaged, or no user key)."""
    secret = user_key()
    if secret is None:
        return None
    path = tables_dir() / f"{key}.txt"
    payload = unsigned(secret, path.name, read_own(path))
    if payload is None:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # most recently used: kept longest
    try:
        return payload.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def remember(key: str, text: str) -> None:
    """Keep ``text`` under ``key``, and forget all but the :data:`MOST` most recently used tables.

    A cache that cannot be written (a read-only home) is not an error: the table is drawn next time.
    """
    secret = user_key()
    if secret is None:
        return
    folder = tables_dir()
    path = folder / f"{key}.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, signed(secret, path.name, text.encode("utf-8", "surrogatepass")), durable=False)
        path.chmod(0o600)  # names of people: the user's alone, as the folder is
        kept = sorted(folder.glob("*.txt"), key=_used, reverse=True)
        for old in kept[MOST:]:
            old.unlink(missing_ok=True)
    except OSError:
        return


def _used(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def drawn(key: str | None, draw: Callable[[], str]) -> str:
    """The table of ``key`` as kept, else ``draw()`` (kept for next time); no key: drawn, not kept."""
    if key is None:
        return draw()
    known = recall(key)
    if known is not None:
        return known
    text = draw()
    remember(key, text)
    return text
