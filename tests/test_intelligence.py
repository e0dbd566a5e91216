"""Scores, KPIs and recommendations with expected values computed by hand on small plans."""

from __future__ import annotations

import json

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
CONFIG = "kamplan: 1\nsettings: {today: 2026-11-01}\n"


@pytest.fixture
def portfolio(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text(CONFIG)
    folder = tmp_path / "account_plans"

    def make(**plans: str):
        for name, text in plans.items():
            write_plan(text, f"{name}.yaml", folder)
        return tmp_path

    return make


def revenue_plan(name: str, rows: str, wallet: str = "") -> str:
    return f"kamplan: 1\naccount: {{name: {name}{wallet}, reviewed: 2026-10-01}}\nrevenue:\n{rows}"


# KPI figures: tests/test_kpis_ttm.py (trailing twelve months, computed by hand).


PEOPLE = """\
kamplan: 1
account: {name: Power plc, tier: strategic, reviewed: 2026-10-01}
units:
  - {id: hq, name: HQ}
  - {id: it, name: IT, parent: hq}
  - {id: fin, name: Finance, parent: hq}
  - {id: ops, name: Ops, parent: hq}
offerings:
  - {id: core, name: Core, family: base}
  - {id: addon, name: Add-on, family: base}
  - {id: bi, name: BI, family: data}
team:
  - {id: kam, name: Kim, role: kam}
  - {id: se, name: Sam, role: solution_architect}
stakeholders:
  - {id: eb, name: Erin Buyer, title: CFO, unit: fin, roles: [economic_buyer], influence: decisive, attitude: neutral}
  - {id: champ, name: Chris Champion, unit: it, attitude: champion, influence: medium}
  - {id: skep, name: Sid Skeptic, unit: it, attitude: skeptic, influence: medium}
  - {id: blk, name: Bo Blocker, unit: ops, attitude: blocker, influence: high}
relationships:
  - {team: kam, stakeholder: champ, strength: strong, last_contact: 2026-10-20}
  - {team: se, stakeholder: skep, strength: strong, last_contact: 2026-10-20}
influence:
  - {from: champ, to: eb, kind: influences, strength: medium}
  - {from: skep, to: eb, kind: influences, strength: medium}
  - {from: blk, to: champ, kind: conflicts, strength: high}
opportunities:
  - {unit: it, offering: core, status: owned, arr: 100000}
  - {unit: fin, offering: core, status: whitespace, arr: 50000}
  - {unit: it, offering: addon, status: pipeline, arr: 40000, stage: demo, sponsor: champ}
  - {unit: ops, offering: bi, status: competitor, arr: 80000, competitor: Initech}
  - {unit: fin, offering: bi, status: not_a_fit}
"""


def run_recs(portfolio, text, recommender=None):
    root = portfolio(power=text)
    rows = kamplan.recommend([root], host=HOST, per_account=None)  # every suggestion, not only the top five
    return [r for r in rows if recommender is None or r["recommender"] == recommender]


def test_path_to_power_goes_through_the_champion(portfolio):
    recs = run_recs(portfolio, PEOPLE, "relationship")
    to_eb = next(r for r in recs if r["stakeholder"] == "eb")
    assert to_eb["details"]["path"] == ["kam", "champ", "eb"]
    assert "Chris Champion (champion) -[influences]-> Erin Buyer" in to_eb["reason"]
    assert to_eb["priority"] == 1 and "via Chris Champion" in to_eb["title"]


def test_path_never_crosses_a_conflict_line(portfolio):
    text = PEOPLE.replace("  - {from: champ, to: eb, kind: influences, strength: medium}\n", "")
    text = text.replace("  - {from: skep, to: eb, kind: influences, strength: medium}\n",
                        "  - {from: blk, to: eb, kind: influences, strength: high}\n")
    recs = run_recs(portfolio, text, "relationship")
    to_eb = next(r for r in recs if r["stakeholder"] == "eb")
    assert to_eb["details"]["path"] is None and "no warm path" in to_eb["reason"]


def test_land_expand_cells(portfolio):
    active = PEOPLE + "revenue:\n  - {period: 2025-Q3, arr: 100000}\n  - {period: 2026-Q3, arr: 100000}\n"
    recs = run_recs(portfolio, active, "land_expand")
    prospect = run_recs(portfolio, PEOPLE, "land_expand")  # no revenue: a prospect gets no expand
    assert {r["kind"] for r in prospect} == {"land"}
    cells = {(r["unit"], r["offering"]): r for r in recs}
    # never owned, never not_a_fit, never a cell a competitor holds (insights.md): ops/bi (Initech) is out
    assert set(cells) == {("fin", "core"), ("it", "addon")}
    assert cells[("it", "addon")]["kind"] == "expand"  # we already buy in IT
    assert cells[("fin", "core")]["kind"] == "land"  # no revenue in Finance yet
    assert "owned in sibling unit IT" in cells[("fin", "core")]["reason"]
    assert "core of the same family (base) is owned in this unit" in cells[("it", "addon")]["reason"]
    assert all(r["owner"] and r["due"] for r in recs)


def test_single_threaded_account_is_flagged(portfolio):
    text = PEOPLE.replace("{team: se, stakeholder: skep", "{team: kam, stakeholder: skep")
    risks = run_recs(portfolio, text, "risk")
    assert any(r["title"] == "Single-threaded: only kam has relationships" and r["priority"] == 1 for r in risks)


def test_risks(portfolio):
    text = PEOPLE.replace("attitude: champion, influence: medium}",
                          "attitude: champion, influence: medium, status: leaving}")
    titles = {r["title"] for r in run_recs(portfolio, text, "risk")}
    assert "Champion Chris Champion is leaving" in titles
    assert "Uncovered high blocker Bo Blocker" in titles


def test_key_person_risk(portfolio):
    text = PEOPLE.replace("{team: kam, stakeholder: champ", "{team: kam, stakeholder: eb")
    risks = run_recs(portfolio, text, "risk")
    key = next(r for r in risks if r["title"] == "Key-person risk: Kim")
    assert "coverage would fall from" in key["reason"] and key["priority"] == 1


def test_coverage_score_by_hand(portfolio):
    text = """\
kamplan: 1
account: {name: Cov, reviewed: 2026-10-01}
team: [{id: kam, name: Kim}]
stakeholders:
  - {id: eb, name: E, roles: [economic_buyer], influence: decisive, attitude: supporter}
  - {id: dm, name: D, roles: [decision_maker]}
  - {id: user, name: U, influence: low}
relationships:
  - {team: kam, stakeholder: eb, strength: strong, last_contact: 2026-10-15}
"""
    root = portfolio(cov=text)
    scores = kamplan.score([root], host=HOST)[0]["scores"]
    # key players: eb (3 x 2 = 6, covered 1.0) and dm (2.5 x 1, covered 0): 100 * 6 / 8.5
    assert scores["coverage"]["value"] == round(100 * 6 / 8.5, 1)
    assert scores["coverage"]["details"]["map_status"] == 2  # the buyer and 1 of 2 key players, no champion
    assert scores["coverage"]["details"]["uncovered"] == ["dm"]
    # sentiment: eb supporter (0.75, decisive: weight 2) and dm, a key player of unknown attitude, who
    # counts as 0 (weight 1): (2 x 0.75 + 1 x 0) / 3 = 0.5; the unknown lowers it, never lifts it
    assert scores["sentiment"]["value"] == 50.0 and scores["sentiment"]["details"]["unknown_key_players"] == ["dm"]
    assert scores["freshness"]["value"] == 100.0
    # no revenue: a prospect, whose health is not a number
    assert scores["health"]["value"] is None and scores["health"]["details"]["status"] == "prospect"
    root = portfolio(cov=text + "revenue:\n  - {period: 2025-Q3, arr: 100}\n  - {period: 2026-Q3, arr: 110}\n")
    health = kamplan.score([root], host=HOST)[0]["scores"]["health"]
    parts = health["details"]["parts"]
    # revenue from NRR 1.1: 100; renewal n/a (no contract), its weight shared among the others:
    # (70.6 x 25 + 100 x 15 + 50 x 15 + 100 x 20 + 100 x 10 + 100 x 5) / 90 = 83.5
    assert {k: parts[k]["value"] for k in parts} == {"coverage": 70.6, "freshness": 100.0, "sentiment": 50.0,
                                                    "revenue": 100.0, "key_people": 100.0, "hygiene": 100.0}
    assert health["value"] == 83.5 and list(health["details"]["not_applicable"]) == ["renewal"]


def test_map_status_levels(portfolio):
    """insights.md: 0 no key player covered; 1 some; 2 every economic buyer and half the key players;
    3 status 2 with a covered champion and no uncovered high or decisive blocker. Covered = a fresh
    (as of 2026-11-01, within 90 days) medium or strong tie; an undated tie is not fresh."""
    head = "kamplan: 1\naccount: {name: M, reviewed: 2026-10-01}\nteam: [{id: kam, name: Kim}]\nstakeholders:\n"
    people = ("  - {id: eb, name: E, roles: [economic_buyer], attitude: ATT}\n"
              "  - {id: dm, name: D, roles: [decision_maker]}\n  - {id: u, name: U, influence: low}\n")
    fresh = "last_contact: 2026-10-15"
    cases = [
        ("neutral", "", 0),
        ("neutral", f"  - {{team: kam, stakeholder: u, strength: strong, {fresh}}}\n", 0),    # not a key player
        ("neutral", "  - {team: kam, stakeholder: eb, strength: strong}\n", 0),              # undated: not fresh
        ("neutral", f"  - {{team: kam, stakeholder: dm, strength: medium, {fresh}}}\n", 1),   # the buyer is not
        ("neutral", f"  - {{team: kam, stakeholder: eb, strength: medium, {fresh}}}\n", 2),   # 1 of 2, the buyer
        ("champion", f"  - {{team: kam, stakeholder: eb, strength: medium, {fresh}}}\n", 3),
        ("champion", f"  - {{team: kam, stakeholder: eb, strength: medium, {fresh}}}\n"
                     "BLOCKER", 2),
    ]
    for i, (attitude, rels, status) in enumerate(cases):
        blocker = "  - {id: bl, name: B, attitude: blocker, influence: high}\n" if "BLOCKER" in rels else ""
        text = head + people.replace("ATT", attitude) + blocker + "relationships:\n" + rels.replace("BLOCKER", "")
        if not rels:
            text = text.replace("relationships:\n", "")
        root = portfolio(**{f"m{i}": text})
        row = kamplan.score([root / "account_plans" / f"m{i}.yaml"], host=HOST)[0]
        assert row["scores"]["coverage"]["details"]["map_status"] == status, (i, text)


def test_cli_json_shapes(cli, portfolio):
    root = portfolio(power=PEOPLE)
    scores = json.loads(cli("score", "--format", "json", cwd=root).out)
    assert set(scores[0]) == {"account", "as_of", "scores"} and scores[0]["as_of"] == "2026-11-01"
    assert {"coverage", "freshness", "sentiment", "health"} <= set(scores[0]["scores"])
    recs = json.loads(cli("recommend", "--format", "json", "--limit", "3", cwd=root).out)
    assert len(recs) == 3 and [r["priority"] for r in recs] == sorted(r["priority"] for r in recs)
    keys = {"account", "recommender", "kind", "title", "reason", "priority", "value", "unit", "offering", "stakeholder",
            "as_of"}
    assert keys <= set(recs[0])
    report = json.loads(cli("kpi", "--format", "json", cwd=root).out)
    assert set(report) >= {"as_of", "currency", "portfolio", "groups", "accounts", "anomalies"}
    assert set(report["portfolio"]) >= {"nrr", "grr", "logo_churn", "expansion_rate", "share_of_wallet", "coverage",
                                        "accounts_in", "accounts_total", "arr_share_in", "left_out"}
    assert set(report["accounts"][0]) >= {"account", "status", "period_now", "period_then", "arr_now", "arr_then",
                                          "nrr", "grr", "logo_churn", "expansion_rate", "share_of_wallet", "coverage"}
    assert "as of 2026-11-01" in cli("score", cwd=root).out and "as of 2026-11-01" in cli("recommend", cwd=root).out
    csv_text = cli("score", "--format", "csv", cwd=root).out
    assert csv_text.splitlines()[0] == "account,scorer,value,details"
    table = cli("recommend", cwd=root)
    assert table.code == 0 and "-[influences]->" in table.out


def test_invalid_plans_are_not_scored(cli, portfolio):
    root = portfolio(bad="kamplan: 1\naccount: {name: X}\nstakeholders: [{id: a, name: A, reports_to: zz}]\n")
    result = cli("score", cwd=root)
    assert result.code == 1 and "E301" in result.err


def test_demo_portfolio_intelligence():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    scores = kamplan.score([root], host=HOST)
    assert all(s["value"] is None or 0 <= s["value"] <= 100 for row in scores for s in row["scores"].values())
    health = {row["account"]: row["scores"]["health"] for row in scores}
    assert health["helvetia-pharma-uk"]["value"] is None  # churned: no health number
    assert health["helvetia-pharma-uk"]["details"]["status"] == "churned"
    recs = kamplan.recommend([root], host=HOST)
    assert {r["kind"] for r in recs} == {"land", "expand", "relationship", "risk", "renewal", "win_back"}
    per_account: dict[str, int] = {}
    for r in recs:
        per_account[r["account"]] = per_account.get(r["account"], 0) + 1
    assert max(per_account.values()) <= 5 and per_account["helvetia-pharma-uk"] == 1  # churned: win back only
    assert [r["kind"] for r in recs if r["account"] == "helvetia-pharma-uk"] == ["win_back"]
    assert all(r["offering"] is None or r["kind"] in ("land", "expand", "renewal") for r in recs)
    report = kamplan.kpi([root], host=HOST)
    assert report["portfolio"]["nrr"] is not None and report["groups"][0]["account"] == "helvetia-pharma"
    assert (report["as_of"], report["currency"]) == ("2026-11-30", "EUR")  # the demo pins its as-of date
    accounts = {a["account"]: a for a in report["accounts"]}
    assert accounts["helvetia-pharma-uk"]["status"] == "churned" and accounts["meridian-bank"]["currency"] == "USD"
    assert accounts["helvetia-pharma"]["forecast"] == ["2026-12"]


def test_recommendations_do_not_depend_on_the_hash_seed(tmp_path):
    """Reasons list people and units in plan order: the same plan gives the same report in every run."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    outputs = []
    for seed in ("1", "2", "3"):
        target = tmp_path / f"report-{seed}.json"
        done = subprocess.run([sys.executable, "-m", "kamplan", "report", "account_plans/meridian-bank.yaml",
                               "--format", "json", "-o", str(target)], cwd=root, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        outputs.append(target.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] == outputs[2]
