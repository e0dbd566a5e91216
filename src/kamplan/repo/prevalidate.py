"""Validate a plan's would-be text before anything is written (``import``, ``new``)."""

from __future__ import annotations

from pathlib import Path

from kamplan.errors import Diagnostic
from kamplan.plugins.host import PluginHost
from kamplan.read.discovery import configured_plans_dir, find_config, plans_in


def errors_of(plan_path: Path, texts: dict[Path, str], host: PluginHost) -> list[Diagnostic]:
    """The errors the plan at ``plan_path`` would have with ``texts`` as its files' content.

    Checked in memory, with the portfolio's kamplan.yaml and plugins: nothing is written to find out.
    """
    from kamplan.engine.accounts import build_account
    from kamplan.engine.run import account_ids_of
    from kamplan.plugins.calls import run_rules
    from kamplan.read.sources import load_config, read_plan_source, validate_source

    source = read_plan_source(plan_path, texts=texts)
    plan = validate_source(source)
    errors = [d for d in source.diagnostics if d.severity == "error"]
    if plan is not None:
        config_path = find_config(plan_path.resolve().parent)
        info = load_config(config_path)
        portfolio = plans_in(config_path.parent / configured_plans_dir(config_path)) if config_path else []
        known = {p.stem for p in portfolio} | {plan.account.id or plan_path.stem}
        if plan.account.parent is not None and plan.account.parent not in known:  # as the engine does
            known |= account_ids_of(portfolio, {plan_path, plan_path.resolve()})
        account = build_account(plan, source, info, known)
        errors += [d for d in run_rules(account, host) if d.severity == "error"]
    return errors
