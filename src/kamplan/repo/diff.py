"""``kamplan diff``: what changed in the plans between two revisions, in account-planning terms."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kamplan.account import Account, Portfolio
from kamplan.engine.accounts import load_portfolio
from kamplan.insights.coverage import coverage_of
from kamplan.plan.model import ATTITUDE_ORDER, STRENGTH_ORDER
from kamplan.plugins.host import PluginHost, safe_call
from kamplan.read.discovery import CONFIG_NAME, DEFAULT_PLANS_DIR, configured_plans_dir, find_config
from kamplan.render.values import md_cell
from kamplan.repo.git import extract, repo_root, resolve_revision

STAKEHOLDER_FIELDS = ("name", "title", "unit", "reports_to", "dotted_to", "roles", "attitude", "influence",
                      "status", "since")
ACCOUNT_FIELDS = ("name", "tier", "industry", "region", "parent", "owner", "reviewed", "currency", "wallet")
OPPORTUNITY_FIELDS = ("status", "arr", "stage", "close", "competitor", "sponsor")
GOAL_FIELDS = ("title", "metric", "target", "due", "owner", "status")
ACTION_FIELDS = ("title", "owner", "due", "status", "goal", "stakeholders")
KEY_ROLES = ("economic_buyer", "decision_maker")
SCORE_DROP = 5.0


@dataclass
class Change:
    """One change, as in ``kamplan diff --format json``."""

    account: str
    change: str
    kind: str
    id: str | None
    field: str | None
    before: Any
    after: Any
    message: str
    risk: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (dates as text)."""
        data = asdict(self)
        for key in ("before", "after"):
            value = data[key]
            if hasattr(value, "isoformat"):
                data[key] = value.isoformat()
        return data


@dataclass
class Side:
    """One revision: its accounts by id and the files that did not validate."""

    label: str
    accounts: dict[str, Account]
    invalid: dict[str, str]


def _side(label: str, portfolio: Portfolio, host: PluginHost) -> Side:
    from kamplan.plugins.calls import run_rules

    plans_dir = Path(portfolio.config.plans).name
    invalid: dict[str, str] = {}
    for d in portfolio.diagnostics:
        if d.severity != "error" or Path(d.file).name == CONFIG_NAME:
            continue
        path = Path(d.file)
        # a file of a folder plan is named after its folder; a plan file after its stem
        key = path.stem if path.parent.name in (plans_dir, DEFAULT_PLANS_DIR) else path.parent.name
        invalid.setdefault(key, f"{d.code} {d.message} (line {d.line})")
    for account in portfolio.accounts:  # loaded, but an integrity rule fails (a loop, an unknown id...)
        errors = [d for d in run_rules(account, host) if d.severity == "error"]
        if errors:
            invalid.setdefault(account.id, f"{errors[0].code} {errors[0].message} (line {errors[0].line})")
    return Side(label, {a.id: a for a in portfolio.accounts}, invalid)


def load_side(rev: str | None, paths: list[Path], host: PluginHost, notices: list[str] | None = None) -> Side:
    """Load the plans under ``paths`` at ``rev`` (None = the working tree); links in history go to ``notices``."""
    if rev is None:
        return _side("working tree", load_portfolio(paths, host=host), host)
    anchor = paths[0] if paths else Path.cwd()
    root = repo_root(anchor.resolve())
    commit = resolve_revision(rev, root)
    rels: list[str] = []
    for path in paths or [Path.cwd()]:
        path = path.resolve()
        config = find_config(path)
        base = config.parent if config else (path if path.is_dir() else path.parent)
        plans = configured_plans_dir(config) if config else DEFAULT_PLANS_DIR
        for rel in (base / CONFIG_NAME, base / plans):
            rels.append(os.path.relpath(rel, root))
    with tempfile.TemporaryDirectory(prefix="kamplan-diff-") as tmp:
        present = extract(commit, root, sorted(set(rels)), Path(tmp), notices)
        plan_dirs = [Path(tmp) / r for r in present if not r.endswith(CONFIG_NAME)]
        if not plan_dirs:
            return Side(rev, {}, {})
        portfolio = load_portfolio(plan_dirs, host=host)
        for account in portfolio.accounts:
            _ = account.graph  # build now: the files vanish with the temporary folder
        return _side(rev, portfolio, host)


