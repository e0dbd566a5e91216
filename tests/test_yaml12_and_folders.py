"""YAML 1.2 scalars stay as written; folder plans merge with positions in the right file."""

from __future__ import annotations

from pathlib import Path

import kamplan
from kamplan.engine.accounts import load_portfolio
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)


def load_one(path: Path) -> kamplan.Account:
    portfolio = load_portfolio([path], host=HOST)
    assert portfolio.diagnostics == []
    return portfolio.accounts[0]


def test_yaml_1_1_booleans_and_numbers_stay_text(write_plan):
    path = write_plan("""\
        kamplan: 1
        account: {name: 0123, industry: yes, region: 1.10, wallet: 1_200_000}
        units:
          - {id: no, name: Norway}
          - {id: on, name: off}
          - {id: "0123", name: 1e3}
        stakeholders:
          - {id: y, name: true, title: null text, unit: no}
        """)
    account = load_one(path)
    plan = account.plan
    assert plan.account.name == "0123" and plan.account.industry == "yes" and plan.account.region == "1.10"
    assert plan.account.wallet == 1_200_000 and isinstance(plan.account.wallet, int)
    assert [u.id for u in plan.units] == ["no", "on", "0123"]
    assert [u.name for u in plan.units] == ["Norway", "off", "1e3"]
    assert plan.stakeholders[0].name == "true" and plan.stakeholders[0].unit == "no"
    assert type(plan.units[0].id) is str


def test_null_means_absent(write_plan):
    account = load_one(write_plan("kamplan: 1\naccount: {name: X, tier: ~, parent: null}\nunits: []\n"))
    assert account.plan.account.tier is None and account.plan.account.parent is None


def test_custom_is_resolved_with_the_yaml_1_2_core_schema(write_plan):
    account = load_one(write_plan("kamplan: 1\naccount: {name: X}\ncustom: {a: true, b: no, c: 12, d: 1.5, e: 0123}\n"))
    assert account.plan.custom == {"a": True, "b": "no", "c": 12, "d": 1.5, "e": "0123"}


def test_account_id_defaults_to_file_stem(write_plan):
    assert load_one(write_plan("kamplan: 1\naccount: {name: X}\n", "globex-eu.yaml")).id == "globex-eu"


def test_folder_plan_merges_lists_in_name_order(tmp_path, write_plan):
    folder = tmp_path / "globex"
    write_plan("kamplan: 1\naccount: {name: Globex}\nstakeholders:\n  - {id: ceo, name: C}\n", "plan.yaml", folder)
    write_plan("stakeholders:\n  - {id: cfo, name: F, reports_to: ceo}\ncustom: {x: 1}\n", "z-more.yaml", folder)
    account = load_one(folder)
    assert account.id == "globex"
    assert [s.id for s in account.plan.stakeholders] == ["ceo", "cfo"]
    assert account.graph.manager("cfo") == "ceo"


def test_folder_plan_errors_point_into_the_right_file(tmp_path, write_plan):
    folder = tmp_path / "globex"
    write_plan("kamplan: 1\naccount: {name: Globex}\nstakeholders:\n  - {id: ceo, name: C}\n", "plan.yaml", folder)
    write_plan("# more\nstakeholders:\n  - {id: cfo, name: F, reports_to: boss}\n", "z-more.yaml", folder)
    result = kamplan.validate([folder], host=HOST)
    error = next(d for d in result.diagnostics if d.code == "E301")
    assert error.file.endswith("z-more.yaml") and error.line == 3
    assert error.path == "stakeholders[1].reports_to"


def test_folder_plan_collisions(tmp_path, write_plan):
    folder = tmp_path / "globex"
    write_plan("kamplan: 1\naccount: {name: Globex}\ncustom: {x: 1}\n", "a.yaml", folder)
    write_plan("account: {name: Other}\ncustom: {x: 2}\n", "b.yaml", folder)
    result = kamplan.validate([folder], host=HOST)
    messages = [d.message for d in result.diagnostics if d.code == "E306"]
    assert any("'account' is already given" in m for m in messages)
    assert any("custom.x is given in two files" in m for m in messages)


def test_config_is_found_by_walking_up(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text(
        "kamplan: 1\npeople:\n  - {id: jdoe, name: Jane Doe, role: kam}\n"
        "offerings:\n  - {id: shared, name: Shared}\nsettings: {stale_review_days: 7}\n")
    path = write_plan("""\
        kamplan: 1
        account: {name: X, owner: jdoe}
        units: [{id: hq}]
        team: [{id: jdoe}]
        opportunities: [{unit: hq, offering: shared, status: whitespace}]
        """, "x.yaml", tmp_path / "account_plans" / "deep")
    account = load_one(path)
    assert account.team["jdoe"].name == "Jane Doe" and account.team["jdoe"].role == "kam"
    assert "shared" in account.offerings and account.settings.stale_review_days == 7


def test_plan_role_wins_over_declared_role(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\npeople:\n  - {id: jdoe, name: Jane Doe, role: kam}\n")
    account = load_one(write_plan("kamplan: 1\naccount: {name: X}\nteam: [{id: jdoe, role: exec_sponsor}]\n"))
    assert account.team["jdoe"].role == "exec_sponsor"


def test_bad_kamplan_yaml_is_reported(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {stale_days: 3}\n")
    result = kamplan.validate([write_plan("kamplan: 1\naccount: {name: X}\n")], host=HOST)
    d = next(d for d in result.diagnostics if d.code == "E202")
    assert d.file.endswith("kamplan.yaml") and d.path == "settings.stale_days"


def test_demo_portfolio_is_valid():
    root = Path(__file__).resolve().parent.parent
    result = kamplan.validate([root], host=HOST)
    assert result.errors == []
    ids = {a.id for a in result.portfolio.accounts}
    assert {"nordwind-logistics", "sibtelecom", "helvetia-pharma", "helvetia-pharma-uk", "meridian-bank"} <= ids
    big = result.portfolio.account("meridian-bank")
    assert len(big.plan.stakeholders) >= 300
    assert result.portfolio.account("helvetia-pharma-uk").plan.account.parent == "helvetia-pharma"
    assert any("Иван" in s.name for s in result.portfolio.account("sibtelecom").plan.stakeholders)
