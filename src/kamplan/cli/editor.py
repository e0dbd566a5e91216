"""``kamplan lsp`` and ``kamplan serve``: the commands for writing plans with an editor and a live preview."""

from __future__ import annotations

from kamplan.cli.app import cli


@cli.command()
def lsp() -> None:
    """Run the language server on stdio, for editors (see docs/editors.md).

    Diagnostics as `kamplan validate` gives them, while you type; completion of ids and allowed values;
    hover cards; go to definition; find references; rename; the outline; quick fixes.
    """
    from kamplan.lsp.server import serve_stdio

    serve_stdio()
