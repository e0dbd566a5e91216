"""Plans on disk -> validated accounts. Everything goes through :func:`load_portfolio`.

Reading is behind :func:`read_plan_source` so that a faster parser or a cache can be dropped in.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kamplan.errors import Diagnostic
from kamplan.parse.fast import FAST_PATH, TextLocator, read_fast
from kamplan.parse.locate import Locator, MergedLocator
from kamplan.parse.reader import (
    Plain,
    YamlReadError,
    decode,
    format_path,
    load_bytes,
    read_file,
    read_text,
)
from kamplan.plan.model import FORMAT_VERSIONS, Plan, PortfolioConfig
from kamplan.plan.schema_errors import describe, schema_diagnostics
from kamplan.read.discovery import (
    display_name,
    files_of_plan,
    outside_repository,
)

log = logging.getLogger(__name__)

_HEADER = ("kamplan", "account")
_FAST_CONTEXT = {"fast": True}


@dataclass
class PlanSource:
    """A plan's merged data before validation, with positions and reading problems."""

    path: Path
    display: str
    data: dict[str, Any] | None
    locator: Locator
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fast: bool = False  # read by yaml-rs (kamplan.parse.fast); read again the full way on any problem


@dataclass
class ConfigInfo:
    """A loaded ``kamplan.yaml`` (or defaults when there is none)."""

    path: Path | None
    config: PortfolioConfig
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None

    @property
    def plans_dir(self) -> Path | None:
        return (self.root / self.config.plans) if self.root else None


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading, then freeze what was loaded.

    Loading builds millions of small objects and no garbage cycles; letting the collector walk them
    again and again made loads about twice as slow. ``gc.freeze`` moves them out of its sight for
    the rest of the (short-lived) command.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


# -- kamplan.yaml ----------------------------------------------------------------------------------
def load_config(path: Path | None, text: str | None = None) -> ConfigInfo:
    """Read and validate ``kamplan.yaml``; problems become diagnostics, defaults are kept.

    Like plans, it is read on the fast path first and the full way as soon as anything is wrong.

    Args:
        path: The file (None: no kamplan.yaml, the defaults).
        text: Its content as an editor holds it, read instead of the file.
    """
    if path is None:
        return ConfigInfo(None, PortfolioConfig(kamplan=1))
    display = display_name(path)
    try:
        raw = load_bytes(path, display) if text is None else text.encode("utf-8", "surrogatepass")
        text = decode(raw, display) if text is None else text
    except YamlReadError as exc:
        return ConfigInfo(path, PortfolioConfig(kamplan=1), exc.diagnostics)
    fast = read_fast(text, display, raw) if FAST_PATH else None
    if fast is not None:
        fast_data, fast_locator = fast
        if not _check_version(fast_data, fast_locator, display):
            try:
                return ConfigInfo(path, PortfolioConfig.model_validate(fast_data, context=_FAST_CONTEXT))
            except ValidationError:
                pass
    try:
        doc = read_text(text, display)
    except YamlReadError as exc:
        return ConfigInfo(path, PortfolioConfig(kamplan=1), exc.diagnostics)
    locator = Locator.from_document(doc, display)
    diagnostics = list(doc.diagnostics)
    data = doc.data
    if not isinstance(data, dict):
        diagnostics.append(Diagnostic(display, 1, 1, "error", "E103", "kamplan.yaml must be a mapping"))
        return ConfigInfo(path, PortfolioConfig(kamplan=1), diagnostics)
    diagnostics += _check_version(data, locator, display)
    if any(d.code in ("E104", "E105") for d in diagnostics):
        return ConfigInfo(path, PortfolioConfig(kamplan=1), diagnostics)
    try:
        config = PortfolioConfig.model_validate(data)
    except ValidationError as exc:
        diagnostics += schema_diagnostics(exc, data, locator, PortfolioConfig)
        config = _without_bad_values(data, exc)
    return ConfigInfo(path, config, diagnostics)


def _without_bad_values(data: dict[str, Any], exc: ValidationError, rounds: int = 8) -> PortfolioConfig:
    """kamplan.yaml with only its invalid values left out (their defaults apply), everything else kept.

    One bad setting must not discard the portfolio's people and offerings: that would turn every
    team reference of every plan into a false "not declared" error.
    """
    import copy

    cleaned = copy.deepcopy(data)
    for _ in range(rounds):
        for error in exc.errors():
            _drop(cleaned, tuple(error["loc"]))
        try:
            return PortfolioConfig.model_validate(cleaned)
        except ValidationError as again:
            exc = again
    return PortfolioConfig(kamplan=1)


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    """Remove the deepest part of ``loc`` that exists in ``data`` (a list entry or a mapping key)."""
    node, parent, last = data, None, None
    for part in loc:
        if (isinstance(node, dict) and part in node) or (isinstance(node, list) and isinstance(part, int) \
                and 0 <= part < len(node)):
            parent, last, node = node, part, node[part]
        else:
            break
    if parent is None:
        return
    if isinstance(parent, dict):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int):
        parent.pop(last)


