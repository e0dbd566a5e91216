"""The user's own folders (outside any plans repository) and the per-user key that signs caches.

A cache kamplan reads back must have been written by this user on this machine: every stored record
carries an HMAC made with a random key kept in the user's cache folder (mode 0600). A cache committed
to a repository, copied from a colleague or forged with kamplan's own key functions does not carry a
valid signature, so it is a miss; it can never change a result.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cache
from pathlib import Path

KEY_FILE = "cache-key"
SIGNATURE_HEX = 64


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/kamplan`` (``~/.config/kamplan``): the user's settings, such as trusted folders."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "kamplan"


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kamplan`` (``~/.cache/kamplan``): the user's caches."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kamplan"


def owned_by_user(stat_result: os.stat_result) -> bool:
    """Whether a file belongs to the current user (always true where there are no user ids)."""
    getuid = getattr(os, "getuid", None)
    return getuid is None or stat_result.st_uid == getuid()


@cache
def _key_for(folder: str) -> bytes | None:
    path = Path(folder) / KEY_FILE
    try:
        raw = _read_private(path)
        if raw is None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, secrets.token_bytes(32))
            finally:
                os.close(fd)
            raw = _read_private(path)
    except FileExistsError:  # another process created it in the meantime
        raw = _read_private(path)
    except OSError:
        return None
    return raw if raw and len(raw) == 32 else None


def _read_private(path: Path) -> bytes | None:
    """The key file's bytes, when it is this user's and nobody else can read or change it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:
        return b""
    try:
        info = os.fstat(fd)
        if not owned_by_user(info) or (hasattr(os, "getuid") and info.st_mode & 0o077):
            return b""
        return os.read(fd, 64)
    finally:
        os.close(fd)


def user_key() -> bytes | None:
    """This user's signing key (created on first use), or None when it cannot be kept (then nothing is cached)."""
    return _key_for(str(cache_dir()))


def sign(key: bytes, *parts: bytes) -> str:
    """The hex HMAC-SHA256 of ``parts`` (each length-prefixed, so their boundaries are signed too)."""
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def verified(key: bytes, signature: str, *parts: bytes) -> bool:
    """Whether ``signature`` is ``sign(key, *parts)`` (compared in constant time)."""
    return hmac.compare_digest(signature, sign(key, *parts))


def read_own(path: Path) -> bytes | None:
    """A cache file's bytes, or None when it is missing, unreadable or owned by another user."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not owned_by_user(os.fstat(fd)):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def signed(key: bytes, name: str, payload: bytes, sep: bytes = b"\n") -> bytes:
    """``payload`` preceded by its signature and ``sep`` (a line end for a file, a space inside a line)."""
    return sign(key, name.encode(), payload).encode() + sep + payload


def unsigned(key: bytes, name: str, raw: bytes | None) -> bytes | None:
    """The payload of a signed record, or None when the signature is missing or wrong."""
    if raw is None or len(raw) <= SIGNATURE_HEX or raw[SIGNATURE_HEX:SIGNATURE_HEX + 1] not in (b"\n", b" "):
        return None
    payload = raw[SIGNATURE_HEX + 1:]
    try:
        signature = raw[:SIGNATURE_HEX].decode("ascii")
    except UnicodeDecodeError:
        return None
    return payload if verified(key, signature, name.encode(), payload) else None
