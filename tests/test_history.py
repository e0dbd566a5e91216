"""``kamplan history`` on a git repository built with set commit dates (GIT_COMMITTER_DATE); figures by hand.

Timeline (stale_contact_days 90):
- 2026-02-15: alpha: economic buyer Erin (strong tie, last contact 2026-02-01), decision maker Dan (none).
- 2026-05-10: Dan gets a medium tie (last contact 2026-05-01); beta is added.
- 2026-08-20: alpha's file is renamed (same account id); beta no longer parses.
As of 2026-03-31 alpha covers Erin only: 1 of 2 key players. As of 2026-06-30 Erin's tie is 150 days old
(stale) and Dan's is fresh: 1 of 2 again, but the other one. As of 2026-09-30 both are stale: 0 of 2.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from kamplan.plugins import PluginHost
from kamplan.repo.history import history, period_ends

ALPHA = """\
kamplan: 1
account: {{id: alpha, name: Alpha, reviewed: 2026-01-10}}
team: [{{id: kam, name: Kim}}]
stakeholders:
  - {{id: erin, name: Erin, roles: [economic_buyer]}}
  - {{id: dan, name: Dan, roles: [decision_maker], reports_to: erin}}
relationships:
  - {{team: kam, stakeholder: erin, strength: strong, last_contact: 2026-02-01}}
{extra}actions:
  - {{id: a1, title: Meet Dan, owner: kam, due: 2026-04-15}}
