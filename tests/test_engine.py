"""One engine for every command: a cache can never change a result, and warm runs read nothing again.

Every analysing command's output is compared with and without the cache, cold and warm, and after
each thing a result depends on changes: a plan's bytes, kamplan.yaml, the plugin set, kamplan's
version and the as-of date.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from tests.conftest import ROOT, read_signed, write_signed

import kamplan
from kamplan.engine import fingerprint, run, store
from kamplan.read import sources

COMMANDS = [
    ("validate", "--format", "json"),
    ("score", "--format", "json"),
    ("score", "--format", "csv"),
    ("recommend", "--format", "json"),
    ("recommend",),  # the default tables: a warm run prints the table kept from the cold one
    ("score",),
    ("kpi", "--format", "json"),
    ("kpi", "--format", "json", "--period", "2026-Q2"),
    ("report", "meridian-bank", "--format", "json", "-o", "-"),
    ("report", "sibtelecom", "--format", "md", "-o", "-"),
    ("chart", "nordwind-logistics", "--format", "mermaid", "-o", "-"),
]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo portfolio with a pinned as-of date (results must not move with the clock)."""
    root = tmp_path / "demo"
    shutil.copytree(ROOT / "account_plans", root / "account_plans")
    config = (ROOT / "kamplan.yaml").read_text(encoding="utf-8")
    if "today: 2026-11-30" not in config:
        config = config.replace("settings:\n", "settings:\n  today: 2026-11-30\n", 1)
    (root / "kamplan.yaml").write_text(config, encoding="utf-8")
    monkeypatch.setattr(store, "RACY_NS", 0)  # stamps written a moment ago are trusted in tests
    return root


def outputs(cli, root: Path, *extra: str) -> dict[tuple[str, ...], tuple[int, str]]:
    return {args: (r.code, r.out) for args in COMMANDS for r in [cli(*args, *extra, cwd=root)]}


def test_every_command_is_the_same_with_and_without_the_cache(cli, demo):
    fresh = outputs(cli, demo, "--no-cache")
    assert all(code == 0 for code, _ in fresh.values()), fresh
    cold = outputs(cli, demo)
    warm = outputs(cli, demo)
    assert cold == fresh
    assert warm == fresh


def test_a_warm_analysis_reads_no_plan_again(demo, monkeypatch):
    monkeypatch.chdir(demo)
    first = (kamplan.score(), kamplan.recommend(), kamplan.kpi())

    def refuse(path):
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(sources, "read_plan_source", refuse)
    monkeypatch.setattr("kamplan.engine.unit.read_plan_source", refuse)
    assert (kamplan.score(), kamplan.recommend(), kamplan.kpi()) == first
    assert run.run_portfolio([], parts=("facts", "score_block", "rec_top", "people_keys"), warnings=False).cached == 5


def test_an_analysis_checks_for_errors_only_and_validate_then_checks_in_full(cli, demo):
    """score, kpi and recommend show no warnings: a cold run skips kamplan's warning rules, and the
    entry it caches says so; validate after it checks those plans again and reports every warning."""
    full = cli("validate", "--format", "json", "--no-cache", cwd=demo).out
    assert '"W4' in full
    assert cli("recommend", "--format", "json", cwd=demo).out == cli("recommend", "--format", "json", "--no-cache",
                                                                   cwd=demo).out
    entries = [read_signed(p) for p in (demo / ".kamplan_cache").glob("engine-*.json") if p.name.count(".") == 1]
    # kamplan's own warning rules did not run; a plugin's rules did (a plugin rule may find an error)
    assert entries and all(not e["all_checks"] and " warning W" not in e["text"] for store in entries
                           for e in store.values())
    assert cli("validate", "--format", "json", cwd=demo).out == full
    entries = [read_signed(p) for p in (demo / ".kamplan_cache").glob("engine-*.json") if p.name.count(".") == 1]
    assert all(e["all_checks"] for store in entries for e in store.values())
    assert cli("score", "--format", "json", cwd=demo).out == cli("score", "--format", "json", "--no-cache",
                                                               cwd=demo).out


