"""The MEDDPICC plugin, tested with kamplan's pytest fixtures."""

from __future__ import annotations

import textwrap

import kamplan_meddpicc

import kamplan
from kamplan import load_portfolio

CHECKLIST = """
custom:
  meddpicc:
    metrics: true
    economic_buyer: {done: true, note: CFO}
    decision_criteria: true
    decision_process: false
    champion: true
    competiton: true
"""


def write(folder, name, text):
    path = folder / "account_plans" / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_score_and_findings(small_portfolio_dir, register_plugin):
    plan = (small_portfolio_dir / "account_plans" / "alpha.yaml")
    plan.write_text(plan.read_text() + textwrap.dedent(CHECKLIST))
    with register_plugin(kamplan_meddpicc, "meddpicc") as host:
        portfolio = load_portfolio([small_portfolio_dir], host=host)
        scores = {r["account"]: r["scores"]["meddpicc"] for r in kamplan.score(portfolio=portfolio, host=host)}
        result = kamplan.validate(portfolio=portfolio, host=host)
    assert scores["alpha"]["value"] == 50.0  # metrics, economic_buyer, decision_criteria, champion
    assert scores["alpha"]["details"]["missing"] == ["decision_process", "paper_process", "identify_pain",
                                                      "competition"]
    assert scores["beta"]["value"] == 0.0 and "no custom.meddpicc" in scores["beta"]["details"]["reason"]
    missing = [d for d in result.diagnostics if d.code == "MEDD001"]
    assert len(missing) == 4 and all(d.file.endswith("alpha.yaml") for d in missing)
    unknown = next(d for d in result.diagnostics if d.code == "MEDD002")
    assert "'competiton'" in unknown.message and unknown.line > 1


def test_required_setting(small_portfolio_dir, register_plugin):
    config = small_portfolio_dir / "kamplan.yaml"
    config.write_text(config.read_text() + "plugins:\n  meddpicc: {required: true}\n")
    with register_plugin(kamplan_meddpicc, "meddpicc") as host:
        result = kamplan.validate([small_portfolio_dir], host=host)
    assert sum(1 for d in result.diagnostics if d.message == "no MEDDPICC checklist (custom.meddpicc)") == 2


def test_installed_entry_point_is_listed():
    names = {p["name"]: p for p in kamplan.list_plugins()}
    assert names["meddpicc"]["hooks"] == ["register_recommenders", "register_rules", "register_scorers"]
    assert names["meddpicc"]["version"] == "0.1.0"


def test_recommendations_for_open_items(small_portfolio_dir, register_plugin):
    plan = small_portfolio_dir / "account_plans" / "alpha.yaml"
    plan.write_text(plan.read_text() + textwrap.dedent(CHECKLIST))
    with register_plugin(kamplan_meddpicc, "meddpicc") as host:
        recs = [r for r in kamplan.recommend([small_portfolio_dir], host=host, per_account=None)
                if r["recommender"] == "meddpicc"]
    assert [r["title"] for r in recs][:1] == ["MEDDPICC: Decision process not qualified"]
    assert len(recs) == 4 and all(r["account"] == "alpha" for r in recs)



def test_a_deals_own_economic_buyer_is_named_and_met(small_portfolio_dir, register_plugin):
    plan = small_portfolio_dir / "account_plans" / "alpha.yaml"
    text = plan.read_text()
    deal = ("  - unit: hq\n    offering: core\n    status: pipeline\n    buying_influences:\n"
            "      - {stakeholder: ops-lead, role: user_buyer}\n")
    assert "opportunities:\n" in text
    plan.write_text(text.replace("opportunities:\n", "opportunities:\n" + deal, 1))
    with register_plugin(kamplan_meddpicc, "meddpicc") as host:
        result = kamplan.validate([small_portfolio_dir], host=host)
    found = [d for d in result.diagnostics if d.code == "MEDD003"]
    assert [d.message for d in found] == ["MEDDPICC, deal core in hq: no economic buyer among its buying influences"]
    plan.write_text(plan.read_text().replace("{stakeholder: ops-lead, role: user_buyer}",
                                             "{stakeholder: ops-lead, role: economic_buyer}"))
    with register_plugin(kamplan_meddpicc, "meddpicc") as host:
        result = kamplan.validate([small_portfolio_dir], host=host)
    assert [d.message for d in result.diagnostics if d.code == "MEDD003"] == [
        "MEDDPICC, deal core in hq: economic buyer Olga Ops not met (no fresh medium or strong relationship)"]
