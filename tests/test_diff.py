"""`kamplan diff` between git revisions: matched by id, reported in planning terms, risks called out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import kamplan  # noqa: F401

BEFORE = """\
kamplan: 1
account: {id: acme, name: ACME plc, tier: key, reviewed: 2026-10-01}
units: [{id: hq, name: HQ}]
offerings: [{id: core, name: Core}]
team: [{id: kam, name: Kim}]
stakeholders:
  - {id: ceo, name: Carla, unit: hq, roles: [economic_buyer], attitude: supporter, influence: decisive}
  - {id: cto, name: Tom, unit: hq, reports_to: ceo, attitude: champion, roles: [champion]}
  - {id: old, name: Olaf, unit: hq, reports_to: ceo}
relationships:
  - {team: kam, stakeholder: ceo, strength: strong, last_contact: 2026-10-01}
  - {team: kam, stakeholder: cto, strength: strong, last_contact: 2026-10-01}
opportunities:
  - {unit: hq, offering: core, status: pipeline, arr: 100000}
goals: [{id: g1, title: Grow, owner: kam, due: 2027-01-01, status: on_track}]
actions: [{id: a1, title: Meet CEO, owner: kam, due: 2026-12-01}]
"""

AFTER = (BEFORE
         .replace("tier: key", "tier: strategic")
         .replace("attitude: supporter", "attitude: skeptic")
         .replace("attitude: champion, roles: [champion]}", "attitude: champion, roles: [champion], status: left}")
         .replace("  - {id: old, name: Olaf, unit: hq, reports_to: ceo}\n",
                  "  - {id: cfo, name: Fiona, unit: hq, reports_to: ceo, roles: [decision_maker]}\n")
         .replace("  - {team: kam, stakeholder: cto, strength: strong, last_contact: 2026-10-01}\n", "")
         .replace("status: pipeline, arr: 100000", "status: competitor, arr: 120000")
         .replace("status: on_track", "status: at_risk")
         .replace("due: 2026-12-01}", "due: 2027-01-15, status: done}"))


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "Test")
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-01}\n")
    plans = tmp_path / "account_plans"
    plans.mkdir()
    (plans / "acme.yaml").write_text(BEFORE)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "first")
    return tmp_path


def test_changes_in_planning_terms_with_risks(repo, cli):
    (repo / "account_plans" / "acme.yaml").write_text(AFTER)
    result = cli("diff", "HEAD", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    changes = json.loads(result.out)
    assert all(set(c) >= {"account", "change", "kind", "id", "field", "before", "after", "message"} for c in changes)
    by = {(c["kind"], c["change"], c["id"], c["field"]): c for c in changes}
    assert by[("account", "changed", "acme", "tier")]["after"] == "strategic"
    attitude = by[("stakeholder", "changed", "ceo", "attitude")]
    assert (attitude["before"], attitude["after"], attitude["risk"]) == ("supporter", "skeptic", "attitude worsened")
    assert by[("stakeholder", "changed", "cto", "status")]["risk"] == "champion left"
    assert by[("stakeholder", "added", "cfo", None)]["risk"] == "new decision maker nobody covers"
    assert ("stakeholder", "removed", "old", None) in by
    assert ("relationship", "removed", "kam->cto", None) in by
    assert by[("opportunity", "changed", "hq/core", "status")]["risk"] == "lost to a competitor"
    assert by[("opportunity", "changed", "hq/core", "arr")]["after"] == 120000
    assert by[("goal", "changed", "g1", "status")]["after"] == "at_risk"
    assert by[("action", "changed", "a1", "due")]["after"] == "2027-01-15"
    assert by[("action", "changed", "a1", "status")]["after"] == "done"
    coverage = by[("account", "changed", "acme", "score.coverage")]
    assert coverage["before"] > coverage["after"] and coverage["risk"].startswith("coverage score dropped")


def test_text_and_markdown(repo, cli):
    (repo / "account_plans" / "acme.yaml").write_text(AFTER)
    text = cli("diff", "HEAD", cwd=repo).out
    assert text.startswith("Changes from HEAD to the working tree\n\nacme\n")
    assert "  ~ Carla: attitude supporter → skeptic   !! attitude worsened" in text
    md = cli("diff", "HEAD", "--format", "md", cwd=repo).out
    assert md.startswith("### Account plans:") and "⚠️" in md and "<details>" in md


def test_renamed_file_is_matched_by_account_id(repo, cli):
    git(repo, "mv", "account_plans/acme.yaml", "account_plans/acme-corp.yaml")
    git(repo, "commit", "-qm", "rename")
    result = cli("diff", "HEAD~1", "HEAD", "--format", "json", cwd=repo)
    assert json.loads(result.out) == []
    assert "No changes" in cli("diff", "HEAD~1", "HEAD", cwd=repo).out


def test_invalid_plan_at_one_revision_is_reported(repo, cli):
    (repo / "account_plans" / "acme.yaml").write_text("kamplan: 1\naccount: {name: [\n")
    git(repo, "commit", "-qam", "broken")
    result = cli("diff", "HEAD~1", "HEAD", "--format", "json", cwd=repo)
    assert result.code == 0
    change = json.loads(result.out)[0]
    assert change["field"] == "validity" and "does not validate at HEAD" in change["message"]
    assert "E100" in change["message"]


def test_added_and_removed_accounts(repo, cli):
    (repo / "account_plans" / "globex.yaml").write_text("kamplan: 1\naccount: {name: Globex}\n")
    (repo / "account_plans" / "acme.yaml").unlink()
    changes = json.loads(cli("diff", "HEAD", "--format", "json", cwd=repo).out)
    assert {(c["account"], c["change"]) for c in changes} == {("acme", "removed"), ("globex", "added")}


def test_bad_revision_is_a_usage_error(repo, cli):
    result = cli("diff", "no-such-rev", cwd=repo)
    assert result.code == 2 and "git" in result.err


def test_diff_of_the_demo_repository_history_runs():
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True)
    if proc.returncode != 0:
        pytest.skip("not a git checkout")
    from kamplan.repo.diff import diff

    assert isinstance(diff("HEAD", None, [root]), list)


def test_integrity_error_at_one_revision_is_reported_and_still_compared(repo, cli):
    (repo / "account_plans" / "acme.yaml").write_text(BEFORE.replace("reports_to: ceo}", "reports_to: ghost}", 1))
    changes = json.loads(cli("diff", "HEAD", "--format", "json", cwd=repo).out)
    validity = [c for c in changes if c["field"] == "validity"]
    assert len(validity) == 1 and "working tree" in validity[0]["message"] and "E301" in validity[0]["message"]
    assert any(c["kind"] == "stakeholder" and c["field"] == "reports_to" for c in changes)


NEW_SECTIONS = BEFORE.replace(
    "  - {unit: hq, offering: core, status: pipeline, arr: 100000}\n",
    "  - unit: hq\n    offering: core\n    status: pipeline\n    arr: 100000\n    buying_influences:\n"
    "      - {stakeholder: ceo, role: economic_buyer, mode: growth}\n",
) + "contracts:\n  - {id: c1, end: 2027-06-30, arr: 50000}\n"


def test_new_sections_change_in_planning_terms(repo, cli):
    plan = repo / "account_plans" / "acme.yaml"
    plan.write_text(NEW_SECTIONS)
    git(repo, "commit", "-qam", "sections")
    plan.write_text(NEW_SECTIONS.replace("mode: growth", "mode: even_keel")
                    .replace("{id: c1, end: 2027-06-30, arr: 50000}", "{id: c1, end: 2027-06-30, arr: 50000, "
                                                                     "status: cancelled}")
                    + "objectives:\n  - {id: o1, title: Cut cost, owner: ceo}\n"
                    + "interactions:\n  - {date: 2026-10-20, kind: qbr, team: [kam], stakeholders: [ceo]}\n")
    changes = json.loads(cli("diff", "HEAD", "--format", "json", cwd=repo).out)
    found = {(c["kind"], c["id"], c["field"]): c for c in changes}
    assert found[("contract", "c1", "status")]["risk"] == "contract cancelled"
    assert found[("buying influence", "hq/core: ceo", "mode")]["risk"] == "a buying influence sees no reason to change"
    assert ("objective", "o1", None) in found and found[("objective", "o1", None)]["change"] == "added"
    assert ("interaction", "2026-10-20 qbr with ceo", None) in found
    md = cli("diff", "HEAD", "--format", "md", cwd=repo).out
    assert "contract cancelled" in md and "objective o1 added" in md
