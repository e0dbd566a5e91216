"""The pre-commit hooks as a user installs them (``pre-commit try-repo``), on a repo whose plans are not in
account_plans/: they follow kamplan.yaml's ``plans:`` folder and leave other YAML alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
PLAN = """\
kamplan: 1
account: {id: globex, name: Globex, reviewed: 2026-10-01}
stakeholders:
  - {name: Hank Scorpio, id: hank, reports_to: nobody}
"""


def _try(repo: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run([PRE_COMMIT, "try-repo", str(ROOT), hook, "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.slow
def test_the_hooks_follow_the_plans_folder(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "clients").mkdir(parents=True)
    (repo / ".github").mkdir()
    (repo / "kamplan.yaml").write_text("kamplan: 1\nplans: clients\nsettings: {today: 2026-11-30}\n",
                                       encoding="utf-8")
    (repo / "clients" / "globex.yaml").write_text(PLAN, encoding="utf-8")
    workflow = "on: push\njobs: {x: {runs-on: ubuntu-latest, steps: [{run: echo}]}}\n"
    (repo / ".github" / "ci.yml").write_text(workflow, encoding="utf-8")
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "plans"], cwd=repo, check=True)
    home = tmp_path / "pre-commit-home"
    failed = _try(repo, "kamplan-validate", home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "clients/globex.yaml" in failed.stdout and "E301" in failed.stdout and "nobody" in failed.stdout
    fixed = PLAN.replace(", reports_to: nobody", "")
    (repo / "clients" / "globex.yaml").write_text(fixed, encoding="utf-8")
    assert _try(repo, "kamplan-validate", home).returncode == 0
    formatted = _try(repo, "kamplan-fmt", home)  # name before id: fmt puts id first, then passes
    assert formatted.returncode == 1 and "files were modified" in formatted.stdout
    assert "- {id: hank, name: Hank Scorpio}" in (repo / "clients" / "globex.yaml").read_text(encoding="utf-8")
    assert _try(repo, "kamplan-fmt", home).returncode == 0
    assert (repo / ".github" / "ci.yml").read_text(encoding="utf-8") == workflow  # not a plan: untouched
