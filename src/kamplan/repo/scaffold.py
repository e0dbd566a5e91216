"""``kamplan new`` and ``kamplan init``: start a plan, start a plans repository."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from kamplan.errors import UsageError
from kamplan.fileio import write_atomic
from kamplan.plan.fields import SLUG
from kamplan.read.discovery import CONFIG_NAME, DEFAULT_PLANS_DIR, configured_plans_dir, find_config, plans_in

CONFIG_TEMPLATE = """\
kamplan: 1
plans: account_plans            # where plans are found
offerings:                      # our catalogue, shared by every plan
  - {id: platform, name: Platform, family: core}
  - {id: analytics, name: Analytics, family: data}
people:                         # our staff; plans list them by id
  - {id: kam, name: Your Name, role: kam}
settings:
  stale_contact_days: 90
  stale_review_days: 180
  health_weights: {coverage: 30, freshness: 20, sentiment: 20, revenue: 20, hygiene: 10}
plugins: {}
"""

PLAN_TEMPLATE = """\
kamplan: 1
account:
  id: {id}
  name: {name}
  tier: key                     # strategic | key | growth | maintain
  industry: ""
  region: ""
  owner: {owner}
  reviewed: {today}
  currency: EUR
units:
  - {{id: hq, name: Headquarters}}
team:
  - {team}
stakeholders:
  - id: ceo
    name: To be identified
    title: Chief Executive Officer
    unit: hq
    roles: [economic_buyer]
    status: placeholder
relationships: []
influence: []
opportunities:{opportunities}
revenue: []
goals: []
actions: []
decisions: []
risks: []
"""

GITIGNORE_LINE = ".kamplan_cache/"


def new_plan(account_id: str, name: str | None = None, where: Path | None = None) -> Path:
    """Write a new plan ``<plans>/<account_id>.yaml`` and return its path.

    Raises:
        UsageError: When the id is not a slug or the plan already exists.
    """
    if not SLUG.fullmatch(account_id):
        raise UsageError(f"invalid account id {account_id!r}: use a slug like 'acme' (a-z, 0-9, '_', '.', '-')")
    base = where or Path.cwd()
    config = find_config(base)
    plans_dir = (config.parent / configured_plans_dir(config)) if config else base / DEFAULT_PLANS_DIR
    plans_dir.mkdir(parents=True, exist_ok=True)
    target = plans_dir / f"{account_id}.yaml"
    if target.exists() or (plans_dir / account_id).exists():
        raise UsageError(f"{target} already exists; kamplan new never overwrites a plan")
    from kamplan.engine.run import account_ids_of

    if account_id in account_ids_of(plans_in(plans_dir), set()):
        raise UsageError(f"account id {account_id!r} is already used by a plan in {plans_dir}; choose another")
    owner, team, offering = _portfolio_defaults(config)
    opportunities = f"\n  - {{unit: hq, offering: {offering}, status: whitespace}}" if offering else " []"
    text = PLAN_TEMPLATE.format(id=account_id, name=_yaml_text(name or account_id.replace("-", " ").title()),
                                today=dt.date.today().isoformat(), owner=owner, team=team,
                                opportunities=opportunities)
    from kamplan.plugins.host import PluginHost
    from kamplan.repo.prevalidate import errors_of

    errors = errors_of(target, {target: text}, PluginHost(entry_points=False))
    if errors:  # e.g. a name that cannot be written, or an id another plan already gives
        shown = "; ".join(f"{d.code} {d.message}" for d in errors[:3])
        raise UsageError(f"kamplan new {account_id}: the new plan would not validate ({shown}); nothing written")
    write_atomic(target, text)
    return target


def _portfolio_defaults(config: Path | None) -> tuple[str, str, str | None]:
    """The plan's owner, its first team entry and an offering, from the portfolio's kamplan.yaml.

    The owner is the first person with role ``kam`` (else the first person); without people the
    team member is written inline with a name to fill in. The whitespace cell names the first
    offering, or there is none.
    """
    from kamplan.read.discovery import config_mapping

    data = config_mapping(config) if config else {}
    people = [p for p in data.get("people") or [] if isinstance(p, dict) and isinstance(p.get("id"), str)]
    offerings = [o for o in data.get("offerings") or [] if isinstance(o, dict) and isinstance(o.get("id"), str)]
    kam = next((p for p in people if p.get("role") == "kam"), people[0] if people else None)
    owner = kam["id"] if kam else "kam"
    team = f"id: {owner}" if kam else "{id: kam, name: Your Name, role: kam}"
    return owner, team, offerings[0]["id"] if offerings else None


def init_repository(folder: Path) -> list[Path]:
    """Create ``kamplan.yaml``, an example plan, ``.gitignore``, the JSON Schemas and the editor settings
    in ``folder``; keep what exists (the schemas, generated files, are brought up to date).

    Returns:
        The files created or changed.
    """
    from kamplan.repo.editor_setup import write_editor_setup

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    config = folder / CONFIG_NAME
    if not config.exists():
        write_atomic(config, CONFIG_TEMPLATE)
        written.append(config)
    plans = configured_plans_dir(config)
    if not plans_in(folder / plans):
        written.append(new_plan("example", "Example Customer plc", folder))
    written += write_editor_setup(folder, plans)
    gitignore = folder / ".gitignore"
    existing = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    if GITIGNORE_LINE not in existing.splitlines():
        sep = "" if not existing or existing.endswith("\n") else "\n"
        write_atomic(gitignore, f"{existing}{sep}{GITIGNORE_LINE}\n")
        written.append(gitignore)
    return written


def _yaml_text(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
