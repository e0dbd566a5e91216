"""Recommendations as a short action plan (insights.md, "Recommendations"), on plans built for each rule."""

from __future__ import annotations

from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
CONFIG = "kamplan: 1\nsettings: {today: 2026-11-30, currency: EUR}\n"
BASE = """\
kamplan: 1
account: {name: Acme, currency: EUR, reviewed: 2026-10-01, owner: kam, tier: key}
units: [{id: hq, name: HQ}, {id: it, name: IT, parent: hq}]
offerings: [{id: core, name: Core}, {id: bi, name: BI}]
team: [{id: kam, name: Kim, role: kam}, {id: se, name: Sam}]
stakeholders:
  - {id: ceo, name: Cara, unit: hq, roles: [economic_buyer], influence: decisive, attitude: neutral}
  - {id: cio, name: Ivo, unit: it, reports_to: ceo, attitude: champion}
  - {id: dm, name: Dora, unit: it, reports_to: cio, roles: [decision_maker], attitude: blocker, influence: high}
  - {id: rival, name: Rex, unit: it, reports_to: ceo}
relationships:
  - {team: kam, stakeholder: cio, strength: strong, last_contact: 2026-11-20}
influence:
  - {from: cio, to: ceo, kind: influences, strength: high}
opportunities:
  - {unit: it, offering: core, status: owned, arr: 100000}
  - {unit: hq, offering: core, status: pipeline, arr: 200000, probability: 0.5, close: 2026-12-20, sponsor: cio}
  - {unit: it, offering: bi, status: whitespace, arr: 50000}
revenue:
  - {period: 2025-Q3, arr: 90000}
  - {period: 2026-Q3, arr: 100000}
"""


@pytest.fixture
def plan(tmp_path: Path):
    (tmp_path / "kamplan.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "account_plans").mkdir()

    def recommend(text: str = BASE, **options):
        (tmp_path / "account_plans" / "acme.yaml").write_text(text, encoding="utf-8")
        return kamplan.recommend([tmp_path], host=HOST, per_account=None, **options)

    return recommend


def _about(recs, stakeholder):
    return [r for r in recs if r["stakeholder"] == stakeholder]


def test_one_next_best_action_per_stakeholder(plan):
    recs = plan()
    assert len(_about([r for r in recs if r["kind"] not in ("land", "expand")], "dm")) == 1  # not two about Dora
    assert all(r["owner"] and r["due"] for r in recs)


def test_a_deal_closing_soon_is_valued_and_ranked_first(plan):
    recs = plan()
    deal = next(r for r in recs if r["unit"] == "hq" and r["offering"] == "core")
    # ARR 200,000 x probability 0.5, closing in 20 days: priority 1
    assert (deal["kind"], deal["value"], deal["priority"], deal["due"]) == ("land", 100000, 1, "2026-12-20")
    assert deal["value_basis"] == "ARR 200,000 EUR x probability 0.5"
    whitespace = next(r for r in recs if r["offering"] == "bi")
    assert whitespace["value"] == 5000 and "unqualified whitespace" in whitespace["value_basis"]


def test_a_decision_about_a_cell_stops_land_and_expand_until_revisit(plan):
    decision = "decisions:\n  - {date: 2026-05-01, decision: One BI vendor, offerings: [bi], revisit: 2027-06-01}\n"
    assert not [r for r in plan(BASE + decision) if r["offering"] == "bi"]
    passed = decision.replace("2027-06-01", "2026-11-01")
    assert [r for r in plan(BASE + passed) if r["offering"] == "bi"]


def test_an_open_action_on_a_person_replaces_the_suggestion(plan):
    assert any(r["kind"] == "relationship" for r in _about(plan(), "ceo"))
    action = "actions:\n  - {id: a1, title: Meet Cara, owner: kam, due: 2026-12-10, stakeholders: [ceo]}\n"
    assert not [r for r in _about(plan(BASE + action), "ceo") if r["kind"] == "relationship"]


def test_an_existing_weak_tie_is_strengthened_not_introduced(plan):
    weak = BASE.replace("relationships:\n", "relationships:\n  - {team: se, stakeholder: ceo, strength: weak, "
                                            "last_contact: 2026-11-01}\n")
    rec = next(r for r in _about(plan(weak), "ceo") if r["kind"] == "relationship")
    assert rec["title"].startswith("Sam: strengthen the relationship with Cara") and rec["owner"] == "se"


def test_a_path_never_passes_through_a_rival_of_the_target(plan):
    rec = next(r for r in _about(plan(), "ceo") if r["kind"] == "relationship")
    assert "via Ivo" in rec["title"]
    rivalry = BASE.replace("influence:\n", "influence:\n  - {from: cio, to: ceo, kind: conflicts, strength: high}\n")
    rivalry = rivalry.replace("  - {from: cio, to: ceo, kind: influences, strength: high}\n", "")
    rec = next(r for r in _about(plan(rivalry), "ceo") if r["kind"] == "relationship")
    assert "Ivo" not in rec["title"]


def test_nobody_leaving_is_the_target_of_an_introduction(plan):
    leaving = BASE.replace("roles: [economic_buyer], influence: decisive, attitude: neutral}",
                           "roles: [economic_buyer], influence: decisive, attitude: neutral, status: leaving}")
    assert not [r for r in _about(plan(leaving), "ceo") if r["kind"] == "relationship"]


def test_a_churned_account_gets_win_back_only(plan):
    churned = BASE.replace("  - {period: 2026-Q3, arr: 100000}\n", "  - {period: 2026-Q3, arr: 0}\n")
    recs = plan(churned)
    assert [r["kind"] for r in recs] == ["win_back"]
    assert recs[0]["value"] == 90000 and "2025-Q3" in recs[0]["value_basis"]


def test_a_renewal_nobody_works_on_is_an_action(plan):
    contract = ("contracts:\n  - {id: c1, title: Core subscription, offerings: [core], end: 2027-01-15, "
                "notice_days: 30, arr: 100000}\n")
    rec = next(r for r in plan(BASE.replace("status: pipeline", "status: whitespace") + contract)
               if r["kind"] == "renewal")
    assert (rec["priority"], rec["value"], rec["due"]) == (1, 100000, "2026-12-16")


def test_per_account_keeps_the_top_and_all_keeps_everything(plan, tmp_path):
    every = plan()
    top = kamplan.recommend([tmp_path], host=HOST)
    assert len(top) == min(5, len(every)) and top == every[:len(top)]


def test_departure_what_if_names_what_a_champion_carries(plan):
    recs = plan()
    what_if = [r for r in recs if r["recommender"] == "departure_what_if"]
    # Cara (economic buyer) and Dora (decision maker) are reachable only through Ivo, our champion
    assert [r["stakeholder"] for r in what_if] == ["cio"] and what_if[0]["priority"] == 1
    assert what_if[0]["title"] == "If Ivo left, we would lose our way to 2 key player(s)"
