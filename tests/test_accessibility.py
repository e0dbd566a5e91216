"""The site is accessible: axe-core (npm) in Debian's Chromium on the dashboard and every demo account page,
in every colour scheme of the chart; every colour pair of the palettes meets WCAG AA contrast."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kamplan
from kamplan.render.palette import PALETTES

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _luminance(hex_colour: str) -> float:
    red, green, blue = (int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_palette_colour_pair_meets_aa():
    weak = [(mode, key, round(contrast(fill, text), 2)) for mode, palette in PALETTES.items()
            for key, (fill, text, _) in palette.items() if contrast(fill, text) < 4.5]
    assert not weak


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (.ci/run installs it with npm)")
def test_axe_finds_no_serious_or_critical_violation(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    index = kamplan.site([ROOT], out=tmp_path / "site")
    pages = [index, *sorted((tmp_path / "site" / "accounts").glob("*.html"))]
    axe = AXE.read_text(encoding="utf-8")
    found: list[tuple[str, str, str, int]] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(bypass_csp=True)  # to inject axe only; the pages' own CSP is tested elsewhere
        for path in pages:
            page = context.new_page()
            page.goto(path.as_uri())
            page.add_script_tag(content=axe)
            modes = PALETTES if path != index else {"": None}
            for mode in modes:
                if mode:
                    page.select_option("#color-by", mode)
                violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
                    .violations.map(v => [v.id, v.impact, v.nodes.length])""")
                found += [(path.name, mode, v[0], v[2]) for v in violations if v[1] in ("serious", "critical")]
            page.close()
        browser.close()
    assert len(pages) == 6 and not found, found
