"""The plugin host: every hook of Plugin API v1, loading paths, allowlist, collisions and failures."""

from __future__ import annotations

import inspect
import json
import sys
import textwrap
from pathlib import Path

import click
import pytest

import kamplan
from kamplan.engine.accounts import load_portfolio
from kamplan.errors import PluginError
from kamplan.plugins import PluginHost, hookspecs

ROOT = Path(__file__).resolve().parent.parent


class RulePlugin:
    @kamplan.hookimpl
    def register_rules(self, register):
        def no_ceo(account):
            if not any(s.title == "CEO" for s in account.plan.stakeholders):
                yield kamplan.Finding("nobody has the title CEO", ("stakeholders",))
            for i, s in enumerate(account.plan.stakeholders):
                if s.name.startswith("Tom"):
                    yield kamplan.Finding(f"{s.name} is called Tom", ("stakeholders", i, "name"), "error")

        register("ACME001", no_ceo)


def test_hook_register_rules_findings_are_positioned(small_portfolio, register_plugin):
    with register_plugin(RulePlugin(), "acme-rules") as host:
        result = kamplan.validate(portfolio=small_portfolio, host=host)
        mine = [d for d in result.diagnostics if d.code == "ACME001"]
    assert [(Path(d.file).name, d.line, d.severity) for d in mine] == [("alpha.yaml", 11, "error"),
                                                                       ("beta.yaml", 5, "warning")]
    assert mine[0].path == "stakeholders[1].name"
    assert "ACME001" not in {d.code for d in kamplan.validate(portfolio=small_portfolio).diagnostics}


def test_rules_run_once_per_account_and_again_when_the_rule_set_changes(small_portfolio, register_plugin):
    from kamplan.api import run_rules

    calls: list[str] = []

    class Counting:
        @kamplan.hookimpl
        def register_rules(self, register):
            register("COUNT001", lambda account: calls.append(account.id) or [])

    account = small_portfolio.accounts[0]
    with register_plugin(Counting(), "counting") as host:
        first = run_rules(account, host)
        assert run_rules(account, host) == first and calls == [account.id]  # report and site ask twice
        with register_plugin(RulePlugin(), "acme-rules"):
            assert any(d.code == "ACME001" for d in run_rules(account, host)) and len(calls) == 2


def test_hook_register_scorers_collects_named_scorers(register_plugin):
    class Scorer:
        @kamplan.hookimpl
        def register_scorers(self, register):
            register("size", lambda account: kamplan.Score(len(account.plan.stakeholders) * 10, {"people": 3}))

    with register_plugin(Scorer(), "sizer") as host:
        entry = host.registry("register_scorers")["size"]
        assert entry.plugin == "sizer"


def test_hook_register_recommenders_collects_named_recommenders(register_plugin, small_portfolio):
    class Recommender:
        @kamplan.hookimpl
        def register_recommenders(self, register):
            register("hello", lambda account: [kamplan.Recommendation(kind="risk", title=f"check {account.id}")])

    with register_plugin(Recommender(), "hello") as host:
        entry = host.registry("register_recommenders")["hello"]
        recs = entry.func(small_portfolio.accounts[0])
    assert recs[0].title == "check alpha" and recs[0].priority is None and recs[0].unit is None


def test_hook_register_exporters_is_used_by_export(register_plugin, small_portfolio):
    class Exporter:
        @kamplan.hookimpl
        def register_exporters(self, register):
            register("names", lambda account, options: "\n".join(s.name for s in account.plan.stakeholders), ".txt")

    with register_plugin(Exporter(), "names") as host:
        content, suffix = kamplan.export(small_portfolio.accounts[0], "names", {}, host)
    assert suffix == ".txt" and content.splitlines() == ["Carla CEO", "Tom CTO", "Olga Ops"]


def test_hook_register_exporters_needs_a_suffix(register_plugin):
    class Broken:
        @kamplan.hookimpl
        def register_exporters(self, register):
            register("x", lambda a, o: "", "txt")

    with register_plugin(Broken(), "broken") as host, pytest.raises(PluginError, match="suffix"):
        host.registry("register_exporters")


