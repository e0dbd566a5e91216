"""``kamplan trust``: let a plans repository's own ``plugins/`` folder run (architecture.md, Trust)."""

from __future__ import annotations

import json
from typing import Any

import click

from kamplan.cli.app import _table, cli, global_options


@cli.command()
@click.argument("directory", default=".", type=click.Path())
@click.option("--list", "show", is_flag=True, help="Show the folders you trust and whether they changed since.")
@click.option("--revoke", is_flag=True, help="Stop trusting the folder.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="For --list.")
@global_options
def trust(directory: str, show: bool, revoke: bool, fmt: str) -> None:
    """Trust the plugins/ folder of the plans repository DIRECTORY (its code runs until a file changes).

    Code in a plans repository runs only where you trusted it: review plugins/ first. The record
    (the folder and a hash of its files) lives in your own config, not in the repository.
    """
    from kamplan.plugins import trust as trusted

    if show:
        found = sorted(trusted.records().values(), key=lambda r: str(r.folder))
        rows: list[dict[str, Any]] = [{"folder": str(r.folder), "status": trusted.status(r.folder),
                                       "files": list(r.files), "trusted_at": r.trusted_at} for r in found]
        if fmt == "json":
            click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        elif rows:
            _table("Trusted plugins folders", ["folder", "status", "files", "trusted at"],
                   [[r["folder"], r["status"], ", ".join(r["files"]), r["trusted_at"]] for r in rows])
        else:
            click.echo(f"no trusted plugins folders (recorded in {trusted.trust_file()})", err=True)
        return
    folder = trusted.plugins_folder_of(directory)
    if revoke:
        if trusted.revoke(folder):
            click.echo(f"no longer trusted: {folder}", err=True)
        else:
            click.echo(f"was not trusted: {folder}", err=True)
        return
    record = trusted.trust(folder)
    names = ", ".join(record.files) or "no code files yet"
    click.echo(f"trusted {folder} ({len(record.files)} file(s): {names}); "
               "it runs until one of its files changes", err=True)
