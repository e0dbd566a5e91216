"""Plans on disk -> validated accounts. Everything goes through :func:`load_portfolio`.

Reading is behind :func:`read_plan_source` so that a faster parser or a cache can be dropped in.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kamplan.account import Account, AccountSettings, Portfolio
from kamplan.discovery import (
    discover,
    display_name,
    files_of_plan,
    find_config,
    plans_in,
)
from kamplan.errors import Diagnostic
from kamplan.fastpath import TextLocator, read_fast
from kamplan.locate import Locator
from kamplan.model import FORMAT_VERSIONS, Offering, Plan, PortfolioConfig, TeamMember
from kamplan.schema_errors import describe, schema_diagnostics
from kamplan.yamlread import (
    Plain,
    YamlDocument,
    YamlReadError,
    decode,
    format_path,
    load_bytes,
    read_file,
    read_text,
)

log = logging.getLogger(__name__)

_HEADER = ("kamplan", "account")
# KAMPLAN_FAST_PATH=0 reads every plan the full way (for comparing both ways; results are the same).
FAST_PATH = os.environ.get("KAMPLAN_FAST_PATH", "1") != "0"
_FAST_CONTEXT = {"fast": True}


@dataclass
class PlanSource:
    """A plan's merged data before validation, with positions and reading problems."""

    path: Path
    display: str
    data: dict[str, Any] | None
    locator: Locator
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fast: bool = False  # read by yaml-rs (kamplan.fastpath); read again the full way on any problem


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
def load_config(path: Path | None) -> ConfigInfo:
    """Read and validate ``kamplan.yaml``; problems become diagnostics, defaults are kept.

    Like plans, it is read on the fast path first and the full way as soon as anything is wrong.
    """
    if path is None:
        return ConfigInfo(None, PortfolioConfig(kamplan=1))
    display = display_name(path)
    try:
        raw = load_bytes(path, display)
        text = decode(raw, display)
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
        config = PortfolioConfig(kamplan=1)
    return ConfigInfo(path, config, diagnostics)


# -- reading one plan ------------------------------------------------------------------------------
def read_plan_source(path: Path) -> PlanSource:
    """Read a plan file or folder into merged data with positions (no validation yet)."""
    display = display_name(path)
    if path.is_dir():
        return _read_folder(path, display)
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


def _read_folder(folder: Path, display: str) -> PlanSource:
    files = files_of_plan(folder)
    locator = Locator(display)
    source = PlanSource(folder, display, {}, locator)
    merged: dict[str, Any] = {}
    header_file: str | None = None
    for file in files:
        name = display_name(file)
        try:
            doc = read_file(file, name)
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
        if header_file is None and any(k in doc.data for k in _HEADER):
            header_file = name
            locator.default_file = name
        remap: dict[tuple[str | int, ...], tuple[str | int, ...]] = {}
        for key, value in doc.data.items():
            _merge_section(merged, key, value, doc, name, header_file, remap, source)
        locator.add(doc, name, remap)
    if header_file is None and files and not source.diagnostics:
        source.diagnostics.append(
            Diagnostic(display, 0, 0, "error", "E104",
                       "no file of this folder plan carries 'kamplan:' and 'account:'")
        )
    source.data = merged if files else None
    if not files:
        source.diagnostics.append(Diagnostic(display, 0, 0, "error", "E102", "folder plan has no *.yaml files"))
    return source


def _merge_section(
    merged: dict[str, Any], key: str, value: Any, doc: YamlDocument, name: str,
    header_file: str | None, remap: dict[Any, Any], source: PlanSource,
) -> None:
    line, column = doc.position((key,), key=True)

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


# -- accounts and portfolios -----------------------------------------------------------------------
def resolve_team(plan: Plan, people: dict[str, TeamMember]) -> dict[str, TeamMember]:
    """Our team for one account: plan entries completed from ``kamplan.yaml`` people.

    The plan's role wins for its account; the name comes from the plan or from ``people``.
    """
    team: dict[str, TeamMember] = {}
    for member in plan.team:
        declared = people.get(member.id)
        if declared is None or (member.name and member.role):
            team[member.id] = member
            continue
        team[member.id] = TeamMember.model_construct(  # both halves are validated already
            id=member.id,
            name=member.name or declared.name,
            role=member.role or declared.role,
            custom=member.custom,
        )
    return team


def build_account(plan: Plan, source: PlanSource, info: ConfigInfo, portfolio_ids: set[str]) -> Account:
    """Wrap a validated plan into an :class:`Account` with its settings, team and offerings."""
    config = info.config
    people = {p.id: p for p in config.people}
    offerings: dict[str, Offering] = {o.id: o for o in config.offerings}
    offerings.update({o.id: o for o in plan.offerings})
    return Account(
        plan=plan,
        locator=source.locator,
        settings=AccountSettings(config.settings, dict(config.plugins)),
        team=resolve_team(plan, people),
        offerings=offerings,
        source=source.path,
        portfolio_ids=portfolio_ids,
        declared_people=people,
    )


def load_portfolio(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    host: Any = None,
    plugin_dirs: Iterable[str | os.PathLike[str]] = (),
    use_cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Portfolio:
    """Load every plan under ``paths`` (files, folder plans or portfolio roots).

    Args:
        paths: What to load; the current directory when empty.
        host: The :class:`~kamplan.plugins.PluginHost` to use; a default one when None (built-ins,
            entry points, ``--plugins-dir`` folders and the ``plugins/`` folder beside ``kamplan.yaml``).
        plugin_dirs: Extra plugin folders for the default host.
        use_cache: Accepted for symmetry with ``validate``, whose results are what the cache stores.
        progress: Called as ``progress(done, total)`` while plans are read (for progress bars).

    Returns:
        The portfolio: valid accounts plus the diagnostics of plans that could not be loaded.

    Raises:
        UsageError: When a path does not exist or holds no plans.
        PluginError: When a plugin fails to load or raises in ``after_portfolio_loaded``.
    """
    del use_cache  # loads always read every file; the result cache belongs to `kamplan validate`
    plan_paths = discover(paths)
    configs: dict[Path | None, ConfigInfo] = {}
    with paused_gc():
        sources = []
        for i, path in enumerate(plan_paths):
            sources.append(read_plan_source(path))
            if progress is not None:
                progress(i + 1, len(plan_paths))
        plans: list[tuple[PlanSource, Plan | None, ConfigInfo]] = []
        for source in sources:
            config_path = find_config(source.path)
            if config_path not in configs:
                configs[config_path] = load_config(config_path)
            plans.append((source, validate_source(source), configs[config_path]))
    first = configs[next(iter(configs))] if configs else load_config(None)
    if host is None:
        from kamplan.plugins import PluginHost

        dirs = list(plugin_dirs)
        if first.root and (first.root / "plugins").is_dir():
            dirs.append(first.root / "plugins")
        host = PluginHost(plugin_dirs=dirs)
    known_ids = {p.stem for info in configs.values() if info.plans_dir for p in plans_in(info.plans_dir)}
    known_ids |= {plan.account.id for _, plan, _ in plans if plan and plan.account.id}
    diagnostics = [d for info in configs.values() for d in info.diagnostics]
    accounts = []
    for source, plan, info in plans:
        diagnostics += source.diagnostics
        if plan is not None:
            accounts.append(build_account(plan, source, info, known_ids))
    for account in accounts:
        account.host = host
    portfolio = Portfolio(accounts, diagnostics, first.config, first.root, host)
    host.call_lifecycle("after_portfolio_loaded", portfolio=portfolio)
    return portfolio


__all__ = ["format_path", "load_portfolio", "read_plan_source", "validate_source"]
