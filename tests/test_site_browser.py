"""The offline site in a real browser (Playwright driving Debian's Chromium), loaded from file://."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)"),
]

XSS = """\
kamplan: 1
account: {name: "<script>alert('acct')</script>", tier: key, reviewed: 2026-10-01}
stakeholders:
  - {id: evil, name: "<img src=x onerror=alert(1)>", title: "\\"><svg onload=alert(2)>", attitude: blocker,
     influence: high, notes: "secret note"}
  - {id: kid, name: "Ꮇallory & Co", reports_to: evil}
"""


PROTO_IDS = """\
kamplan: 1
account: {id: proto-ids, name: Proto Ids}
stakeholders:
  - {id: constructor, name: Connie Constructor}
  - {id: tostring, name: Tom String, reports_to: constructor}
  - {id: hasownproperty, name: Hans Own, reports_to: tostring, dotted_to: [constructor]}
  - {id: valueof, name: Val Of, reports_to: hasownproperty}
"""


def deep_chain(people: int) -> str:
    """One reporting line ``people`` levels deep (a shared-services hierarchy, flattened badly)."""
    lines = ["kamplan: 1", "account: {id: deep-chain, name: Deep Chain}", "stakeholders:"]
    lines += [f"  - {{id: p{i}, name: Person {i}" + (f", reports_to: p{i - 1}}}" if i else "}") for i in range(people)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import make_plan

    work = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "account_plans", work / "account_plans")
    shutil.copy(ROOT / "kamplan.yaml", work / "kamplan.yaml")
    (work / "account_plans" / "xss.yaml").write_text(XSS, encoding="utf-8")
    (work / "account_plans" / "proto-ids.yaml").write_text(PROTO_IDS, encoding="utf-8")
    (work / "account_plans" / "deep-chain.yaml").write_text(deep_chain(2200), encoding="utf-8")
    (work / "account_plans" / "big-telco.yaml").write_text(make_plan("big-telco", "Big Telco", 2500, seed=3),
                                                           encoding="utf-8")
    index = kamplan.site([work], out=work / "out", host=PluginHost(entry_points=False))
    return index


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a dev dependency (make test)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


class Watch:
    """Collects page errors, console errors, dialogs and every request a page makes."""

    def __init__(self, page):
        self.errors, self.requests, self.dialogs = [], [], []
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def check(self):
        assert self.errors == []
        assert [u for u in self.requests if not u.startswith(("file:", "data:"))] == []
        assert self.dialogs == []


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    context.close()


def wait_matches(page, count):
    """Poll the chart's state (the page's CSP forbids eval, so no wait_for_function strings)."""
    for _ in range(60):
        if len(page.evaluate("kamplanChart.state()")["matches"]) == count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"expected {count} matches, got {page.evaluate('kamplanChart.state()')['matches']}")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_dashboard_sorts_filters_and_links(site, page):
    page.goto(site.as_uri())
    rows = page.locator("#accounts tbody tr")
    assert rows.count() == 9
    page.click("th[data-key=arr]")
    page.click("th[data-key=arr]")  # descending
    first = rows.first.get_attribute("data-name")
    assert first == "Meridian Bank Group plc"
    page.fill("#filter", "pharma")
    assert page.locator("#accounts tbody tr:not([hidden])").count() == 2
    page.fill("#filter", "")
    strategic = page.locator("#accounts tbody tr[data-tier=strategic]").count()
    assert strategic >= 3
    page.select_option("#tier", "strategic")
    assert page.locator("#accounts tbody tr:not([hidden])").count() == strategic
    page.select_option("#tier", "")
    shot(page, "dashboard")
    page.click("text=Nordwind Logistics AG")
    page.wait_for_selector("#chart .node")
    assert page.title().startswith("Nordwind Logistics AG")
    page.watch.check()


def test_account_chart_search_card_collapse_colour_focus(site, page):
    page.goto((site.parent / "accounts" / "nordwind-logistics.html").as_uri())
    page.wait_for_selector("#chart .node")
    state = page.evaluate("kamplanChart.state()")
    assert state["visible"] == 12
    page.fill("#search", "larsen")
    wait_matches(page, 1)
    assert page.locator("#chart .node.match").get_attribute("data-id") == "larsen"
    page.fill("#search", "head of")
    wait_matches(page, 6)
    page.fill("#search", "")
    page.click("#chart .node[data-id=hoffmann] rect")
    card = page.locator("#card")
    assert card.is_visible()
    assert "Dr. Stefan Hoffmann" in card.inner_text() and "Jane Doe (medium, 2026-10-02)" in card.inner_text()
    assert "stefan.hoffmann@nordwind.example" in card.inner_text()
    shot(page, "account-card")
    page.click("#card button:text('Close')")
    page.click("#zoom-fit")
    page.click("#chart .node[data-id=weber] .toggle circle", force=True)
    assert page.evaluate("kamplanChart.state()")["visible"] == 1
    page.click("#chart .node[data-id=weber] .toggle circle", force=True)
    assert page.evaluate("kamplanChart.state()")["visible"] == 12
    before = page.get_attribute("#chart .node[data-id=weber] rect", "fill")
    page.select_option("#color-by", "influence")
    after = page.get_attribute("#chart .node[data-id=weber] rect", "fill")
    assert (before, after) == ("#fff7bc", "#08306b")
    assert "decisive influence" in page.inner_text("#legend")
    page.click("#chart .node[data-id=larsen] rect")
    page.click("text=Focus on this subtree")
    state = page.evaluate("kamplanChart.state()")
    assert state["focus"] == "larsen" and state["visible"] == 5
    page.click("#show-all")
    assert page.evaluate("kamplanChart.state()")["visible"] == 12
    page.watch.check()


def test_pan_and_zoom(site, page):
    page.goto((site.parent / "accounts" / "sibtelecom.html").as_uri())
    page.wait_for_selector("#chart .node")
    before = page.get_attribute("#viewport", "transform")
    page.click("#zoom-in")
    zoomed = page.get_attribute("#viewport", "transform")
    box = page.locator("#chart").bounding_box()
    page.mouse.move(box["x"] + 12, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 80)
    page.mouse.up()
    assert len({before, zoomed, page.get_attribute("#viewport", "transform")}) == 3
    assert "Иван Петров" in page.inner_text("#stakeholders")
    shot(page, "account-cyrillic")
    page.watch.check()


def test_injected_names_stay_inert(site, page):
    page.goto((site.parent / "accounts" / "xss.html").as_uri())
    page.wait_for_selector("#chart .node")
    assert page.locator("img").count() == 0
    assert page.locator("main svg svg").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#stakeholders")
    assert page.locator("h1").inner_text() == "<script>alert('acct')</script>"
    page.click("#chart .node[data-id=evil] rect")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#card")
    page.goto(site.as_uri())
    assert page.locator("img").count() == 0
    page.watch.check()


def test_big_account_opens_collapsed_and_search_expands(site, page):
    page.goto((site.parent / "accounts" / "big-telco.html").as_uri())
    page.wait_for_selector("#chart .node")
    state = page.evaluate("kamplanChart.state()")
    assert state["visible"] < 150 and state["collapsed"] > 0
    deep = page.evaluate("""() => {
        const data = JSON.parse(document.getElementById('chart-data').textContent);
        const byId = Object.fromEntries(data.people.map(p => [p.id, p]));
        const depth = p => {
            let d = 0;
            while (p.reports_to && byId[p.reports_to]) { p = byId[p.reports_to]; d++; }
            return d;
        };
        return data.people.reduce((a, b) => depth(b) > depth(a) ? b : a).id;
    }""")
    assert page.locator(f"#chart .node[data-id='{deep}']").count() == 0
    page.evaluate("(id) => { const p = JSON.parse(document.getElementById('chart-data').textContent)"
                  ".people.find(x => x.id === id); kamplanChart.search(p.name.toLowerCase()); }", deep)
    assert page.locator(f"#chart .node[data-id='{deep}']").count() == 1
    shot(page, "big-account-search")
    page.watch.check()


def expand_all(site, page, account: str) -> dict:
    """Open an account's page, press "Expand all" and return the chart's state."""
    page.goto((site.parent / "accounts" / f"{account}.html").as_uri())
    page.wait_for_selector("#chart .node")
    page.click("#expand-all")
    return page.evaluate("kamplanChart.state()")


def test_expand_all_stays_within_a_budget_on_a_big_account(site, page):
    state = expand_all(site, page, "big-telco")
    note = page.locator("#chart-note")
    assert 150 < state["visible"] <= 1500 and state["collapsed"] > 0
    assert note.is_visible() and "of 2,500 people" in note.inner_text()
    # the view shows people, not the empty sky above the arcs of far-reaching ties
    box = page.locator("#chart").bounding_box()
    assert any(box["x"] <= b["x"] <= box["x"] + box["width"] and box["y"] <= b["y"] <= box["y"] + box["height"]
               for b in (n.bounding_box() for n in page.locator("#chart .node").all()[:50]) if b)
    shot(page, "big-account-expand-all")
    page.click("#collapse-all")
    assert not note.is_visible()
    page.watch.check()


def test_ids_named_like_object_members_chart(site, page):
    state = expand_all(site, page, "proto-ids")
    assert state["visible"] == 4
    assert page.locator("#chart .node").count() == 4
    page.watch.check()


def test_expand_all_respects_its_budget_on_a_deep_chain(site, page):
    state = expand_all(site, page, "deep-chain")
    assert 0 < state["visible"] <= 1500 and state["collapsed"] > 0
    assert "of 2,200 people" in page.locator("#chart-note").inner_text()
    page.watch.check()


def test_expand_all_on_a_small_account_opens_everything(site, page):
    state = expand_all(site, page, "nordwind-logistics")
    people = page.evaluate("JSON.parse(document.getElementById('chart-data').textContent).people.length")
    assert state["visible"] == people and state["collapsed"] == 0
    assert not page.locator("#chart-note").is_visible()
    page.watch.check()


def test_big_pages_list_the_first_findings_and_recommendations(site):
    html = (site.parent / "accounts" / "big-telco.html").read_text(encoding="utf-8")
    findings = html.split('<section id="findings">')[1].split("</section>")[0]
    recommendations = html.split('<section id="recommendations">')[1].split("</section>")[0]
    assert findings.count("<li") <= 500 and "kamplan validate" in findings
    assert recommendations.count("<tr>") <= 201 and "kamplan recommend" in recommendations


def test_phone_width_and_print(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    watch = Watch(page)
    page.goto((site.parent / "accounts" / "helvetia-pharma.html").as_uri())
    page.wait_for_selector("#chart .node")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    shot(page, "phone")
    page.emulate_media(media="print")
    assert not page.locator(".chart-tools").first.is_visible()
    shot(page, "print")
    watch.check()
    context.close()
