"""Nothing a plugin does escapes unnamed: exits, BaseExceptions, prints, hangs, name collisions.

Each test reproduces an attack on the previous main: ``sys.exit(0)`` in a rule ended ``validate`` with
success and no output, a ``print`` in a scorer broke ``score --format json``, and a rule id taken twice
blamed the built-in plugin instead of the newcomer.
"""

from __future__ import annotations

import json
import textwrap

import pytest

import kamplan
from kamplan.errors import PluginError
from kamplan.plugins import PluginHost


def _plugin(folder, name, body):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    return folder


@pytest.mark.parametrize("statement, shown", [
    ("sys.exit(0)", "called sys.exit(0)"),
    ("raise SystemExit(3)", "called sys.exit(3)"),
    ("raise GeneratorExit('odd')", "GeneratorExit: odd"),
    ("raise BaseException('base')", "BaseException: base"),
])
def test_an_exit_or_base_exception_in_a_rule_is_contained_and_named(cli, small_portfolio_dir, tmp_path,
                                                                    statement, shown):
    folder = _plugin(tmp_path / "extra", "quitter", f"""
        import sys
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            def rule(account):
                {statement}
            register("QUIT1", rule)
    """)
    result = cli("validate", "--no-cache", "--plugins-dir", folder, cwd=small_portfolio_dir)
    assert result.code == 2
    assert f"plugin 'quitter' failed in rule 'QUIT1': {shown}" in result.err and "Traceback" not in result.err


def test_an_exit_at_import_is_contained(cli, small_portfolio_dir, tmp_path):
    folder = _plugin(tmp_path / "extra", "exits_early", "import sys\nsys.exit(0)\n")
    result = cli("validate", "--plugins-dir", folder, cwd=small_portfolio_dir)
    assert result.code == 2 and "plugin 'exits_early' failed in import: called sys.exit(0)" in result.err


def test_a_plugin_printing_cannot_corrupt_json(cli, small_portfolio_dir, tmp_path):
    folder = _plugin(tmp_path / "extra", "chatty", """
        import kamplan

        print("loading chatty")

        @kamplan.hookimpl
        def register_scorers(register):
            def loud(account):
                print("scoring", account.id)
                return 50.0
            register("loud", loud)

        @kamplan.hookimpl
        def register_rules(register):
            def rule(account):
                print("checking", account.id)
                return []
            register("CHAT1", rule)
    """)
    for args in (("score", "--format", "json"), ("validate", "--format", "json"), ("kpi", "--format", "json"),
                 ("recommend", "--format", "json")):
        result = cli(*args, "--no-cache", "--plugins-dir", folder, cwd=small_portfolio_dir)
        assert result.code in (0, 1), result.err
        json.loads(result.out)  # the plugin's prints went to standard error
        assert "scoring" not in result.out and "checking" not in result.out
    assert "scoring alpha" in cli("score", "--no-cache", "--plugins-dir", folder, cwd=small_portfolio_dir).err


def test_a_duplicate_name_blames_the_plugin_that_registered_second():
    class Newcomer:
        @kamplan.hookimpl
        def register_rules(self, register):
            register("W401", lambda account: [])

    class First:
        @kamplan.hookimpl
        def register_rules(self, register):
            register("ACME1", lambda account: [])

    class Second:
        @kamplan.hookimpl
        def register_rules(self, register):
            register("ACME1", lambda account: [])

    host = PluginHost(entry_points=False)
    host.register(Newcomer(), "newcomer")
    with pytest.raises(PluginError) as caught:
        host.registry("register_rules")
    assert caught.value.plugin == "newcomer"
    assert "already registered by plugin 'kamplan.builtin.rules'" in str(caught.value)
    host = PluginHost(builtins=False, entry_points=False)
    host.register(First(), "first")
    host.register(Second(), "second")
    with pytest.raises(PluginError) as caught:
        host.registry("register_rules")
    assert caught.value.plugin == "second" and "by plugin 'first'" in str(caught.value)


def test_a_hanging_plugin_is_named_when_interrupted(cli, small_portfolio_dir, tmp_path):
    folder = _plugin(tmp_path / "extra", "sleepy", """
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            def rule(account):
                raise KeyboardInterrupt  # what Ctrl-C raises in a rule stuck in a loop
            register("HANG1", rule)
    """)
    result = cli("validate", "--no-cache", "--plugins-dir", folder, cwd=small_portfolio_dir)
    assert result.code == 2
    assert "plugin 'sleepy' failed in rule 'HANG1': interrupted while it was running (does it hang?)" in result.err


def test_a_real_interrupt_of_a_hanging_plugin_names_it(small_portfolio_dir, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = _plugin(tmp_path / "extra", "stuck", """
        import time
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            def rule(account):
                print("ready", flush=True)
                while True:
                    time.sleep(0.05)
            register("STUCK1", rule)
    """)
    proc = subprocess.Popen([sys.executable, "-m", "kamplan", "validate", "--no-cache", "--plugins-dir", str(folder)],
                            cwd=small_portfolio_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the plugin's print went to standard error
    assert line.strip() == "ready"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2 and "plugin 'stuck' failed in rule 'STUCK1': interrupted" in err