# -- reading one plan ------------------------------------------------------------------------------
def read_plan_source(path: Path, texts: Mapping[Path, str] | None = None) -> PlanSource:
    """Read a plan file or folder into merged data with positions (no validation yet).

    Args:
        path: The plan file or folder plan.
        texts: Text to read instead of a file's content, by file path (a change not yet written:
            ``import`` validates its result before it writes anything).
    """
    display = display_name(path)
    refused = _outside(path, display, files_of_plan(path) if path.is_dir() else [])
    if refused is not None:
        return refused
    if texts:
        if path in texts:
            return _read_full(path, display, texts[path])
        return _read_folder(path, display, texts)
    if path.is_dir():
        fast_folder = _read_folder_fast(path, display) if FAST_PATH else None
        return fast_folder or _read_folder(path, display)
    try:
        raw = load_bytes(path, display)
        text = decode(raw, display)
    except YamlReadError as exc:
        return PlanSource(path, display, None, Locator(display), exc.diagnostics)
    if FAST_PATH:
        fast = read_fast(text, display, raw)
        if fast is not None:
            return PlanSource(path, display, fast[0], fast[1], fast=True)
    return _read_full(path, display, text)


def _outside(path: Path, display: str, files: list[Path]) -> PlanSource | None:
    """A refusal (E113) when the plan, or a file of a folder plan, is a symlink out of the repository."""
    for candidate in (path, *(f for f in files if f.is_symlink())):
        outside = outside_repository(candidate)
        if outside is not None:
            real, root = outside
            shown = display_name(candidate)
            message = (f"{shown} leads outside the repository (to {real}), so it is not read; "
                       f"plans must be inside {root}")
            return PlanSource(path, display, None, Locator(display), [Diagnostic(shown, 1, 1, "error", "E113",
                                                                                 message)])
    return None


def _read_full(path: Path, display: str, text: str) -> PlanSource:
    try:
        doc = read_text(text, display)
    except YamlReadError as exc:
        return PlanSource(path, display, None, Locator(display), exc.diagnostics)
    locator = Locator.from_document(doc, display)
    source = PlanSource(path, display, None, locator, list(doc.diagnostics))
    if not isinstance(doc.data, dict):
        source.diagnostics.append(
            Diagnostic(display, *doc.position(()), "error", "E103",
                       f"a plan must be a mapping with 'kamplan:' and 'account:', got {describe(doc.data)}")
        )
        return source
    source.data = doc.data
    return source


def _read_folder(folder: Path, display: str, texts: Mapping[Path, str] | None = None) -> PlanSource:
    files = sorted({*files_of_plan(folder), *(texts or {})}) if texts else files_of_plan(folder)
    locator = MergedLocator(display)
    source = PlanSource(folder, display, {}, locator)
    merged: dict[str, Any] = {}
    header_file: str | None = None
    for file in files:
        name = display_name(file)
        try:
            doc = read_text(texts[file], name) if texts and file in texts else read_file(file, name)
        except YamlReadError as exc:
            source.diagnostics += exc.diagnostics
            continue
        source.diagnostics += doc.diagnostics
        if not isinstance(doc.data, dict):
            source.diagnostics.append(
                Diagnostic(name, *doc.position(()), "error", "E103",
                           f"each file of a folder plan must be a mapping, got {describe(doc.data)}")
            )
            continue
        header_file = _merge_file(source, merged, header_file, name, doc.data, Locator.from_document(doc, name))
    if header_file is None and files and not source.diagnostics:
        source.diagnostics.append(
            Diagnostic(display, 1, 1, "error", "E104",
                       "no file of this folder plan carries 'kamplan:' and 'account:'")
        )
    source.data = merged if files else None
    if not files:
        source.diagnostics.append(Diagnostic(display, 1, 1, "error", "E102", "folder plan has no *.yaml files"))
    return source


def _read_folder_fast(folder: Path, display: str) -> PlanSource | None:
    """A folder plan with every file read on the fast path, or None: then it is read the full way.

    Any collision or missing header sends it the full way too, which says what is wrong.
    """
    files = files_of_plan(folder)
    if not files:
        return None
    read: list[tuple[str, dict[str, Any], Locator]] = []
    for file in files:
        name = display_name(file)
        try:
            raw = load_bytes(file, name)
            fast = read_fast(decode(raw, name), name, raw)
        except YamlReadError:
            return None
        if fast is None:
            return None
        read.append((name, fast[0], fast[1]))
    source = PlanSource(folder, display, {}, MergedLocator(display), fast=True)
    merged: dict[str, Any] = {}
    header_file: str | None = None
    for name, data, file_locator in read:
        header_file = _merge_file(source, merged, header_file, name, data, file_locator)
    if header_file is None or source.diagnostics:
        return None
    source.data = merged
    return source


