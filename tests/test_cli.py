"""The command line as a user runs it: formats, exit codes, global options, scaffolding, schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import VALID_PLAN

ROOT = Path(__file__).resolve().parent.parent
BROKEN = VALID_PLAN.replace("reports_to: ceo", "reports_to: boss")


def test_validate_text_is_file_line_col(cli, write_plan):
    result = cli("validate", write_plan(BROKEN))
    assert result.code == 1
    line = result.out.splitlines()[0]
    assert line.endswith("error E301 unknown stakeholder 'boss' (stakeholders[1].reports_to)")
    assert ":11:" in line
    assert "1 error(s)" in result.err


def test_validate_json_contract(cli, write_plan):
    result = cli("validate", "--format", "json", write_plan(BROKEN))
    data = json.loads(result.out)
    error = next(d for d in data if d["severity"] == "error")
    assert set(error) == {"file", "line", "column", "severity", "code", "message", "path"}
    assert error["code"] == "E301" and error["path"] == "stakeholders[1].reports_to"
    assert result.code == 1


def test_validate_github_annotations(cli, write_plan):
    result = cli("validate", "--format", "github", write_plan(BROKEN))
    line = next(x for x in result.out.splitlines() if x.startswith("::error"))
    assert line.startswith("::error file=") and ",line=11,col=" in line and "title=E301::" in line


def test_validate_ok_exit_zero(cli, write_plan):
    assert cli("validate", write_plan(VALID_PLAN)).code == 0


def test_missing_path_is_a_usage_error(cli, tmp_path):
    result = cli("validate", tmp_path / "nope.yaml")
    assert result.code == 2 and "no such file" in result.err


def test_global_options_before_or_after_the_command(cli, write_plan):
    path = write_plan(VALID_PLAN)
    assert cli("--no-cache", "validate", path).code == 0
    assert cli("validate", path, "--no-cache").code == 0
    assert cli("validate", "--debug", path).code == 0


def test_unknown_option_exit_two(cli):
    assert cli("validate", "--frobnicate").code == 2


def test_validate_whole_portfolio_from_cwd(cli, small_portfolio_dir):
    result = cli("validate", "--format", "json", cwd=small_portfolio_dir)
    files = {Path(d["file"]).name for d in json.loads(result.out)}
    assert files <= {"alpha.yaml", "beta.yaml"} and result.code == 0


def test_schema_is_json_schema_of_the_models(cli, tmp_path):
    result = cli("schema")
    schema = json.loads(result.out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"kamplan", "account", "stakeholders", "opportunities", "custom"} <= set(schema["properties"])
    stakeholder = schema["$defs"]["Stakeholder"]
    assert stakeholder["additionalProperties"] is False
    target = tmp_path / "schema.json"
    assert cli("schema", "-o", target).code == 0 and json.loads(target.read_text()) == schema


def test_new_and_init(cli, tmp_path):
    repo = tmp_path / "plans-repo"
    assert cli("init", repo).code == 0
    assert (repo / "kamplan.yaml").is_file() and (repo / "account_plans" / "example.yaml").is_file()
    assert ".kamplan_cache/" in (repo / ".gitignore").read_text()
    assert cli("validate", cwd=repo).code == 0
    assert cli("new", "globex", "--name", 'Globex "Intl" Corp', cwd=repo).code == 0
    assert cli("validate", "--format", "json", cwd=repo).code == 0
    from kamplan.engine.accounts import load_portfolio

    names = {a.id: a.name for a in load_portfolio([repo]).accounts}
    assert names["globex"] == 'Globex "Intl" Corp'
    again = cli("new", "globex", cwd=repo)
    assert again.code == 2 and "never overwrites" in again.err
    assert cli("new", "Bad Id", cwd=repo).code == 2
    (repo / ".gitignore").write_text("node_modules/\n")
    cli("init", repo)
    assert (repo / ".gitignore").read_text() == "node_modules/\n.kamplan_cache/\n"


def test_console_script_version_and_help():
    exe = Path(sys.executable).with_name("kamplan")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("kamplan, version ")
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("validate", "chart", "schema", "new", "init", "plugins"):
        assert command in help_text


def test_version_and_help_do_not_import_heavy_modules():
    code = ("import sys; from kamplan.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "main(['--help'])\n"
            "heavy = [m for m in ('networkx', 'pydantic', 'graphviz', 'wasmtime') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "KAMPLAN_LOAD_PLUGINS": ""}).stdout
    assert "HEAVY []" in out


@pytest.mark.slow
def test_validate_demo_through_the_console_script():
    exe = Path(sys.executable).with_name("kamplan")
    out = subprocess.run([exe, "validate", "--format", "json"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert all(d["severity"] == "warning" for d in json.loads(out.stdout))


def test_every_command_has_a_library_function_of_the_same_name():
    import types

    import kamplan

    for name in ("validate", "chart", "score", "recommend", "kpi", "report", "site", "diff", "fmt", "schema",
                 "load_portfolio", "import_records", "list_plugins"):
        value = getattr(kamplan, name)
        assert callable(value) and not isinstance(value, types.ModuleType), name
    import kamplan.render.document  # importing submodules must not shadow the functions
    import kamplan.web.site

    assert callable(kamplan.report) and callable(kamplan.site)


def test_python_dash_m_runs_every_command(tmp_path):
    """``python -m kamplan`` and ``python -m kamplan.cli`` know the commands of every module."""
    import subprocess
    import sys

    for module in ("kamplan", "kamplan.cli"):
        for command in ("validate", "report", "diff", "fmt"):
            done = subprocess.run([sys.executable, "-m", module, command, "--help"], capture_output=True, text=True)
            assert done.returncode == 0 and "Usage:" in done.stdout, (module, command, done.stderr)