def test_hook_register_importers_collects_named_importers(register_plugin, tmp_path):
    class Importer:
        @kamplan.hookimpl
        def register_importers(self, register):
            def read(path, options):
                return [{"id": n.lower(), "name": n} for n in Path(path).read_text().split()]

            register("lines", read)

    source = tmp_path / "people.txt"
    source.write_text("Ann Bob")
    with register_plugin(Importer(), "lines") as host:
        records = list(host.registry("register_importers")["lines"].func(source, {}))
    assert records == [{"id": "ann", "name": "Ann"}, {"id": "bob", "name": "Bob"}]


def test_hook_register_commands_adds_a_cli_command(tmp_path, cli, small_portfolio_dir):
    plugins = small_portfolio_dir / "plugins"
    plugins.mkdir()
    (plugins / "hello_cmd.py").write_text(textwrap.dedent("""
        import click
        import kamplan

        @kamplan.hookimpl
        def register_commands(cli):
            @cli.command()
            @click.argument("who")
            def hello(who):
                '''Say hello.'''
                click.echo(f"hello {who}")
    """))
    result = cli("--plugins-dir", str(plugins), "hello", "world", cwd=small_portfolio_dir)
    assert (result.code, result.out) == (0, "hello world\n")


def test_hook_after_portfolio_loaded_can_enrich(register_plugin, small_portfolio_dir):
    class Enricher:
        @kamplan.hookimpl
        def after_portfolio_loaded(self, portfolio):
            for account in portfolio.accounts:
                account.plan.custom["seen_by"] = "enricher"

    with register_plugin(Enricher(), "enricher") as host:
        portfolio = load_portfolio([small_portfolio_dir], host=host)
    assert all(a.plan.custom["seen_by"] == "enricher" for a in portfolio.accounts)


def test_every_hook_is_documented_and_tested():
    docs = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    tests = Path(__file__).read_text(encoding="utf-8")
    hooks = [name for name, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if hasattr(f, "kamplan_spec")]
    assert len(hooks) == 7
    for hook in hooks:
        assert f"## `{hook}" in docs, f"docs/plugins.md has no section for {hook}"
        assert f"def test_hook_{hook}" in tests, f"no test of its own for {hook}"
        assert "Args:" in (getattr(hookspecs, hook).__doc__ or ""), f"{hook} docstring lacks Args:"


def test_rule_code_collision_names_both_plugins(register_plugin):
    class Clash:
        @kamplan.hookimpl
        def register_rules(self, register):
            register("W401", lambda account: [])

    with register_plugin(Clash(), "clash") as host, pytest.raises(PluginError) as info:
        host.registry("register_rules")
    assert "clash" in str(info.value) and "kamplan.builtin.rules" in str(info.value)


def test_plugin_name_collision(kamplan_host):
    kamplan_host.register(RulePlugin(), "dup")
    with pytest.raises(PluginError, match="already registered"):
        kamplan_host.register(RulePlugin(), "dup")


def test_misspelled_hook_is_refused(kamplan_host):
    class Typo:
        @kamplan.hookimpl
        def register_rulez(self, register):
            pass

    with pytest.raises(PluginError, match="register_rulez"):
        kamplan_host.register(Typo(), "typo")


