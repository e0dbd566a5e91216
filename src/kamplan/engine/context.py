"""What every per-plan result depends on besides the plan itself: the run's context key.

A plan's results are a pure function of its bytes (and its path as shown from the working folder),
``kamplan.yaml``'s bytes, the plugin set, the kamplan version, the as-of date, and the cache format.
The last five make the context; the store of each context is separate, so a result computed under
one context can never be served under another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from kamplan.clock import as_of_override
from kamplan.engine.fingerprint import file_hash
from kamplan.plugins.trust import trusted_local_folders
from kamplan.read.discovery import config_mapping

CACHE_DIR = ".kamplan_cache"
CACHE_FORMAT = "engine-7"  # a new format of any stored result is a new context


def as_of(config: Path | None) -> str:
    """The as-of date: ``--as-of``, else ``settings.today`` when kamplan.yaml pins it, else today's date."""
    given = as_of_override()
    if given is not None:
        return given.isoformat()
    settings = config_mapping(config).get("settings") if config is not None else None
    pinned = settings.get("today") if isinstance(settings, dict) else None
    return str(pinned) if pinned else dt.date.today().isoformat()


def context_key(config: Path | None, plugins: str) -> str:
    """The key of one portfolio's context (see the module docstring)."""
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, plugins, as_of(config), file_hash([config]) if config else "-"):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def plugin_dirs_for(paths: Iterable[Path], extra: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """``--plugins-dir`` folders plus the portfolio's own ``plugins/`` folder when the user trusts it."""
    dirs = [Path(d).resolve() for d in extra]
    dirs += trusted_local_folders(list(paths), dirs)
    return list(dict.fromkeys(dirs))