def test_kamplans_warning_rules_only_ever_warn(demo):
    """What lets an analysis skip them (kamplan.plugins.calls.warns_only): on the demo, every finding
    of a built-in W rule is a warning."""
    from kamplan.engine.accounts import load_portfolio
    from kamplan.plugins.calls import iter_registered, warns_only

    portfolio = load_portfolio([demo])
    host = portfolio.host
    rules = [e for e in iter_registered(host, "register_rules") if warns_only(e.plugin, e.name)]
    assert len(rules) >= 15
    seen = 0
    for account in portfolio.accounts:
        for entry in rules:
            for finding in entry.func(account) or []:
                assert finding.severity == "warning", (entry.name, finding)
                seen += 1
    assert seen > 20


def _edit_plan(root: Path) -> None:
    plan = root / "account_plans" / "meridian-bank.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("influence: high", "influence: low", 1), encoding="utf-8")


def _edit_config(root: Path) -> None:
    config = root / "kamplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("stale_contact_days: 90", "stale_contact_days: 20"),
                      encoding="utf-8")


def _new_as_of(root: Path) -> None:
    config = root / "kamplan.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("today: 2026-11-30", "today: 2027-03-01"),
                      encoding="utf-8")


def _add_plugin(root: Path) -> None:
    (root / "plugins").mkdir()
    (root / "plugins" / "extra_score.py").write_text(textwrap.dedent("""
        import kamplan

        @kamplan.hookimpl
        def register_scorers(register):
            register("people", lambda account: min(100.0, len(account.plan.stakeholders)))

        @kamplan.hookimpl
        def register_rules(register):
            register("ACME900", lambda account: [kamplan.Finding("warning", "checked by a local plugin", "account")])
    """), encoding="utf-8")


@pytest.mark.parametrize("change", [_edit_plan, _edit_config, _new_as_of, _add_plugin])
def test_after_each_change_the_cached_results_are_the_fresh_ones(cli, demo, change, monkeypatch, trust_local_plugins):
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")
    before = outputs(cli, demo)
    change(demo)
    fresh = outputs(cli, demo, "--no-cache")
    assert fresh != before  # the change matters to some output
    assert outputs(cli, demo) == fresh


def test_a_new_kamplan_version_is_a_new_context(cli, demo, monkeypatch):
    cli("score", cwd=demo)
    assert run.run_portfolio([demo], parts=("score_block",), warnings=False).cached == 5
    monkeypatch.setattr(fingerprint, "__version__", "99.0.0")
    assert run.run_portfolio([demo], parts=("score_block",), warnings=False).computed == 5


def test_an_explicit_host_is_never_served_from_the_cache(demo, monkeypatch):
    from kamplan.plugins import PluginHost

    monkeypatch.chdir(demo)
    kamplan.score()
    assert run.run_portfolio([demo], parts=("scores",), host=PluginHost()).computed == 5


def test_an_account_id_given_by_two_plans_is_an_error(cli, demo):
    copy = demo / "account_plans" / "meridian-copy.yaml"
    text = (demo / "account_plans" / "meridian-bank.yaml").read_text(encoding="utf-8")
    assert "id: meridian-bank" in text
    copy.write_text(text, encoding="utf-8")
    # first a cold analysis: checked for errors only, it keeps no position of the id and finds it when needed
    analysis = cli("score", cwd=demo)
    assert analysis.code != 0  # an analysis refuses a portfolio with errors
    for extra in ((), ("--no-cache",)):
        result = cli("validate", *extra, cwd=demo)
        assert result.code == 1
        line = next(x for x in result.out.splitlines() if "E307" in x)
        assert line.startswith("account_plans/meridian-copy.yaml:")
        assert "account id 'meridian-bank' is already used by account_plans/meridian-bank.yaml" in line
        assert line in analysis.err.splitlines()


