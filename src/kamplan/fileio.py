"""Writing files safely: atomic replacement that keeps what the user set up, and output to any target.

Two kinds of write:

- :func:`write_atomic` replaces a file so that readers see the old or the new one, never half of one.
  A hand-written file keeps its permission bits and owner, and a symlink is written through (the
  link stays a link); a read-only file is refused.
- :func:`write_output` writes a command's ``-o`` target: a regular file atomically, but a device, a
  FIFO or ``/dev/stdout`` is written into (never replaced by a file), and a target that cannot be
  written is a clear :class:`~kamplan.errors.UsageError`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from kamplan.errors import UsageError, shorten


def _shown(path: str | os.PathLike[str]) -> str:
    return shorten(os.fspath(path), 120)


def resolved_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` must change: the final target of a symlink chain, else ``path``."""
    target = Path(path)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one.

    Args:
        path: Target file; its folder must exist. A symlink is written through; an existing file
            keeps its permission bits and (where the process may set it) its owner and group.
        data: Text (written as UTF-8) or bytes.
        durable: Flush to disk before the rename (``fsync``). Caches that can be rebuilt skip it:
            after a power cut they may be lost, never half written for a reader.

    Raises:
        UsageError: When the existing file is read-only.
        OSError: When the folder cannot be written.
    """
    target = resolved_target(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        before: os.stat_result | None = target.stat()
    except FileNotFoundError:
        before = None
    if before is not None and not before.st_mode & stat.S_IWUSR:
        raise UsageError(f"{_shown(path)} is read-only: not changed (make it writable to let kamplan write it)")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if before is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        else:
            mode = stat.S_IMODE(before.st_mode)
            if hasattr(os, "chown") and (before.st_uid, before.st_gid) != _owner(tmp):
                with contextlib.suppress(OSError):  # only root may give a file away; others keep their own
                    os.chown(tmp, before.st_uid, before.st_gid)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def write_output(path: str, data: str | bytes) -> None:
    """Write a command's output to ``path`` (``-o``): see the module docstring.

    Raises:
        UsageError: For an empty name, a folder, a missing folder, or a target that cannot be written.
    """
    if not path:
        raise UsageError("-o needs a file name ('-' for standard output)")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        info: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(f"cannot write {_shown(path)}: {exc.strerror}") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{_shown(path)} is a folder: give a file name, e.g. {_shown(os.path.join(path, 'out'))}")
    if info is not None and not stat.S_ISREG(info.st_mode):  # a device, a FIFO, /dev/stdout: write into it
        try:
            with open(path, "wb") as handle:
                handle.write(raw)
        except OSError as exc:
            raise UsageError(f"cannot write {_shown(path)}: {exc.strerror}") from None
        return
    folder = resolved_target(path).parent
    if not folder.is_dir():
        raise UsageError(f"cannot write {_shown(path)}: the folder {_shown(folder)} does not exist")
    try:
        write_atomic(path, raw)
    except OSError as exc:
        raise UsageError(f"cannot write {_shown(path)}: {exc.strerror or exc}") from None
