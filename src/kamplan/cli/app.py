"""The ``kamplan`` command line: parse options, call the library, map errors to exit codes.

Only click is imported at start-up; each command imports what it needs, so ``--version`` and
``--help`` stay instant (pre-commit hooks run them often).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kamplan import __version__

GLOBAL_KEYS = ("no_cache", "plugins_dir", "debug", "as_of")


class Settings:
    """Global options, which may be given before or after the subcommand."""

    def __init__(self) -> None:
        self.no_cache = False
        self.plugins_dir: list[str] = []
        self.debug = False
        self.as_of: Any = None


def _settings(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    settings = _settings(ctx)
    if param.name == "plugins_dir":
        settings.plugins_dir.extend(value or ())
    elif param.name == "as_of" and value is not None:
        from kamplan.clock import set_as_of

        settings.as_of = value.date()
        set_as_of(settings.as_of)
    elif value:
        setattr(settings, param.name or "", value)
    return value


def global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach ``--no-cache``, ``--plugins-dir`` and ``--debug`` to a command or the group."""
    options = [
        click.option("--no-cache", is_flag=True, expose_value=False, callback=_store,
                     help="Read and validate every file; ignore .kamplan_cache/."),
        click.option("--plugins-dir", multiple=True, type=click.Path(file_okay=False), expose_value=False,
                     callback=_store, help="Load *.py plugins from this folder (repeatable)."),
        click.option("--debug", is_flag=True, expose_value=False, callback=_store,
                     help="Show Python tracebacks."),
        click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), expose_value=False, callback=_store,
                     metavar="DATE", help="Analyse as of this date (default: settings.today, else today)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def host_for(ctx: click.Context, paths: tuple[str, ...] = ()) -> Any:
    """The plugin host for this run: built-ins, entry points, --plugins-dir, the trusted plugins/ folder."""
    from kamplan.engine.context import plugin_dirs_for
    from kamplan.plugins.host import PluginHost

    start = Path(paths[0]) if paths else Path.cwd()
    return PluginHost(plugin_dirs=plugin_dirs_for([start] if start.exists() or start.parent.exists() else [],
                                                  _settings(ctx).plugins_dir))


def emit(text: str | bytes, output: str | None) -> None:
    """Write command output to ``output`` atomically, or to stdout when it is None or ``-``."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
        else:
            from kamplan.errors import printable

            click.echo(printable(text, newlines=True), nl=not text.endswith("\n"))
        return
    from kamplan.fileio import write_output

    write_output(output, text)
    click.echo(f"wrote {output}", err=True)


class KamplanGroup(click.Group):
    """Built-in commands first; plugin commands (``register_commands``) are loaded on demand."""

    _plugin_commands: dict[str, click.Command] | None = None

    def _load_plugin_commands(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            from kamplan.engine.context import plugin_dirs_for
            from kamplan.plugins.host import PluginHost

            collector = click.Group()
            dirs = plugin_dirs_for([Path.cwd()], _argv_plugin_dirs())
            host = PluginHost(builtins=True, plugin_dirs=dirs)
            host.add_commands(collector)
            self._plugin_commands = {k: v for k, v in collector.commands.items() if k not in self.commands}
        return self._plugin_commands

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            command = self._load_plugin_commands().get(cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = list(super().list_commands(ctx))
        if os.environ.get("KAMPLAN_HELP_PLUGINS") == "1":
            names += sorted(self._load_plugin_commands())
        return names


_ARGV: list[str] = []


def _argv_plugin_dirs() -> list[str]:
    """``--plugins-dir`` values, read before click parses (plugin commands must exist by then)."""
    dirs = []
    argv = _ARGV
    for i, arg in enumerate(argv):
        if arg == "--plugins-dir" and i + 1 < len(argv):
            dirs.append(argv[i + 1])
        elif arg.startswith("--plugins-dir="):
            dirs.append(arg.split("=", 1)[1])
    return dirs


@click.group(cls=KamplanGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Plugin commands are listed by 'kamplan plugins'.")
@click.version_option(__version__, "--version", prog_name="kamplan")
@global_options
def cli() -> None:
    """Key account plans as code: validate, chart, score and diff account plans kept in git."""


# -- validate --------------------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@global_options
@click.pass_context
def validate(ctx: click.Context, paths: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check plans: schema, references and lint rules."""
    from kamplan.engine.run import validate_portfolio

    settings = _settings(ctx)
    with progress_bar("Validating plans") as progress:
        result = validate_portfolio(paths, use_cache=not settings.no_cache, plugin_dirs=settings.plugins_dir,
                                    progress=progress)
    from kamplan.repo.map_age import stale_map_warnings

    stale_map_warnings(result)
    if settings.debug:
        click.echo(f"{result.cached} plan(s) from the cache, {result.computed} validated "
                   f"({result.workers} process(es))", err=True)
    if fmt == "json":  # one diagnostic per line: quick to write, easy to grep, still one JSON array
        lines = ",\n".join(json.dumps(d.to_json(), ensure_ascii=False) for d in result.diagnostics)
        click.echo(f"[\n{lines}\n]" if lines else "[]")
    elif fmt == "github":
        click.echo("\n".join(github_annotation(d) for d in result.diagnostics), nl=bool(result.diagnostics))
    else:
        report = result.text_report()
        click.echo(report, nl=bool(report))
    errors, warnings = result.counts()
    click.echo(f"{errors} error(s), {warnings} warning(s) in {result.plans} plan(s), as of {result.as_of}", err=True)
    ctx.exit(1 if errors or (strict and warnings) else 0)