def write_plugin(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_plugins_folder_beside_kamplan_yaml_is_loaded(cli, small_portfolio_dir):
    write_plugin(small_portfolio_dir / "plugins", "local_rule", """
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            register("LOCAL1", lambda account: [kamplan.Finding("local rule ran", ("account",))])
    """)
    cli("trust", cwd=small_portfolio_dir)
    result = cli("validate", "--format", "json", cwd=small_portfolio_dir)
    codes = [d["code"] for d in json.loads(result.out)]
    assert codes.count("LOCAL1") == 2
    listing = json.loads(cli("plugins", "--format", "json", cwd=small_portfolio_dir).out)
    local = next(p for p in listing if p["name"] == "local_rule")
    assert local["hooks"] == ["register_rules"]


def test_plugin_raising_in_a_rule_is_named(cli, small_portfolio_dir, trust_local_plugins):
    write_plugin(small_portfolio_dir / "plugins", "explodes", """
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            def boom(account):
                raise ZeroDivisionError("bad maths")
            register("BOOM1", boom)
    """)
    result = cli("validate", cwd=small_portfolio_dir)
    assert result.code == 2
    assert "plugin 'explodes'" in result.err and "rule 'BOOM1'" in result.err and "bad maths" in result.err
    assert "Traceback" not in result.err


def test_plugin_raising_in_a_register_hook_is_named(cli, small_portfolio_dir, trust_local_plugins):
    write_plugin(small_portfolio_dir / "plugins", "bad_register", """
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            raise RuntimeError("cannot register")
    """)
    result = cli("validate", cwd=small_portfolio_dir)
    assert result.code == 2 and "'bad_register' failed in register_rules" in result.err


def test_plugin_failing_to_import_is_named(cli, small_portfolio_dir, tmp_path):
    folder = tmp_path / "extra"
    write_plugin(folder, "broken_import", "import does_not_exist\n")
    result = cli("--plugins-dir", str(folder), "validate", cwd=small_portfolio_dir)
    assert result.code == 2 and "'broken_import' failed in import" in result.err
    assert "does_not_exist" in result.err and "Traceback" not in result.err


def test_debug_shows_the_traceback(cli, small_portfolio_dir, tmp_path):
    folder = tmp_path / "extra"
    write_plugin(folder, "broken_import", "import does_not_exist\n")
    result = cli("validate", "--debug", "--plugins-dir", str(folder), cwd=small_portfolio_dir)
    assert result.code == 2 and "Traceback" in result.err


def make_distribution(site: Path, dist: str, module: str, body: str) -> None:
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{dist}-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[kamplan]\n{module} = {module}\n")


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    make_distribution(site, "kamplan-acme", "kamplan_acme", """
        import kamplan
        __version__ = "1.2.3"

        @kamplan.hookimpl
        def register_rules(register):
            register("ACME9", lambda account: [kamplan.Finding("acme rule", ("account",))])
    """)
    monkeypatch.syspath_prepend(str(site))
    yield "kamplan-acme"
    sys.modules.pop("kamplan_acme", None)


def test_entry_point_plugins_load_and_report_their_version(installed_plugin, monkeypatch):
    monkeypatch.delenv("KAMPLAN_LOAD_PLUGINS", raising=False)
    info = {p["name"]: p for p in kamplan.list_plugins(PluginHost())}
    assert info["kamplan_acme"]["version"] == "1.2.3"
    assert "entry point (kamplan-acme)" in info["kamplan_acme"]["source"]


@pytest.mark.parametrize(("allow", "loaded"), [("", False), ("kamplan-acme", True), ("other, KAMPLAN-ACME", True),
                                               ("other", False)])
def test_allowlist_environment_variable(installed_plugin, monkeypatch, allow, loaded):
    monkeypatch.setenv("KAMPLAN_LOAD_PLUGINS", allow)
    names = {p["name"] for p in kamplan.list_plugins(PluginHost())}
    assert ("kamplan_acme" in names) is loaded
    assert "kamplan.builtin.rules" in names


def test_plugins_command_lists_builtins_with_hooks(cli, small_portfolio_dir):
    result = cli("plugins", "--format", "json", cwd=small_portfolio_dir)
    listing = {p["name"]: p for p in json.loads(result.out)}
    assert listing["kamplan.builtin.rules"]["hooks"] == ["register_rules"]
    assert listing["kamplan.builtin.charts"]["hooks"] == ["register_exporters"]
    assert listing["kamplan.builtin.rules"]["version"] == kamplan.__version__
    table = cli("plugins", cwd=small_portfolio_dir)
    assert table.code == 0 and "kamplan.builtin.integrity" in table.out


def test_click_group_is_what_register_commands_receives():
    params = inspect.signature(hookspecs.register_commands).parameters
    assert list(params) == ["cli"]
    assert isinstance(kamplan.cli.cli if hasattr(kamplan, "cli") else click.Group(), click.Group)
