"""Which local ``plugins/`` folders may run: a plans repository is data until its user trusts its code.

A ``plugins/`` folder beside ``kamplan.yaml`` runs only when

- the user trusted it with ``kamplan trust`` (recorded in the user's own config,
  ``$XDG_CONFIG_HOME/kamplan/trusted.json``, as the folder and a hash of its files: any change to
  the files makes it untrusted again), or
- ``KAMPLAN_TRUST_LOCAL_PLUGINS=1`` is set (the explicit switch for CI on the repository's own branches).

``--plugins-dir DIR`` is a one-off trust of DIR for one command and does not go through here. A
skipped folder is remembered for the command line, which names it in a notice saying how to trust it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamplan.errors import UsageError
from kamplan.fileio import write_atomic
from kamplan.read.discovery import find_config
from kamplan.userdirs import config_dir

log = logging.getLogger(__name__)

TRUST_ENV = "KAMPLAN_TRUST_LOCAL_PLUGINS"
TRUST_FILE = "trusted.json"
LOCAL_FOLDER = "plugins"
_SKIPPED: dict[Path, str] = {}  # folder -> why it did not run, for the command line's notice


@dataclass(frozen=True)
class TrustRecord:
    """One trusted folder as the user's config records it.

    Attributes:
        folder: The plugins folder (resolved).
        digest: Hash of its files when it was trusted.
        files: Their names, relative to the folder.
        trusted_at: When (ISO date and time, UTC).
    """

    folder: Path
    digest: str
    files: tuple[str, ...]
    trusted_at: str


def trust_file() -> Path:
    """Where the user's trusted folders are recorded."""
    return config_dir() / TRUST_FILE


def code_files(folder: Path) -> list[Path]:
    """The files whose content decides what a plugins folder runs: every ``*.py`` in it, at any depth."""
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts and p.is_file())


def plugin_modules(folder: Path) -> list[Path]:
    """The files loaded as plugins from a folder: its top-level ``*.py`` files not starting with ``_``."""
    return sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))


def has_code(folder: Path) -> bool:
    """Whether ``folder`` holds plugin modules that would be loaded."""
    return folder.is_dir() and bool(plugin_modules(folder))


def folder_digest(folder: Path) -> tuple[str, tuple[str, ...]]:
    """SHA-256 over the names and bytes of the folder's code files, and those names."""
    digest = hashlib.sha256()
    names = []
    for file in code_files(folder):
        name = file.relative_to(folder).as_posix()
        names.append(name)
        digest.update(name.encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest(), tuple(names)


def records() -> dict[Path, TrustRecord]:
    """Every folder the user trusted (an unreadable or damaged config trusts nothing)."""
    try:
        data = json.loads(trust_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    folders = data.get("folders") if isinstance(data, dict) else None
    out = {}
    for name, item in (folders or {}).items() if isinstance(folders, dict) else ():
        if isinstance(item, dict) and isinstance(item.get("digest"), str):
            files = item.get("files")
            out[Path(name)] = TrustRecord(Path(name), item["digest"],
                                          tuple(files) if isinstance(files, list) else (),
                                          str(item.get("trusted_at", "")))
    return out


def _save(found: dict[Path, TrustRecord]) -> None:
    data: dict[str, Any] = {"version": 1, "folders": {
        str(r.folder): {"digest": r.digest, "files": list(r.files), "trusted_at": r.trusted_at}
        for r in sorted(found.values(), key=lambda r: str(r.folder))}}
    target = trust_file()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def status(folder: Path) -> str:
    """``trusted``, ``changed`` (trusted, but its files changed since), ``untrusted`` or ``missing``."""
    folder = folder.resolve()
    record = records().get(folder)
    if not folder.is_dir():
        return "missing"
    if record is None:
        return "untrusted"
    return "trusted" if folder_digest(folder)[0] == record.digest else "changed"


def plugins_folder_of(target: str | os.PathLike[str]) -> Path:
    """The plugins folder meant by ``kamplan trust TARGET``: TARGET itself, or the one beside its kamplan.yaml.

    Raises:
        UsageError: When TARGET is neither a plugins folder nor inside a portfolio that has one.
    """
    path = Path(target).resolve()
    if not path.exists():
        raise UsageError(f"{target}: no such folder")
    if path.is_dir() and path.name == LOCAL_FOLDER and not (path / "kamplan.yaml").exists():
        return path
    config = find_config(path)
    if config is None:
        raise UsageError(f"{target}: no kamplan.yaml here or above, so there is no plugins/ folder to trust")
    folder = config.parent / LOCAL_FOLDER
    if not folder.is_dir():
        raise UsageError(f"{config.parent}: has no {LOCAL_FOLDER}/ folder to trust")
    return folder.resolve()


def trust(folder: Path) -> TrustRecord:
    """Record ``folder`` with the hash of its files as they are now."""
    folder = folder.resolve()
    digest, files = folder_digest(folder)
    found = records()
    record = TrustRecord(folder, digest, files, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    found[folder] = record
    _save(found)
    return record


def revoke(folder: Path) -> bool:
    """Forget ``folder``; whether it was trusted."""
    found = records()
    removed = found.pop(folder.resolve(), None)
    if removed is not None:
        _save(found)
    return removed is not None


def trusted_local_folders(paths: list[Path], given: Sequence[Path] = ()) -> list[Path]:
    """The ``plugins/`` folders beside the kamplan.yaml of ``paths`` that may run (see the module docstring).

    Args:
        paths: Plan files, folder plans or portfolio folders; each one's kamplan.yaml is looked up from
            there (from the folder itself for a folder, as git finds ``.git``).
        given: Folders given with ``--plugins-dir`` (resolved): trusted for this command already.

    An untrusted folder is skipped: logged, and remembered for :func:`skipped`.
    """
    names = (os.fspath(p) for p in paths)  # plain strings: asked for each of thousands of plans
    starts = dict.fromkeys(name if os.path.isdir(name) else os.path.dirname(name) or "." for name in names)
    configs = dict.fromkeys(find_config(Path(start).resolve()) for start in starts)
    out = []
    for config in configs:
        local = config.parent / LOCAL_FOLDER if config else None
        if local is None or not has_code(local):
            continue
        local = local.resolve()
        if local in given:
            continue
        why = _why_not(local)
        if why is None:
            out.append(local)
        else:
            _SKIPPED[local] = why
            log.warning("plugins folder %s %s: its code did not run", local, why)
    return list(dict.fromkeys(out))


def _why_not(folder: Path) -> str | None:
    if os.environ.get(TRUST_ENV) == "1":
        return None
    state = status(folder)
    if state == "trusted":
        return None
    return "changed since you trusted it" if state == "changed" else "is not trusted"


def skipped() -> dict[Path, str]:
    """The local plugins folders this process did not run, with why."""
    return dict(_SKIPPED)


def forget_skipped() -> None:
    """Start a new command: no folder skipped yet."""
    _SKIPPED.clear()


def notice(folder: Path, why: str) -> str:
    """What the command line says about a skipped folder, with how to trust it."""
    return (f"the plugins folder {folder} {why}, so its code did not run. Review it, then run "
            f"'kamplan trust {folder.parent}' (or pass '--plugins-dir {folder}' for one command; "
            f"{TRUST_ENV}=1 in CI)")
