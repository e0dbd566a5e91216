"""The long tables of an account page (stakeholders, recommendations, findings, whitespace), rendered in Python.

A template loop costs several generator steps and an escape per cell; on a portfolio's worth of pages
these rows were half of the site's cold build. The markup is the same as the template's was, every
value escaped.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from kamplan.render.values import label, money

STAKEHOLDER_LIMIT = 500
RECOMMENDATION_LIMIT = 200
FINDING_LIMIT = 500


def escape(value: Any) -> str:
    """HTML-escape text exactly as markupsafe does (``&<>"'``), with the string's own C-level replaces."""
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


def stakeholder_rows(report: dict[str, Any]) -> Markup:
    """The rows of the stakeholders table: name, title, roles, attitude, influence, status, coverage, contact."""
    coverage = report["coverage"]
    redacted = report["redacted"]
    rows = []
    for p in report["plan"]["stakeholders"][:STAKEHOLDER_LIMIT]:
        known = coverage[p["id"]]
        covered = ", ".join(f"{escape(k['name'])} ({escape(k['strength'])})" for k in known["known_by"])
        cells = [
            f"<td>{escape(p['name'])}</td>", f"<td>{escape(p.get('title') or '')}</td>",
            f"<td>{escape(', '.join(label(r) for r in p.get('roles') or []))}</td>",
            f'<td><span class="pill att-{escape(p["attitude"])}">{escape(p["attitude"])}</span></td>',
            f"<td>{escape(p['influence'])}</td>", f"<td>{escape(label(p.get('status')))}</td>",
            f"<td>{escape(known['best'])}{': ' + covered if covered else ''}</td>",
        ]
        if not redacted:
            cells.append(f"<td>{escape((p.get('contact') or {}).get('email') or '')}</td>")
        rows.append("      <tr>" + "".join(cells) + "</tr>\n")
    return Markup("".join(rows))


def recommendation_rows(report: dict[str, Any]) -> Markup:
    """The rows of the recommendations table: priority, kind, what, why, value."""
    rows = []
    for r in report["recommendations"][:RECOMMENDATION_LIMIT]:
        rows.append(f'      <tr><td class="num">{escape(r["priority"] or "")}</td><td>{escape(r["kind"])}</td>'
                    f'<td>{escape(r["title"])}</td><td>{escape(r["reason"] or "")}</td>'
                    f'<td class="num">{escape(money(r["value"]))}</td></tr>\n')
    return Markup("".join(rows))


def finding_items(report: dict[str, Any]) -> Markup:
    """The list items of the findings: severity (as the class), code, message."""
    return Markup("".join(f'<li class="{escape(f["severity"])}"><code>{escape(f["code"])}</code> '
                          f'{escape(f["message"])}</li>' for f in report["findings"][:FINDING_LIMIT]))


def whitespace_rows(report: dict[str, Any]) -> Markup:
    """The rows of the whitespace heatmap: a unit, then each offering's cell status and ARR."""
    rows = []
    for row in report["whitespace"]["rows"]:
        cells = []
        for c in row["cells"]:
            status = escape(label(c["status"]))
            arr = f"<br><small>{escape(money(c['arr']))}</small>" if c["arr"] else ""
            cells.append(f'<td class="ws-{escape(c["status"])}" title="{status}">{status}{arr}</td>')
        rows.append(f"      <tr><th>{escape(row['name'])}</th>{''.join(cells)}</tr>\n")
    return Markup("".join(rows))
