"""The portfolio step: per-plan results put together, and the checks that look across plans.

Per-plan results come from the cache or from work units (:mod:`kamplan.engine.unit`). What only the
whole portfolio can tell is settled here, cheaply, from each plan's entry: an ``account.parent`` that
names no plan of the portfolio (E301) and an account id used by two plans (E307). ``kamplan.yaml``'s
own problems are shown once, not once per plan.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from kamplan.engine.store import JournaledJson, ResultCache, named_store
from kamplan.errors import Diagnostic, PlanError, unknown_parent_message
from kamplan.read.discovery import CONFIG_NAME

log = logging.getLogger(__name__)


def is_config_file(file: str) -> bool:
    """Whether a diagnostic is about a ``kamplan.yaml`` (shown once, not once per plan)."""
    return file.endswith(CONFIG_NAME) and os.path.basename(file) == CONFIG_NAME


def position(d: Diagnostic) -> tuple[str, int, int, str]:
    """The sort key of diagnostics: file, line, column, code."""
    return (d.file, d.line, d.column, d.code)


@dataclass
class PlanGroup:
    """The plans of one portfolio (one kamplan.yaml) and their results, cached or just computed."""

    plans: list[Path]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[Path, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)  # JSON text: cheap to pass between processes and to store
    parts: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> plan -> JSON text
    store: ResultCache | None = None
    known: set[str] = field(default_factory=set)  # account ids of the portfolio (plan stems and ids)
    recompute: Any = None  # (plan, parts) -> unit result, for what the store lost or damaged
    extra: dict[str, list[Diagnostic]] = field(default_factory=dict)  # found outside the work units (git)
    edited: set[str] = field(default_factory=set)  # plans computed from given texts (not their files)

    def rows_of(self, plan: Path) -> list[list[Any]]:
        """A plan's diagnostics as rows."""
        rows = self.rows.get(str(plan))
        if rows is None and self.store is not None:
            rows = self.store.rows(self.keys[plan])
        try:
            decoded = json.loads(rows) if rows is not None else None
        except ValueError:
            decoded = None
        if not _rows_ok(decoded):  # the rows store lost or damaged it: compute that plan again
            decoded = json.loads(self.recompute(plan, ())["rows"])
        return [*decoded, *(d.to_row() for d in self.extra.get(str(plan), ()))]  # type: ignore[misc]

    def unknown_parent(self, entry: dict[str, Any]) -> bool:
        """Whether the entry's ``account.parent`` names no account of the portfolio."""
        return entry["parent"] is not None and entry["parent"] not in self.known

    def duplicates(self) -> dict[str, list[Path]]:
        """Account ids given by more than one plan, with those plans in order."""
        seen: dict[str, list[Path]] = {}
        for plan in self.plans:
            account = self.entries[str(plan)]["account"]
            if account:
                seen.setdefault(account, []).append(plan)
        return {k: v for k, v in seen.items() if len(v) > 1}

    def diagnostics(self, locate_id: Any) -> list[Diagnostic]:
        """This group's diagnostics: kamplan.yaml's once, parents and duplicate ids settled across plans."""
        out: list[Diagnostic] = []
        config_seen: set[Diagnostic] = set()
        for plan in self.plans:
            entry = self.entries[str(plan)]
            for item in self.rows_of(plan) if entry["text"] else ():
                diagnostic = Diagnostic(*item)
                if is_config_file(diagnostic.file):
                    if diagnostic in config_seen:
                        continue
                    config_seen.add(diagnostic)
                out.append(diagnostic)
            if self.unknown_parent(entry):
                file, line, column = entry["parent_at"]
                out.append(Diagnostic(file, line, column, "error", "E301", unknown_parent_message(entry["parent"]),
                                      "account.parent"))
        for account, plans in self.duplicates().items():
            first = plans[0]
            for plan in plans[1:]:
                known = self.entries[str(plan)]["id_at"]
                file, line, column = known if known else locate_id(plan)
                out.append(Diagnostic(file, line, column, "error", "E307",
                                      f"account id {account!r} is already used by {_shown(first)}", "account.id"))
        return out


_ROW_TYPES = (str, int, int, str, str, str, str)
RENDERED = ("text", "errors", "warnings", "first", "last", "config")  # what finish_entry writes


