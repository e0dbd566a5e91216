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

GLOBAL_KEYS = ("no_cache", "plugins_dir", "debug")


class Settings:
    """Global options, which may be given before or after the subcommand."""

    def __init__(self) -> None:
        self.no_cache = False
        self.plugins_dir: list[str] = []
        self.debug = False


def _settings(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    settings = _settings(ctx)
    if param.name == "plugins_dir":
        settings.plugins_dir.extend(value or ())
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
    ]
    for option in reversed(options):
        func = option(func)
    return func


def host_for(ctx: click.Context, paths: tuple[str, ...] = ()) -> Any:
    """The plugin host for this run: built-ins, entry points, --plugins-dir, plugins/ beside kamplan.yaml."""
    from kamplan.discovery import find_config
    from kamplan.plugins import PluginHost

    dirs = list(_settings(ctx).plugins_dir)
    start = Path(paths[0]) if paths else Path.cwd()
    config = find_config(start.resolve()) if start.exists() else None
    if config and (config.parent / "plugins").is_dir():
        dirs.append(str(config.parent / "plugins"))
    return PluginHost(plugin_dirs=dirs)


def emit(text: str | bytes, output: str | None) -> None:
    """Write command output to ``output`` atomically, or to stdout when it is None or ``-``."""
    if output in (None, "-"):
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.flush()
        else:
            click.echo(text, nl=not text.endswith("\n"))
        return
    from kamplan.fileio import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


class KamplanGroup(click.Group):
    """Built-in commands first; plugin commands (``register_commands``) are loaded on demand."""

    _plugin_commands: dict[str, click.Command] | None = None

    def _load_plugin_commands(self) -> dict[str, click.Command]:
        if self._plugin_commands is None:
            from kamplan.discovery import find_config
            from kamplan.plugins import PluginHost

            collector = click.Group()
            dirs = _argv_plugin_dirs()
            config = find_config(Path.cwd())
            if config and (config.parent / "plugins").is_dir():
                dirs.append(str(config.parent / "plugins"))
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
    from kamplan.batch import validate_portfolio

    settings = _settings(ctx)
    with progress_bar("Validating plans") as progress:
        result = validate_portfolio(paths, use_cache=not settings.no_cache, plugin_dirs=settings.plugins_dir,
                                    progress=progress)
    if settings.debug:
        click.echo(f"{result.cached} plan(s) from the cache, {result.computed} validated "
                   f"({result.workers} process(es))", err=True)
    if fmt == "json":  # one diagnostic per line: quick to write, easy to grep, still one JSON array
        lines = ",\n".join(json.dumps(d.to_json(), ensure_ascii=False) for d in result.diagnostics)
        click.echo(f"[\n{lines}\n]" if lines else "[]")
    else:
        show = github_annotation if fmt == "github" else (lambda d: d.format_text())
        click.echo("\n".join(show(d) for d in result.diagnostics), nl=bool(result.diagnostics))
    errors = sum(1 for d in result.diagnostics if d.severity == "error")
    warnings = len(result.diagnostics) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s) in {result.plans} plan(s)", err=True)
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
@click.option("--max-nodes", type=click.IntRange(min=10), default=1500, show_default=True,
              help="Node budget: above it the deepest levels are summarised ('+1,234 people in Logistics').")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out.")
