"""``kamplan history``: each account's map figures at the end of each month or quarter, from git.

For each date (the last day of each month or quarter from ``since`` to ``until``), the plans as they
were at the last commit on or before that day (committer date, as ``git log --before`` reads it) are
analysed as of that day: coverage, relationship-map status, health, NRR, key players and how many are
covered, champions, stale relationships, open and overdue actions, and the commit. An account that
did not exist yet at a date has no row for it (absent, not zero); a plan that could not be read at a
date is reported in ``problems`` with its first diagnostic, and the other accounts are still shown.
Two dates on the same commit read the files once.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.clock import analysed_as_of
from kamplan.errors import UsageError
from kamplan.read.discovery import CONFIG_NAME, DEFAULT_PLANS_DIR, configured_plans_dir, find_config
from kamplan.repo.git import extract, git, repo_root

EVERY = ("month", "quarter")


@dataclass
class History:
    """The rows, one per account and date, and what could not be read."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)


def period_ends(since: dt.date, until: dt.date, every: str) -> list[dt.date]:
    """The last day of each month or quarter from the one holding ``since`` to ``until`` (itself last,
    when it is not a period end)."""
    if every not in EVERY:
        raise UsageError(f"--every must be month or quarter, not {every!r}")
    step = 1 if every == "month" else 3
    month = since.month if every == "month" else ((since.month - 1) // 3) * 3 + 1
    year = since.year
    ends: list[dt.date] = []
    while True:
        month_end = month + step - 1
        nxt = dt.date(year + (month_end // 12), month_end % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if end >= until:
            break
        if end >= since:
            ends.append(end)
        month += step
        if month > 12:
            month -= 12
            year += 1
    ends.append(until)
    return ends


def default_until(anchor: Path) -> dt.date:
    """The as-of date of the portfolio holding ``anchor``: ``--as-of``, ``settings.today``, else today."""
    from kamplan.engine.context import as_of

    return dt.date.fromisoformat(as_of(find_config(anchor if anchor.is_dir() else anchor.parent)))


def commit_at(root: Path, day: dt.date) -> str | None:
    """The last commit on or before the end of ``day`` (committer date), or None before the first."""
    out = git(["rev-list", "-1", f"--before={day.isoformat()} 23:59:59", "HEAD"], root).decode().strip()
    return out or None


def _portfolio_rels(paths: Sequence[Path], root: Path) -> list[str]:
    rels = []
    for path in paths or [Path.cwd()]:
        path = path.resolve()
        config = find_config(path)
        base = config.parent if config else (path if path.is_dir() else path.parent)
        plans = configured_plans_dir(config) if config else DEFAULT_PLANS_DIR
        rels += [os.path.relpath(base / CONFIG_NAME, root), os.path.relpath(base / plans, root)]
    return sorted(set(rels))


def _figures(account: Any, host: Any, day: dt.date, commit: str) -> dict[str, Any]:
    from kamplan.insights.action_plan import OPEN_ACTIONS
    from kamplan.insights.coverage import active_people, covered_key_players, key_players, stale_ties
    from kamplan.insights.kpis import account_figures
    from kamplan.plugins.calls import account_scores

    kpi = account_figures(account).to_json()
    health = account_scores(account, host).get("health", {}).get("value")
    people = active_people(account)
    actions = [a for a in account.plan.actions if a.status in OPEN_ACTIONS]
    return {
        "account": account.id, "date": day.isoformat(), "commit": commit[:12],
        "coverage": kpi["coverage"], "map_status": kpi["map_status"], "health": health, "nrr": kpi["nrr"],
        "key_players": len(key_players(account)), "covered_key_players": len(covered_key_players(account)),
        "champions": sum(1 for p in people if p.attitude == "champion" or "champion" in p.roles),
        "stale_relationships": len(stale_ties(account)),
        "open_actions": len(actions), "overdue_actions": sum(1 for a in actions if a.due and a.due < day),
    }


def history(paths: Sequence[str | os.PathLike[str]] = (), *, since: dt.date | None = None,
            until: dt.date | None = None, every: str = "quarter", host: Any = None) -> History:
    """The figures of every account at each date (see the module docstring).

    Args:
        paths: Portfolio roots or plans folders in a git work tree (the current folder when empty).
        since: The first period (default: a year before ``until``).
        until: The last date (default: the as-of date, ``--as-of`` or ``settings.today``).
        every: ``month`` or ``quarter``.
        host: Plugin host.

    Raises:
        UsageError: Outside a git repository, or with dates the wrong way round.
    """
    from kamplan.engine.accounts import load_portfolio
    from kamplan.plugins.host import PluginHost

    given = [Path(p) for p in paths]
    anchor = (given[0] if given else Path.cwd()).resolve()
    root = repo_root(anchor)
    until = until or default_until(anchor)
    since = since or until.replace(year=until.year - 1)
    if since > until:
        raise UsageError(f"--since {since} is after --until {until}")
    host = host or PluginHost()
    rels = _portfolio_rels(given, root)
    result = History()
    loaded: dict[str, Path | None] = {}
    with tempfile.TemporaryDirectory(prefix="kamplan-history-") as tmp:
        for day in period_ends(since, until, every):
            commit = commit_at(root, day)
            if commit is None:
                continue
            if commit not in loaded:
                target = Path(tmp) / commit[:12]
                present = extract(commit, root, rels, target)
                plan_dirs = [target / r for r in present if not r.endswith(CONFIG_NAME)]
                loaded[commit] = plan_dirs[0] if plan_dirs else None
            plans = loaded[commit]
            if plans is None:
                continue
            with analysed_as_of(day):
                try:
                    portfolio = load_portfolio([plans], host=host)
                except UsageError:  # no plans in that commit yet
                    continue
                for diagnostic in portfolio.diagnostics:
                    if diagnostic.severity == "error":
                        result.problems.append({"date": day.isoformat(), "commit": commit[:12],
                                                "file": _relative(diagnostic.file, plans),
                                                "problem": f"{diagnostic.code} {diagnostic.message}"})
                for account in portfolio.accounts:
                    result.rows.append(_figures(account, host, day, commit))
    result.problems = _first_per_file(result.problems)
    return result


def _relative(file: str, plans: Path) -> str:
    path = Path(file)
    try:
        return str(path.resolve().relative_to(plans.resolve().parent))
    except ValueError:
        return path.name


def _first_per_file(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for problem in problems:
        key = (problem["date"], problem["file"])
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out