def _fmt(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]" if value else "[]"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    return "-" if value is None else str(value)


def _fields(kind: str, account: str, key: str, label: str, old: Any, new: Any,
            names: tuple[str, ...]) -> Iterator[Change]:
    for name in names:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield Change(account, "changed", kind, key, name, before, after,
                         f"{label}: {name} {_fmt(before)} → {_fmt(after)}")


def _keyed(items: list[Any], key: Any) -> dict[Any, Any]:
    return {key(item): item for item in items}


def compare(old: Account, new: Account, host: PluginHost) -> list[Change]:
    """Every change between two versions of one account, risks called out."""
    acc = new.id
    out = list(_fields("account", acc, acc, "account", old.plan.account, new.plan.account, ACCOUNT_FIELDS))
    before_people = _keyed(old.plan.stakeholders, lambda s: s.id)
    after_people = _keyed(new.plan.stakeholders, lambda s: s.id)
    for pid, person in after_people.items():
        if pid not in before_people:
            change = Change(acc, "added", "stakeholder", pid, None, None, person.name,
                            f"new stakeholder {person.name}" + (f" ({person.title})" if person.title else ""))
            if any(r in person.roles for r in KEY_ROLES) and not coverage_of(new, pid).covered:
                roles = " and ".join(r.replace("_", " ") for r in person.roles if r in KEY_ROLES)
                change.risk = f"new {roles} nobody covers"
            out.append(change)
            continue
        before = before_people[pid]
        for change in _fields("stakeholder", acc, pid, person.name, before, person, STAKEHOLDER_FIELDS):
            change.risk = _stakeholder_risk(change, before, person, new)
            out.append(change)
    for pid, person in before_people.items():
        if pid not in after_people:
            champion = person.attitude == "champion" or "champion" in person.roles
            out.append(Change(acc, "removed", "stakeholder", pid, None, person.name, None,
                              f"stakeholder {person.name} removed",
                              "champion removed from the map" if champion else None))
    out += _diff_list(acc, "relationship", old.plan.relationships, new.plan.relationships,
                      lambda r: f"{r.team}->{r.stakeholder}", ("strength", "last_contact"), new)
    out += _diff_list(acc, "influence", old.plan.influence, new.plan.influence,
                      lambda t: f"{t.from_}->{t.to} ({t.kind})", ("strength",), new)
    out += _diff_list(acc, "opportunity", old.plan.opportunities, new.plan.opportunities,
                      lambda c: f"{c.unit}/{c.offering}", OPPORTUNITY_FIELDS, new)
    out += _diff_list(acc, "goal", old.plan.goals, new.plan.goals, lambda g: g.id, GOAL_FIELDS, new)
    out += _diff_list(acc, "action", old.plan.actions, new.plan.actions, lambda a: a.id, ACTION_FIELDS, new)
    out += _diff_list(acc, "contract", old.plan.contracts, new.plan.contracts, lambda c: c.id,
                      ("end", "arr", "notice_days", "status", "offerings"), new)
    out += _diff_list(acc, "objective", old.plan.objectives, new.plan.objectives, lambda o: o.id,
                      ("title", "owner", "due", "offerings", "shared"), new)
    out += _diff_list(acc, "decision", old.plan.decisions, new.plan.decisions, lambda d: f"{d.date} {d.decision}",
                      ("why", "decided_by", "offerings", "units", "revisit"), new)
    out += _diff_list(acc, "buying influence", _influences(old), _influences(new), lambda b: b.key,
                      ("role", "mode", "win"), new)
    out += _diff_list(acc, "interaction", old.plan.interactions, new.plan.interactions,
                      lambda m: f"{m.date} {m.kind} with {', '.join(m.stakeholders) or 'nobody'}",
                      ("summary", "next_step"), new)
    before_rev = {r.period: r.arr for r in old.plan.revenue}
    for point in new.plan.revenue:
        if before_rev.get(point.period) != point.arr:
            out.append(Change(acc, "changed" if point.period in before_rev else "added", "account", acc,
                              f"revenue.{point.period}", before_rev.get(point.period), point.arr,
                              f"ARR {point.period}: {_fmt(before_rev.get(point.period))} → {_fmt(point.arr)}"))
    out += _score_changes(old, new, host)
    return out