def test_site_rewrites_only_changed_pages_and_removes_gone_accounts(cli, demo):
    out = demo / "site"
    assert cli("site", "-o", out, cwd=demo).code == 0
    pages = {p.stem: p.stat().st_mtime_ns for p in (out / "accounts").glob("*.html")}
    assert set(pages) == {"meridian-bank", "helvetia-pharma", "helvetia-pharma-uk", "nordwind-logistics",
                          "sibtelecom"}
    index = (out / "index.html").stat().st_mtime_ns
    assert cli("site", "-o", out, cwd=demo).code == 0
    assert {p.stem: p.stat().st_mtime_ns for p in (out / "accounts").glob("*.html")} == pages
    assert (out / "index.html").stat().st_mtime_ns != index  # the dashboard is always written

    _edit_plan(demo)
    (demo / "account_plans" / "nordwind-logistics.yaml").unlink()
    assert cli("site", "-o", out, cwd=demo).code == 0
    after = {p.stem: p.stat().st_mtime_ns for p in (out / "accounts").glob("*.html")}
    assert "nordwind-logistics" not in after
    changed = {k for k in after if after[k] != pages[k]}
    assert changed == {"meridian-bank"}
    assert "Nordwind" not in (out / "index.html").read_text(encoding="utf-8")

    # a --redact site is another page key: every page is written again; a fresh build gives the same files
    assert cli("site", "-o", out, "--redact", cwd=demo).code == 0
    fresh = demo / "fresh"
    assert cli("site", "-o", fresh, "--redact", "--no-cache", cwd=demo).code == 0
    for page in (out / "accounts").glob("*.html"):
        assert page.read_bytes() == (fresh / "accounts" / page.name).read_bytes()


def test_a_deleted_page_is_written_again(cli, demo):
    out = demo / "site"
    cli("site", "-o", out, cwd=demo)
    (out / "accounts" / "sibtelecom.html").unlink()
    cli("site", "-o", out, cwd=demo)
    assert (out / "accounts" / "sibtelecom.html").is_file()


def test_pre_rendered_json_is_exactly_the_records_encoded(demo, monkeypatch):
    import json

    from kamplan import api

    monkeypatch.chdir(demo)
    for _ in range(2):  # cold, then from the cache
        assert api.score_json() == json.dumps(kamplan.score(), ensure_ascii=False, indent=2, default=str)
        for limit in (None, 1, 7):
            assert api.recommend_json(limit=limit) == json.dumps(kamplan.recommend(limit=limit), ensure_ascii=False,
                                                                 indent=2, default=str)


def test_the_ranked_blocks_give_what_ranking_every_decoded_action_gives(demo, monkeypatch):
    """recommend() reads each plan's pre-ranked blocks (its top only, by default); the same records
    come from ranking each account's whole decoded list with the moves about it and cutting it."""
    from kamplan import api
    from kamplan.engine.run import run_portfolio
    from kamplan.plugins.calls import rank

    monkeypatch.chdir(demo)
    result = run_portfolio([], parts=("recs", "people_keys"), warnings=False)
    accounts, moved = api._mover_actions(result)
    ranked = [rank([*recs, *moved.get(account, [])]) for account, recs in zip(accounts, result.decoded("recs"),
                                                                              strict=True)]
    assert moved  # the demo holds moves: they are ranked into their accounts' lists
    for per_account in (None, 1, 5, 40):
        expected = rank([r for recs in ranked for r in (recs if per_account is None else recs[:per_account])])
        for limit in (None, 3):
            assert kamplan.recommend(per_account=per_account, limit=limit) == expected[:limit]


def test_the_score_records_are_each_plans_decoded_scores(demo, monkeypatch):
    """score() reads the pre-rendered blocks the JSON output is made of: the records decode to what
    the full ``scores`` part of each plan holds."""
    from kamplan.engine.run import run_portfolio

    monkeypatch.chdir(demo)
    assert kamplan.score() == run_portfolio([], parts=("scores",), warnings=False).decoded("scores")


