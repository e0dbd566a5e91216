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


LEAVING = BASE.replace("reports_to: ceo, attitude: champion}", "reports_to: ceo, attitude: champion, status: leaving}")


def test_a_leaving_champion_sponsoring_a_deal_closing_this_month(plan):
    recs = plan(LEAVING)
    about_ivo = [r for r in _about(recs, "cio") if r["kind"] == "risk"]
    # a fact, not a what-if: one action about Ivo, with the deal that hangs on him and its money
    assert [r["title"] for r in about_ivo] == ["Champion Ivo is leaving"]
    risk = about_ivo[0]
    assert (risk["priority"], risk["value"], risk["due"]) == (1, 100000, "2026-12-14")
    assert "Core in HQ hangs on them (closes 2026-12-20)" in risk["reason"]
    assert "our only warm way to Cara, Dora" in risk["reason"]
    assert risk["value_basis"] == "at stake: Core in HQ, ARR 200,000 EUR x probability 0.5"
    deal = next(r for r in recs if r["kind"] == "land" and r["unit"] == "hq")
    assert "sponsor Ivo (champion) is leaving: name a new sponsor before the close" in deal["reason"]
    intro = next(r for r in _about(recs, "ceo") if r["kind"] == "relationship")
    assert "Ivo (champion, leaving)" in intro["reason"] and "ask for the introduction now" in intro["reason"]


def test_a_path_through_someone_leaving_loses_to_a_steady_one(plan):
    # Rex (neutral, steady) reports to Cara too; once Ivo is leaving, the way in through Rex is warmer
    two_ways = LEAVING.replace("  - {team: kam, stakeholder: cio,", "  - {team: se, stakeholder: rival, "
                               "strength: strong, last_contact: 2026-11-25}\n  - {team: kam, stakeholder: cio,")
    intro = next(r for r in _about(plan(two_ways), "ceo") if r["kind"] == "relationship")
    assert intro["title"] == "Get introduced to Cara (economic buyer) via Rex" and intro["owner"] == "se"


def test_a_stale_first_tie_costs_more_than_a_fresh_one(plan):
    # Kim knows Ivo strongly but not since 2025; Sam knows Rex as strongly and last week: Sam's way wins
    stale = BASE.replace("stakeholder: cio, strength: strong, last_contact: 2026-11-20}",
                         "stakeholder: cio, strength: strong, last_contact: 2025-06-01}\n"
                         "  - {team: se, stakeholder: rival, strength: strong, last_contact: 2026-11-25}")
    stale = stale.replace("attitude: champion}", "attitude: neutral}")
    intro = next(r for r in _about(plan(stale), "ceo") if r["kind"] == "relationship")
    assert intro["owner"] == "se" and "via Rex" in intro["title"]


def test_a_prospect_gets_no_expand_and_no_win_back(plan):
    prospect = BASE.split("revenue:")[0].replace("  - {unit: it, offering: core, status: owned, arr: 100000}\n", "")
    kinds = {r["kind"] for r in plan(prospect)}
    assert "land" in kinds and not kinds & {"expand", "win_back"}


def test_buying_influences_drive_the_ranking(plan):
    ops = BASE.replace("  - {id: rival, name: Rex, unit: it, reports_to: ceo}\n",
                       "  - {id: rival, name: Rex, unit: it, reports_to: ceo}\n"
                       "  - {id: ops, name: Olga, unit: hq, reports_to: ceo, influence: medium}\n")
    assert not _about(plan(ops), "ops")  # not a key player by herself
    deal = ops.replace("close: 2026-12-20, sponsor: cio}", "close: 2026-12-20, sponsor: cio,\n"
                       "     buying_influences: [{stakeholder: ops, role: user_buyer, mode: trouble}]}")
    rec = next(r for r in _about(plan(deal), "ops") if r["kind"] == "relationship")
    # the user buyer of a 200,000 deal closing in 20 days: priority 1, due by the close, the deal's money
    assert (rec["priority"], rec["value"], rec["due"]) == (1, 100000, "2026-12-20")
    assert rec["title"].startswith("Get introduced to Olga (user buyer of a deal)")
    assert rec["value_basis"].startswith("at stake: Core in HQ")
