"""What a cached validation result depends on, computed without importing any plugin or model."""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import importlib.util
import os
from pathlib import Path

from kamplan import __version__
from kamplan.plugins.trust import code_files


def plugin_fingerprint(plugin_dirs: list[Path]) -> str:
    """Installed plugins (name, version, code mtime), folder plugins (every code file's size and mtime), the allowlist.

    A changed plugin set, a new plugin version or an edited plugin file changes the fingerprint, so
    cached results can never outlive the code that produced them.
    """
    parts = [f"kamplan={__version__}", f"allow={os.environ.get('KAMPLAN_LOAD_PLUGINS')!r}"]
    for ep in sorted(metadata.entry_points(group="kamplan"), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist else "?"
        version = ep.dist.version if ep.dist else "?"
        origin = ""
        try:
            spec = importlib.util.find_spec(ep.value.split(":")[0].split(".")[0])
            if spec is not None and spec.origin:
                origin = str(_stamp(Path(spec.origin)))
        except (ImportError, ValueError):
            origin = "unfindable"
        parts.append(f"ep={ep.name}:{dist}:{version}:{origin}")
    for folder in plugin_dirs:
        for file in code_files(Path(folder)):  # helpers a plugin imports count too, as for trust
            parts.append(f"dir={file}:{_stamp(file)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (0, 0)
    return (stat.st_size, stat.st_mtime_ns)


def file_hash(paths: list[Path]) -> str:
    """SHA-256 over the bytes of ``paths`` (a plan file, or the files of a folder plan), with their paths.

    The paths are taken as diagnostics show them (relative to the working directory), because cached
    diagnostics name their files: the same bytes elsewhere, or seen from another folder, are another key.
    """
    digest = hashlib.sha256()
    for path in paths:
        digest.update(os.path.relpath(path).encode())
        digest.update(b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            digest.update(f"unreadable:{exc.errno}".encode())
        digest.update(b"\0")
    return digest.hexdigest()
