"""``kamplan site``: the dashboard and one page per account, written incrementally.

Pages are written in the engine's workers (a visit of each loaded account, see
:func:`kamplan.engine.run.run_portfolio`), and only for plans whose inputs changed: the folder keeps
a manifest (``.kamplan-site.json``) of the content key each page was built from (the plan's bytes,
kamplan.yaml, the plugin set, kamplan's version, the as-of date, ``--redact``). The dashboard is
always written again, from the accounts' analyses; pages of accounts that no longer exist are removed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamplan.fileio import write_atomic

if TYPE_CHECKING:
    from kamplan.account import Account, Portfolio
    from kamplan.plugins.host import PluginHost

MANIFEST = ".kamplan-site.json"
PAGE_FORMAT = "page-2"


@functools.cache
def page_format() -> str:
    """The page format and a hash of the templates and assets that draw a page: a page made by other
    templates (a new kamplan, or a template edited in a development checkout) is made again."""
    digest = hashlib.sha256(PAGE_FORMAT.encode())
    render = Path(__file__).resolve().parent.parent / "render"
    for folder in ("templates", "assets"):
        for path in sorted((render / folder).glob("*")):
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def build_site(paths: Iterable[str | os.PathLike[str]] = (), out_dir: str | os.PathLike[str] = "site", *,
               redact: bool = False, portfolio: Portfolio | None = None, host: PluginHost | None = None,
               use_cache: bool = True, progress: Any = None,
               plugin_dirs: Iterable[str | os.PathLike[str]] = (), keep_going: bool = False,
               trends: dict[str, dict[str, list[Any]]] | None = None) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/accounts/ID.html``; return the index path.

    Args:
        paths: Plans or portfolio roots (the current folder when empty).
        out_dir: The folder to write.
        redact: Leave contact details and notes out of every page.
        portfolio: An already loaded portfolio (every page is then written, nothing is cached).
        host: Plugin host (results are not cached with an explicit host; every page is written).
        use_cache: Use the engine's cache.
        progress: Called as ``progress(done, total)``.
        plugin_dirs: Extra plugin folders for the default host.
        keep_going: Build from the plans without errors and give each plan with errors a page of its
            diagnostics, listed on the dashboard too (``kamplan serve``), instead of refusing.
        trends: Per account, figures by quarter for the dashboard's sparklines (``site --history``).

    Raises:
        PlanError: When a plan has errors (unless ``keep_going``).
    """
    from kamplan.engine.run import run_portfolio

    out = Path(out_dir)
    (out / "accounts").mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(out)
    wanted: dict[str, str] = {}

    history_key = hashlib.sha256(json.dumps(trends, sort_keys=True, default=str).encode()).hexdigest() \
        if trends is not None else "-"

    def stale(plan: Path, key: str) -> bool:  # the history is an input of every page when it is shown
        wanted[str(plan)] = hashlib.sha256(f"{page_format()}\0{redact}\0{key}\0{history_key}".encode()).hexdigest()
        known = manifest.get(str(plan))
        return not (isinstance(known, dict) and known.get("key") == wanted[str(plan)]
                    and (out / "accounts" / f"{known.get('account')}.html").is_file())

    def write_page(account: Account) -> str:
        return write_account_page(account, out, redact, (trends or {}).get(account.id) if trends is not None
                                  else None)

    problems: list[dict[str, Any]] = []
    if portfolio is not None:
        analyses = _in_memory(portfolio, host, out, redact)
        pages = {str(a.source): a.id for a in portfolio.accounts}
    else:
        result = run_portfolio(paths, parts=("facts", "score_values"), visit=write_page, visit_when=stale, host=host,
                               use_cache=use_cache, progress=progress, plugin_dirs=plugin_dirs)
        problems = _problem_pages(result, out) if keep_going else []
        if problems:
            analyses = _with_scores(result.valid_parsed("facts", json.loads),
                                    result.valid_parsed("score_values", json.loads))
        else:
            analyses = _with_scores(result.decoded("facts"), result.decoded("score_values"))
        broken = {p["plan"] for p in problems}
        pages = {p["plan"]: p["id"] for p in problems}
        for group in result.groups:
            for plan in group.plans:
                account = group.entries[str(plan)]["account"]
                if account and str(plan) not in broken:
                    pages[str(plan)] = account
        if not result.groups:  # a whole-portfolio load: every page was written
            pages = dict(result.visited)
    broken = {p["plan"] for p in problems}
    _write_manifest(out, {plan: {"account": account, "key": "" if plan in broken else wanted.get(plan, "")}
                          for plan, account in pages.items()})
    _remove_orphans(out, set(pages.values()))
    write_atomic(out / "index.html", dashboard(analyses, redact, problems, trends))
    return out / "index.html"