def test_a_later_command_computes_only_its_own_part_and_no_checks_again(demo, monkeypatch):
    from kamplan.plugins import calls

    monkeypatch.chdir(demo)
    kamplan.validate()
    ran = []
    real = calls.run_rules
    monkeypatch.setattr("kamplan.engine.unit.run_rules", lambda *a, **k: ran.append(1) or real(*a, **k))
    scores = kamplan.score()
    assert ran == []  # the checks are cached: only the scorers ran
    assert kamplan.score(use_cache=False) == scores


@pytest.mark.parametrize("kind", ["rec_top", "rec_blocks", "score_block", "facts"])
def test_a_damaged_part_in_the_cache_is_computed_again(cli, demo, kind):
    import json

    command = {"rec_top": ("recommend", "--format", "json"), "rec_blocks": ("recommend", "--all", "--format", "json"),
               "score_block": ("score", "--format", "csv"), "facts": ("kpi", "--format", "json")}[kind]
    fresh = cli(*command, "--no-cache", cwd=demo).out
    assert cli(*command, cwd=demo).out == fresh
    cache = demo / ".kamplan_cache"
    folder = next(cache.glob(f"engine-*.{kind}"), None)  # a part kept in packs
    if folder is not None:  # two parts replaced by validly signed garbage, as only kamplan could write it
        from kamplan.engine.store import FileParts
        from kamplan.userdirs import user_key

        parts = FileParts(folder, user_key() or b"")
        for key in sorted(parts.index.data)[:2]:
            parts.put(key, "garbage\x00[1, 2")
        parts.save()
        assert len(list(folder.glob("pack-*.bin"))) == 2
    else:
        store = next(cache.glob(f"engine-*.{kind}.json"))
        data = read_signed(store)
        for key in list(data)[:2]:
            data[key] = "garbage\x00[1, 2"
        write_signed(store, json.dumps(data))
    again = cli(*command, cwd=demo)
    assert again.code == 0 and again.out == fresh


def test_only_the_most_recent_contexts_are_kept(demo, monkeypatch):
    from kamplan.engine import store as store_module

    monkeypatch.chdir(demo)
    config = demo / "kamplan.yaml"
    text = config.read_text(encoding="utf-8")
    for day in range(1, 8):  # a new as-of date each "day": a new context each time
        config.write_text(text.replace("today: 2026-11-30", f"today: 2026-12-0{day}"), encoding="utf-8")
        kamplan.recommend()
    contexts = {e.name.split(".", 1)[0] for e in (demo / ".kamplan_cache").iterdir() if e.name.startswith("engine-")}
    assert len(contexts) == store_module.KEEP_CONTEXTS
    assert list((demo / ".kamplan_cache").glob("stamps-*.json"))
    # the current context is intact: a warm run computes nothing
    assert run.run_portfolio([demo], parts=("rec_top", "people_keys"), warnings=False).computed == 0


def test_a_cold_run_hashes_each_plan_where_it_reads_it(demo, monkeypatch):
    """With nothing stored yet, no plan's content key is needed before it is computed: the unit hashes
    it (stamps first), and the next runs find every result under those keys and see a later edit."""
    monkeypatch.chdir(demo)

    def refuse(self, plan):
        raise AssertionError(f"{plan} hashed before it was computed")

    with monkeypatch.context() as patched:
        patched.setattr(store.ResultCache, "content_key", refuse)
        cold = run.run_portfolio([], parts=("scores",), warnings=False)
        assert cold.computed == 5 and cold.decoded("scores") == kamplan.score(use_cache=False)
    warm = run.run_portfolio([], parts=("scores",), warnings=False)
    assert warm.cached == 5 and warm.decoded("scores") == cold.decoded("scores")
    assert store.ResultCache(demo / ".kamplan_cache", "x", b"k").is_empty()
    plan = demo / "account_plans" / "nordwind-logistics.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("Nordwind", "Nordwind ", 1), encoding="utf-8")
    again = run.run_portfolio([], parts=("scores",), warnings=False)
    assert (again.cached, again.computed) == (4, 1)