@contextlib.contextmanager
def progress_bar(label: str) -> Any:
    """A rich progress bar on an interactive terminal; nothing in pipes, files or CI."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, console=_stderr_console()) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def github_annotation(d: Any) -> str:
    """A GitHub Actions workflow command for one diagnostic."""

    def data(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(text: str) -> str:
        return data(text).replace(":", "%3A").replace(",", "%2C")

    level = "error" if d.severity == "error" else "warning"
    where = f"file={prop(d.file)},line={max(d.line, 1)},col={max(d.column, 1)},title={prop(d.code)}"
    suffix = f" ({d.path})" if d.path else ""
    return f"::{level} {where}::{data(d.message + suffix)}"


# -- chart -----------------------------------------------------------------------------------------
CHART_FORMATS = ("svg", "png", "pdf", "dot", "mermaid")


@cli.command()
@click.argument("plan")
@click.option("-o", "--output", help="File to write ('-' = standard output). Default: ACCOUNT.FORMAT here.")
@click.option("--format", "fmt", type=click.Choice(CHART_FORMATS), help="Default: from -o's suffix, else svg.")
@click.option("--root", help="Draw this stakeholder and the people below them.")
@click.option("--depth", type=click.IntRange(min=0), help="Levels below the root to keep (1 = direct reports).")
@click.option("--color-by", type=click.Choice(["attitude", "role", "coverage", "influence"]), default="attitude",
              show_default=True)
@click.option("--renderer", type=click.Choice(["auto", "system", "embedded"]), default="auto", show_default=True,
              help="system = the 'dot' program; embedded = Graphviz compiled to WebAssembly (svg).")
@click.option("--no-team", is_flag=True, help="Leave our team and their relationships out.")
@click.option("--team", "team_style", type=click.Choice(["badges", "cluster"]), default="badges", show_default=True,
              help="badges: who knows each person, on the person; cluster: our team as boxes with lines.")
@click.option("--view", help="unit:ID, role:ROLE or team:ID: only that part of the map, with the managers above.")
@click.option("--max-nodes", type=click.IntRange(min=10), default=1500, show_default=True,
              help="Node budget: above it the deepest levels are summarised ('+1,234 people in Logistics').")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out.")
@global_options
@click.pass_context
def chart(ctx: click.Context, plan: str, output: str | None, fmt: str | None, root: str | None, depth: int | None,
          color_by: str, renderer: str, no_team: bool, team_style: str, view: str | None, max_nodes: int,
          redact: bool) -> None:
    """Draw an account's org chart (PLAN: a plan file, a folder plan, or an account id)."""
    from kamplan.api import chart as draw
    from kamplan.api import resolve_account

    if fmt is None:
        suffix = Path(output).suffix.lstrip(".") if output and output != "-" else ""
        fmt = {"mmd": "mermaid", "gv": "dot"}.get(suffix, suffix) if suffix else "svg"
        if fmt not in CHART_FORMATS:
            raise click.UsageError(f"cannot tell the format from {output!r}; give --format")
    account = resolve_account(plan, plugin_dirs=_settings(ctx).plugins_dir, use_cache=not _settings(ctx).no_cache)
    notices: list[str] = []
    with progress_bar(f"Drawing {len(account.plan.stakeholders):,} people") if len(
            account.plan.stakeholders) > 500 else contextlib.nullcontext():
        content = draw(account, fmt=fmt, root=root, depth=depth, color_by=color_by, renderer=renderer,
                       redact=redact, show_team=not no_team, max_nodes=max_nodes, notices=notices, team=team_style,
                       view=view)
    for notice in notices:
        click.echo(f"kamplan: note: {notice}", err=True)
    if output is None:
        output = f"{account.id}.{ {'mermaid': 'mmd'}.get(fmt, fmt) }".replace(" ", "")
    emit(content, output)


