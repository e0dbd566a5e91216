"""What the language server knows: the open documents, which plan each file belongs to, the portfolio's
diagnostics through the engine, and an index of every file the id features look at.

Diagnostics are ``kamplan validate``'s, computed by the same engine: an open document's unsaved text
is read instead of its file (:func:`kamplan.engine.run.run_portfolio` ``texts``), every other plan
comes from the content-hash cache, so typing in one plan does not re-read the others.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kamplan.engine.run import run_portfolio
from kamplan.errors import Diagnostic, KamplanError
from kamplan.lsp.index import FileIndex, IdUse, build_index
from kamplan.plan.references import PORTFOLIO_KINDS
from kamplan.read.discovery import CONFIG_NAME, PLAN_SUFFIXES, configured_plans_dir, files_of_plan, find_config


@dataclass(frozen=True)
class Located:
    """An id use in a file."""

    file: Path
    use: IdUse


@dataclass
class Workspace:
    """The open documents and what is derived from them (see the module docstring).

    Attributes:
        documents: The open documents' text, by absolute path.
        cwd: The folder relative diagnostic file names are relative to.
    """

    documents: dict[Path, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=lambda: Path(os.getcwd()))
    _indexes: dict[Path, tuple[str, FileIndex]] = field(default_factory=dict)

    # -- files and plans -------------------------------------------------------------------------
    def text(self, file: Path) -> str:
        """The open document's text, else the file's."""
        if file in self.documents:
            return self.documents[file]
        try:
            return file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return ""

    def index(self, file: Path) -> FileIndex:
        """The file's index, rebuilt only when its text changed."""
        text = self.text(file)
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        known = self._indexes.get(file)
        if known is None or known[0] != digest:
            known = self._indexes[file] = (digest, build_index(text, config=file.name == CONFIG_NAME))
        return known[1]

    def config_of(self, file: Path) -> Path | None:
        """The portfolio's kamplan.yaml for a file."""
        return file if file.name == CONFIG_NAME else find_config(file.parent)

    def plan_of(self, file: Path) -> Path | None:
        """The plan a file belongs to: itself, or its folder plan; None for kamplan.yaml."""
        if file.name == CONFIG_NAME:
            return None
        config = self.config_of(file)
        if config is not None:
            plans = (config.parent / configured_plans_dir(config)).resolve()
            if file.parent.resolve() != plans and file.parent.parent.resolve() == plans:
                return file.parent
        return file

    def files_of(self, plan: Path) -> list[Path]:
        """The files of a plan (a folder plan's open but not yet saved files included)."""
        if plan.is_dir():
            found = set(files_of_plan(plan)) | {f for f in self.documents if f.parent == plan}
            return sorted(f for f in found if f.suffix in PLAN_SUFFIXES)
        return [plan]

    def portfolio_plans(self, config: Path) -> list[Path]:
        """Every plan of a portfolio."""
        from kamplan.read.discovery import plans_in

        return [p.resolve() for p in plans_in(config.parent / configured_plans_dir(config))]

    def scope(self, file: Path, kind: str | None = None) -> list[Path]:
        """The files whose ids a use in ``file`` can mean: its plan's files and kamplan.yaml; for a kind
        kamplan.yaml defines (offerings, people), every plan of the portfolio too."""
        config = self.config_of(file)
        plan = self.plan_of(file)
        files = self.files_of(plan) if plan is not None else []
        if config is not None:
            files = [*files, config]
            if kind in PORTFOLIO_KINDS or plan is None:
                for other in self.portfolio_plans(config):
                    files += [f for f in self.files_of(other) if f not in files]
        return list(dict.fromkeys(files))

    # -- ids -------------------------------------------------------------------------------------
    def uses(self, files: list[Path], kind: str, id_: str) -> Iterator[Located]:
        """Every definition and reference of ``id_`` (of ``kind``) in ``files``."""
        for file in files:
            for use in self.index(file).ids:
                if use.kind == kind and use.id == id_:
                    yield Located(file, use)

    def definitions(self, file: Path, kind: str) -> list[Located]:
        """Every id of ``kind`` defined where a use in ``file`` may look (its plan first, then kamplan.yaml)."""
        plan = self.plan_of(file)
        config = self.config_of(file)
        files = self.files_of(plan) if plan is not None else []
        if config is not None and kind in PORTFOLIO_KINDS:
            files = [*files, config]
        return [Located(f, u) for f in files for u in self.index(f).ids if u.kind == kind and u.definition]

    # -- diagnostics -----------------------------------------------------------------------------
    def diagnostics(self, file: Path) -> dict[Path, list[Diagnostic]]:
        """``kamplan validate``'s diagnostics of the portfolio ``file`` belongs to, by absolute file.

        The open documents are read as the editor holds them. A portfolio that cannot be read at
        all (no plan found, a plugin failing) gives one diagnostic at the top of ``file``.
        """
        config = self.config_of(file)
        target = config.parent if config is not None else file
        try:
            result = run_portfolio([target], texts=self.documents)
            found = list(result.diagnostics)
        except KamplanError as exc:
            found = [Diagnostic(str(file), 1, 1, "error", "E000", str(exc))]
        grouped: dict[Path, list[Diagnostic]] = {}
        for diagnostic in found:
            where = Path(diagnostic.file)
            where = where if where.is_absolute() else self.cwd / where
            grouped.setdefault(Path(os.path.abspath(where)), []).append(diagnostic)
        return grouped
