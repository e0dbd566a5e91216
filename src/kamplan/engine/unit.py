"""One plan's work unit: read -> model -> graph -> rules -> scores -> recommendations -> KPI record.

A unit runs in a worker process on cold runs, so it takes a plan path and returns plain data: the
plan's report rendered as text with its counts and sort bounds (the *entry*), its diagnostics as
JSON rows, and, when asked, parts of its *analysis* (scores, recommendations, the KPI record and the
summary the dashboard lists; see :mod:`kamplan.engine.parts`) as JSON text. Cross-plan checks
(``account.parent``, duplicate account ids) are left to the portfolio step (:mod:`kamplan.engine.results`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.account import Account
from kamplan.engine.accounts import build_account
from kamplan.engine.parts import analysis_parts
from kamplan.engine.results import finish_entry
from kamplan.errors import PluginError
from kamplan.plugins.calls import run_rules
from kamplan.read.discovery import find_config
from kamplan.read.sources import ConfigInfo, load_config, read_plan_source, validate_source

# Extra work a command wants done on each loaded account, in the worker (the site writes its pages).
Visit = Callable[[Account], Any]


@dataclass
class Worker:
    """What a worker process keeps between plans: the plugin host and each kamplan.yaml, loaded once."""

    host: Any = None
    configs: dict[Path | None, ConfigInfo] = field(default_factory=dict)

    def config(self, path: Path | None) -> ConfigInfo:
        info = self.configs.get(path)
        if info is None:
            info = self.configs[path] = load_config(path)
        return info


WORKER = Worker()


def compute(plan: Path, parts: Sequence[str] = (), visit: Visit | None = None, check: bool = True,
            texts: Mapping[Path, str] | None = None, warnings: bool = True) -> dict[str, Any]:
    """The work unit of one plan (see the module docstring).

    Args:
        plan: A plan file or folder plan.
        parts: The parts of the analysis to compute (only for a plan without errors).
        visit: Extra work on the loaded account (only for a plan without errors); its result is returned.
        check: Run the checks; without, the plan is known valid (its checks are cached) and the
            entry and rows are None.
        texts: Text to read instead of a file's content, by file path (an editor's unsaved buffer).
        warnings: Run kamplan's own warning rules too; without, the checks are those that can find an
            error (what an analysis needs) and the entry says so (``all_checks`` false).

    Returns:
        ``{"entry", "rows", "parts", "visited"}`` (parts: see :mod:`kamplan.engine.parts`), or
        ``{"plugin_error": PluginError}`` when a plugin failed.
    """
    try:
        return _compute(plan, parts, visit, check, texts, warnings)
    except PluginError as exc:  # reported by the parent with the plugin's name; never cached
        return {"plugin_error": exc}


def _compute(plan: Path, parts: Sequence[str], visit: Visit | None, check: bool,
             texts: Mapping[Path, str] | None, warnings: bool = True) -> dict[str, Any]:
    host = WORKER.host
    info = WORKER.config(find_config(plan))
    source = read_plan_source(plan, texts=texts)
    model = validate_source(source)
    diagnostics = [*info.diagnostics, *source.diagnostics]
    entry: dict[str, Any] = {"account": None, "tier": None, "id_at": None, "parent": None, "parent_at": None,
                             "all_checks": warnings}
    found: dict[str, str] | None = None
    visited: Any = None
    if model is not None:
        parent = model.account.parent
        account = build_account(model, source, info, {i for i in (model.account.id, parent) if i})
        account.host = host
        if check:
            if parent is not None:
                entry["parent"] = parent
                entry["parent_at"] = list(account.locator.locate(("account", "parent"), key=True))
            diagnostics += run_rules(account, host, warnings=warnings)
        entry["account"] = account.id
        entry["tier"] = model.account.tier
        if warnings:  # an errors-only check looks up where the id is written only for a duplicate id
            entry["id_at"] = list(account.locator.locate(("account", "id"), key=True))
        if not any(d.severity == "error" for d in diagnostics):
            if parts:
                found = analysis_parts(account, host, parts)
            if visit is not None:
                visited = visit(account)
    if not check:
        return {"entry": None, "rows": None, "parts": found, "visited": visited}
    entry, rows = finish_entry(entry, diagnostics)
    return {"entry": entry, "rows": rows, "parts": found, "visited": visited}
