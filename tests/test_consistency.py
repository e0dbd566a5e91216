"""Every way to ask gives the same answer: by id or by path, alone or with the portfolio, now or in history.

Each test reproduces a defect of the previous main: ``report ID`` ran without the portfolio's plugins,
a plan validated alone got a false E301 for a parent defined elsewhere, one bad setting in
kamplan.yaml discarded its people (a cascade of false E301), an empty file was reported at 0:0.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]

SHOUT = """
import kamplan

@kamplan.hookimpl
def register_exporters(register):
    register("shout", lambda account, options: account.name.upper() + "\\n", ".txt")

@kamplan.hookimpl
def register_rules(register):
    register("LOCAL9", lambda account: [kamplan.Finding("checked locally", ("account",))])
"""


def test_report_and_chart_by_id_load_the_portfolios_trusted_plugins(cli, small_portfolio_dir):
    plugins = small_portfolio_dir / "plugins"
    plugins.mkdir()
    (plugins / "shout.py").write_text(SHOUT, encoding="utf-8")
    assert cli("trust", cwd=small_portfolio_dir).code == 0
    by_id = cli("report", "alpha", "--format", "shout", "-o", "-", cwd=small_portfolio_dir)
    by_path = cli("report", "account_plans/alpha.yaml", "--format", "shout", "-o", "-", cwd=small_portfolio_dir)
    assert by_id.code == 0 and by_id.out == by_path.out == "ALPHA GMBH\n"
    assert cli("chart", "alpha", "-o", "-", cwd=small_portfolio_dir).code == 0


def test_a_plan_validated_alone_still_sees_the_portfolio(cli, small_portfolio_dir):
    plans = small_portfolio_dir / "account_plans"
    (plans / "group.yaml").write_text("kamplan: 1\naccount: {id: holding, name: Holding}\n", encoding="utf-8")
    (plans / "child.yaml").write_text("kamplan: 1\naccount: {id: kid, name: Kid, parent: holding}\n",
                                      encoding="utf-8")
    alone = cli("validate", "--format", "json", "account_plans/child.yaml", cwd=small_portfolio_dir)
    assert "E301" not in {d["code"] for d in json.loads(alone.out)}
    (plans / "group.yaml").unlink()
    gone = cli("validate", "--format", "json", "account_plans/child.yaml", cwd=small_portfolio_dir)
    assert "E301" in {d["code"] for d in json.loads(gone.out)}


def test_another_plans_error_does_not_block_a_good_ones_report(cli, small_portfolio_dir):
    (small_portfolio_dir / "account_plans" / "broken.yaml").write_text(
        "kamplan: 1\naccount: {id: broken, name: B}\nstakeholders:\n  - {id: a, name: A, reports_to: nobody}\n",
        encoding="utf-8")
    assert cli("report", "alpha", "-o", "-", cwd=small_portfolio_dir).code == 0
    assert cli("chart", "alpha", "-o", "-", cwd=small_portfolio_dir).code == 0
    assert cli("report", "broken", "-o", "-", cwd=small_portfolio_dir).code == 1


def test_one_bad_setting_keeps_the_people_and_offerings(cli, small_portfolio_dir):
    config = small_portfolio_dir / "kamplan.yaml"
    good = cli("validate", "--format", "json", cwd=small_portfolio_dir)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("settings:\n", "settings:\n  stale_contact_days: lots\n", 1) if "settings:\n" in text
                      else text + "settings:\n  stale_contact_days: lots\n", encoding="utf-8")
    bad = json.loads(cli("validate", "--format", "json", cwd=small_portfolio_dir).out)
    assert [(d["file"], d["code"]) for d in bad if d["severity"] == "error"] == [("kamplan.yaml", "E200")]
    assert [d for d in bad if d["file"] != "kamplan.yaml"] == [d for d in json.loads(good.out)]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_file_is_reported_at_line_1_column_1(cli, small_portfolio_dir, text):
    (small_portfolio_dir / "account_plans" / "empty.yaml").write_text(text, encoding="utf-8")
    rows = json.loads(cli("validate", "--format", "json", "account_plans/empty.yaml", cwd=small_portfolio_dir).out)
    assert rows and all(d["line"] >= 1 and d["column"] >= 1 for d in rows)
    assert (rows[0]["line"], rows[0]["column"]) == (1, 1)


def test_every_position_is_1_based(cli, small_portfolio_dir):
    plans = small_portfolio_dir / "account_plans"
    (plans / "folder").mkdir()
    (plans / "folder" / "people.yaml").write_text("stakeholders: []\n", encoding="utf-8")
    (plans / "bad.yaml").write_text("kamplan: 1\naccount: [\n", encoding="utf-8")
    rows = json.loads(cli("validate", "--format", "json", cwd=small_portfolio_dir).out)
    assert rows and all(d["line"] >= 1 and d["column"] >= 1 for d in rows)


@pytest.fixture
def repo(small_portfolio_dir: Path) -> Path:
    subprocess.run([*GIT, "init", "-q"], cwd=small_portfolio_dir, check=True)
    subprocess.run([*GIT, "add", "."], cwd=small_portfolio_dir, check=True)
    subprocess.run([*GIT, "commit", "-qm", "start"], cwd=small_portfolio_dir, check=True)
    return small_portfolio_dir


def test_diff_errors_give_gits_reason(cli, repo, tmp_path):
    result = cli("diff", "no-such-branch", cwd=repo)
    assert result.code == 2 and "'no-such-branch' is not a commit" in result.err and "git says: fatal:" in result.err
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    (elsewhere / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    result = cli("diff", "HEAD", cwd=elsewhere)
    assert result.code == 2 and "is not in a git repository (git says: fatal: not a git repository" in result.err


def test_a_symlink_in_history_is_reported_not_an_internal_error(cli, repo):
    link = repo / "account_plans" / "passwd.yaml"
    link.symlink_to("/etc/passwd")
    subprocess.run([*GIT, "add", "."], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "a link"], cwd=repo, check=True)
    link.unlink()
    result = cli("diff", "HEAD", cwd=repo)
    assert result.code == 0 and "internal error" not in result.err
    assert "account_plans/passwd.yaml is a link (to /etc/passwd)" in result.err and "not read" in result.err


def test_new_refuses_what_would_not_validate_and_needs_no_kam(cli, tmp_path):
    root = tmp_path / "plans"
    root.mkdir()
    (root / "kamplan.yaml").write_text("kamplan: 1\npeople:\n  - {id: bob, name: Bob, role: csm}\n", encoding="utf-8")
    assert cli("new", "acme", cwd=root).code == 0
    assert cli("validate", "--strict", cwd=root).out.count("error") == 0
    assert "team:\n  - id: bob" in (root / "account_plans" / "acme.yaml").read_text(encoding="utf-8")
    refused = cli("new", "ctl", "--name", "bad\x01name", cwd=root)
    assert refused.code == 2 and "would not validate" in refused.err
    assert not (root / "account_plans" / "ctl.yaml").exists()
    (root / "account_plans" / "other.yaml").write_text("kamplan: 1\naccount: {id: taken, name: T}\n", encoding="utf-8")
    assert "already used" in cli("new", "taken", cwd=root).err
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    assert cli("new", "solo", cwd=bare).code == 0
    result = cli("validate", cwd=bare)
    assert result.code == 0, result.out


def test_site_redact_leaves_no_unredacted_page(cli, small_portfolio_dir):
    plan = small_portfolio_dir / "account_plans" / "alpha.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "name: Carla CEO,", "name: Carla CEO, contact: {email: carla@alpha.example}, notes: secret plan,"),
        encoding="utf-8")
    out = small_portfolio_dir / "site"
    assert cli("site", "-o", out, cwd=small_portfolio_dir).code == 0
    assert "carla@alpha.example" in (out / "accounts" / "alpha.html").read_text(encoding="utf-8")
    (out / "accounts" / "old-account.html").write_text("<p>old@alpha.example</p>", encoding="utf-8")
    assert cli("site", "--redact", "-o", out, cwd=small_portfolio_dir).code == 0
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "carla@alpha.example" not in text and "secret plan" not in text and "old@" not in text, page
    assert sorted(p.name for p in (out / "accounts").iterdir()) == ["alpha.html", "beta.html"]


def test_cli_reference_is_generated_with_plain_usage_lines():
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert "Usage: kamplan report [OPTIONS] PLAN" in text and "kamplan kamplan" not in text
    assert os.path.exists(Path(__file__).resolve().parent.parent / "scripts" / "gen_docs.py")


def test_import_sees_a_parent_defined_under_another_id(cli, small_portfolio_dir):
    plans = small_portfolio_dir / "account_plans"
    (plans / "group.yaml").write_text("kamplan: 1\naccount: {id: holding, name: Holding}\n", encoding="utf-8")
    (plans / "child.yaml").write_text("kamplan: 1\naccount: {id: kid, name: Kid, parent: holding}\n",
                                      encoding="utf-8")
    export = small_portfolio_dir / "people.csv"
    export.write_text("Id,Name,Title\n003A,Ann Able,CTO\n", encoding="utf-8")
    result = cli("import", "salesforce", export, "--account", "kid", cwd=small_portfolio_dir)
    assert result.code == 0, result.err
    assert "Ann Able" in (plans / "child.yaml").read_text(encoding="utf-8")
