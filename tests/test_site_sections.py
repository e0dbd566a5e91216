"""The account page shows the plan's new sections; pages drawn by other templates are drawn again."""

from __future__ import annotations

import shutil

from tests.conftest import ROOT

import kamplan
from kamplan.plugins import PluginHost
from kamplan.web import site

HOST = PluginHost(entry_points=False)


def test_account_page_sections_and_a_template_change_redraws_pages(tmp_path, monkeypatch, cli):
    shutil.copytree(ROOT / "account_plans", tmp_path / "account_plans")
    shutil.copy(ROOT / "kamplan.yaml", tmp_path / "kamplan.yaml")
    out = tmp_path / "out"
    kamplan.site([tmp_path], out=out, host=HOST)
    page = (out / "accounts" / "nordwind-logistics.html").read_text(encoding="utf-8")
    for heading in ("Client objectives", "Buying influences of open deals", "Contracts", "Meeting log"):
        assert f"<h2>{heading}</h2>" in page
    assert "Stefan Hoffmann" in page and "Pass the ISO 27001 audit in March" in page
    redacted = tmp_path / "redacted"
    kamplan.site([tmp_path], out=redacted, redact=True, host=HOST)
    assert "Security proposal by 15 December" not in (redacted / "accounts" / "nordwind-logistics.html").read_text(
        encoding="utf-8")  # the meeting log's summaries and next steps stay out of a redacted site
    assert cli("site", "-o", out, cwd=tmp_path).code == 0  # the default host: pages are kept when unchanged
    stamp = (out / "accounts" / "meridian-bank.html").stat().st_mtime_ns
    assert cli("site", "-o", out, cwd=tmp_path).code == 0
    assert (out / "accounts" / "meridian-bank.html").stat().st_mtime_ns == stamp  # nothing changed: not rewritten
    site.page_format.cache_clear()
    monkeypatch.setattr(site, "PAGE_FORMAT", "page-test")  # as a template edit or a new kamplan would
    assert cli("site", "-o", out, cwd=tmp_path).code == 0
    site.page_format.cache_clear()
    assert (out / "accounts" / "meridian-bank.html").stat().st_mtime_ns != stamp