"""
BETA = "kamplan: 1\naccount: {id: beta, name: Beta}\nstakeholders:\n  - {id: bo, name: Bo}\n"


def _commit(repo: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"{when}T12:00:00", "GIT_COMMITTER_DATE": f"{when}T12:00:00"}
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run([*git, "commit", "-qm", message], cwd=repo, check=True, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    plans = tmp_path / "account_plans"
    plans.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {stale_contact_days: 90}\n", encoding="utf-8")
    (plans / "alpha.yaml").write_text(ALPHA.format(extra=""), encoding="utf-8")
    _commit(tmp_path, "2026-02-15", "alpha")
    dan = "  - {team: kam, stakeholder: dan, strength: medium, last_contact: 2026-05-01}\n"
    (plans / "alpha.yaml").write_text(ALPHA.format(extra=dan), encoding="utf-8")
    (plans / "beta.yaml").write_text(BETA, encoding="utf-8")
    _commit(tmp_path, "2026-05-10", "dan covered, beta")
    (plans / "alpha.yaml").rename(plans / "alpha-corp.yaml")
    (plans / "beta.yaml").write_text("kamplan: 1\naccount: {id: beta, name: [unclosed\n", encoding="utf-8")
    _commit(tmp_path, "2026-08-20", "rename alpha, break beta")
    return tmp_path


def test_period_ends():
    assert [str(d) for d in period_ends(kamplan_date("2026-01-01"), kamplan_date("2026-09-30"), "quarter")] == [
        "2026-03-31", "2026-06-30", "2026-09-30"]
    assert [str(d) for d in period_ends(kamplan_date("2026-01-15"), kamplan_date("2026-03-20"), "month")] == [
        "2026-01-31", "2026-02-28", "2026-03-20"]


def kamplan_date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_figures_per_quarter_by_hand(repo: Path):
    found = history([repo], since=kamplan_date("2026-01-01"), until=kamplan_date("2026-09-30"),
                    host=PluginHost(entry_points=False))
    by = {(r["account"], r["date"]): r for r in found.rows}
    assert sorted(by) == [("alpha", "2026-03-31"), ("alpha", "2026-06-30"), ("alpha", "2026-09-30"),
                          ("beta", "2026-06-30")]  # beta absent before it existed and where it does not parse
    q1, q2, q3 = by["alpha", "2026-03-31"], by["alpha", "2026-06-30"], by["alpha", "2026-09-30"]
    assert (q1["coverage"], q1["covered_key_players"], q1["key_players"], q1["map_status"]) == (0.5, 1, 2, 2)
    assert (q2["coverage"], q2["map_status"]) == (0.5, 1)  # Dan covered, the economic buyer's tie stale
    assert (q3["coverage"], q3["map_status"], q3["stale_relationships"]) == (0.0, 0, 2)
    assert (q1["open_actions"], q1["overdue_actions"], q2["overdue_actions"]) == (1, 0, 1)
    assert q1["commit"] != q2["commit"] != q3["commit"]
    assert [(p["date"], p["file"]) for p in found.problems] == [("2026-09-30", "account_plans/beta.yaml")]


def test_history_on_the_command_line(cli, repo: Path):
    result = cli("history", "--since", "2026-01-01", "--until", "2026-09-30", "--format", "json", cwd=repo)
    rows = json.loads(result.out)
    assert {r["account"] for r in rows} == {"alpha", "beta"} and "beta.yaml could not be read" in result.err
    assert set(rows[0]) >= {"account", "date", "commit", "coverage", "map_status", "health", "nrr"}
    csv_out = cli("history", "--since", "2026-01-01", "--until", "2026-09-30", "--format", "csv", cwd=repo).out
    assert csv_out.splitlines()[0].startswith("account,date,commit,coverage,map_status,health,nrr")
    assert cli("history", "--since", "2026-09-30", "--until", "2026-01-01", cwd=repo).code == 2


def test_the_dashboard_shows_trends_from_git(cli, repo: Path):
    (repo / "account_plans" / "beta.yaml").write_text(BETA, encoding="utf-8")  # fixed, not yet committed
    result = cli("--as-of", "2026-09-30", "site", "--history", "-o", repo / "out", cwd=repo)
    assert result.code == 0, result.err
    page = (repo / "out" / "index.html").read_text(encoding="utf-8")
    assert "Coverage, health, NRR by quarter" in page
    assert 'aria-label="coverage by quarter: 2026-03-31: 50%, 2026-06-30: 50%, 2026-09-30: 0%"' in page
    # health and NRR need revenue, which these plans do not have: shown as n/a, not as a line at zero
    assert page.count('<svg class="spark"') == 1 and 'title="health">n/a' in page
    alpha = (repo / "out" / "accounts" / "alpha.html").read_text(encoding="utf-8")
    assert "The map over time (from git)" in alpha and "2026-06-30" in alpha
    commits = subprocess.run(["git", "log", "--format=%h", "-n", "3", "--abbrev=12"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout.split()
    assert f"kamplan diff {commits[1]} {commits[0]}" in alpha  # the last change, as a command to run
    plain = cli("--as-of", "2026-09-30", "site", "-o", repo / "plain", cwd=repo)
    assert plain.code == 0 and "by quarter" not in (repo / "plain" / "index.html").read_text(encoding="utf-8")


def test_serve_keeps_the_trends_current(repo: Path):
    import re
    import signal
    import sys
    import time
    import urllib.request

    (repo / "kamplan.yaml").write_text("kamplan: 1\nsettings: {stale_contact_days: 90, today: 2026-09-30}\n",
                                       encoding="utf-8")
    (repo / "account_plans" / "beta.yaml").write_text(BETA, encoding="utf-8")
    _commit(repo, "2026-09-01", "beta fixed")  # today is pinned: the commit dates stay in the past
    process = subprocess.Popen([sys.executable, "-m", "kamplan", "serve", "--history", "--port", "0"], cwd=repo,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None
    try:
        found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", process.stderr.readline())
        assert found, process.stderr.read()
        address = found.group(1)

        def get(path: str) -> str:
            with urllib.request.urlopen(address + path, timeout=10) as response:
                return response.read().decode("utf-8")

        assert 'aria-label="coverage by quarter: 2026-03-31: 50%, 2026-06-30: 50%, 2026-09-30: 0%"' in get("")
        build = int(get("__kamplan/build"))
        alpha = repo / "account_plans" / "alpha-corp.yaml"
        text = alpha.read_text(encoding="utf-8")
        alpha.write_text(text.replace("2026-02-01", "2026-09-01").replace("2026-05-01", "2026-09-01"),
                         encoding="utf-8")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and int(get("__kamplan/build")) == build:
            time.sleep(0.2)
        time.sleep(0.5)  # the rebuild that the edit set off is done
        assert "2026-09-30: 0%" in get("")  # history is what was committed
        build = int(get("__kamplan/build"))
        _commit(repo, "2026-09-02", "Erin and Dan met again")  # both ties fresh on 2026-09-30: 2 of 2
        while time.monotonic() < deadline and "2026-09-30: 100%" not in get(""):
            time.sleep(0.3)
        assert "coverage by quarter: 2026-03-31: 50%, 2026-06-30: 50%, 2026-09-30: 100%" in get("")
        assert int(get("__kamplan/build")) > build
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


def test_a_person_moving_between_accounts_over_the_quarters(tmp_path: Path):
    import kamplan

    plans = tmp_path / "account_plans"
    plans.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-09-30}\n", encoding="utf-8")
    cleo = "{id: cleo, name: Cleo Ma, title: COO, attitude: champion, contact: {linkedin: linkedin.com/in/cleo-ma}"
    alpha = ("kamplan: 1\naccount: {id: alpha, name: Alpha}\nteam: [{id: kam, name: Kim}]\nstakeholders:\n"
             "  - {id: bo, name: Bo Lind, roles: [economic_buyer]@BO@}\n  - " + cleo + "@CLEO@}\n"
             "relationships:\n  - {team: kam, stakeholder: cleo, strength: strong, last_contact: 2026-01-20}\n")
    (plans / "alpha.yaml").write_text(alpha.replace("@BO@", "").replace("@CLEO@", ""), encoding="utf-8")
    (plans / "beta.yaml").write_text(BETA, encoding="utf-8")  # Bo, another Bo: a namesake at Beta
    _commit(tmp_path, "2026-02-01", "alpha and beta")
    (plans / "alpha.yaml").write_text(alpha.replace("@BO@", ", status: left").replace("@CLEO@", ", status: left"),
                                      encoding="utf-8")
    (plans / "beta.yaml").write_text(BETA.replace("  - {id: bo, name: Bo}\n", "  - {id: bo, name: Bo Lind}\n  - "
                                                  + cleo.replace("COO", "CEO") + "}\n"), encoding="utf-8")
    _commit(tmp_path, "2026-05-05", "Cleo joined Beta; Bo left Alpha")

    rows = history([tmp_path], since=kamplan_date("2026-01-01"), until=kamplan_date("2026-06-30")).rows
    champions = {(r["account"], r["date"]): r["champions"] for r in rows}
    assert champions == {("alpha", "2026-03-31"): 1, ("beta", "2026-03-31"): 0,
                         ("alpha", "2026-06-30"): 0, ("beta", "2026-06-30"): 1}
    moves = [r for r in kamplan.recommend([tmp_path], per_account=None) if r["recommender"] == "movers"]
    assert [(r["account"], r["title"]) for r in moves] == [
        ("beta", "Cleo Ma, formerly COO and our champion at Alpha, is now at Beta: reconnect through Kim"),
        ("alpha", "Cleo Ma is now at Beta: our champion here has moved on")]
    # Bo Lind left Alpha and a Bo Lind works at Beta: the same name, nothing else, not matched
    assert not any(r["stakeholder"] == "bo" for r in moves)


def test_one_plan_given_by_path_follows_its_account_through_a_rename(repo: Path):
    found = history([repo / "account_plans" / "alpha-corp.yaml"], since=kamplan_date("2026-01-01"),
                    until=kamplan_date("2026-09-30"), host=PluginHost(entry_points=False))
    # alpha-corp.yaml was alpha.yaml until August: the account's rows from before the rename are shown too
    assert [(r["account"], r["date"]) for r in found.rows] == [
        ("alpha", "2026-03-31"), ("alpha", "2026-06-30"), ("alpha", "2026-09-30")]
    assert found.problems == []  # beta's problem is not about this plan