@dataclass(frozen=True)
class _Influence:
    """A deal's buying influence, flattened for comparison: key ``unit/offering: stakeholder``."""

    key: str
    role: str
    mode: str | None
    win: str | None


def _influences(account: Account) -> list[_Influence]:
    return [_Influence(f"{c.unit}/{c.offering}: {b.stakeholder}", b.role, b.mode, b.win)
            for c in account.plan.opportunities for b in c.buying_influences]


def _stakeholder_risk(change: Change, before: Any, after: Any, account: Account) -> str | None:
    if change.field == "attitude":
        worse = ATTITUDE_ORDER.index(after.attitude) < ATTITUDE_ORDER.index(before.attitude)
        if after.attitude != "unknown" and worse:
            return "attitude worsened"
    if change.field == "status" and after.status in ("left", "leaving"):
        if before.attitude == "champion" or "champion" in before.roles:
            return f"champion {'left' if after.status == 'left' else 'is leaving'}"
        if any(r in before.roles for r in KEY_ROLES):
            return f"key player {'left' if after.status == 'left' else 'is leaving'}"
    if change.field == "roles":
        gained = [r for r in after.roles if r in KEY_ROLES and r not in before.roles]
        if gained and not coverage_of(account, after.id).covered:
            return f"new {' and '.join(r.replace('_', ' ') for r in gained)} nobody covers"
    return None


def _diff_list(acc: str, kind: str, old: list[Any], new: list[Any], key: Any, names: tuple[str, ...],
               account: Account) -> list[Change]:
    before, after = _keyed(old, key), _keyed(new, key)
    out = []
    for k, item in after.items():
        if k not in before:
            out.append(Change(acc, "added", kind, k, None, None, None, f"{kind} {k} added"))
        else:
            for change in _fields(kind, acc, k, f"{kind} {k}", before[k], item, names):
                weakened = kind == "relationship" and change.field == "strength" and (
                    STRENGTH_ORDER.index(change.after) < STRENGTH_ORDER.index(change.before))
                if weakened:
                    change.risk = "relationship weakened"
                if kind == "opportunity" and change.field == "status" and change.after == "competitor":
                    change.risk = "lost to a competitor"
                if kind == "contract" and change.field == "status" and change.after in ("cancelled", "expired"):
                    change.risk = f"contract {change.after}"
                if kind == "buying influence" and change.field == "mode" and change.after in (
                        "even_keel", "overconfident"):
                    change.risk = "a buying influence sees no reason to change"
                out.append(change)
    for k in before:
        if k not in after:
            change = Change(acc, "removed", kind, k, None, None, None, f"{kind} {k} removed")
            if kind == "relationship":
                person = k.split("->", 1)[1]
                if person in account.graph and not coverage_of(account, person).covered:
                    change.risk = "relationship lost; nobody covers them now"
            out.append(change)
    return out