def _merge_file(source: PlanSource, merged: dict[str, Any], header_file: str | None, name: str,
                data: dict[str, Any], file_locator: Locator) -> str | None:
    """Merge one file of a folder plan into ``merged``; returns the file that carries the header, if known yet.

    A collision is reported at the colliding top-level key, as ``file_locator`` places it.
    """
    assert isinstance(source.locator, MergedLocator)
    if header_file is None and any(k in data for k in _HEADER):
        header_file = name
        source.locator.default_file = name
    remap: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}
    for key, value in data.items():
        _, line, column = file_locator.locate((key,), key=True)
        _merge_section(merged, key, value, (line, column), name, header_file, remap, source)
    source.locator.add(file_locator, data, remap)
    return header_file


def _merge_section(
    merged: dict[str, Any], key: str, value: Any, where: tuple[int, int], name: str,
    header_file: str | None, remap: dict[Any, Any], source: PlanSource,
) -> None:
    line, column = where

    def collide(message: str) -> None:
        source.diagnostics.append(Diagnostic(name, line, column, "error", "E306", message, key))

    if key in _HEADER:
        if header_file != name:
            collide(f"{key!r} is already given in {header_file}; only one file of a folder plan carries it")
        else:
            merged[key] = value
        return
    if key not in merged:
        if isinstance(value, list):
            merged[key] = list(value)
        elif isinstance(value, dict):
            merged[key] = dict(value)
        else:
            merged[key] = value
        return
    existing = merged[key]
    if isinstance(existing, list) and isinstance(value, list):
        offset = len(existing)
        for i in range(len(value)):
            remap[(key, i)] = (key, offset + i)
        existing.extend(value)
    elif isinstance(existing, dict) and isinstance(value, dict):
        for sub in value:
            if sub in existing:
                collide(f"{key}.{sub} is given in two files of this folder plan")
            else:
                existing[sub] = value[sub]
    else:
        collide(f"{key!r} is given in two files of this folder plan and cannot be merged")


def _check_version(data: dict[str, Any], locator: Locator, display: str) -> list[Diagnostic]:
    readable = ", ".join(str(v) for v in FORMAT_VERSIONS)
    if "kamplan" not in data:
        return [Diagnostic(display, 1, 1, "error", "E104",
                           f"missing 'kamplan:' format version (this release reads version {readable})", "kamplan")]
    raw = data["kamplan"]
    text = str(raw) if isinstance(raw, Plain | int) and not isinstance(raw, bool) else None
    if text is not None and text.isdigit() and int(text) in FORMAT_VERSIONS:
        data["kamplan"] = int(text)
        return []
    file, line, column = locator.locate(("kamplan",))
    return [Diagnostic(file, line, column, "error", "E105",
                       f"unsupported format version {describe(raw)}; this release reads version {readable}",
                       "kamplan")]


def validate_source(source: PlanSource) -> Plan | None:
    """Validate merged plan data; schema problems are added to ``source.diagnostics``.

    A plan read on the fast path that shows any problem at all is read again the full way and
    validated again, so that its diagnostics are exactly the full reader's.
    """
    if not source.fast:
        return _validate(source)
    plan = _validate(source, fast=True)
    if plan is not None and not source.diagnostics:
        return plan
    if source.path.is_dir():
        full = _read_folder(source.path, source.display)
    else:
        assert isinstance(source.locator, TextLocator)
        full = _read_full(source.path, source.display, source.locator.text)
    source.data, source.locator, source.diagnostics, source.fast = full.data, full.locator, full.diagnostics, False
    return _validate(source)


def _validate(source: PlanSource, *, fast: bool = False) -> Plan | None:
    data = source.data
    fatal = ("E103", "E104", "E306")
    if data is None or any(d.severity == "error" and d.code in fatal for d in source.diagnostics):
        return None
    version_problems = _check_version(data, source.locator, source.locator.default_file)
    if version_problems:
        source.diagnostics += version_problems
        return None
    account = data.get("account")
    if isinstance(account, dict) and account.get("id") is None:
        account["id"] = source.path.stem if source.path.is_file() else source.path.name
    try:
        plan = Plan.model_validate(data, context=_FAST_CONTEXT if fast else None)
    except ValidationError as exc:
        if not fast:  # on the fast path the full reader will say what is wrong
            source.diagnostics += schema_diagnostics(exc, data, source.locator, Plan)
        return None
    return None if any(d.severity == "error" for d in source.diagnostics) else plan


__all__ = ["ConfigInfo", "PlanSource", "format_path", "load_config", "paused_gc", "read_plan_source", "validate_source"]
