"""``kamplan import``: merge CRM and HR exports into a plan without losing hand-written data.

The export owns name, title, unit, reports_to and contact (an empty export cell never erases a
value); the plan owns roles, attitude, influence, notes, tags and relationships, which an import
never touches. People are matched by their id in the source (kept under ``custom``), then e-mail,
then normalised name (never a person who carries another source id). A manager column the export
lacks, or an empty cell, leaves ``reports_to`` as it is. Everything is written through a
comment-keeping round trip, atomically, to the file that defines each entry (folder plans too), in
the file's own line ends and BOM, and only when the result validates (checked in memory, so a dry
run writes nothing anywhere).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kamplan.builtin.integrity import find_loops
from kamplan.engine.accounts import load_portfolio
from kamplan.errors import Diagnostic, UsageError, shorten
from kamplan.fileio import write_atomic
from kamplan.plugins.host import PluginHost, safe_call
from kamplan.read.csv_exports import normalise_name, slugify
from kamplan.read.discovery import configured_plans_dir, display_name, files_of_plan, find_config
from kamplan.repo.prevalidate import errors_of
from kamplan.repo.roundtrip import dump_rt, load_rt, null_style
from kamplan.repo.text_form import TextForm, form_of, in_form, plain

OWNED_CONTACT = ("email", "phone", "linkedin")


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    plan: Path
    created: bool = False
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)
    marked_left: list[str] = field(default_factory=list)
    new_units: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_rows: int = 0
    errors: list[Diagnostic] = field(default_factory=list)
    written: bool = False
    text: str = ""

    @property
    def changed(self) -> bool:
        """True when the plan would change."""
        return bool(self.added or self.updated or self.marked_left or self.new_units or self.created)

    @property
    def exit_code(self) -> int:
        """0 when the result validates (written unless a dry run), 1 when it would not."""
        return 1 if self.errors else 0


@dataclass
class _File:
    """One file of the target plan: its round-trip data, and its text and form as they were."""

    path: Path
    original: str
    form: TextForm
    data: CommentedMap


class _Plan:
    """The round-trip data of the target plan (every file of a folder plan), with indices for matching.

    People and units stay in the file that defines them; new people go to ``home`` (the ``--into``
    file, else the first file with stakeholders), new units to the first file with units.
    """

    def __init__(self, files: list[_File], source_key: str, home: Path | None = None) -> None:
        self.files = files
        self.source_key = source_key
        with_people = [f for f in files if isinstance(f.data.get("stakeholders"), CommentedSeq)]
        chosen = next((f for f in files if f.path == home), None) or (with_people[0] if with_people else files[0])
        self.home: CommentedSeq = _section(chosen.data, "stakeholders")
        self.people: list[Any] = [p for f in files if isinstance(f.data.get("stakeholders"), CommentedSeq)
                                  for p in f.data["stakeholders"]]
        self.data = next((f.data for f in files if isinstance(f.data.get("units"), CommentedSeq)), chosen.data)
        self.ids = {str(p.get("id")) for p in self.people if isinstance(p, Mapping)}
        self.by_source: dict[str, CommentedMap] = {}
        self.by_email: dict[str, list[CommentedMap]] = {}
        self.by_name: dict[str, list[CommentedMap]] = {}
        for person in self.people:
            if not isinstance(person, CommentedMap):
                continue
            custom = person.get("custom") or {}
            if isinstance(custom, Mapping) and custom.get(source_key) is not None:
                self.by_source[str(custom[source_key])] = person
            contact = person.get("contact") or {}
            if isinstance(contact, Mapping) and contact.get("email"):
                self.by_email.setdefault(str(contact["email"]).casefold(), []).append(person)
            if person.get("name"):
                self.by_name.setdefault(normalise_name(str(person["name"])), []).append(person)
        units = self.data.get("units")
        self.units: CommentedSeq | None = units if isinstance(units, CommentedSeq) else None
        self.unit_by_key: dict[str, str] = {}
        for unit in (u for f in files if isinstance(f.data.get("units"), CommentedSeq) for u in f.data["units"]):
            if isinstance(unit, Mapping) and unit.get("id"):
                self.unit_by_key[str(unit["id"]).casefold()] = str(unit["id"])
                if unit.get("name"):
                    self.unit_by_key[str(unit["name"]).casefold()] = str(unit["id"])

    def match(self, record: Mapping[str, Any], source_id: str | None, taken: set[int]) -> CommentedMap | None:
        """The plan person this record is: by source id, else e-mail, else name (never someone whose
        source id is another one: that is a different person with the same name or a shared mailbox)."""
        candidates: list[CommentedMap] = []
        if source_id and source_id in self.by_source:
            candidates = [self.by_source[source_id]]
        email = (record.get("contact") or {}).get("email")
        if not candidates and email:
            candidates = [c for c in self.by_email.get(email.casefold(), []) if self._may_be(c, source_id)]
        if not candidates:
            candidates = [c for c in self.by_name.get(normalise_name(record["name"]), []) if self._may_be(c, source_id)]
        free = [c for c in candidates if id(c) not in taken]
        return free[0] if len(free) == 1 or (free and source_id and source_id in self.by_source) else None

    def _may_be(self, person: CommentedMap, source_id: str | None) -> bool:
        custom = person.get("custom")
        known = custom.get(self.source_key) if isinstance(custom, Mapping) else None
        return known is None or source_id is None or str(known) == source_id

    def new_id(self, record: Mapping[str, Any], source_id: str | None) -> str:
        base = record.get("_id_hint") or slugify(record["name"]) or slugify(f"person-{source_id or len(self.ids)}")
        base = slugify(base) or f"person-{len(self.ids) + 1}"
        candidate, n = base, 2
        while candidate in self.ids:
            candidate, n = f"{base}-{n}", n + 1
        self.ids.add(candidate)
        return candidate

    def unit_id(self, name: str, report: ImportReport) -> str:
        key = name.casefold()
        if key in self.unit_by_key:
            return self.unit_by_key[key]
        if self.units is None:
            self.units = _section(self.data, "units")
        known = set(self.unit_by_key.values())
        base = slugify(name) or f"unit-{len(known) + 1}"
        candidate, n = base, 2
        while candidate in known:
            candidate, n = f"{base}-{n}", n + 1
        self.units.append(CommentedMap([("id", candidate), ("name", name)]))
        self.unit_by_key[key] = candidate
        report.new_units.append(candidate)
        return candidate


def _section(data: CommentedMap, name: str) -> CommentedSeq:
    value = data.get(name)
    if not isinstance(value, CommentedSeq):
        value = CommentedSeq()
        data[name] = value
    return value


def _set(entry: CommentedMap, key: str, value: Any, changes: list[str]) -> None:
    """Set an export-owned field; an empty export value never erases what the plan has."""
    if value in (None, ""):
        return
    before = entry.get(key)
    if before is not None and str(before) == str(value):
        return
    changes.append(f"{key}: {before if before is not None else '-'} → {value}")
    entry[key] = value


def _new_plan(account_id: str) -> CommentedMap:
    data = CommentedMap()
    data["kamplan"] = 1
    data["account"] = CommentedMap([("id", account_id), ("name", account_id)])
    data["stakeholders"] = CommentedSeq()
    return data


def locate_plan(account_id: str, into: str | Path | None, host: PluginHost) -> tuple[Path, Path | None]:
    """The plan to import into (a file or a folder plan) and, for ``--into FILE`` of a folder, that file.

    Raises:
        UsageError: When there is no such plan, ``--into`` would create folders, or a new plan would
            give an account id that another plan already has.
    """
    known = _portfolio_plans(host)
    if into is None:
        if account_id in known:
            return known[account_id], None
        raise UsageError(f"no plan for account {account_id!r} here; give --into PLAN (a new path creates a plan)")
    path = Path(into)
    if not path.parent.is_dir():
        raise UsageError(f"--into {shorten(into, 80)}: the folder {shorten(path.parent, 80)} does not exist "
                         "(kamplan import creates a plan file, never folders)")
    plan, home = path, None
    if path.is_file() and path.parent.is_dir() and _is_folder_plan(path.parent):
        plan, home = path.parent, path
    existing = known.get(account_id)
    if existing is not None and existing.resolve() != plan.resolve():
        raise UsageError(f"account {account_id!r} already has a plan, {display_name(existing)}; import into it "
                         f"(leave out --into) or give another --account")
    return plan, home


def _portfolio_plans(host: PluginHost) -> dict[str, Path]:
    if find_config(Path.cwd()) is None:
        return {}
    portfolio = load_portfolio([], host=host)
    return {a.id: a.source for a in portfolio.accounts if a.source is not None}


def _is_folder_plan(folder: Path) -> bool:
    config = find_config(folder)
    return config is not None and folder.resolve().parent == (config.parent / configured_plans_dir(config)).resolve()


def _load_files(plan_path: Path, account_id: str) -> list[_File]:
    files = []
    for path in files_of_plan(plan_path) if plan_path.exists() else []:
        raw = path.read_bytes()
        original = plain(raw.decode("utf-8-sig"))
        data = load_rt(original)
        if not isinstance(data, CommentedMap):
            raise UsageError(f"{display_name(path)} is not a plan mapping; run kamplan validate on it")
        files.append(_File(path, original, form_of(raw), data))
    if not files:
        return [_File(plan_path, "", TextForm(), _new_plan(account_id))]
    header = next((f.data.get("account") for f in files if isinstance(f.data.get("account"), Mapping)), None)
    existing_id = (header or {}).get("id") or plan_path.stem
    if str(existing_id) != account_id:
        raise UsageError(f"{display_name(plan_path)} is the plan of {existing_id!r}, not {account_id!r}")
    return files


def import_records(
    fmt: str, file: str | os.PathLike[str], account_id: str, *, into: str | Path | None = None, dry_run: bool = False,
    mark_missing_left: bool = False, options: Mapping[str, Any] | None = None, host: PluginHost | None = None,
) -> ImportReport:
    """Import ``file`` with importer ``fmt`` into the plan of ``account_id``.

    Args:
        fmt: Importer name (``salesforce``, ``hubspot``, ``organogram``, ``csv`` or a plugin's).
        file: The export to read.
        account_id: The account the people belong to.
        into: The plan file (or a file of a folder plan); a path that does not exist becomes a new plan.
        dry_run: Work out the changes, write nothing (anywhere).
        mark_missing_left: Set ``status: left`` on people of this source missing from the export.
        options: Importer options (``map``, ``filter_account``).
        host: Plugin host.

    Returns:
        The report; ``errors`` is non-empty (and nothing written) when the result would not validate.
    """
    host = host or PluginHost()
    importers = host.registry("register_importers")
    if fmt not in importers:
        raise UsageError(f"unknown import format {fmt!r}; available: {', '.join(sorted(importers))}")
    if not Path(file).is_file():
        raise UsageError(f"{file}: no such file")
    plan_path, home = locate_plan(account_id, into, host)
    records = list(safe_call(importers[fmt], "importer", Path(file), dict(options or {})) or [])
    report = ImportReport(plan_path)
    files = _load_files(plan_path, account_id)
    report.created = not plan_path.exists()
    source_key = next((k for r in records for k in (r.get("custom") or {})), f"{fmt}_id")
    _merge(_Plan(files, source_key, home), records, report, mark_missing_left)
    texts = {f.path: dump_rt(f.data, null_style(f.original), source=f.original) for f in files}
    changed = {path: text for path, text in texts.items()
               if text != next(f.original for f in files if f.path == path)}
    report.text = "".join(texts.values())
    if not changed:
        return report
    report.errors = errors_of(plan_path, changed, host)
    if not report.errors and not dry_run:
        forms = {f.path: f.form for f in files}
        for path, text in changed.items():
            write_atomic(path, in_form(text, forms[path]))
        report.written = True
    return report


def _merge(plan: _Plan, records: Iterable[Mapping[str, Any]], report: ImportReport, mark_left: bool) -> None:
    seen_source: dict[str, int] = {}
    source_to_plan: dict[str, str] = {}
    imported: list[tuple[Mapping[str, Any], CommentedMap, str | None]] = []
    taken: set[int] = set()
    for record in records:
        row = record.get("_row", "?")
        source_id = record.get("_source_id")
        if not record.get("name"):
            report.skipped_rows += 1
            report.warnings.append(f"row {row}: no name, skipped")
            continue
        key_id = source_id
        if source_id is not None:
            if source_id in seen_source:
                n = sum(1 for k in seen_source if k == source_id or k.startswith(f"{source_id}~")) + 1
                key_id = f"{source_id}~{n}"
                first = seen_source[source_id]
                report.warnings.append(f"row {row}: duplicate id {source_id!r} (first at row {first}); "
                                       "imported as a separate person")
            seen_source.setdefault(source_id, row)
            seen_source.setdefault(str(key_id), row)
        entry = plan.match(record, key_id, taken)
        changes: list[str] = []
        if entry is None:
            entry = CommentedMap()
            entry["id"] = plan.new_id(record, key_id)
            entry["name"] = record["name"]
            plan.home.append(entry)
            plan.people.append(entry)
            report.added.append(str(entry["id"]))
        else:
            _set(entry, "name", record["name"], changes)
        taken.add(id(entry))
        _set(entry, "title", record.get("title"), changes)
        if record.get("unit"):
            _set(entry, "unit", plan.unit_id(record["unit"], report), changes)
        if str(entry["id"]) in report.added:
            entry["attitude"] = "unknown"
            if record.get("status"):
                entry["status"] = record["status"]
        contact = {k: v for k, v in (record.get("contact") or {}).items() if k in OWNED_CONTACT and v}
        if contact:
            block = entry.get("contact")
            if not isinstance(block, CommentedMap):
                block = CommentedMap()
                entry["contact"] = block
            for key, value in contact.items():
                _set(block, key, value, changes)
        if key_id is not None:
            custom = entry.get("custom")
            if not isinstance(custom, CommentedMap):
                custom = CommentedMap()
                entry["custom"] = custom
            _set(custom, plan.source_key, key_id, changes)
            source_to_plan.setdefault(key_id, str(entry["id"]))
        if changes and str(entry["id"]) not in report.added:
            report.updated[str(entry["id"])] = changes
        elif str(entry["id"]) not in report.added:
            report.unchanged += 1
        imported.append((record, entry, key_id))
    _link_managers(plan, imported, source_to_plan, report)
    if plan.source_key:
        present = set(source_to_plan)
        for person in plan.people:
            custom = person.get("custom") if isinstance(person, Mapping) else None
            if isinstance(custom, Mapping) and custom.get(plan.source_key) is not None \
                    and str(custom[plan.source_key]) not in present:
                report.missing.append(str(person["id"]))
                if mark_left and person.get("status") != "left":
                    person["status"] = "left"
                    report.marked_left.append(str(person["id"]))


def _link_managers(plan: _Plan, imported: list[tuple[Mapping[str, Any], CommentedMap, str | None]],
                   source_to_plan: dict[str, str], report: ImportReport) -> None:
    desired: dict[str, str | None] = {}
    rows: dict[str, Any] = {}
    keep_existing: set[str] = set()
    for record, entry, key_id in imported:
        pid, row = str(entry["id"]), record.get("_row", "?")
        rows[pid] = row
        manager = (record.get("_manager") or "").strip()
        if not manager:  # no manager column, or an empty cell: the export does not know; the plan's line stays
            continue
        if key_id is not None and manager in (key_id, record.get("_source_id")):
            report.warnings.append(f"row {row}: {record['name']!r} reports to themself; kept at the top of the tree")
            keep_existing.add(pid)
        elif manager in source_to_plan:
            desired[pid] = source_to_plan[manager]
        else:
            report.warnings.append(f"row {row}: manager {manager!r} of {record['name']!r} is not in the export; "
                                   "kept at the top of the tree")
            keep_existing.add(pid)
    parents = {str(p["id"]): (str(p["reports_to"]) if p.get("reports_to") else None)
               for p in plan.people if isinstance(p, Mapping) and p.get("id")}
    parents.update(desired)
    for loop in find_loops(parents):
        cut = min((p for p in loop if p in desired), key=lambda p: _row_key(rows.get(p)), default=None)
        if cut is None:
            continue
        shown = " -> ".join([*loop, loop[0]])
        listed = ", ".join(str(r) for r in sorted((rows[p] for p in loop if p in rows), key=_row_key))
        report.warnings.append(f"rows {listed}: reports_to loop {shown}; {cut} kept at the top of the tree")
        desired[cut] = None
        parents[cut] = None
    by_id = {str(p["id"]): p for p in plan.people if isinstance(p, CommentedMap) and p.get("id")}
    for pid, manager in desired.items():
        person = by_id[pid]
        before = person.get("reports_to")
        if manager is None:
            if before is not None and pid not in keep_existing:
                del person["reports_to"]
                _note(report, pid, f"reports_to: {before} → -")
        elif before is None or str(before) != manager:
            _place(person, "reports_to", manager)
            _note(report, pid, f"reports_to: {before if before is not None else '-'} → {manager}")


def _row_key(row: Any) -> tuple[int, str]:
    return (row, "") if isinstance(row, int) else (1 << 30, str(row))


def _place(entry: CommentedMap, key: str, value: Any) -> None:
    """Set ``key`` right after ``unit`` / ``title`` / ``name`` for a readable entry."""
    if key in entry:
        entry[key] = value
        return
    anchor = next((k for k in ("unit", "title", "name", "id") if k in entry), None)
    position = list(entry).index(anchor) + 1 if anchor else len(entry)
    entry.insert(position, key, value)


def _note(report: ImportReport, pid: str, change: str) -> None:
    if pid in report.added:
        return
    if pid not in report.updated:
        report.unchanged = max(0, report.unchanged - 1)
    report.updated.setdefault(pid, []).append(change)
