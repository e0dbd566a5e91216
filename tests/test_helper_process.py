"""The helper process (kamplan.engine.helper): after an edit, the plugins load on the other core while the
cache is read, and the few missing plans are computed there. Never a different result, never lost.

Run in subprocesses: in the test process the models are imported already, so no helper would start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.conftest import WHOLE_PORTFOLIO_PLUGIN, exploding_rule

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_portfolio  # noqa: E402

# What each run says about its helper, printed after the command (stdout and stderr as the user sees them).
PROBE = textwrap.dedent("""
    import os
    import sys
    from kamplan.engine import helper
    used = []
    compute = helper.Helper.compute
    def watched(self, plans, **job):
        answer = compute(self, plans, **job)
        used.append((len(plans), answer is not None))
        return answer
    helper.Helper.compute = watched
    start = helper.Helper.start.__func__
    def started(cls, dirs):
        found = start(cls, dirs)
        used.append("started" if found else "not started")
        return found
    helper.Helper.start = classmethod(started)
    from kamplan.cli import main
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:
        code = exc.code
    sys.stdout.flush()
    sys.stderr.write(f"\\nHELPER {used}\\n")
    sys.exit(code)
""")


def kamplan(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str, str]:
    """Exit code, stdout, stderr (without the probe's line) and what the helper did."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    err, _, used = done.stderr.rpartition("\nHELPER ")
    return done.returncode, done.stdout, err, used.strip()


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    write_portfolio(tmp_path, 5, 30, seed=11)
    return tmp_path


def touch(plan: Path, text: str = "# edited\n") -> None:
    plan.write_text(plan.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize("command", [("validate",), ("validate", "--format", "json"),
                                     ("score", "--format", "json"), ("recommend", "--format", "json"),
                                     ("kpi", "--format", "json")])
def test_after_an_edit_the_helper_computes_the_plan_and_the_output_is_the_fresh_one(portfolio, command):
    assert kamplan(portfolio, *command)[0] == 0  # cold: the parallel path, no helper
    plan = portfolio / "account_plans" / "account-00002.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("strength: strong", "strength: weak", 1), encoding="utf-8")
    code, out, err, used = kamplan(portfolio, *command)
    assert used == "['started', (1, True)]"  # one plan missing, computed by the helper
    fresh = kamplan(portfolio, *command, "--no-cache")
    assert (code, out, err) == fresh[:3] and fresh[3] == "[]"


def test_no_helper_when_nothing_changed_nor_in_a_cold_run(portfolio):
    import time

    from kamplan.engine import store

    assert kamplan(portfolio, "validate")[3] == "[]"  # cold: the parallel path
    time.sleep(store.RACY_NS / 1e9 + 0.1)  # files written just before their stamps are hashed again
    kamplan(portfolio, "validate")  # records stamps out of the racy window
    assert kamplan(portfolio, "validate")[3] == "[]"  # nothing changed: no fork at all


def test_a_helper_that_died_is_replaced_by_this_process(portfolio):
    kamplan(portfolio, "validate")
    touch(portfolio / "account_plans" / "account-00001.yaml")
    killer = PROBE.replace("answer = compute(self, plans, **job)",
                           "os.kill(self.pid, 9); os.waitpid(self.pid, 0); answer = compute(self, plans, **job)")
    done = subprocess.run([sys.executable, "-c", killer, "validate"], cwd=portfolio, capture_output=True,
                          text=True)
    assert "HELPER ['started', (1, False)]" in done.stderr  # it could not answer: computed here
    assert done.returncode == 0
    assert done.stderr.rpartition("\nHELPER ")[0] == kamplan(portfolio, "validate", "--no-cache")[2]


def test_a_plugin_that_fails_in_the_helper_is_named_as_anywhere(portfolio, monkeypatch):
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")
    plugins = portfolio / "plugins"
    plugins.mkdir()
    (plugins / "explodes.py").write_text(exploding_rule("BOOM3", '"Explosive" in account.name'), encoding="utf-8")
    assert kamplan(portfolio, "validate")[0] == 0
    plan = portfolio / "account_plans" / "account-00003.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("Account 3 plc", "Explosive Account 3 plc"),
                    encoding="utf-8")
    code, _, err, used = kamplan(portfolio, "validate")
    assert code == 2 and "plugin 'explodes' failed in rule 'BOOM3': ValueError: bad data" in err
    assert used == "['started']"  # the helper's answer was that error, raised here: no results recorded
    fresh = kamplan(portfolio, "validate", "--no-cache")
    assert (fresh[0], fresh[2]) == (code, err)


def test_a_plugin_that_cannot_be_loaded_is_reported_once(portfolio, monkeypatch):
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")
    kamplan(portfolio, "validate")
    plugins = portfolio / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("import kamplan\nraise RuntimeError('cannot start')\n", encoding="utf-8")
    first = kamplan(portfolio, "validate")
    touch(portfolio / "account_plans" / "account-00004.yaml")
    second = kamplan(portfolio, "validate")
    assert first[0] == second[0] == 2
    assert second[2].count("cannot start") == 1 and "broken" in second[2]


def test_a_portfolio_wide_plugin_makes_the_helper_step_aside(portfolio, monkeypatch):
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")
    plugins = portfolio / "plugins"
    plugins.mkdir()
    (plugins / "whole.py").write_text(WHOLE_PORTFOLIO_PLUGIN, encoding="utf-8")
    kamplan(portfolio, "validate")
    touch(portfolio / "account_plans" / "account-00004.yaml")
    code, out, _, used = kamplan(portfolio, "validate")
    assert code == 0 and out.count("saw 5 accounts") == 5 and "(1, True)" not in used  # loaded whole, here


def test_the_helper_takes_exactly_the_runs_the_runner_would_compute_in_one_process():
    from kamplan.engine import helper, runner

    assert helper.MOST_PLANS == runner.PARALLEL_MIN_PLANS
