"""``kamplan serve --edit``: edits written back to the YAML as a reviewer wants them, and nothing else able to write.

A real server process on a git copy of the demo portfolio; requests replayed as a browser (and an attacker)
would send them; Debian's Chromium driven as a person (a pointer drag of one box onto another, clicks on the card).
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
NORDWIND = Path("account_plans/nordwind-logistics.yaml")


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=KAM", "-c", "user.email=kam@example.com", *args], cwd=root,
                          check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "kamplan.yaml", tmp_path / "kamplan.yaml")
    shutil.copytree(ROOT / "account_plans", tmp_path / "account_plans")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.name", "KAM")
    _git(tmp_path, "config", "user.email", "kam@example.com")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "plans")
    return tmp_path


class Server:
    def __init__(self, root: Path, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "kamplan", "serve", "--port", "0", *args], cwd=root,
                                        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:(\d+)/)(\?token=(\S+))?", line)
        if not found:
            self.process.kill()
            raise AssertionError(line + self.process.stderr.read())
        self.base, self.port, self.token = found.group(1), int(found.group(2)), found.group(4)

    def post(self, path: str, body: dict[str, Any], *, token: str | None = "", origin: str | None = "",
             host: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = origin or f"http://127.0.0.1:{self.port}"
        if token is not None:
            headers["X-Kamplan-Token"] = token or (self.token or "")
        if host is not None:
            headers["Host"] = host
        request = urllib.request.Request(self.base + path.lstrip("/"), data=json.dumps(body).encode(), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw.startswith(b"{") else {"raw": raw.decode("utf-8", "replace")}

    def config(self, account: str = "nordwind-logistics") -> dict[str, Any]:
        request = urllib.request.Request(f"{self.base}accounts/{account}.html?token={self.token}")
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode("utf-8")
        found = re.search(r'<script type="application/json" id="kamplan-edit">(.*?)</script>', page, re.S)
        assert found, "no editor on the page"
        return json.loads(found.group(1).replace("<\\/", "</"))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.communicate(timeout=20)


@pytest.fixture
def server(repo: Path) -> Any:
    running = Server(repo, "--edit")
    yield running
    running.stop()


def _edit(server: Server, **fields: Any) -> tuple[int, dict[str, Any]]:
    config = server.config()
    return server.post("__kamplan/edit", {"account": "nordwind-logistics", "hashes": config["hashes"], **fields})


def test_an_edit_changes_exactly_its_line_and_keeps_the_comment_beside_it(repo: Path, server: Server):
    status, body = _edit(server, op="set", person="vogel", field="status", value="leaving")
    assert status == 200 and body["changed"], body
    diff = _git(repo, "diff", "-U0", "--", str(NORDWIND))
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    comment = "# now at Helvetia Pharma: `kamplan recommend` finds her there"
    assert changed == [f"-    status: left                    {comment}",
                       f"+    status: leaving                    {comment}"]


def test_every_kind_of_edit_and_undo_byte_for_byte(repo: Path, server: Server):
    plan = repo / NORDWIND
    before = plan.read_bytes()
    edits = [dict(op="set", person="vogel", field="reports_to", value="weber"),
             dict(op="set", person="vogel", field="roles", value=["influencer"]),
             dict(op="set", person="vogel", field="dotted_to", value=["hoffmann"]),
             dict(op="relationship", person="weber", team="jdoe", strength="weak", target="strong",
                  last_contact="2026-11-20"),
             dict(op="relationship", person="costa", team="jdoe", strength=None),
             dict(op="interaction", date="2026-11-28", team=["jdoe"], people=["weber"], summary="Met today: budget"),
             dict(op="add_person", manager="larsen", name="", title="Head of Data")]
    for edit in edits:
        status, body = _edit(server, **edit)
        assert status == 200 and body["changed"], (edit, body)
    text = plan.read_text(encoding="utf-8")
    assert "    reports_to: weber\n" in text and "    dotted_to: [hoffmann]\n" in text
    assert "  - {team: rsmith, stakeholder: weber, strength: medium, last_contact: 2026-06-20}" in text
    assert "{team: jdoe, stakeholder: weber, strength: weak, target: strong, last_contact: 2026-11-20}" in text
    assert "stakeholder: costa" not in text.split("\ninfluence:")[0].split("\nrelationships:")[1]
    assert "{date: 2026-11-28, team: [jdoe], stakeholders: [weber], summary: \"Met today: budget\"}" in text
    assert "{id: head-of-data, name: Head of Data (to be identified), title: Head of Data, reports_to: larsen, " \
           "status: placeholder}" in text
    check = subprocess.run([sys.executable, "-m", "kamplan", "validate", str(plan)], cwd=repo, capture_output=True,
                           text=True)
    assert " 0 error(s)" in " " + check.stderr.splitlines()[-1]
    fmt = subprocess.run([sys.executable, "-m", "kamplan", "fmt", "--check", str(plan)], cwd=repo, capture_output=True,
                         text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr  # new keys and entries in canonical order
    for _ in edits:
        status, body = server.post("__kamplan/undo", {"account": "nordwind-logistics"})
        assert status == 200, body
    assert plan.read_bytes() == before


def test_a_folder_plan_is_edited_in_the_file_that_defines_the_person(repo: Path, server: Server):
    people = sorted((repo / "account_plans" / "sibtelecom").glob("*.yaml"))
    before = {p.name: p.read_bytes() for p in people}
    config = server.config("sibtelecom")
    person = next(p for p in json.loads(_chart_data(server, "sibtelecom"))["people"]
                  if p.get("attitude") != "blocker" and p["id"] != "aivanova")  # someone of the second file
    status, body = server.post("__kamplan/edit", {"account": "sibtelecom", "hashes": config["hashes"], "op": "set",
                                                  "person": person["id"], "field": "attitude", "value": "blocker"})
    assert status == 200, body
    changed = [p.name for p in people if p.read_bytes() != before[p.name]]
    assert len(changed) == 1
    assert f"id: {person['id']}" in (repo / "account_plans" / "sibtelecom" / changed[0]).read_text(encoding="utf-8")


def _chart_data(server: Server, account: str) -> str:
    with urllib.request.urlopen(f"{server.base}accounts/{account}.html?token={server.token}", timeout=60) as r:
        page = r.read().decode("utf-8")
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    return found.group(1)


def test_an_invalid_edit_or_an_outside_change_is_refused_and_nothing_is_written(repo: Path, server: Server):
    plan = repo / NORDWIND
    before = plan.read_bytes()
    status, body = _edit(server, op="set", person="vogel", field="reports_to", value="nobody-here")
    assert status == 422 and any("nobody-here" in d for d in body["diagnostics"]), body
    assert plan.read_bytes() == before
    config = server.config()
    plan.write_bytes(before.replace(b"Head of Analytics", b"Head of Analytics & AI"))  # an editor, a checkout...
    request = {"account": "nordwind-logistics", "hashes": config["hashes"], "op": "set", "person": "vogel",
               "field": "attitude", "value": "supporter"}
    status, body = server.post("__kamplan/edit", request)
    assert status == 409 and body["reload"] and "changed on disk" in body["error"]
    assert plan.read_bytes() == before.replace(b"Head of Analytics", b"Head of Analytics & AI")  # theirs, untouched
    # an undo after an outside change is refused too
    assert _edit(server, op="set", person="vogel", field="attitude", value="supporter")[0] == 200
    theirs = plan.read_bytes().replace(b"Head of Analytics & AI", b"Head of AI")
    plan.write_bytes(theirs)
    status, body = server.post("__kamplan/undo", {"account": "nordwind-logistics"})
    assert status == 409 and "changed on disk" in body["error"] and plan.read_bytes() == theirs


def test_requests_without_token_from_another_origin_or_host_are_refused(repo: Path, server: Server):
    plan = repo / NORDWIND
    before = plan.read_bytes()
    config = server.config()
    body = {"account": "nordwind-logistics", "hashes": config["hashes"], "op": "set", "person": "vogel",
            "field": "reports_to", "value": "weber"}
    assert server.post("__kamplan/edit", body, token=None)[0] == 403
    assert server.post("__kamplan/edit", body, token="guessed")[0] == 403
    assert server.post("__kamplan/edit", body, origin="http://evil.example")[0] == 403
    assert server.post("__kamplan/edit", body, origin=None)[0] == 403  # a form post from nowhere
    assert server.post("__kamplan/edit", body, host="rebound.example:80")[0] == 403  # DNS rebinding
    assert plan.read_bytes() == before
    # a page without the token gets no editor, and reading through another Host name is refused too
    with urllib.request.urlopen(f"{server.base}accounts/nordwind-logistics.html", timeout=30) as r:
        assert b"kamplan-edit" not in r.read()
    rebound = urllib.request.Request(f"{server.base}accounts/nordwind-logistics.html", headers={"Host": "evil:1"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=30)
    assert refused.value.code == 403
    assert server.post("__kamplan/edit", body)[0] == 200  # the same request, from the page: written


def test_without_edit_there_is_no_write_endpoint(repo: Path):
    plain = Server(repo)
    try:
        assert plain.token is None
        status, _ = plain.post("__kamplan/edit", {"op": "set"}, token="x")
        assert status == 501
    finally:
        plain.stop()
    assert _git(repo, "status", "--porcelain") == ""


def test_changes_panel_and_commit(repo: Path, server: Server):
    assert _edit(server, op="set", person="vogel", field="reports_to", value="weber")[0] == 200
    request = urllib.request.Request(server.base + "__kamplan/changes", headers={"X-Kamplan-Token": server.token or ""})
    with urllib.request.urlopen(request, timeout=60) as r:
        changes = json.loads(r.read())
    assert any("Sabine Vogel" in c["message"] and "weber" in c["message"].lower() for c in changes["changes"]), changes
    status, body = server.post("__kamplan/commit", {"message": "Sabine reports to the CEO"})
    assert status == 200, body
    assert _git(repo, "log", "-1", "--format=%s") == "Sabine reports to the CEO\n"
    assert _git(repo, "status", "--porcelain") == ""
    assert _git(repo, "show", "--stat", "--format=", "HEAD").strip().startswith(str(NORDWIND))


def _drag(page: Any, person: str, onto: str, shot: Path | None = None) -> None:
    """A pointer drag of one box onto another, as a person does it (press, move in steps, release)."""
    a = page.locator(f'#chart .node[data-id="{person}"]').bounding_box()
    b = page.locator(f'#chart .node[data-id="{onto}"]').bounding_box()
    assert a and b
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(a["x"] + 40, a["y"] + 40, steps=5)
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=10)
    if shot is not None:
        page.screenshot(path=str(shot))
    page.mouse.up()


def _until(page: Any, expression: str, wanted: Any, timeout: float = 30.0) -> None:
    """Wait until ``expression`` gives ``wanted`` on the page (it reloads itself when the site is rebuilt)."""
    import time

    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = page.evaluate(expression)
        except Exception:  # the page is reloading: ask again
            seen = None
        if seen == wanted:
            page.wait_for_selector("#edit-bar")
            return
        time.sleep(0.2)
    raise AssertionError(f"{expression} is {seen!r}, not {wanted!r}")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_in_chromium_drag_a_box_onto_another_then_edit_from_the_card(repo: Path, server: Server, tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    shots = Path(__file__).resolve().parents[1] / "build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{server.base}?token={server.token}")  # as printed on the terminal: sets the cookie
        page.goto(server.base + "accounts/nordwind-logistics.html")
        page.wait_for_selector("#edit-bar")
        _drag(page, "okafor", "hoffmann", shot=shots / "edit-drag.png")
        page.get_by_text("now reports to").first.wait_for(timeout=30000)
        after_drag = (repo / NORDWIND).read_bytes()
        diff = _git(repo, "diff", "-U0")
        changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert len(changed) == 2 and changed[0].endswith("reports_to: larsen") and changed[1].endswith(
            "reports_to: hoffmann"), diff
        # the page reloads itself with the new chart; a drag that would make a loop is refused, shown, not written
        _until(page, "kamplanChart.person('okafor').reports_to", "hoffmann")
        _drag(page, "hoffmann", "okafor")
        page.get_by_text("the edit would make the plan invalid").first.wait_for(timeout=30000)
        assert "E302" in page.inner_text("#edit-alert")
        page.locator("#edit-bar").screenshot(path=str(shots / "edit-refused.png"))
        assert (repo / NORDWIND).read_bytes() == after_drag
        # the card of Ingrid Larsen
        page.locator('#chart .node[data-id="larsen"]').click()
        page.wait_for_selector("#edit-form")
        assert page.input_value("#edit-reports_to") == "weber"  # the keyboard way to the same edit as a drag
        page.select_option("#edit-attitude", "supporter")
        page.locator("#card").evaluate("card => { card.scrollTop = card.querySelector('#edit-form').offsetTop - 60; }")
        page.locator("#card").screenshot(path=str(shots / "edit-card.png"))
        page.click("#edit-save")
        page.get_by_text("Saved: larsen: attitude").first.wait_for(timeout=30000)
        assert "    attitude: supporter\n" in (repo / NORDWIND).read_text(encoding="utf-8").split("id: larsen")[1]
        _until(page, "kamplanChart.person('larsen').attitude", "supporter")
        page.click("#edit-undo")
        page.get_by_text("Undone").first.wait_for(timeout=30000)
        page.click("#edit-changes")
        page.wait_for_selector("#edit-message")
        page.locator("#edit-bar").screenshot(path=str(shots / "edit-changes.png"))
        browser.close()
    assert "attitude: supporter" not in (repo / NORDWIND).read_text(encoding="utf-8").split("id: larsen")[1][:300]
    assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_the_editing_page_is_accessible(repo: Path, server: Server):
    playwright = pytest.importorskip("playwright.sync_api")
    axe = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.exists():
        pytest.skip("axe-core is not installed (.ci/run installs it with npm)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(bypass_csp=True)  # to inject axe only; the page's own CSP is tested above
        page = context.new_page()
        page.goto(f"{server.base}accounts/nordwind-logistics.html?token={server.token}")
        page.wait_for_selector("#edit-bar")
        page.locator('#chart .node[data-id="larsen"]').click()
        page.wait_for_selector("#edit-form")
        page.click("#edit-changes")
        page.wait_for_selector("#edit-panel h3")
        page.add_script_tag(content=axe.read_text(encoding="utf-8"))
        violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
            .violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => [v.id, v.nodes.map(n => n.target.join(" ")).slice(0, 3)])""")
        browser.close()
    assert not violations, violations


def test_a_windows_file_keeps_its_bom_and_crlf_line_ends(repo: Path):
    plan = repo / NORDWIND
    plan.write_bytes(b"\xef\xbb\xbf" + plan.read_bytes().replace(b"\n", b"\r\n"))
    _git(repo, "commit", "-qam", "as a Windows editor saves it")
    before = plan.read_bytes()
    running = Server(repo, "--edit")
    try:
        assert _edit(running, op="set", person="vogel", field="reports_to", value="weber")[0] == 200
    finally:
        running.stop()
    after = plan.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\r\n") == before.count(b"\r\n")
    assert after == before.replace(b"    reports_to: larsen\r\n    attitude: champion",
                                   b"    reports_to: weber\r\n    attitude: champion")
