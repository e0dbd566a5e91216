"""The tutorial in docs/writing-plugins.md works as written: build, install, list, test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "writing-plugins.md"


def tutorial_files() -> dict[str, str]:
    files = {}
    for block in re.findall(r"```(?:python|toml)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S):
        first, _, rest = block.partition("\n")
        if first.startswith("# file: "):
            files[first.removeprefix("# file: ").strip()] = rest
    return files


def test_tutorial_has_the_three_files():
    assert set(tutorial_files()) == {"pyproject.toml", "src/kamplan_exec_coverage/__init__.py",
                                     "tests/test_exec_coverage.py"}


@pytest.mark.slow
def test_tutorial_plugin_installs_lists_and_passes_its_tests(tmp_path, small_portfolio_dir):
    package = tmp_path / "kamplan-exec-coverage"
    for name, text in tutorial_files().items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(package)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("KAMPLAN_LOAD_PLUGINS", None)
    kamplan_exe = Path(sys.executable).with_name("kamplan")
    listing = subprocess.run([kamplan_exe, "plugins", "--format", "json"], env=env, capture_output=True, text=True,
                             check=True, cwd=small_portfolio_dir)
    plugin = next(p for p in json.loads(listing.stdout) if p["name"] == "exec_coverage")
    assert plugin["version"] == "0.1.0" and plugin["hooks"] == ["register_rules", "register_scorers"]
    scores = subprocess.run([kamplan_exe, "score", "--format", "json"], env=env, capture_output=True, text=True,
                            check=True, cwd=small_portfolio_dir)
    assert all("exec_coverage" in row["scores"] for row in json.loads(scores.stdout))
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert tests.returncode == 0, tests.stdout + tests.stderr


def scaffold_steps() -> list[str]:
    """The commands of section 0 ("The fastest start"), comments removed."""
    section = DOC.read_text(encoding="utf-8").split("## 0.", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_scaffold_steps_of_the_page_work(tmp_path, small_portfolio_dir):
    steps = scaffold_steps()
    assert [s.split()[:3] for s in steps] == [["kamplan", "plugins", "new"], ["pip", "install", "-e"],
                                              ["kamplan", "plugins"], ["python", "-m", "pytest"]]
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(site)}
    bin_dir = Path(sys.executable).parent
    for step in steps:
        words = step.split()
        if words[:3] == ["pip", "install", "-e"]:  # the same package, into a folder of this test's own
            target = words[3].strip("'").removesuffix("[test]")
            words = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                     "--target", str(site), target]
        elif words[0] == "python":
            words = [sys.executable, *words[1:], "-p", "no:cacheprovider"]
        else:
            words = [str(bin_dir / words[0]), *words[1:]]
        done = subprocess.run(words, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
        if words[1:3] == ["plugins"] or step == "kamplan plugins":
            assert "kamplan_exec_coverage" in done.stdout