@global_options
@click.pass_context
def chart(ctx: click.Context, plan: str, output: str | None, fmt: str | None, root: str | None, depth: int | None,
          color_by: str, renderer: str, no_team: bool, max_nodes: int, redact: bool) -> None:
    """Draw an account's org chart (PLAN: a plan file, a folder plan, or an account id)."""
    from kamplan.api import chart as draw
    from kamplan.api import resolve_account

    if fmt is None:
        suffix = Path(output).suffix.lstrip(".") if output and output != "-" else ""
        fmt = {"mmd": "mermaid", "gv": "dot"}.get(suffix, suffix) if suffix else "svg"
        if fmt not in CHART_FORMATS:
            raise click.UsageError(f"cannot tell the format from {output!r}; give --format")
    account = resolve_account(plan, host=host_for(ctx, (plan,)), use_cache=not _settings(ctx).no_cache)
    notices: list[str] = []
    with progress_bar(f"Drawing {len(account.plan.stakeholders):,} people") if len(
            account.plan.stakeholders) > 500 else contextlib.nullcontext():
        content = draw(account, fmt=fmt, root=root, depth=depth, color_by=color_by, renderer=renderer,
                       redact=redact, show_team=not no_team, max_nodes=max_nodes, notices=notices)
    for notice in notices:
        click.echo(f"kamplan: note: {notice}", err=True)
    if output is None:
        output = f"{account.id}.{ {'mermaid': 'mmd'}.get(fmt, fmt) }".replace(" ", "")
    emit(content, output)


# -- score, recommend, kpi ------------------------------------------------------------------------
def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(*columns, title=title, show_lines=False)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))  # user text is never rich markup
    # piped output (files, CI logs) is not squeezed to 80 columns
    Console(soft_wrap=False, width=None if sys.stdout.isatty() else 160).print(table)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@global_options
@click.pass_context
def score(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> None:
    """Every registered scorer on every account (0..100, with the details behind each number)."""
    from kamplan.api import score as run

    rows = run(paths, host=host_for(ctx, paths), use_cache=not _settings(ctx).no_cache)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    names = sorted({name for row in rows for name in row["scores"]})
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["account", "scorer", "value", "details"])
        for row in rows:
            for name in names:
                item = row["scores"][name]
                writer.writerow([row["account"], name, item["value"],
                                 json.dumps(item["details"], ensure_ascii=False, default=str)])
        click.echo(buffer.getvalue(), nl=False)
        return
    _table("Scores (0..100)", ["account", *names],
           [[row["account"], *(f"{row['scores'][n]['value']:.0f}" for n in names)] for row in rows])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), help="Show the N most urgent only.")