def _table(title: str, columns: list[str], rows: list[list[str]], *, right: tuple[int, ...] = ()) -> None:
    """Print a table: as wide as the terminal, or 160 columns when piped (files, CI logs are not squeezed).

    Args:
        title: Above the table.
        columns: The headers.
        rows: The cells (plan text is shown with its control characters escaped).
        right: The indexes of the columns of numbers, aligned to the right.
    """
    _print_table(_draw(title, columns, rows, right, _output()))


TableParts = tuple[str, list[str], list[list[str]]]  # title, headers, rows


def _remembered_table(ctx: click.Context, source: str, layout: str, make: Callable[[], TableParts], *,
                      right: tuple[int, ...] = (), code: tuple[str, ...] = ()) -> None:
    """Print the table ``make()`` gives, drawn from ``source``: kept from an earlier run when it was drawn
    from the same text with the same code for the same output (:mod:`kamplan.cli.drawn_tables`).

    Args:
        ctx: The command's context (``--no-cache`` neither reads nor keeps a table).
        source: The text the rows are made from (the command's JSON output).
        layout: The table's name.
        make: Makes the title, headers and rows from ``source``.
        right: The indexes of the columns of numbers, aligned to the right.
        code: The files of the code that ``make`` runs (an edit there draws again).
    """
    from kamplan import errors
    from kamplan.cli import text_table
    from kamplan.cli.drawn_tables import drawn, table_key

    output = _output()
    key = None if _settings(ctx).no_cache else table_key(
        source, layout, (*output, right), (__file__, text_table.__file__, errors.__file__, *code))
    _print_table(drawn(key, lambda: _draw(*make(), right, output)))


def _output() -> tuple[int, str, bool, bool]:
    """What a table's drawing takes from where it is printed: width, encoding, Unicode, styling."""
    import shutil

    terminal = sys.stdout.isatty()
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    unicode = encoding.lower().replace("-", "").startswith("utf")
    styled = terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return shutil.get_terminal_size().columns if terminal else 160, encoding, unicode, styled


def _draw(title: str, columns: list[str], rows: list[list[str]], right: tuple[int, ...],
          output: tuple[int, str, bool, bool]) -> str:
    from kamplan.cli.text_table import render
    from kamplan.errors import printable

    width, encoding, unicode, styled = output
    text = render(printable(title), columns, [_printable_row(row) for row in rows], width, right=right,
                  ascii_only=not unicode, styled=styled)
    if not unicode:  # a name the output cannot encode is shown as "?", never a traceback
        text = text.encode(encoding, "replace").decode(encoding)
    return text


