"""Commands for plans kept in git: fmt, diff, import, history."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from kamplan.cli.app import _pct, _settings, _table, cli, global_options, host_for
from kamplan.errors import printable


# -- fmt, diff, import -----------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file would change.")
@global_options
@click.pass_context
def fmt(ctx: click.Context, paths: tuple[str, ...], check: bool) -> None:
    """Put plans in canonical order; comments, blank lines and flow style are kept."""
    from kamplan.repo.fmt import fmt as run

    result = run(paths, check=check)
    for d in result.diagnostics:
        click.echo(d.format_text())
    verb = "would reformat" if check else "reformatted"
    for path in result.changed:
        if not check:
            click.echo(f"{verb} {os.path.relpath(path)}", err=True)
    click.echo(f"{len(result.changed)} file(s) {verb}, {len(result.unchanged)} unchanged", err=True)
    ctx.exit(result.exit_code)


@cli.command()
@click.argument("rev")
@click.argument("args", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
@global_options
@click.pass_context
def diff(ctx: click.Context, rev: str, args: tuple[str, ...], fmt: str) -> None:
    """What changed between git revision REV and REV2 (default: the working tree) [PATH...]."""
    from kamplan.repo.diff import diff as run
    from kamplan.repo.diff import render_md, render_text

    rev2, paths = _split_rev2(args)
    notices: list[str] = []
    changes = run(rev, rev2, paths, host=host_for(ctx, paths), notices=notices)
    for notice in notices:
        click.echo(printable(f"kamplan: note: {notice}"), err=True)
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=2, default=str))
    elif fmt == "md":
        click.echo(printable(render_md(changes, rev, rev2), newlines=True), nl=False)
    else:
        click.echo(printable(render_text(changes, rev, rev2), newlines=True), nl=False)


def _split_rev2(args: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """``diff REV [REV2] [PATH...]``: the first argument is REV2 unless it is an existing path."""
    if args and not Path(args[0]).exists():
        return args[0], args[1:]
    return None, args


@cli.command(name="import")
@click.argument("format_name", metavar="FORMAT")
@click.argument("file", type=click.Path())
@click.option("--account", "account_id", required=True, help="The account the people belong to.")
@click.option("--into", type=click.Path(), help="Plan file (default: the account's plan here; a new path creates one).")
@click.option("--dry-run", is_flag=True, help="Print what would change, write nothing.")
@click.option("--mark-missing-left", is_flag=True, help="Set status: left on people of this source missing from it.")
@click.option("--map", "mapping", multiple=True, metavar="COLUMN=FIELD",
              help="csv format: which column is which field.")
@click.option("--filter-account", help="Only rows of this CRM account (name or id).")
@global_options
@click.pass_context
def import_(ctx: click.Context, format_name: str, file: str, account_id: str, into: str | None, dry_run: bool,
            mark_missing_left: bool, mapping: tuple[str, ...], filter_account: str | None) -> None:
    """Merge a CRM or HR export (salesforce, hubspot, organogram, csv) into a plan, keeping hand-written data."""
    from kamplan.repo.merge import import_records

    pairs = {}
    for item in mapping:
        column, sep, field_name = item.rpartition("=")
        if not sep or not column:
            raise click.UsageError(f"--map {item!r}: expected COLUMN=FIELD")
        pairs[column] = field_name
    report = import_records(format_name, file, account_id, into=into, dry_run=dry_run,
                            mark_missing_left=mark_missing_left, host=host_for(ctx),
                            options={"map": pairs, "filter_account": filter_account})
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    shown = os.path.relpath(report.plan)
    for pid in report.added:
        click.echo(f"+ {pid}")
    for pid, changes in report.updated.items():
        click.echo(printable(f"~ {pid}: " + "; ".join(changes)))
    for unit in report.new_units:
        click.echo(f"+ unit {unit}")
    if report.missing:
        verb = "marked left" if mark_missing_left else "not in the export (use --mark-missing-left to mark them left)"
        click.echo(f"missing from the export, {verb}: {', '.join(report.missing)}", err=True)
    for d in report.errors:
        click.echo(d.format_text(), err=True)
    summary = (f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
               f"{len(report.missing)} missing, {len(report.warnings)} warning(s)")
    if report.errors:
        click.echo(f"{shown}: the result would not validate; nothing written ({summary})", err=True)
    elif not report.changed:
        click.echo(f"{shown}: nothing to change ({summary})", err=True)
    elif dry_run:
        click.echo(f"{shown}: dry run, nothing written ({summary})", err=True)
    else:
        click.echo(f"{'created' if report.created else 'updated'} {shown} ({summary})", err=True)
    ctx.exit(report.exit_code)




@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First period (default: a year before --until).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last date (default: the as-of date).")
@click.option("--every", type=click.Choice(["month", "quarter"]), default="quarter", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@global_options
@click.pass_context
def history(ctx: click.Context, paths: tuple[str, ...], since: Any, until: Any, every: str, fmt: str) -> None:
    """Each account's map figures at the end of each quarter (or month), from the git history."""
    import csv
    import io

    from kamplan.repo.history import history as run

    settings = _settings(ctx)
    found = run(list(paths), since=since.date() if since else None, until=until.date() if until else None,
                every=every, plugin_dirs=settings.plugins_dir, use_cache=not settings.no_cache)
    for problem in found.problems:
        click.echo(f"kamplan: note: {problem['date']} ({problem['commit']}): {problem['file']} could not be "
                   f"read: {problem['problem']}", err=True)
    if fmt == "json":
        click.echo(json.dumps(found.rows, indent=2, ensure_ascii=False))
        return
    columns = ["account", "date", "commit", "coverage", "map_status", "health", "nrr", "key_players",
               "covered_key_players", "champions", "stale_relationships", "open_actions", "overdue_actions"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[row[c] for c in columns] for row in found.rows])
        click.echo(out.getvalue(), nl=False)
        return
    _table("History", ["account", "date", "commit", "coverage", "map", "health", "NRR", "key covered",
                       "champions", "stale", "open", "overdue"],
           [[r["account"], r["date"], r["commit"][:8], _pct(r["coverage"]), str(r["map_status"]),
             "n/a" if r["health"] is None else f"{r['health']:.0f}", _pct(r["nrr"]),
             f"{r['covered_key_players']}/{r['key_players']}", str(r["champions"]), str(r["stale_relationships"]),
             str(r["open_actions"]), str(r["overdue_actions"])] for r in found.rows])
