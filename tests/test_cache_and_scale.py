"""The validation cache and parallel runs never change a result; big charts are summarised, never crash."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from tests.conftest import WHOLE_PORTFOLIO_PLUGIN, exploding_rule, read_signed, write_signed

import kamplan
from kamplan.engine import run as batch
from kamplan.engine import store as resultcache
from kamplan.plugins import PluginHost

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import make_plan, write_portfolio  # noqa: E402


def codes(result: batch.PortfolioResult) -> list[tuple]:
    return [(d.file, d.line, d.column, d.code, d.message) for d in result.diagnostics]


@pytest.fixture
def portfolio(tmp_path, monkeypatch):
    monkeypatch.delenv("KAMPLAN_LOAD_PLUGINS", raising=False)
    write_portfolio(tmp_path, 6, 25, seed=3)
    (tmp_path / "account_plans" / "account-00001.yaml").write_text(
        make_plan("account-00001", "Broken", 20, seed=1).replace("reports_to: p00000", "reports_to: nobody", 1))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cached_results_are_identical_to_fresh_ones(portfolio):
    fresh = batch.validate_portfolio([portfolio], use_cache=False)
    first = batch.validate_portfolio([portfolio])
    second = batch.validate_portfolio([portfolio])
    assert (first.cached, first.computed) == (0, 6) and (second.cached, second.computed) == (6, 0)
    assert codes(fresh) == codes(first) == codes(second)
    classic = kamplan.validate([portfolio])
    assert codes(fresh) == [(d.file, d.line, d.column, d.code, d.message) for d in classic.diagnostics]
    assert any(d.code == "E301" for d in fresh.diagnostics)


def test_edit_invalidates_only_that_plan(portfolio):
    batch.validate_portfolio([portfolio])
    plan = portfolio / "account_plans" / "account-00003.yaml"
    plan.write_text(plan.read_text().replace("kamplan: 1", "kamplan: 2", 1))
    after = batch.validate_portfolio([portfolio])
    assert (after.cached, after.computed) == (5, 1)
    assert any(d.code == "E105" and d.file.endswith("account-00003.yaml") for d in after.diagnostics)
    assert codes(after) == codes(batch.validate_portfolio([portfolio], use_cache=False))


def count_plan_hashes(monkeypatch) -> list[str]:
    """Names of the plan files hashed from now on (kamplan.yaml left out)."""
    hashed: list[str] = []
    real_hash = resultcache.file_hash

    def counting(files):
        if files[0].name != "kamplan.yaml":
            hashed.append(files[0].name)
        return real_hash(files)

    monkeypatch.setattr(resultcache, "file_hash", counting)
    return hashed


def test_unchanged_plans_are_not_read_again_and_an_edit_is_always_seen(portfolio, monkeypatch):
    import os

    hashed = count_plan_hashes(monkeypatch)
    monkeypatch.setattr(resultcache, "RACY_NS", 0)  # the files were written just now; trust their stamps anyway
    batch.validate_portfolio([portfolio])
    assert len(hashed) == 6
    hashed.clear()
    assert batch.validate_portfolio([portfolio]).cached == 6 and hashed == []
    # an edit that keeps the size and puts the modification time back is still seen (the change time moves)
    plan = portfolio / "account_plans" / "account-00004.yaml"
    before = plan.stat()
    plan.write_text(plan.read_text().replace("kamplan: 1", "kamplan: 2", 1))
    os.utime(plan, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = batch.validate_portfolio([portfolio])
    assert hashed == ["account-00004.yaml"] and after.computed == 1
    assert any(d.code == "E105" and d.file.endswith("account-00004.yaml") for d in after.diagnostics)


def test_a_plan_changed_in_the_instant_it_was_read_is_hashed_again(portfolio, monkeypatch):
    hashed = count_plan_hashes(monkeypatch)
    batch.validate_portfolio([portfolio])
    hashed.clear()
    batch.validate_portfolio([portfolio])  # written less than two seconds before being read: not trusted yet
    assert len(hashed) == 6


def test_kamplan_yaml_change_invalidates_everything(portfolio):
    batch.validate_portfolio([portfolio])
    config = portfolio / "kamplan.yaml"
    config.write_text(config.read_text() + "settings: {stale_review_days: 1}\n")
    after = batch.validate_portfolio([portfolio])
    assert after.computed == 6
    assert codes(after) == codes(batch.validate_portfolio([portfolio], use_cache=False))


def test_plugin_change_invalidates(portfolio, trust_local_plugins):
    batch.validate_portfolio([portfolio])
    plugins = portfolio / "plugins"
    plugins.mkdir()
    rule = plugins / "extra_rule.py"
    rule.write_text(textwrap.dedent("""
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            register("EXTRA1", lambda account: [kamplan.Finding("extra", ("account",))])
    """))
    after = batch.validate_portfolio([portfolio])
    assert after.computed == 6 and sum(d.code == "EXTRA1" for d in after.diagnostics) == 6
    rule.write_text(rule.read_text().replace('"extra"', '"changed text"'))
    again = batch.validate_portfolio([portfolio])
    assert again.computed == 6 and any(d.message == "changed text" for d in again.diagnostics)


def test_version_change_invalidates(portfolio, monkeypatch):
    batch.validate_portfolio([portfolio])
    import kamplan.engine.fingerprint as fp

    monkeypatch.setattr(fp, "__version__", "99.0.0")
    assert batch.validate_portfolio([portfolio]).computed == 6


def test_parallel_and_serial_runs_agree(portfolio, monkeypatch):
    from kamplan.engine import runner

    monkeypatch.setattr(runner, "PARALLEL_MIN_PLANS", 2)
    parallel = batch.validate_portfolio([portfolio], use_cache=False)
    serial = batch.validate_portfolio([portfolio], use_cache=False, parallel=False)
    assert codes(parallel) == codes(serial)
    if parallel.workers < 2:
        pytest.skip("one CPU: no worker processes to compare with")


def _square(items):
    return [{"n": n * n} for n in items]


@pytest.mark.parametrize("parallel", [True, False])
def test_each_result_is_taken_in_order_as_it_arrives(parallel):
    """The parent keeps (hashes, signs) each unit's result while the workers compute the chunks after
    it: ``take`` sees every result once, in item order, before the run returns."""
    from kamplan.engine.runner import in_workers

    taken, returned = [], []

    def take(index, out):
        assert not returned  # by the run itself, before it returns
        taken.append((index, out["n"]))

    results, _ = in_workers(_square, list(range(120)), parallel=parallel, take=take)
    returned.append(True)
    assert taken == [(i, i * i) for i in range(120)] and [r["n"] for r in results] == [i * i for i in range(120)]


def test_parent_references_are_settled_across_plans(tmp_path):
    plans = tmp_path / "account_plans"
    plans.mkdir(parents=True)
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n")
    (plans / "group-file.yaml").write_text("kamplan: 1\naccount: {id: group, name: Group}\n")
    (plans / "child.yaml").write_text("kamplan: 1\naccount: {name: Child, parent: group}\n")
    (plans / "orphan.yaml").write_text("kamplan: 1\naccount: {name: Orphan, parent: nowhere}\n")
    for use_cache in (False, True, True):
        result = batch.validate_portfolio([tmp_path], use_cache=use_cache)
        errors = [(Path(d.file).name, d.code, d.path) for d in result.diagnostics if d.severity == "error"]
        assert errors == [("orphan.yaml", "E301", "account.parent")]


def test_cli_cache_is_invisible(cli, portfolio):
    first = cli("validate", "--format", "json", cwd=portfolio)
    second = cli("validate", "--format", "json", cwd=portfolio)
    third = cli("validate", "--format", "json", "--no-cache", cwd=portfolio)
    assert first.out == second.out == third.out and first.code == second.code == third.code == 1
    assert first.err == second.err == third.err
    assert json.loads(first.out)
    assert (portfolio / ".kamplan_cache").is_dir()


def test_text_report_from_cached_blocks_is_the_same_in_every_format_and_folder(cli, portfolio, monkeypatch):
    monkeypatch.setattr(resultcache, "RACY_NS", 0)
    for args in (["validate"], ["validate", "--format", "github"], ["validate", "--format", "json"]):
        fresh = cli(*args, "--no-cache", cwd=portfolio)
        assert cli(*args, cwd=portfolio).out == cli(*args, cwd=portfolio).out == fresh.out
    # seen from the plans folder, files are named from there, cache or not
    inside = portfolio / "account_plans"
    cli("validate", cwd=portfolio)
    cached = cli("validate", ".", cwd=inside)
    assert cached.out == cli("validate", ".", "--no-cache", cwd=inside).out
    assert cached.out.startswith("account-0000") and "account_plans/" not in cached.out


def test_kamplan_yaml_problems_and_unknown_parents_are_reported_once_with_the_cache(cli, portfolio):
    config = portfolio / "kamplan.yaml"
    config.write_text(config.read_text() + "settngs: {}\n")
    plan = portfolio / "account_plans" / "account-00002.yaml"
    plan.write_text(plan.read_text().replace("  name:", "  parent: nowhere\n  name:", 1))
    fresh = cli("validate", "--no-cache", cwd=portfolio)
    assert cli("validate", cwd=portfolio).out == cli("validate", cwd=portfolio).out == fresh.out
    assert sum(line.startswith("kamplan.yaml:") for line in fresh.out.splitlines()) == 1
    assert "unknown parent account 'nowhere'" in fresh.out


def test_one_changed_plan_is_appended_to_the_journal_not_rewritten(cli, portfolio, monkeypatch):
    monkeypatch.setattr(resultcache, "RACY_NS", 0)
    cli("validate", cwd=portfolio)
    cache = portfolio / ".kamplan_cache"
    main = next(p for p in cache.glob("engine-*.json") if p.name.count(".") == 1)  # the entries, not rows or analyses
    size = main.stat().st_size
    for plan in sorted((portfolio / "account_plans").glob("*.yaml"))[:1]:  # small next to the cache file
        plan.write_text(plan.read_text() + "# touched\n")
    touched = cli("validate", cwd=portfolio)
    assert main.stat().st_size == size and main.with_name(main.name + ".journal").exists()
    assert touched.out == cli("validate", "--no-cache", cwd=portfolio).out
    # a line torn by a crash is a cache miss, never a wrong result
    journal = main.with_name(main.name + ".journal")
    journal.write_bytes(journal.read_bytes() + b'["abc", {"text": "trunc')
    assert cli("validate", cwd=portfolio).out == touched.out


def test_unwritable_cache_folder_is_not_an_error(portfolio, cli):
    (portfolio / ".kamplan_cache").write_text("not a folder")
    assert cli("validate", cwd=portfolio).code == 1  # E301 above, not a crash


def test_big_chart_is_summarised_with_a_notice(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(make_plan("big", "Big", 3000, seed=2))
    (tmp_path / "kamplan.yaml").write_text((ROOT / "kamplan.yaml").read_text())
    account = kamplan.resolve_account(path, host=PluginHost(entry_points=False))
    notices: list[str] = []
    dot = kamplan.chart(account, fmt="dot", max_nodes=400, notices=notices)
    people = dot.count('[label="') - dot.count('"more/') // 2
    assert dot.count('"more/') >= 2 and "people" in dot
    assert notices and "exceed the chart budget of 400" in notices[0] and "--root ID --depth N" in notices[0]
    drawn = {line.split('"')[1] for line in dot.splitlines() if line.strip().startswith('"s/') and "[label=" in line}
    assert 0 < len(drawn) <= 400 and people > 0
    mermaid = kamplan.chart(account, fmt="mermaid", max_nodes=400)
    assert "people" in mermaid and mermaid.count('["') <= 500
    svg = kamplan.chart(account, fmt="svg", renderer="embedded", max_nodes=400)
    assert svg.startswith(b"<?xml")


def test_compiled_graphviz_is_cached(tmp_path, monkeypatch):
    from kamplan.render import engines

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = engines.Embedded()
    cached = list((tmp_path / "kamplan").glob("graphviz-*.cwasm"))
    assert len(cached) == 1
    second = engines.Embedded()  # loads the compiled module from the cache
    dot = "digraph { a -> b }"
    assert first.render(dot) == second.render(dot)
    # replace (never rewrite in place: the running engines map the file, as any kamplan process would)
    broken = cached[0].with_suffix(".tmp")
    broken.write_bytes(b"garbage")
    broken.replace(cached[0])
    assert engines.Embedded().render(dot) == first.render(dot)  # a broken cache file is only a miss


def test_progress_bars_only_on_an_interactive_terminal(monkeypatch, small_portfolio_dir):
    import kamplan.cli.app as cli_module

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    with cli_module.progress_bar("pipe") as progress:
        assert progress is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("CI", "true")
    with cli_module.progress_bar("ci") as progress:
        assert progress is None
    monkeypatch.delenv("CI")
    calls = []
    with cli_module.progress_bar("terminal") as progress:
        assert callable(progress)
        kamplan.load_portfolio([small_portfolio_dir], progress=lambda done, total: calls.append((done, total)))
        progress(1, 2)
    assert calls == [(1, 2), (2, 2)]


def test_failing_plugin_in_a_worker_process_is_named(trust_local_plugins, portfolio, cli, monkeypatch):
    import pickle

    from kamplan.errors import PlanError, PluginError

    error = pickle.loads(pickle.dumps(PluginError("p", "rule 'X'", "boom")))
    assert str(error) == "plugin 'p' failed in rule 'X': boom"
    plan_error = pickle.loads(pickle.dumps(PlanError([kamplan.Diagnostic("f", 1, 2, "error", "E1", "m")])))
    assert plan_error.diagnostics[0].code == "E1"
    from kamplan.engine import runner

    monkeypatch.setattr(runner, "PARALLEL_MIN_PLANS", 2)
    plugins = portfolio / "plugins"
    plugins.mkdir()
    (plugins / "explodes.py").write_text(exploding_rule("BOOM2"), encoding="utf-8")
    result = cli("validate", "--no-cache", cwd=portfolio)
    assert result.code == 2 and "plugin 'explodes' failed in rule 'BOOM2': ValueError: bad data" in result.err


def test_portfolio_wide_plugins_get_the_whole_portfolio(portfolio, cli, trust_local_plugins):
    plugins = portfolio / "plugins"
    plugins.mkdir()
    (plugins / "whole.py").write_text(WHOLE_PORTFOLIO_PLUGIN, encoding="utf-8")
    result = batch.validate_portfolio([portfolio])
    messages = {d.message for d in result.diagnostics if d.code == "WHOLE1"}
    assert messages == {"saw 6 accounts"}  # every plan at once, not one portfolio per plan
    assert result.notes and "whole-portfolio load" in result.notes[0] and result.cached == 0
    again = batch.validate_portfolio([portfolio])
    assert again.cached == 0 and codes(again) == codes(result)


def test_validate_never_imports_networkx(portfolio):
    """The stakeholder graph answers the rules from its own dicts; networkx is loaded only for its API."""
    import subprocess

    code = ("import sys\nfrom kamplan.cli import main\ntry:\n main(['validate', '--no-cache'])\n"
            "except SystemExit:\n pass\nprint('networkx' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=portfolio, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False"
    import kamplan

    graph = kamplan.resolve_account(portfolio / "account_plans" / "account-00002.yaml").graph
    assert graph.nx.number_of_nodes() == len(graph._nodes) and graph.nx.has_edge  # networkx on demand


def test_a_damaged_cache_is_a_miss_never_a_crash(cli, portfolio):
    fresh = cli("validate", "--no-cache", cwd=portfolio)
    cli("validate", cwd=portfolio)
    # damage that passes the signature (as if kamplan itself had written it wrong) is still only a miss
    for store in (portfolio / ".kamplan_cache").glob("engine-*[0-9a-f].json"):
        data = read_signed(store)
        broken = [7, {"text": None}, {**dict.fromkeys(resultcache.ENTRY_KEYS, None), "text": "x", "errors": 1}]
        write_signed(store, {key: broken[i % 3] for i, key in enumerate(data)})
    damaged = cli("validate", cwd=portfolio)
    assert (damaged.code, damaged.out, damaged.err) == (fresh.code, fresh.out, fresh.err)
    for stamps in (portfolio / ".kamplan_cache").glob("stamps-*.json"):
        write_signed(stamps, "not json")
    assert cli("validate", cwd=portfolio).out == fresh.out
    for args in (["validate", "--format", "json"], ["validate", "--format", "github"]):
        expected = cli(*args, "--no-cache", cwd=portfolio).out
        for damage in ("[not json", "[1, 2]", '[["a", "b"]]', '[[1, 2, 3, 4, 5, 6, 7]]', "{}"):
            cli("validate", cwd=portfolio)
            for rows in (portfolio / ".kamplan_cache").glob("*.rows.json"):
                write_signed(rows, dict.fromkeys(read_signed(rows), damage))
            assert cli(*args, cwd=portfolio).out == expected, damage
