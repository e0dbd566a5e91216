"""``kamplan serve`` as a user meets it: a real server process, Debian's Chromium, a plan edited on disk."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _portfolio(tmp: Path) -> Path:
    shutil.copy(ROOT / "kamplan.yaml", tmp / "kamplan.yaml")
    shutil.copytree(ROOT / "account_plans", tmp / "account_plans")
    return tmp


def _start(root: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "kamplan", "serve", *args], cwd=root, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None
    line = process.stderr.readline()  # the first line names the address (after the first build)
    found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
    if not found:
        process.kill()
        raise AssertionError(f"no address announced: {line!r} {process.stderr.read()}")
    return process, found.group(1)


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    return process.returncode, err


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's chromium)")
def test_the_open_page_follows_edits_and_shows_errors(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    root = _portfolio(tmp_path)
    plan = root / "account_plans" / "nordwind-logistics.yaml"
    text = plan.read_text(encoding="utf-8")
    process, address = _start(root, "--port", "0")
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(address + "accounts/nordwind-logistics.html")
            assert "Chief Information Officer" in page.content()
            renamed = text.replace("title: Chief Information Officer", "title: Group CIO and Chief Digital Officer")
            plan.write_text(renamed, encoding="utf-8")
            # no reload by us: the page reloads itself once the site is rebuilt
            page.get_by_text("Group CIO and Chief Digital Officer").first.wait_for(state="attached", timeout=30000)
            plan.write_text(text.replace("    reports_to: falk\n", "    reports_to: flak\n"), encoding="utf-8")
            page.goto(address)
            page.wait_for_selector("#problems-title", timeout=30000)
            banner = page.inner_text(".problems")
            assert "nordwind-logistics.yaml" in banner and "E301" in banner and "flak" in banner
            page.click(".problems a")
            page.wait_for_selector("#diagnostics-title")
            assert "unknown stakeholder 'flak'" in page.inner_text("main")
            # fixed on disk: the diagnostics page turns back into the account page by itself
            plan.write_text(text, encoding="utf-8")
            page.get_by_text("Chief Information Officer").first.wait_for(state="attached", timeout=30000)
            assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems
            browser.close()
    finally:
        code, err = _stop(process)
    assert code == 0 and "stopped" in err, err  # Ctrl-C stops it cleanly


def test_loopback_only_clear_error_on_a_taken_port_and_no_path_escape(tmp_path: Path):
    root = _portfolio(tmp_path)
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        result = subprocess.run([sys.executable, "-m", "kamplan", "serve", "--port", str(port)], cwd=root,
                                capture_output=True, text=True, timeout=120, check=False)
    finally:
        taken.close()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    process, address = _start(root, "--port", "0")
    try:
        port = int(address.rsplit(":", 1)[1].strip("/"))
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"GET /../../../etc/passwd HTTP/1.0\r\n\r\n")
            reply = conn.recv(200)
        assert reply.startswith(b"HTTP/1.0 404")
        addresses = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
        outside = next((a for a in addresses if not a.startswith("127.")), None)
        if outside is not None:  # nothing answers on the machine's other addresses
            with pytest.raises(OSError):
                socket.create_connection((outside, port), timeout=2).close()
    finally:
        code, _ = _stop(process)
    assert code == 0
    leftovers = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob("kamplan-serve-*")
                 if p.stat().st_mtime > time.time() - 60]
    assert not leftovers  # the private build folder is removed
