"""``kamplan lsp`` and ``kamplan serve``: the commands for writing plans with an editor and a live preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kamplan.cli.app import cli, global_options


@cli.command()
def lsp() -> None:
    """Run the language server on stdio, for editors (see docs/editors.md).

    Diagnostics as `kamplan validate` gives them, while you type; completion of ids and allowed values;
    hover cards; go to definition; find references; rename; the outline; quick fixes.
    """
    from kamplan.lsp.server import serve_stdio

    serve_stdio()


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the dashboard in the browser.")
@click.option("--history", is_flag=True, help="Sparklines and history panels from git, read again after each commit.")
@click.option("--edit", is_flag=True,
              help="Edit the maps in the browser, written back to the plans (the address carries a token).")
@global_options
def serve(paths: tuple[str, ...], port: int, open_browser: bool, history: bool, edit: bool) -> None:
    """Serve the site on 127.0.0.1 while you edit: rebuilt as plans change, the open page reloading.

    A plan with errors shows its diagnostics on its page and on the dashboard. Loopback only;
    Ctrl-C stops it.
    """
    from kamplan.web.serve import serve as run

    def announce(address: str) -> None:
        click.echo(f"kamplan: serving {address} (Ctrl-C to stop)", err=True)

    trends, watch_also = None, []
    if history:
        from kamplan.api import trends as read_trends
        from kamplan.repo.git import git_dir

        logs = git_dir(Path(paths[0] if paths else ".").resolve()) / "logs"  # UsageError outside git
        watch_also = [logs] if logs.is_dir() else []

        def trends() -> dict[str, dict[str, list[Any]]]:
            return read_trends(list(paths))

    editor = None
    if edit:
        from kamplan.editing.session import EditSession

        editor = EditSession(list(paths))
    run(list(paths), port, announce, open_browser, trends=trends, watch_also=watch_also, editor=editor)
    click.echo("kamplan: stopped", err=True)
