"""Read plans at a git revision through the git command line."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from kamplan.errors import UsageError


def git(args: list[str], cwd: Path) -> bytes:
    """Run git and return its output.

    Raises:
        UsageError: When git is missing or fails (the message is git's own).
    """
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("kamplan diff needs git on PATH") from None
    if proc.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout


def repo_root(path: Path) -> Path:
    """The top folder of the git work tree that holds ``path``."""
    folder = path if path.is_dir() else path.parent
    return Path(git(["rev-parse", "--show-toplevel"], folder).decode().strip())


def resolve_revision(rev: str, root: Path) -> str:
    """The commit id of ``rev`` (a branch, tag, ``HEAD~1``...)."""
    return git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).decode().strip()


def exists_at(rev: str, root: Path, rel: str) -> bool:
    """Whether ``rel`` (relative to the repository root) exists at ``rev``."""
    proc = subprocess.run(["git", "cat-file", "-e", f"{rev}:{rel}"], cwd=root, capture_output=True, check=False)
    return proc.returncode == 0


def extract(rev: str, root: Path, rels: list[str], target: Path) -> list[str]:
    """Write the files under ``rels`` as they were at ``rev`` into ``target``; return those that existed."""
    present = [r for r in rels if exists_at(rev, root, r)]
    if not present:
        return []
    data = git(["archive", "--format=tar", rev, "--", *present], root)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(target, filter="data")
    return present