def _score_changes(old: Account, new: Account, host: PluginHost) -> list[Change]:
    scorers = host.registry("register_scorers")
    out = []
    for name in ("coverage", "health"):
        if name not in scorers:
            continue
        entry = scorers[name]
        before, after = safe_call(entry, "scorer", old), safe_call(entry, "scorer", new)
        before_value = getattr(before, "value", before)
        after_value = getattr(after, "value", after)
        if before_value is None or after_value is None or abs(after_value - before_value) < 0.05:
            continue
        change = Change(new.id, "changed", "account", new.id, f"score.{name}", before_value, after_value,
                        f"{name} score {before_value:.0f} → {after_value:.0f}")
        if before_value - after_value >= SCORE_DROP:
            change.risk = f"{name} score dropped by {before_value - after_value:.0f}"
        out.append(change)
    return out


def diff(rev: str, rev2: str | None = None, paths: Sequence[str | os.PathLike[str]] = (), *,
         host: PluginHost | None = None, notices: list[str] | None = None) -> list[Change]:
    """Compare the plans under ``paths`` at ``rev`` with ``rev2`` (default: the working tree).

    Accounts are matched by id, so renamed or moved plan files still match. A plan that does not
    validate at one side is reported as such, not compared; a symlink in history is not read and
    is named in ``notices``.
    """
    host = host or PluginHost()
    given = [Path(p) for p in paths]
    older = load_side(rev, given, host, notices)
    newer = load_side(rev2, given, host, notices)
    changes: list[Change] = []
    for acc in sorted(set(older.accounts) | set(newer.accounts) | set(older.invalid) | set(newer.invalid)):
        old, new = older.accounts.get(acc), newer.accounts.get(acc)
        if acc in older.invalid or acc in newer.invalid:
            for side in (older, newer):
                if acc in side.invalid:
                    changes.append(Change(acc, "changed", "account", acc, "validity", None, None,
                                          f"plan does not validate at {side.label}: {side.invalid[acc]}",
                                          "plan does not validate"))
            if old is None or new is None:
                continue
        if old is None and new is not None:
            changes.append(Change(acc, "added", "account", acc, None, None, new.name, f"new account {new.name}"))
        elif new is None and old is not None:
            changes.append(Change(acc, "removed", "account", acc, None, old.name, None, f"account {old.name} removed"))
        elif old is not None and new is not None:
            changes += compare(old, new, host)
    return changes


def render_text(changes: list[Change], rev: str, rev2: str | None) -> str:
    """A changelog grouped by account."""
    if not changes:
        return f"No changes between {rev} and {rev2 or 'the working tree'}.\n"
    marks = {"added": "+", "removed": "-", "changed": "~"}
    lines = [f"Changes from {rev} to {rev2 or 'the working tree'}"]
    for acc in dict.fromkeys(c.account for c in changes):
        lines += ["", acc]
        for c in (c for c in changes if c.account == acc):
            risk = f"   !! {c.risk}" if c.risk else ""
            lines.append(f"  {marks[c.change]} {c.message}{risk}")
    risky = sum(1 for c in changes if c.risk)
    lines += ["", f"{len(changes)} change(s), {risky} raise risk"]
    return "\n".join(lines) + "\n"


def render_md(changes: list[Change], rev: str, rev2: str | None) -> str:
    """Markdown for a pull-request comment: risks first, then every change by account."""
    target = rev2 or "working tree"
    if not changes:
        return f"### Account plans: no changes ({rev} → {target})\n"
    risky = [c for c in changes if c.risk]
    lines = [f"### Account plans: {len(changes)} change(s) ({rev} → {target})", ""]
    if risky:
        lines += [f"**⚠️ {len(risky)} change(s) raise risk**", ""]
        lines += [f"- **{md_cell(c.account)}**: {md_cell(c.message)} — _{md_cell(c.risk or '')}_" for c in risky]
        lines.append("")
    marks = {"added": "➕", "removed": "➖", "changed": "✏️"}
    for acc in dict.fromkeys(c.account for c in changes):
        lines += [f"<details><summary><b>{md_cell(acc)}</b></summary>", ""]
        lines += [f"- {marks[c.change]} {md_cell(c.message)}" + (" ⚠️" if c.risk else "")
                  for c in changes if c.account == acc]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


