"""W412: a strategic or key account's map unchanged in git for ``settings.stale_map_days``, whatever ``reviewed`` says.

Timeline (stale_map_days 120; as of 2026-09-30 the window starts 2026-06-02):
- 2026-02-15: four plans committed: steady (strategic), moving (key), small (growth), folder (key, folder plan).
- 2026-08-20: steady's ``reviewed`` moves to 2026-08-20 and a comment is added (not a change of the map);
  moving's relationship gets a new ``last_contact`` (a change of the map); folder's plan.yaml reflowed
  (``fmt``-style, the same data).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

PLAN = """\
kamplan: 1
account: {{id: {id}, name: {name}, tier: {tier}, reviewed: {reviewed}}}
team: [{{id: kam, name: Kim}}]
stakeholders:
  - {{id: erin, name: Erin, roles: [economic_buyer]}}
relationships:
  - {{team: kam, stakeholder: erin, strength: strong, last_contact: {contact}}}
"""


def _commit(repo: Path, when: str, message: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": f"{when}T12:00:00", "GIT_COMMITTER_DATE": f"{when}T12:00:00"}
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run([*git, "commit", "-qm", message], cwd=repo, check=True, env=env)


def _plan(id_: str, tier: str, reviewed: str = "2026-02-10", contact: str = "2026-02-01") -> str:
    return PLAN.format(id=id_, name=id_.title(), tier=tier, reviewed=reviewed, contact=contact)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    plans = tmp_path / "account_plans"
    (plans / "folder").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {stale_map_days: 120}\n", encoding="utf-8")
    for id_, tier in (("steady", "strategic"), ("moving", "key"), ("small", "growth")):
        (plans / f"{id_}.yaml").write_text(_plan(id_, tier), encoding="utf-8")
    head, people = _plan("folder", "key").split("stakeholders:\n")
    (plans / "folder" / "plan.yaml").write_text(head + "relationships:\n" + people.split("relationships:\n")[1],
                                                encoding="utf-8")
    (plans / "folder" / "people.yaml").write_text("stakeholders:\n" + people.split("relationships:\n")[0],
                                                  encoding="utf-8")
    _commit(tmp_path, "2026-02-15", "annual review")
    (plans / "steady.yaml").write_text("# looked at in the QBR\n" + _plan("steady", "strategic", reviewed="2026-08-20"),
                                       encoding="utf-8")
    (plans / "moving.yaml").write_text(_plan("moving", "key", contact="2026-08-19"), encoding="utf-8")
    folder_plan = (plans / "folder" / "plan.yaml").read_text(encoding="utf-8")
    (plans / "folder" / "plan.yaml").write_text(folder_plan.replace(
        "  - {team: kam, stakeholder: erin, strength: strong, last_contact: 2026-02-01}",
        "  - team: kam\n    stakeholder: erin\n    strength: strong\n    last_contact: 2026-02-01"), encoding="utf-8")
    _commit(tmp_path, "2026-08-20", "QBR")
    return tmp_path


def _warned(cli, repo: Path, *args: str) -> dict[str, str]:
    result = cli("--as-of", "2026-09-30", "validate", *args, cwd=repo)
    return {line.split(":")[0]: line for line in result.out.splitlines() if "W412" in line}


def test_an_unchanged_map_is_stale_whatever_reviewed_says(cli, repo: Path):
    warned = _warned(cli, repo)
    # steady: only `reviewed` and a comment changed; folder: the same data in another layout
    assert sorted(warned) == ["account_plans/folder/plan.yaml", "account_plans/steady.yaml"]
    assert "has not changed in the 120 days to 2026-09-30" in warned["account_plans/steady.yaml"]
    assert warned["account_plans/steady.yaml"].startswith("account_plans/steady.yaml:3:11:")  # at the account id
    assert "strategic account" in warned["account_plans/steady.yaml"]
    # the same with and without the cache, and warm
    assert _warned(cli, repo) == warned == _warned(cli, repo, "--no-cache")


def test_a_change_in_the_working_tree_refreshes_the_map(cli, repo: Path):
    steady = repo / "account_plans" / "steady.yaml"
    assert "account_plans/steady.yaml" in _warned(cli, repo)  # cached as stale first
    steady.write_text(steady.read_text(encoding="utf-8").replace("strength: strong", "strength: medium"),
                      encoding="utf-8")
    assert "account_plans/steady.yaml" not in _warned(cli, repo)
    # a comment only does not
    steady.write_text("# a note\n" + _plan("steady", "strategic", reviewed="2026-08-20"), encoding="utf-8")
    assert "account_plans/steady.yaml" in _warned(cli, repo)


def test_the_window_and_new_plans(cli, repo: Path):
    # as of 2026-08-01 (window from 2026-04-03) nothing was committed in the window: all strategic/key stale
    result = cli("--as-of", "2026-08-01", "validate", cwd=repo)
    assert {line.split(":")[0] for line in result.out.splitlines() if "W412" in line} == {
        "account_plans/folder/plan.yaml", "account_plans/moving.yaml", "account_plans/steady.yaml"}
    # a plan added within the window (and one not committed yet) has no history to judge
    (repo / "account_plans" / "fresh.yaml").write_text(_plan("fresh", "strategic"), encoding="utf-8")
    assert "account_plans/fresh.yaml" not in _warned(cli, repo)
    (repo / "kamplan.yaml").write_text("kamplan: 1\nsettings: {stale_map_days: 400}\n", encoding="utf-8")
    assert _warned(cli, repo) == {}  # the repository is younger than 400 days


def test_no_git_no_warning(cli, tmp_path: Path):
    plans = tmp_path / "account_plans"
    plans.mkdir()
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    (plans / "steady.yaml").write_text(_plan("steady", "strategic"), encoding="utf-8")
    result = cli("--as-of", "2026-09-30", "validate", cwd=tmp_path)
    assert result.code == 0 and "W412" not in result.out


def test_the_library_reports_it_too(repo: Path):
    import kamplan

    with kamplan.as_of("2026-09-30"):
        found = kamplan.validate([repo])
    assert sorted(Path(d.file).name for d in found.diagnostics if d.code == "W412") == ["plan.yaml", "steady.yaml"]
