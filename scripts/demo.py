"""`make demo`: validate the demo portfolio and render every account's org chart into build/."""

from __future__ import annotations

import sys
from pathlib import Path

import kamplan
from kamplan.fileio import write_atomic

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"


def main() -> int:
    result = kamplan.validate([ROOT])
    for diagnostic in result.diagnostics:
        print(diagnostic.format_text(), file=sys.stderr)
    print(f"validated {len(result.portfolio.accounts)} plans: {len(result.errors)} errors, "
          f"{len(result.warnings)} warnings")
    if result.errors:
        return 1
    charts = BUILD / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    for account in result.portfolio.accounts:
        for fmt, suffix in (("svg", ".svg"), ("mermaid", ".mmd")):
            target = charts / f"{account.id}{suffix}"
            write_atomic(target, kamplan.chart(account, fmt=fmt))
        print(f"chart: {(charts / (account.id + '.svg')).relative_to(ROOT)}")
    reports = BUILD / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    for account in result.portfolio.accounts:
        for fmt in ("md", "html", "xlsx"):
            content, suffix = kamplan.report(account, fmt=fmt)
            write_atomic(reports / f"{account.id}{suffix}", content)
    print(f"reports: {reports.relative_to(ROOT)}/ (Markdown, HTML and Excel per account)")
    index = kamplan.site([ROOT], out=BUILD / "site")
    print(f"\nDone. Open {index.relative_to(ROOT)} in a browser (works offline);"
          f" charts are in {charts.relative_to(ROOT)}/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