def _rows_ok(rows: Any) -> bool:
    """Whether ``rows`` are diagnostics rows as the work units write them (file, line, column, severity...)."""
    return isinstance(rows, list) and all(
        isinstance(row, list) and len(row) == len(_ROW_TYPES)
        and all(isinstance(value, kind) and not isinstance(value, bool)
                for value, kind in zip(row, _ROW_TYPES, strict=True))
        for row in rows)


def _shown(plan: Path) -> str:
    from kamplan.read.discovery import display_name

    return display_name(plan)


@dataclass
class PortfolioResult:
    """Every plan's results, and the portfolio-wide view of them.

    Diagnostics are assembled on first use: a plain-text report of cached plans is put together from
    each plan's pre-rendered block (:meth:`text_report`) without building them at all.
    """

    plans: int
    cached: int = 0
    computed: int = 0
    workers: int = 1
    as_of: str = ""  # the as-of date every result was computed at (YYYY-MM-DD)
    notes: list[str] = field(default_factory=list)
    groups: list[PlanGroup] = field(default_factory=list)
    visited: dict[str, Any] = field(default_factory=dict)  # plan path -> what the visit function returned
    locate_id: Any = None
    _diagnostics: list[Diagnostic] | None = None
    _whole_parts: dict[str, list[str]] | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every diagnostic (kamplan.yaml's once), sorted by file, line, column and code."""
        if self._diagnostics is None:
            found = [d for group in self.groups for d in group.diagnostics(self.locate_id)]
            found.sort(key=position)
            self._diagnostics = found
        return self._diagnostics

    def add(self, group: PlanGroup, plan: Path, diagnostics: list[Diagnostic]) -> None:
        """Diagnostics of one plan found outside its work unit (the map's age from git).

        The plan's entry is rendered again with them (never written to the cache), so the report
        stays assembled from per-plan blocks; one that sorts before or after all the plan's own
        diagnostics (W412 is at the account id) is put in front or behind without decoding the rest.
        """
        name = str(plan)
        for diagnostic in diagnostics:
            entry = dict(group.entries[name])
            where, line = list(position(diagnostic)), diagnostic.format_text()
            fast = not entry["text"] or where <= entry["first"] or where >= entry["last"]
            if not entry["text"]:
                entry.update(text=line, first=where, last=where)
            elif where <= entry["first"]:
                entry.update(text=f"{line}\n{entry['text']}", first=where)
            elif where >= entry["last"]:
                entry.update(text=f"{entry['text']}\n{line}", last=where)
            else:  # in the middle: sorted with the plan's own (and earlier added) diagnostics
                own = [Diagnostic(*row) for row in group.rows_of(plan)]
                entry, _ = finish_entry({k: v for k, v in entry.items() if k not in RENDERED}, [*own, diagnostic])
            if fast:
                entry["errors" if diagnostic.severity == "error" else "warnings"] += 1
            group.entries[name] = entry
            group.extra.setdefault(name, []).append(diagnostic)
        self._diagnostics = None

    def set_whole(self, diagnostics: list[Diagnostic], parts: dict[str, list[str]]) -> None:
        """Results of a whole-portfolio load (a plugin looks across accounts: nothing per plan)."""
        self._diagnostics = sorted(diagnostics, key=position)
        self._whole_parts = parts
        self.groups = []

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity error."""
        return [d for d in self.diagnostics if d.severity == "error"]

    def part(self, kind: str) -> list[str]:
        """One part of every account's analysis (JSON text, see :mod:`kamplan.engine.parts`), in plan order.

        Raises:
            PlanError: When any plan has errors (analyses of invalid plans would mislead).
        """
        self._refuse_errors()
        if self._whole_parts is not None:
            return self._whole_parts.get(kind, [])
        return [group.parts[kind][str(plan)] for group, plan in self._accounts()]

    def parsed(self, kind: str, parse: Callable[[str], Any]) -> list[Any]:
        """:meth:`part`, each parsed; a part that does not parse (a damaged cache) is computed again."""
        self._refuse_errors()
        if self._whole_parts is not None:
            return [parse(text) for text in self._whole_parts.get(kind, [])]
        out = []
        for group, plan in self._accounts():
            try:
                out.append(parse(group.parts[kind][str(plan)]))
            except (ValueError, TypeError, KeyError):
                log.info("damaged %s part of %s in the cache: computed again", kind, plan)
                out.append(parse(group.recompute(plan, (kind,))["parts"][kind]))
        return out

    def valid_parsed(self, kind: str, parse: Callable[[str], Any]) -> list[Any]:
        """:meth:`parsed` of the plans without errors only, never refusing (a live preview shows the rest
        as their diagnostics). A whole-portfolio load with errors gives nothing."""
        if self._whole_parts is not None:
            return [] if self.errors else [parse(text) for text in self._whole_parts.get(kind, [])]
        failing = {d.file for d in self.errors}
        out = []
        for group, plan in self._accounts():
            entry = group.entries[str(plan)]
            if entry["errors"] or group.unknown_parent(entry) or str(plan) not in group.parts.get(kind, {}) \
                    or _shown(plan) in failing:
                continue
            out.append(parse(group.parts[kind][str(plan)]))
        return out

    def portfolio_cache(self, name: str) -> tuple[JournaledJson, str] | None:
        """Where a portfolio step over the per-plan results keeps its own result, and the key of this
        run's inputs: every group's context and every plan's content key, in order.

        None when those do not identify the inputs: no cache, a plan computed from unsaved text, a
        whole-portfolio load.
        """
        if self._whole_parts is not None or not self.groups:
            return None
        digest = hashlib.sha256(name.encode())
        for group in self.groups:
            if group.store is None or group.edited:
                return None
            digest.update(f"\0{group.store.context}".encode())
            for plan in group.plans:
                digest.update(f"\0{plan}\0{group.keys[plan]}".encode())
        store = self.groups[0].store
        assert store is not None
        return named_store(store.folder, name, store.key), digest.hexdigest()

    def _accounts(self) -> Iterator[tuple[PlanGroup, Path]]:
        """Each plan that holds a valid account, with its group, in plan order."""
        for group in self.groups:
            for plan in group.plans:
                if group.entries[str(plan)]["account"]:
                    yield group, plan

    def _refuse_errors(self) -> None:
        if self._may_have_errors():
            errors = self.errors
            if errors:
                raise PlanError(errors)

    def _may_have_errors(self) -> bool:
        """False when no plan has an error of its own and nothing crosses plans (no need to build diagnostics)."""
        if self._diagnostics is not None or not self.groups:
            return True
        for group in self.groups:
            if group.duplicates():
                return True
            for entry in group.entries.values():
                if entry["errors"] or group.unknown_parent(entry):
                    return True
        return False

    def decoded(self, kind: str) -> list[Any]:
        """:meth:`part`, decoded from JSON (a damaged part is computed again)."""
        return self.parsed(kind, json.loads)

    def text_report(self) -> str:
        """The ``text`` output of ``validate``: one line per diagnostic, in order."""
        blocks = self._blocks()
        if blocks is None:
            return "\n".join(d.format_text() for d in self.diagnostics)
        return "\n".join(entry["text"] for entry in blocks)

    def counts(self) -> tuple[int, int]:
        """(errors, warnings)."""
        blocks = self._blocks()
        if blocks is None:
            errors = sum(1 for d in self.diagnostics if d.severity == "error")
            return errors, len(self.diagnostics) - errors
        return sum(e["errors"] for e in blocks), sum(e["warnings"] for e in blocks)

    def _blocks(self) -> list[dict[str, Any]] | None:
        """Each plan's rendered block in report order, when no problem crosses plans; else None."""
        if self._diagnostics is not None or not self.groups:
            return None
        blocks = []
        for group in self.groups:
            if group.duplicates():
                return None
            for plan in group.plans:
                entry = group.entries[str(plan)]
                if entry["config"] or group.unknown_parent(entry):
                    return None  # kamplan.yaml's problems are shown once; a parent is settled across plans
                if entry["text"]:
                    blocks.append(entry)
        blocks.sort(key=lambda e: e["first"])
        for before, after in pairwise(blocks):
            if before["last"] > after["first"]:
                return None  # plans whose files interleave: sort line by line
        return blocks


def finish_entry(entry: dict[str, Any], diagnostics: list[Diagnostic]) -> tuple[dict[str, Any], str]:
    """A plan's entry (its report as text, counts, sort bounds) and its diagnostics as JSON rows."""
    diagnostics.sort(key=position)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    entry.update(
        text="\n".join(d.format_text() for d in diagnostics),
        errors=errors,
        warnings=len(diagnostics) - errors,
        first=list(position(diagnostics[0])) if diagnostics else None,
        last=list(position(diagnostics[-1])) if diagnostics else None,
        config=any(is_config_file(d.file) for d in diagnostics),
    )
    return entry, json.dumps([d.to_row() for d in diagnostics], ensure_ascii=False, separators=(",", ":"))