@global_options
@click.pass_context
def recommend(ctx: click.Context, paths: tuple[str, ...], fmt: str, limit: int | None) -> None:
    """Land-and-expand, relationship and risk actions, ranked by priority (1 = most urgent)."""
    from kamplan.api import recommend as run

    rows = run(paths, limit=limit, host=host_for(ctx, paths), use_cache=not _settings(ctx).no_cache)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    _table("Recommendations", ["prio", "account", "kind", "what", "why", "value"],
           [[str(r["priority"] or "-"), r["account"], r["kind"], r["title"], r["reason"] or "",
             f"{r['value']:,.0f}" if r["value"] else ""] for r in rows])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--period", help="The period to report: YYYY, YYYY-Qn or YYYY-MM (default: each account's latest).")
@global_options
@click.pass_context
def kpi(ctx: click.Context, paths: tuple[str, ...], fmt: str, period: str | None) -> None:
    """NRR, GRR, logo churn, expansion rate, share of wallet and coverage, with anomalies."""
    from kamplan.api import kpi as run

    report = run(paths, period=period, host=host_for(ctx, paths), use_cache=not _settings(ctx).no_cache)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    keys = ["nrr", "grr", "logo_churn", "expansion_rate", "share_of_wallet", "coverage"]
    rows = [[a["account"], a["period"] or "-", *(_pct(a[k]) for k in keys)] for a in report["accounts"]]
    rows += [[f"group {g['account']}", "", *(_pct(g[k]) for k in keys)] for g in report["groups"]]
    rows.append(["PORTFOLIO", "", *(_pct(report["portfolio"][k]) for k in keys)])
    _table("KPIs", ["account", "period", "NRR", "GRR", "logo churn", "expansion", "share of wallet", "coverage"], rows)
    if report["anomalies"]:
        _table("Anomalies", ["account", "kpi", "why"],
               [[a["account"] or "portfolio", a["kpi"], a["message"]] for a in report["anomalies"]])


# -- report, site ---------------------------------------------------------------------------------
@cli.command()
@click.argument("plan")
@click.option("--format", "fmt", default="md", show_default=True,
              help="md, html, json, csv, xlsx, or any exporter (svg, png, pdf, mermaid, plugins' formats).")
@click.option("-o", "--output", help="File to write ('-' = standard output). Default: ACCOUNT.SUFFIX here.")
@click.option("--table", type=click.Choice(["stakeholders", "relationships", "whitespace", "goals", "actions"]),
              help="csv: which table (default: stakeholders).")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out.")
@global_options
@click.pass_context
def report(ctx: click.Context, plan: str, fmt: str, output: str | None, table: str | None, redact: bool) -> None:
    """One account's plan as a document (PLAN: a plan file, a folder plan, or an account id)."""
    from kamplan.api import report as make
    from kamplan.api import resolve_account

    account = resolve_account(plan, host=host_for(ctx, (plan,)), use_cache=not _settings(ctx).no_cache)
    content, suffix = make(account, fmt=fmt, redact=redact, table=table)
    if output is None:
        output = f"{account.id}{suffix}"
    if output == "-" and isinstance(content, bytes) and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary; give -o FILE")
    emit(content, output)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out of every page.")
@global_options
@click.pass_context
def site(ctx: click.Context, paths: tuple[str, ...], out: str, redact: bool) -> None:
    """A static, offline site: OUT/index.html is the dashboard, one interactive page per account."""
    from kamplan.api import site as build

    index = build(paths, out=out, redact=redact, host=host_for(ctx, paths), use_cache=not _settings(ctx).no_cache)
    click.echo(f"site: {os.path.relpath(index)}", err=True)


# -- fmt, diff, import -----------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file would change.")
@global_options
@click.pass_context
def fmt(ctx: click.Context, paths: tuple[str, ...], check: bool) -> None:
    """Put plans in canonical order; comments, blank lines and flow style are kept."""
    from kamplan.formatting import fmt as run

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
    from kamplan.changes import diff as run
    from kamplan.changes import render_md, render_text

    rev2, paths = _split_rev2(args)
    changes = run(rev, rev2, paths, host=host_for(ctx, paths))
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=2, default=str))
    elif fmt == "md":
        click.echo(render_md(changes, rev, rev2), nl=False)
    else:
        click.echo(render_text(changes, rev, rev2), nl=False)


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
    from kamplan.merge import import_records

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
        click.echo(f"~ {pid}: " + "; ".join(changes))
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


# -- schema, plugins, new, init --------------------------------------------------------------------
@cli.command()
@click.option("-o", "--output", help="File to write (default: standard output).")
@global_options
def schema(output: str | None) -> None:
    """Print the JSON Schema of the plan format (for editors)."""
    from kamplan.api import schema as make

    emit(json.dumps(make(), indent=2, ensure_ascii=False) + "\n", output)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@global_options
@click.pass_context
def plugins(ctx: click.Context, fmt: str) -> None:
    """List installed plugins, their versions and the hooks each implements."""
    from kamplan.api import list_plugins as listing

    rows = listing(host_for(ctx))
    if fmt == "json":
        click.echo(json.dumps([{k: r[k] for k in ("name", "version", "hooks", "source")} for r in rows], indent=2))
        return
    _table("Plugins", ["plugin", "version", "source", "hooks"],
           [[r["name"], r["version"], r["source"], ", ".join(r["hooks"])] for r in rows])


@cli.command()
@click.argument("account_id")
@click.option("--name", help="The account's display name.")
@global_options
def new(account_id: str, name: str | None) -> None:
    """Create a new plan in the portfolio's plans folder."""
    from kamplan.scaffold import new_plan

    path = new_plan(account_id, name)
    click.echo(f"created {os.path.relpath(path)}", err=True)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@global_options
def init(directory: str) -> None:
    """Start a plans repository: kamplan.yaml, an example plan, .gitignore."""
    from kamplan.scaffold import init_repository

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
    KamplanGroup._plugin_commands = None
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="kamplan", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("aborted", err=True)
        return 2
    except Exception as exc:
        return _report(exc, debug)


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
