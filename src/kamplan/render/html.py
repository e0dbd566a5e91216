"""Jinja rendering of the site and the HTML/Markdown reports, with a strict Content-Security-Policy.

Every asset is inlined (no CDN, works from ``file://``); each inline script and style is allowed by
its SHA-256 hash, and nothing may be fetched from anywhere (``default-src 'none'``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from kamplan.account import Account
from kamplan.json_text import indented
from kamplan.render.html_tables import finding_items, recommendation_rows, stakeholder_rows, whitespace_rows
from kamplan.render.palette import PALETTES, color_key
from kamplan.render.values import label, md_cell, money, pct

_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment, with ``x.name`` on a plain dict looked up as a key first.

    Jinja tries the attribute first and falls back to the key; on a dict that is an AttributeError
    raised and caught for nearly every lookup of a page. A plain dict has no attributes but its
    methods, so for any other name the key lookup comes first with the same result.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


@cache
def environment() -> Environment:
    """The Jinja environment (HTML autoescaped; Markdown templates escape through ``md``)."""
    env = _Environment(loader=PackageLoader("kamplan.render", "templates"),
                      autoescape=select_autoescape(["html"], default_for_string=True), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(md=md_cell, money=money, pct=pct, label=label, jsonscript=json_script, capped=capped,
                       sparkline=sparkline, pretty_json=pretty_json)
    return env


def pretty_json(value: Any) -> Markup:
    """Jinja's ``tojson(indent=2)`` (keys sorted, non-ASCII and ``<>&'`` escaped), without the json
    module's pure-Python indenting encoder (see :mod:`kamplan.json_text`)."""
    return htmlsafe_json_dumps(value, dumps=lambda data: indented(data, ensure_ascii=True, sort_keys=True))


