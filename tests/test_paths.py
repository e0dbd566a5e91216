"""A clone reads only its own files; a bad ``plans:`` setting is a positioned error; messages stay short.

Each test reproduces an attack on the previous main: a symlinked plan read /etc-like files outside the
repository, ``plans: 123`` silently read another folder, a 5,000-character value was echoed whole.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SECRET = "kamplan: 1\naccount: {id: secret, name: Secret}\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.yaml").write_text(SECRET, encoding="utf-8")
    return folder


def _codes(result) -> list[tuple[str, str]]:
    return [(d["file"], d["code"]) for d in json.loads(result.out)]


def test_a_plan_symlinked_out_of_the_repository_is_refused(cli, small_portfolio_dir, outside):
    (small_portfolio_dir / "account_plans" / "secret.yaml").symlink_to(outside / "secret.yaml")
    result = cli("validate", "--format", "json", cwd=small_portfolio_dir)
    assert ("account_plans/secret.yaml", "E113") in _codes(result)
    assert "Secret" not in result.out
    explicit = cli("validate", "--format", "json", "account_plans/secret.yaml", cwd=small_portfolio_dir)
    assert _codes(explicit) == [("account_plans/secret.yaml", "E113")]


def test_a_folder_plan_or_one_of_its_files_symlinked_out_is_refused(cli, small_portfolio_dir, outside):
    plans = small_portfolio_dir / "account_plans"
    (plans / "linked").symlink_to(outside)
    folder = plans / "gamma"
    folder.mkdir()
    (folder / "account.yaml").write_text("kamplan: 1\naccount: {id: gamma, name: Gamma}\n", encoding="utf-8")
    (folder / "people.yaml").symlink_to(outside / "secret.yaml")
    codes = _codes(cli("validate", "--format", "json", cwd=small_portfolio_dir))
    assert ("account_plans/linked", "E113") in codes and ("account_plans/gamma/people.yaml", "E113") in codes


def test_a_plans_folder_symlinked_out_is_refused(cli, small_portfolio_dir, outside):
    (small_portfolio_dir / "elsewhere").symlink_to(outside)
    config = small_portfolio_dir / "kamplan.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "plans: elsewhere\n", encoding="utf-8")
    result = cli("validate", "--format", "json", cwd=small_portfolio_dir)
    assert _codes(result) == [("elsewhere/secret.yaml", "E113")] and result.code == 1


def test_a_plans_folder_that_becomes_a_link_is_refused_at_the_next_run_of_the_same_process(cli, small_portfolio_dir,
                                                                                           outside):
    """Folders are resolved once per run, never across runs: a server that keeps running sees the link.
    A plan named through the linked folder is refused too, not read as a plan of no repository."""
    import shutil

    import kamplan

    plans = small_portfolio_dir / "account_plans"
    first = kamplan.validate([small_portfolio_dir], use_cache=False)
    assert not any(d.code == "E113" for d in first.diagnostics)
    shutil.rmtree(plans)
    shutil.copy(small_portfolio_dir.parent / "outside" / "secret.yaml", outside / "alpha.yaml")
    plans.symlink_to(outside)
    again = kamplan.validate([plans / "alpha.yaml"], use_cache=False)
    assert [d.code for d in again.diagnostics] == ["E113"]
    named = cli("validate", "--format", "json", "account_plans/alpha.yaml", cwd=small_portfolio_dir)
    assert _codes(named) == [("account_plans/alpha.yaml", "E113")] and named.code == 1


def test_a_symlink_inside_the_repository_is_fine(cli, small_portfolio_dir):
    plans = small_portfolio_dir / "account_plans"
    (small_portfolio_dir / "drafts").mkdir()
    (plans / "alpha.yaml").rename(small_portfolio_dir / "drafts" / "alpha.yaml")
    (plans / "alpha.yaml").symlink_to(small_portfolio_dir / "drafts" / "alpha.yaml")
    assert "E113" not in cli("validate", cwd=small_portfolio_dir).out


@pytest.mark.parametrize("setting, message", [
    ("plans: 123", "the folder '123' does not exist"),
    ("plans: nope", "the folder 'nope' does not exist"),
    ("plans: kamplan.yaml", "'kamplan.yaml' is a file, not a folder"),
    ("plans: [a, b]", "expected the name of the plans folder, got a list"),
])
def test_a_plans_setting_that_names_no_folder_is_a_positioned_e200(cli, small_portfolio_dir, setting, message):
    config = small_portfolio_dir / "kamplan.yaml"
    lines = config.read_text(encoding="utf-8").splitlines()
    config.write_text("\n".join([lines[0], "# the plans", setting, *lines[1:]]) + "\n", encoding="utf-8")
    result = cli("validate", cwd=small_portfolio_dir)
    assert result.code == 1 and "internal error" not in result.err
    assert f"kamplan.yaml:3:8: error E200 plans: {message}" in result.out + result.err


def test_a_long_offending_value_is_quoted_shortened(cli, small_portfolio_dir):
    long_value = "z" * 5000
    (small_portfolio_dir / "account_plans" / "x.yaml").write_text(
        f"kamplan: 1\naccount: {{id: x, name: X}}\nstakeholders:\n  - {{id: a, name: A, attitude: {long_value}}}\n"
        f"  - id: b\n    name: B\n    {'k' * 900}: 1\n", encoding="utf-8")
    result = cli("validate", "account_plans/x.yaml", cwd=small_portfolio_dir)
    assert "E201" in result.out and "E202" in result.out
    assert max(len(line) for line in result.out.splitlines()) < 400
