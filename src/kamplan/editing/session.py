"""One ``serve --edit`` run: its token, the edits it wrote and can undo, the working tree's changes.

Every write names the content hash of each file of the plan as the page saw it; a file changed on disk
since (an editor, ``git checkout``, another tab) refuses the write and the page offers to reload. An
edit that would give the plan an error is refused with the diagnostics, and the file stays byte for
byte as it was. A write goes only to a file of a plan inside its portfolio's plans folder, atomically,
with the file's BOM and line ends kept. Undo restores the bytes before the last edits, only while the
file is still as the edit left it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.editing.operations import apply
from kamplan.engine.run import run_portfolio
from kamplan.errors import KamplanError
from kamplan.fileio import write_atomic
from kamplan.read.discovery import PLAN_SUFFIXES, configured_plans_dir, discover, files_of_plan, find_config
from kamplan.repo.text_form import form_of, in_form, plain
from kamplan.repo.yaml_edit import EditError

Reply = tuple[int, dict[str, Any]]


def content_hash(raw: bytes) -> str:
    """The hash a page names a file's content by."""
    return hashlib.sha256(raw).hexdigest()


@dataclass
class _Undo:
    file: Path
    before: bytes
    after: str  # the hash the file had right after the edit


@dataclass
class EditSession:
    """The editing side of one ``kamplan serve --edit``.

    Attributes:
        paths: What is served (as ``kamplan site`` takes it).
        token: The per-run secret every writing request must carry (printed in the URL).
    """

    paths: Sequence[str]
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    _undo: dict[str, list[_Undo]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plans(self) -> dict[str, Path]:
        """Each account id with its plan (through the engine: cached checks)."""
        result = run_portfolio(list(self.paths))
        return {group.entries[str(p)]["account"]: p for group in result.groups for p in group.plans
                if group.entries[str(p)]["account"]}

    def page_config(self, account: str) -> dict[str, Any] | None:
        """What an account page needs to edit: token, hashes of the plan's files, our team, the choices."""
        plan = self.plans().get(account)
        if plan is None:
            return None
        import kamplan

        try:
            loaded = kamplan.resolve_account(plan)
            team = [{"id": m.id, "name": m.name or m.id} for m in loaded.team.values()]
            ties = [{"team": r.team, "person": r.stakeholder, "strength": r.strength, "target": r.target,
                     "last_contact": r.last_contact.isoformat() if r.last_contact else None}
                    for r in loaded.plan.relationships]
        except KamplanError:
            team, ties = [], []
        return {"token": self.token, "account": account, "hashes": self._hashes(plan), "team": team,
                "ties": ties, "undo": len(self._undo.get(account, []))}

    @staticmethod
    def _hashes(plan: Path) -> dict[str, str]:
        return {f.name: content_hash(f.read_bytes()) for f in files_of_plan(plan)}

    def edit(self, request: Mapping[str, Any]) -> Reply:
        """Apply one edit (see :mod:`kamplan.editing.operations`) if the page saw the files as they are."""
        with self._lock:
            account = str(request.get("account"))
            plan = self.plans().get(account)
            if plan is None:
                return 404, {"error": f"no account {account!r} here"}
            conflict = self._conflict(plan, request.get("hashes"))
            if conflict:
                return 409, {"error": conflict, "reload": True}
            raws = {f: f.read_bytes() for f in files_of_plan(plan)}
            texts = {f: plain(raw.decode("utf-8")) for f, raw in raws.items()}
            try:
                file, text, what = apply(texts, request)
            except (EditError, ValueError) as exc:
                return 400, {"error": str(exc)}
            if not _inside_plans(file):
                return 403, {"error": f"{file} is outside the plans folder: not written"}
            new = in_form(text, form_of(raws[file])).encode("utf-8")
            if new == raws[file]:
                return 200, {"ok": True, "changed": False, "what": what}
            problems = _errors_with(plan, file, new.decode("utf-8"))
            if problems:
                return 422, {"error": "the edit would make the plan invalid; nothing was written",
                             "diagnostics": problems}
            write_atomic(file, new)
            self._undo.setdefault(account, []).append(_Undo(file, raws[file], content_hash(new)))
            return 200, {"ok": True, "changed": True, "what": what, "hashes": self._hashes(plan)}

    def undo(self, request: Mapping[str, Any]) -> Reply:
        """Put back the bytes of the plan's last edit, if its file is still as that edit left it."""
        with self._lock:
            account = str(request.get("account"))
            stack = self._undo.get(account) or []
            if not stack:
                return 400, {"error": "nothing to undo"}
            last = stack[-1]
            try:
                now = content_hash(last.file.read_bytes())
            except OSError:
                now = ""
            if now != last.after:
                return 409, {"error": f"{last.file.name} changed on disk since the edit: not undone", "reload": True}
            write_atomic(last.file, last.before)
            stack.pop()
            return 200, {"ok": True, "left": len(stack)}

    def changes(self) -> Reply:
        """The working tree's changes against HEAD, in planning terms (``kamplan diff HEAD``)."""
        from kamplan.repo.diff import diff

        try:
            found = diff("HEAD", None, [Path(p) for p in self.paths] or [Path.cwd()])
        except KamplanError as exc:
            return 200, {"changes": [], "error": str(exc)}
        return 200, {"changes": [{"account": c.account, "message": c.message, "risk": c.risk} for c in found],
                     "files": [str(f) for f in self._changed_files()]}

    def commit(self, request: Mapping[str, Any]) -> Reply:
        """``git commit`` of the changed plan files with the message typed on the page (never a push)."""
        from kamplan.repo.git import git

        message = request.get("message")
        if not isinstance(message, str) or not message.strip():
            return 400, {"error": "a commit needs a message"}
        files = self._changed_files()
        if not files:
            return 400, {"error": "no plan file has changed"}
        root = self._root()
        rels = [os.path.relpath(f, root) for f in files]
        try:
            git(["add", "--", *rels], root)
            git(["commit", "-q", "-m", message.strip(), "--", *rels], root)
            commit = git(["rev-parse", "--short=12", "HEAD"], root).decode().strip()
        except KamplanError as exc:
            return 500, {"error": str(exc)}
        return 200, {"ok": True, "commit": commit, "files": rels}

    def _root(self) -> Path:
        from kamplan.repo.git import repo_root

        return repo_root(Path(self.paths[0] if self.paths else ".").resolve())

    def _changed_files(self) -> list[Path]:
        from kamplan.repo.git import working_tree_changes

        root = self._root()
        plans_dirs = {_plans_dir(p) for p in self.plans().values()}
        changed = working_tree_changes(root, [os.path.relpath(d, root) for d in plans_dirs if d is not None])
        return [root / rel for rel in changed if rel.endswith(PLAN_SUFFIXES)]

    @staticmethod
    def _conflict(plan: Path, hashes: Any) -> str | None:
        if not isinstance(hashes, dict):
            return "the request names no content hashes"
        now = EditSession._hashes(plan)
        changed = sorted(name for name in set(now) | set(hashes) if now.get(name) != hashes.get(name))
        if changed:
            return (f"{', '.join(changed)} changed on disk since this page was built: reload the page "
                    "and make the edit again")
        return None


def _plans_dir(plan: Path) -> Path | None:
    config = find_config(plan)
    return (config.parent / configured_plans_dir(config)).resolve() if config else plan.parent.resolve()


def _inside_plans(file: Path) -> bool:
    """Whether ``file`` is, once links are followed, a file of a plan of its portfolio's plans folder."""
    folder = _plans_dir(file)
    real = file.resolve()
    return folder is not None and real.is_relative_to(folder) and real in {
        f.resolve() for plan in discover([folder]) for f in files_of_plan(plan)}


def _errors_with(plan: Path, file: Path, text: str) -> list[str]:
    """The errors the plan would have with ``text`` as the content of ``file``."""
    result = run_portfolio([plan], texts={file: text})
    return [d.format_text() for d in result.errors]