def capped(value: Any, limit: int = 100) -> Any:
    """``value`` with every list cut to ``limit`` items plus a note of how many more there are.

    Pages stay light for accounts of thousands of people; the JSON, CSV and Excel exports have all.
    """
    if isinstance(value, dict):
        return {k: capped(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        head = [capped(v, limit) for v in value[:limit]]
        return [*head, f"... and {len(value) - limit:,} more"] if len(value) > limit else head
    return value


def render_template(name: str, **context: Any) -> str:
    """Render one template."""
    return environment().get_template(name).render(**context)


@cache
def asset(name: str) -> str:
    """The text of a bundled asset (CSS, JavaScript)."""
    return resources.files("kamplan.render").joinpath("assets", name).read_text(encoding="utf-8")


@lru_cache(maxsize=32)  # the same few assets on every page of a site
def source_hash(text: str) -> str:
    """The CSP source that allows exactly this inline script or style (``'sha256-...'``)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def csp(scripts: list[str], styles: list[str]) -> str:
    """A policy that allows exactly these inline scripts and styles and nothing from outside."""
    script_src = " ".join(source_hash(s) for s in scripts) or "'none'"
    style_src = " ".join(source_hash(s) for s in styles) or "'none'"
    return (f"default-src 'none'; script-src {script_src}; style-src {style_src}; img-src data:; "
            "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'")


def history_rows(trend: dict[str, list[Any]] | None) -> dict[str, Any] | None:
    """The account page's history panel: the figures by quarter and the last change of the plan's files."""
    if not trend:
        return None
    keys = ("dates", "coverage", "map_status", "health", "nrr", "commit")
    rows = [dict(zip(keys, values, strict=True)) for values in zip(*(trend[k] for k in keys), strict=True)]
    change = None
    for before, after in itertools.pairwise(rows):
        if after["commit"] != before["commit"]:
            change = {"from": before["commit"], "to": after["commit"], "by": after["dates"]}
    return {"rows": rows, "change": change}


def sparkline(values: list[float | None], dates: list[str], what: str, scale: float = 1.0) -> Markup:
    """A small inline SVG line of ``values`` by quarter (gaps where unknown), named for screen readers."""
    width, height, pad = 96, 22, 2
    known = [v for v in values if v is not None]
    shown = ", ".join(f"{d}: {'n/a' if v is None else f'{v * scale:.0f}' + ('%' if scale == 100 else '')}"
                      for d, v in zip(dates, values, strict=True))
    if not known:
        return Markup(f'<span class="muted" title="{escape(what)}">n/a</span>')
    if len(known) == 1:  # one quarter of history: a figure, not a line
        only = known[0] * scale
        text = f"{only:.0f}%" if scale == 100 else f"{only:.0f}"
        return Markup(f'<span class="spark-one" title="{escape(what)} by quarter: {escape(shown)}">'
                      f'{escape(what)} {text}</span>')
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            segments.append([])
            continue
        y = height - pad - (value - low) / span * (height - 2 * pad)
        segments[-1].append(f"{pad + i * step:.1f},{y:.1f}")
    lines = "".join(f'<polyline points="{" ".join(seg)}"/>' for seg in segments if len(seg) > 1)
    dots = "".join(f'<circle cx="{seg[-1].split(",")[0]}" cy="{seg[-1].split(",")[1]}" r="1.8"/>'
                   for seg in segments if seg)
    label = escape(f"{what} by quarter: {shown}")
    return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
                  f'aria-label="{label}"><title>{label}</title>{lines}{dots}</svg>')


def json_script(data: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def arr_chart(revenue: list[dict[str, Any]], currency: str | None) -> Markup:
    """ARR history as a small inline SVG bar chart (periods in order)."""
    points = sorted(revenue, key=lambda r: r["period"])
    if not points:
        return Markup('<p class="muted">No revenue history.</p>')
    width, height, pad = 560, 180, 28
    top = max(p["arr"] for p in points) or 1
    bar = (width - 2 * pad) / len(points)
    parts = [f'<svg class="arr-chart" viewBox="0 0 {width} {height + 30}" role="img" '
             f'aria-label="ARR history"><title>ARR history</title>']
    for i, p in enumerate(points):
        h = (height - pad) * p["arr"] / top
        x = pad + i * bar + bar * 0.15
        y = height - h
        shown = escape(money(p["arr"], currency))
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.7:.1f}" height="{h:.1f}" class="bar">'
                     f'<title>{escape(p["period"])}: {shown}</title></rect>')
        parts.append(f'<text x="{x + bar * 0.35:.1f}" y="{height + 14}" class="axis">{escape(p["period"])}</text>')
        parts.append(f'<text x="{x + bar * 0.35:.1f}" y="{max(y - 4, 10):.1f}" class="value">'
                     f'{escape(_short(p["arr"]))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def chart_data(account: Account, report: dict[str, Any]) -> dict[str, Any]:
    """What the interactive org chart needs, already redacted through ``report``."""
    plan = report["plan"]
    units = {u["id"]: u.get("name") or u["id"] for u in plan["units"]}
    people = []
    for p in plan["stakeholders"]:
        cov = report["coverage"][p["id"]]
        person = {k: p.get(k) for k in ("id", "name", "title", "reports_to", "dotted_to", "roles", "attitude",
                                        "influence", "status", "tags")}
        person["unit"] = units.get(p.get("unit"), p.get("unit"))
        person["coverage"] = cov["coverage_key"]
        model = account.graph.stakeholder(p["id"])
        # colouring by attitude, influence or coverage uses those fields; only the role key is derived
        person["role_key"] = color_key("role", model, account.graph)
        person["known_by"] = cov["known_by"]
        if not report["redacted"]:
            person["contact"] = p.get("contact")
            person["notes"] = p.get("notes")
        # absent and empty fields are left out: a 20,000-person page is a third lighter
        people.append({k: v for k, v in person.items() if v is not None and v != []})
    ties = [{"from": t["from"], "to": t["to"], "kind": t["kind"], "strength": t["strength"]} for t in plan["influence"]]
    palettes = {mode: {k: {"fill": v[0], "text": v[1], "label": v[2]} for k, v in palette.items()}
                for mode, palette in PALETTES.items()}
    return {"account": account.id, "people": people, "ties": ties, "palettes": palettes,
            "collapse_depth": 2 if len(people) > 400 else (3 if len(people) > 150 else None)}


def account_page(account: Account, report: dict[str, Any], *, standalone: bool, nav: dict[str, Any] | None = None,
                 svg: str | None = None, trend: dict[str, list[Any]] | None = None) -> str:
    """The HTML page of one account (the site's page, or a standalone ``report --format html``)."""
    if standalone and svg is None:
        svg = static_svg(account, report["redacted"])
    scripts = [] if standalone else [asset("d3-hierarchy.min.js"), asset("orgchart.js")]
    styles = [asset("site.css")]
    context = {
        "report": report, "plan": report["plan"], "account": account, "standalone": standalone, "nav": nav or {},
        "scripts": scripts, "styles": styles, "csp": csp(scripts, styles), "svg": Markup(svg or ""),
        "chart_data": None if standalone else chart_data(account, report),
        "arr_chart": arr_chart(report["plan"]["revenue"], report["plan"]["account"].get("currency")),
        "palettes": PALETTES,
        "stakeholder_rows": stakeholder_rows(report), "recommendation_rows": recommendation_rows(report),
        "finding_items": finding_items(report), "whitespace_rows": whitespace_rows(report),
        "history": history_rows(trend),
    }
    return render_template("account.html", **context)


def static_svg(account: Account, redact: bool) -> str:
    """The Graphviz org chart as inline SVG markup (no XML prolog); a note if it cannot be drawn."""
    from kamplan.errors import KamplanError
    from kamplan.render.dot import ChartOptions, build_dot
    from kamplan.render.engines import render

    try:
        svg = render(build_dot(account, ChartOptions(redact=redact)), "svg").decode("utf-8")
    except KamplanError as exc:
        return f'<p class="warning">The chart could not be drawn: {escape(str(exc))}</p>'
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def index_page(rows: list[dict[str, Any]], kpis: dict[str, Any], generated: dt.date, redacted: bool,
               problems: list[dict[str, Any]] | None = None, trends: bool = False) -> str:
    """The portfolio dashboard (with the plans that have errors first, when a live preview has any)."""
    scripts = [asset("dashboard.js")]
    styles = [asset("site.css")]
    return render_template("index.html", rows=rows, kpis=kpis, generated=generated, redacted=redacted,
                           problems=problems or [], trends=trends, scripts=scripts, styles=styles,
                           csp=csp(scripts, styles))


def problems_page(account: str, file: str, diagnostics: list[Any]) -> str:
    """The page of a plan with errors: its diagnostics, as ``kamplan validate`` prints them."""
    styles = [asset("site.css")]
    return render_template("problems.html", account=account, file=file, diagnostics=diagnostics,
                           errors=sum(1 for d in diagnostics if d.severity == "error"), scripts=[], styles=styles,
                           csp=csp([], styles))


def client_page(report: dict[str, Any]) -> str:
    """The client version of an account page (see :mod:`kamplan.render.client_view`)."""
    from kamplan.render.client_view import org_outline

    styles = [asset("client.css")]
    return render_template("client.html", report=report, plan=report["plan"], outline=org_outline(report),
                           scripts=[], styles=styles, csp=csp([], styles))
