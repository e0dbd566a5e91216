"""Commands that analyse accounts: score, recommend, kpi, report, site."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from kamplan.cli.app import (
    TableParts,
    _pct,
    _remembered_table,
    _settings,
    _table,
    cli,
    emit,
    global_options,
    progress_bar,
)
from kamplan.errors import printable


def _load_and_run(ctx: click.Context, func: Any, paths: tuple[str, ...], **kwargs: Any) -> Any:
    """Call a portfolio-wide library function with this run's plugin folders, cache setting and progress bar."""
    with progress_bar("Loading plans") as progress:
        return func(paths, plugin_dirs=_settings(ctx).plugins_dir, use_cache=not _settings(ctx).no_cache,
                    progress=progress, **kwargs)


def _write(text: str) -> None:
    """Write a big output as it is (click.echo would search all of it for colour codes to strip)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _score_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _echo_json(data: Any) -> None:
    from kamplan.json_text import indented

    _write(indented(data))


# -- score, recommend, kpi ------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@global_options
@click.pass_context
def score(ctx: click.Context, paths: tuple[str, ...], fmt: str) -> None:
    """Every registered scorer on every account (0..100, with the details behind each number)."""
    from kamplan.api import score_json

    text = _load_and_run(ctx, score_json, paths)
    if fmt == "json":
        _write(text)
        return
    rows = json.loads(text)  # the records of kamplan.score()
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
        click.echo(printable(buffer.getvalue(), newlines=True), nl=False)
        return

    def table() -> TableParts:
        return (f"Scores (0..100) as of {rows[0]['as_of'] if rows else ''}", ["account", *names],
                [[row["account"], *(_score_text(row["scores"][n]["value"]) for n in names)] for row in rows])

    _remembered_table(ctx, text, "score", table, right=tuple(range(1, len(names) + 1)), code=(__file__,))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), help="Show the N most urgent only.")
@click.option("--per-account", type=click.IntRange(min=1), default=5, show_default=True,
              help="At most N actions per account.")
@click.option("--all", "show_all", is_flag=True, help="Every suggestion, not only each account's top.")
@global_options
@click.pass_context
def recommend(ctx: click.Context, paths: tuple[str, ...], fmt: str, limit: int | None, per_account: int,
              show_all: bool) -> None:
    """Each account's short action plan (land, expand, relationship, risk, renewal, win back), ranked."""
    from kamplan.api import recommend_json

    cap = None if show_all else per_account
    text = _load_and_run(ctx, recommend_json, paths, limit=limit, per_account=cap)
    if fmt == "json":
        _write(text)
        return

    def table() -> TableParts:  # the table shows the JSON's records (as kamplan.recommend() gives them)
        rows = json.loads(text)
        return (f"Recommendations as of {rows[0]['as_of'] if rows else ''}",
                ["prio", "account", "kind", "what", "why", "owner", "due", "value"],
                [[str(r["priority"] or "-"), r["account"], r["kind"], r["title"], r["reason"] or "", r["owner"] or "",
                  r["due"] or "", f"{r['value']:,.0f} {r['currency'] or ''}".strip() if r["value"] else ""]
                 for r in rows])

    _remembered_table(ctx, text, "recommend", table, right=(7,), code=(__file__,))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--period", help="The period to report: YYYY, YYYY-Qn or YYYY-MM (default: each account's latest).")
@global_options
@click.pass_context
def kpi(ctx: click.Context, paths: tuple[str, ...], fmt: str, period: str | None) -> None:
    """NRR, GRR, logo churn, expansion rate, share of wallet and coverage, with anomalies."""
    from kamplan.api import kpi as run

    report = _load_and_run(ctx, run, paths, period=period)
    if fmt == "json":
        _echo_json(report)
        return
    from kamplan.insights.kpis import stands_on, summary_line
    from kamplan.insights.money import money_text

    keys = ["nrr", "grr", "logo_churn", "expansion_rate", "share_of_wallet", "coverage"]
    currency = report["currency"]
    rows = [[a["account"], a["status"], f"{a['period_then'] or '-'} -> {a['period_now'] or '-'}",
             money_text(a["arr_now"], a["currency"]), *(_pct(a[k]) for k in keys),
             a["left_out"] or ""] for a in report["accounts"]]
    rows += [[f"group {g['account']}", "", "", money_text(g["arr_now"], currency), *(_pct(g[k]) for k in keys),
              stands_on(g)] for g in report["groups"]]
    portfolio = report["portfolio"]
    rows.append(["PORTFOLIO", "", "", money_text(portfolio["arr_now"], currency),
                 *(_pct(portfolio[k]) for k in keys), stands_on(portfolio)])
    _table(summary_line(report), ["account", "status", "window", "ARR now", "NRR", "GRR", "logo churn", "expansion",
                                  "share of wallet", "coverage", "left out / stands on"], rows,
           right=tuple(range(3, 10)))
    if portfolio["left_out"]:
        _table("Left out of the retention figures", ["account", "why"],
               [[item["account"], f"{item['reason']}: {item['detail']}"] for item in portfolio["left_out"]])
    if report["anomalies"]:
        _table("Anomalies", ["account", "kpi", "why"],
               [[a["account"] or "portfolio", a["kpi"], a["message"]] for a in report["anomalies"]])


# -- report, site ---------------------------------------------------------------------------------
@cli.command()
@click.argument("plan")
@click.option("--format", "fmt", default="md", show_default=True,
              help="md, html, pdf, pptx, json, csv, xlsx, or any exporter (svg, png, mermaid, plugins' formats).")
@click.option("-o", "--output", help="File to write ('-' = standard output). Default: ACCOUNT.SUFFIX here.")
@click.option("--table", type=click.Choice(["stakeholders", "relationships", "whitespace", "goals", "actions"]),
              help="csv: which table (default: stakeholders).")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out.")
@click.option("--audience", type=click.Choice(["internal", "client"]), default="internal", show_default=True,
              help="client (md, html, pdf, pptx): only names, titles, units, reporting lines and what is shared.")
@global_options
@click.pass_context
def report(ctx: click.Context, plan: str, fmt: str, output: str | None, table: str | None, redact: bool,
           audience: str) -> None:
    """One account's plan as a document (PLAN: a plan file, a folder plan, or an account id)."""
    from kamplan.api import report as make
    from kamplan.api import resolve_account

    account = resolve_account(plan, plugin_dirs=_settings(ctx).plugins_dir, use_cache=not _settings(ctx).no_cache)
    content, suffix = make(account, fmt=fmt, redact=redact, table=table, audience=audience)
    if output is None:
        output = f"{account.id}{suffix}"
    if output == "-" and isinstance(content, bytes) and sys.stdout.isatty():
        raise click.UsageError(f"{fmt} is binary; give -o FILE")
    emit(content, output)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@click.option("--redact", is_flag=True, help="Leave contact details and notes out of every page.")
@click.option("--history", is_flag=True, help="Sparklines of coverage, health and NRR by quarter, from git.")
@global_options
@click.pass_context
def site(ctx: click.Context, paths: tuple[str, ...], out: str, redact: bool, history: bool) -> None:
    """A static, offline site: OUT/index.html is the dashboard, one interactive page per account."""
    from kamplan.api import site as build

    index = _load_and_run(ctx, build, paths, out=out, redact=redact, history=history)
    click.echo(f"site: {os.path.relpath(index)}", err=True)


