"""Read plans at a git revision through the git command line."""

from __future__ import annotations

import contextlib
import io
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kamplan.errors import UsageError


def git(args: list[str], cwd: Path, what: str | None = None) -> bytes:
    """Run git and return its output.

    Args:
        args: git's arguments.
        cwd: Where to run it.
        what: What kamplan was doing, for the error message (default: the git command line).

    Raises:
        UsageError: When git is missing or fails; the message ends with git's own reason.
    """
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("kamplan reads history through git, and git is not on PATH") from None
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
        raise UsageError(f"{what or 'git ' + ' '.join(args)} (git says: {reason.splitlines()[-1]})")
    return proc.stdout


def repo_root(path: Path) -> Path:
    """The top folder of the git work tree that holds ``path``."""
    folder = path if path.is_dir() else path.parent
    return Path(git(["rev-parse", "--show-toplevel"], folder, f"{folder} is not in a git repository").decode().strip())


def resolve_revision(rev: str, root: Path) -> str:
    """The commit id of ``rev`` (a branch, tag, ``HEAD~1``...)."""
    return git(["rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}"], root,
               f"{rev!r} is not a commit of {root}").decode().strip()


def exists_at(rev: str, root: Path, rel: str) -> bool:
    """Whether ``rel`` (relative to the repository root) exists at ``rev``."""
    proc = subprocess.run(["git", "cat-file", "-e", f"{rev}:{rel}"], cwd=root, capture_output=True, check=False)
    return proc.returncode == 0


def extract(rev: str, root: Path, rels: list[str], target: Path, skipped: list[str] | None = None) -> list[str]:
    """Write the files under ``rels`` as they were at ``rev`` into ``target``; return those that existed.

    Only regular files and folders are written: a symlink in history (it may lead anywhere, and the
    working tree's own rules refuse links out of the repository) is left out and named in ``skipped``.
    """
    present = [r for r in rels if exists_at(rev, root, r)]
    if not present:
        return []
    data = git(["archive", "--format=tar", rev, "--", *present], root)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = []
        for member in archive.getmembers():
            if member.isfile() or member.isdir():
                members.append(member)
            elif skipped is not None and (member.issym() or member.islnk()):
                skipped.append(f"{member.name} is a link (to {member.linkname}) at {rev[:12]}: not read")
        archive.extractall(target, members=members, filter="data")
    return present


def tree_entries(rev: str, root: Path, rels: list[str]) -> list[tuple[str, str, str]]:
    """``(mode, blob id, path)`` of every file under ``rels`` at ``rev`` (paths relative to the root)."""
    out = git(["ls-tree", "-r", "-z", "--full-tree", rev, "--", *rels], root)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        if kind == "blob":
            entries.append((mode, blob, path.decode("utf-8", "surrogateescape")))
    return entries


def write_blobs(root: Path, targets: dict[str, list[Path]]) -> None:
    """Write each blob's bytes to its target files (every blob read through one ``git cat-file``)."""
    for blob, content in iter_blobs(root, list(targets)):
        for target in targets[blob]:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def iter_blobs(root: Path, blobs: list[str]) -> Iterator[tuple[str, bytes]]:
    """Each blob's id and bytes, in order, streamed through one ``git cat-file --batch``.

    Raises:
        UsageError: When git is missing or a blob is not in the repository.
    """
    if not blobs:
        return
    try:
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=root, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        raise UsageError("kamplan reads history through git, and git is not on PATH") from None
    assert proc.stdin is not None and proc.stdout is not None
    request = "".join(f"{b}\n" for b in blobs).encode()
    feeder = threading.Thread(target=_feed, args=(proc.stdin, request), daemon=True)
    feeder.start()  # git answers while it reads: a request larger than the pipe would otherwise stall
    try:
        for blob in blobs:
            header = proc.stdout.readline().split()
            if len(header) != 3:
                raise UsageError(f"git cat-file could not read {blob} ({b' '.join(header).decode('utf-8', 'replace')})")
            content = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each blob
            yield blob, content
    finally:
        proc.stdout.close()
        feeder.join()
        proc.wait()


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):  # the reader stopped early
        try:
            pipe.write(data)
        finally:
            pipe.close()


def git_dir(path: Path) -> Path:
    """The git folder of the work tree holding ``path`` (``.git``, or where a linked work tree keeps it)."""
    folder = path if path.is_dir() else path.parent
    found = git(["rev-parse", "--absolute-git-dir"], folder, f"{folder} is not in a git repository")
    return Path(found.decode().strip())


def working_tree_changes(root: Path, scope: list[str]) -> dict[str, str]:
    """Files under ``scope`` (paths from the root) that differ from HEAD: ``"changed"``, or ``"new"`` (untracked)."""
    out = git(["status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", *scope], root)
    found: dict[str, str] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if len(record) > 3:
            found[record[3:]] = "new" if record.startswith("??") else "changed"
    return found