def _print_table(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _printable_row(cells: list[str]) -> list[str]:
    """The cells with their control characters escaped (:func:`~kamplan.errors.printable`) and tabs
    made spaces (a tab would pull the columns apart); a row that holds none, the usual case, is
    checked in one go."""
    from kamplan.errors import printable

    joined = " ".join(cells)
    if "\t" in joined:
        cells = [cell.replace("\t", " ") for cell in cells]
    elif printable(joined) == joined and not any(cell.startswith("::") for cell in cells):
        return cells
    return [printable(cell) for cell in cells]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


# -- schema, plugins, new, init --------------------------------------------------------------------
@cli.command()
@click.option("--kind", type=click.Choice(["plan", "fragment", "config"]), default="plan", show_default=True,
              help="plan: a plan file; fragment: any file of a folder plan; config: kamplan.yaml.")
@click.option("-o", "--output", help="File to write (default: standard output).")
@global_options
def schema(kind: str, output: str | None) -> None:
    """Print a JSON Schema for editors: of a plan, a folder plan's file, or kamplan.yaml."""
    from kamplan.api import schema as make

    emit(json.dumps(make(kind), indent=2, ensure_ascii=False) + "\n", output)


@cli.group(invoke_without_command=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@global_options
@click.pass_context
def plugins(ctx: click.Context, fmt: str) -> None:
    """List installed plugins, their versions and the hooks each implements (`plugins new` scaffolds one)."""
    if ctx.invoked_subcommand is not None:
        return
    from kamplan.api import list_plugins as listing

    rows = listing(host_for(ctx))
    if fmt == "json":
        click.echo(json.dumps([{k: r[k] for k in ("name", "version", "hooks", "source")} for r in rows], indent=2))
        return
    _table("Plugins", ["plugin", "version", "source", "hooks"],
           [[r["name"], r["version"], r["source"], ", ".join(r["hooks"])] for r in rows])


@plugins.command(name="new")
@click.argument("name")
@click.option("--kind", type=click.Choice(["rule", "scorer", "recommender", "exporter", "importer"]), default="rule",
              show_default=True, help="The hook the package starts with.")
@click.option("-o", "--output", "out", default=".", type=click.Path(file_okay=False), show_default=True,
              help="The folder to create the package in.")
def plugins_new(name: str, kind: str, out: str) -> None:
    """Scaffold an installable plugin package kamplan-NAME whose tests pass as generated."""
    from kamplan.repo.plugin_scaffold import new_plugin

    files = new_plugin(name, kind, Path(out))
    click.echo(f"created {os.path.relpath(files[0].parent)}: pip install -e '{os.path.relpath(files[0].parent)}"
               "[test]', then kamplan plugins lists it", err=True)


@cli.command()
@click.argument("account_id")
@click.option("--name", help="The account's display name.")
@global_options
def new(account_id: str, name: str | None) -> None:
    """Create a new plan in the portfolio's plans folder."""
    from kamplan.repo.scaffold import new_plan

    path = new_plan(account_id, name)
    click.echo(f"created {os.path.relpath(path)}", err=True)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@global_options
def init(directory: str) -> None:
    """Start a plans repository: kamplan.yaml, an example plan, .gitignore."""
    from kamplan.repo.scaffold import init_repository

    written = init_repository(Path(directory))
    for path in written:
        click.echo(f"wrote {os.path.relpath(path)}", err=True)
    if not written:
        click.echo("nothing to do: everything is already there", err=True)


# -- entry point -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map errors to exit codes and keep tracebacks behind ``--debug``."""
    args = sys.argv[1:] if argv is None else argv
    _ARGV[:] = args
    cli._plugin_commands = None  # the instance caches them (set in _load_plugin_commands): a new run, new plugins
    debug = "--debug" in args
    from kamplan.clock import set_as_of
    from kamplan.plugins import trust

    trust.forget_skipped()
    try:
        result = cli.main(args=args, prog_name="kamplan", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except (click.Abort, KeyboardInterrupt):
        click.echo("kamplan: interrupted", err=True)
        return 130
    except Exception as exc:
        return _report(exc, debug)
    finally:
        set_as_of(None)  # --as-of is for this command only (tests and tools call main() many times)
        for folder, why in trust.skipped().items():
            click.echo(f"kamplan: notice: {trust.notice(folder, why)}", err=True)


def _report(exc: Exception, debug: bool) -> int:
    from kamplan.errors import KamplanError, PlanError

    if debug:
        traceback.print_exc()
    if isinstance(exc, PlanError):
        for d in exc.diagnostics:
            click.echo(d.format_text(), err=True)
        return exc.exit_code
    if isinstance(exc, KamplanError):
        click.echo(f"kamplan: error: {exc}", err=True)
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):
        return 0
    click.echo(f"kamplan: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
    return 2