def _problem_pages(result: Any, out: Path) -> list[dict[str, Any]]:
    """A page of diagnostics for each plan with errors; the list the dashboard shows."""
    from kamplan.read.discovery import display_name
    from kamplan.render.html import problems_page

    errors = result.errors
    if not errors:
        return []
    names = {display_name(plan): (group, plan) for group in result.groups for plan in group.plans}

    def owner(file: str) -> str:  # the plan a diagnostic belongs to: its file, or the folder plan holding it
        return file if file in names else os.path.dirname(file)

    failing = {owner(d.file) for d in errors}
    by_plan: dict[str, list[Any]] = {}
    for diagnostic in result.diagnostics:  # one pass, in report order
        if owner(diagnostic.file) in failing:
            by_plan.setdefault(owner(diagnostic.file), []).append(diagnostic)
    problems = []
    for shown, (group, plan) in names.items():
        mine = by_plan.get(shown)
        if not mine:
            continue
        entry = group.entries[str(plan)]
        account = entry["account"] or (plan.stem if plan.suffix else plan.name)
        write_atomic(out / "accounts" / f"{account}.html", problems_page(account, shown, mine), durable=False)
        problems.append({"plan": str(plan), "id": account, "file": shown,
                         "errors": sum(1 for d in mine if d.severity == "error"),
                         "first": next(d.format_text() for d in mine if d.severity == "error")})
    config_errors = [d for d in errors if owner(d.file) not in names]
    if config_errors:  # kamplan.yaml or a problem across plans: shown on the dashboard
        problems.append({"plan": "", "id": "", "file": config_errors[0].file, "errors": len(config_errors),
                         "first": config_errors[0].format_text()})
    return problems


def write_account_page(account: Account, out: Path, redact: bool, trend: dict[str, list[Any]] | None = None) -> str:
    """Render and write one account's page (with its history panel when ``trend`` is given); returns the id."""
    from kamplan.render.document import build_report
    from kamplan.render.html import account_page

    report = build_report(account, redact=redact, host=account.host)
    page = account_page(account, report, standalone=False, nav={"index": "../index.html"}, trend=trend)
    write_atomic(out / "accounts" / f"{account.id}.html", page, durable=False)  # output, made again at will
    return account.id


def _in_memory(portfolio: Portfolio, host: PluginHost | None, out: Path, redact: bool) -> list[dict[str, Any]]:
    from kamplan.engine.run import analyse_loaded

    loaded = analyse_loaded(portfolio, host)
    analyses = _with_scores(loaded.decoded("facts"), loaded.decoded("score_values"))
    for account in portfolio.accounts:
        write_account_page(account, out, redact)
    return analyses


def _with_scores(facts: list[dict[str, Any]], values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**fact, "score_values": value} for fact, value in zip(facts, values, strict=True)]


def dashboard(analyses: list[dict[str, Any]], redact: bool, problems: list[dict[str, Any]] | None = None,
              trends: dict[str, dict[str, list[Any]]] | None = None) -> str:
    """The dashboard page, from each account's facts (see :mod:`kamplan.engine.parts`), with the plans
    that have errors listed first when there are any (``kamplan serve``)."""
    from kamplan.insights.kpis import KpiInput, compute_kpis, stands_on
    from kamplan.render.html import index_page

    kpis = compute_kpis([KpiInput.from_json(a["kpi"]) for a in analyses]).to_json()
    kpis["stands_on"] = stands_on(kpis["portfolio"])
    by_id = {a["account"]: a for a in kpis["accounts"]}
    rows: dict[str, dict[str, Any]] = {}
    generated = dt.date.fromisoformat(kpis["as_of"]) if analyses else dt.date.today()
    anomalies: dict[str, list[str]] = {}
    for anomaly in kpis["anomalies"]:
        anomalies.setdefault(anomaly["account"], []).append(anomaly["message"])
    for analysis in analyses:
        info = analysis["summary"]
        kpi = by_id[info["id"]]
        rows[info["id"]] = {
            "id": info["id"], "name": info["name"], "tier": info["tier"], "industry": info["industry"],
            "region": info["region"], "parent": info["parent"], "currency": info["currency"],
            "arr": kpi["arr_now"], "nrr": kpi["nrr"], "grr": kpi["grr"], "status": kpi["status"],
            "left_out": kpi["left_out"],
            "health": analysis["score_values"].get("health"),
            "coverage": analysis["score_values"].get("coverage"), "map_status": kpi["map_status"],
            "anomalies": anomalies.get(info["id"], []),
            "stakeholders": info["stakeholders"], "depth": 0,
            "trend": (trends or {}).get(info["id"]),
        }
    return index_page(_grouped(rows), kpis, generated, redact, problems or [], trends is not None)


def _read_manifest(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("pages", {}) if isinstance(data, dict) and isinstance(data.get("pages"), dict) else {}


def _write_manifest(out: Path, pages: dict[str, Any]) -> None:
    write_atomic(out / MANIFEST, json.dumps({"format": page_format(), "pages": pages}, ensure_ascii=False, indent=0))


def _remove_orphans(out: Path, accounts: set[str]) -> None:
    """Remove the pages of accounts that are no longer in the portfolio."""
    for page in (out / "accounts").glob("*.html"):
        if page.stem not in accounts:
            page.unlink(missing_ok=True)


def _grouped(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Accounts in name order, each group's children right below their parent (indented)."""
    children: dict[str | None, list[str]] = {}
    for rid, row in rows.items():
        parent = row["parent"] if row["parent"] in rows else None
        children.setdefault(parent, []).append(rid)
    out: list[dict[str, Any]] = []
    listed: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for rid in sorted(children.get(parent, []), key=lambda r: rows[r]["name"].casefold()):
            if rid in listed:
                continue
            rows[rid]["depth"] = depth
            rows[rid]["group"] = parent or (rid if children.get(rid) else None)
            out.append(rows[rid])
            listed.add(rid)
            walk(rid, depth + 1)

    walk(None, 0)
    out += [row for rid, row in rows.items() if rid not in listed]  # parent loops: still listed
    return out
