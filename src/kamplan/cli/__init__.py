"""The ``kamplan`` command: thin commands that parse options, call the library and map errors to exit codes."""

from __future__ import annotations

from kamplan.cli import analysis, editor, repository, trust  # register their commands on the group
from kamplan.cli.app import cli, main

__all__ = ["analysis", "cli", "editor", "main", "repository", "trust"]
