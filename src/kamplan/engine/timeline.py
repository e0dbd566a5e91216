"""A plan's map figures at many dates: each distinct version read once, analysed at every date it was current.

``kamplan history`` hands over *versions*: one copy of a plan as it was (its files beside the
``kamplan.yaml`` of that time), a key naming its content, and the dates at which it was the current
version. Each version is read, validated and modelled once (in worker processes when there are
many); the copy of the account made for each date shares the graph and every value that does not
depend on the as-of date (:meth:`kamplan.account.Account.at_another_date`), so a plan that did not
change between two dates costs only the date's own figures the second time. The figures of each
(version, date) are kept in ``.kamplan_cache/`` when a store is given, so running history again, or
the site's trends after one plan changed, computes only what is new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamplan.account import Account
from kamplan.clock import analysed_as_of
from kamplan.engine import unit
from kamplan.engine.accounts import build_account
from kamplan.engine.runner import in_workers
from kamplan.errors import PluginError
from kamplan.insights.action_plan import OPEN_ACTIONS
from kamplan.insights.coverage import active_people, covered_key_players, key_players, stale_ties
from kamplan.insights.kpis import account_figures
from kamplan.plugins.calls import account_scores
from kamplan.read.discovery import find_config
from kamplan.read.sources import read_plan_source, validate_source

TIMELINE_FORMAT = "timeline-1"  # a new shape of the stored figures is a new key


@dataclass(frozen=True)
class Version:
    """One version of a plan and the dates at which it was current.

    Attributes:
        plan: The copy of the plan (a file or a folder plan) beside the ``kamplan.yaml`` of its time.
        key: Names the content: kamplan.yaml's and the plan's bytes with their names.
        dates: The as-of dates to analyse it at.
        shown: The plan's path as the user knows it (relative to the portfolio), for problems.
    """

    plan: Path
    key: str
    dates: tuple[dt.date, ...]
    shown: str


def map_figures(account: Account, host: Any) -> dict[str, Any]:
    """The figures ``kamplan history`` shows for one account at its as-of date (cli.md, ``history``)."""
    day = account.today
    kpi = account_figures(account).to_json()
    health = account_scores(account, host).get("health", {}).get("value")
    people = active_people(account)
    actions = [a for a in account.plan.actions if a.status in OPEN_ACTIONS]
    return {
        "account": account.id, "date": day.isoformat(),
        "coverage": kpi["coverage"], "map_status": kpi["map_status"], "health": health, "nrr": kpi["nrr"],
        "key_players": len(key_players(account)), "covered_key_players": len(covered_key_players(account)),
        "champions": sum(1 for p in people if p.attitude == "champion" or "champion" in p.roles),
        "stale_relationships": len(stale_ties(account)),
        "open_actions": len(actions), "overdue_actions": sum(1 for a in actions if a.due and a.due < day),
    }


def figure_key(version: Version, day: dt.date, context: str) -> str:
    """The cache key of one version's figures at ``day`` under ``context`` (plugins, kamplan version)."""
    return hashlib.sha256(f"{TIMELINE_FORMAT}\0{context}\0{version.key}\0{day.isoformat()}".encode()).hexdigest()


def analyse_versions(versions: Sequence[Version], host: Any, *, store: Any = None, context: str = "",
                     parallel: bool = True, figures: Callable[[Account, Any], dict[str, Any]] = map_figures,
                     ) -> dict[tuple[str, dt.date], dict[str, Any]]:
    """Each version's outcome at each of its dates: ``{"row": figures}`` or ``{"problem": ...}``.

    Args:
        versions: The versions to analyse.
        host: The plugin host (forked workers inherit it).
        store: A :class:`~kamplan.engine.store.JournaledJson` of earlier outcomes (None: no cache).
        context: What else the outcomes depend on (the plugin set and kamplan version), for the keys.
        parallel: Allow worker processes.
        figures: The figures of one account at its as-of date.

    Returns:
        By (version key, date), the figures of the account (``{"row": ...}``) or the version's first
        error (``{"problem": {"file", "line", "column", "code", "message"}}``).

    Raises:
        PluginError: When a plugin fails on a version.
    """
    outcomes: dict[tuple[str, dt.date], dict[str, Any]] = {}
    todo: list[tuple[Version, tuple[dt.date, ...]]] = []
    for version in versions:
        missing = []
        for day in version.dates:
            known = store.get(figure_key(version, day, context)) if store is not None else None
            if isinstance(known, dict) and ("row" in known or "problem" in known):
                outcomes[(version.key, day)] = known
            else:
                missing.append(day)
        if missing:
            todo.append((version, tuple(missing)))
    unit.WORKER.host = host
    unit.WORKER.configs.clear()
    _JOB["figures"] = figures
    results, _ = in_workers(_analyse_chunk, [(str(v.plan), [d.isoformat() for d in days]) for v, days in todo],
                            parallel=parallel)
    for (version, days), found in zip(todo, results, strict=True):
        if "plugin_error" in found:
            raise found["plugin_error"]
        for day, outcome in zip(days, found["outcomes"], strict=True):
            if "problem" in outcome:
                outcome["problem"]["file"] = _shown_file(outcome["problem"]["file"], version)
            outcomes[(version.key, day)] = outcome
            if store is not None:
                store.put(figure_key(version, day, context), outcome)
    return outcomes


_JOB: dict[str, Any] = {}


def _analyse_chunk(items: list[tuple[str, list[str]]]) -> list[dict[str, Any]]:
    return [_analyse_one(Path(plan), [dt.date.fromisoformat(d) for d in days]) for plan, days in items]


def _analyse_one(plan: Path, days: list[dt.date]) -> dict[str, Any]:
    """Read one version once and compute its figures at each day (or its first error, the same for each)."""
    try:
        info = unit.WORKER.config(find_config(plan))
        source = read_plan_source(plan)
        model = validate_source(source)
        errors = [d for d in (*info.diagnostics, *source.diagnostics) if d.severity == "error"]
        if model is None or errors:
            first = min(errors, key=lambda d: (d.line, d.column)) if errors else None
            problem = ({"file": first.file, "line": first.line, "column": first.column, "code": first.code,
                        "message": first.message} if first else
                       {"file": str(plan), "line": 0, "column": 0, "code": "E000", "message": "not read"})
            return {"outcomes": [{"problem": dict(problem)} for _ in days]}
        account = build_account(model, source, info, {i for i in (model.account.id, model.account.parent) if i})
        account.host = unit.WORKER.host
        outcomes = []
        for day in days:
            with analysed_as_of(day):
                outcomes.append({"row": _JOB["figures"](account.at_another_date(), unit.WORKER.host)})
        return {"outcomes": outcomes}
    except PluginError as exc:
        return {"plugin_error": exc}


def _shown_file(file: str, version: Version) -> str:
    """A problem's file as the user knows it: the plan's own path, a folder plan's file inside it."""
    path = Path(file)
    if path.name == "kamplan.yaml":
        return "kamplan.yaml"
    if version.plan.is_dir():
        return f"{version.shown}/{path.name}"
    return version.shown
