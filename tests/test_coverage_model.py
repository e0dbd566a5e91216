"""One meaning of "covered" (insights.md): the same person is covered or not in every figure and view.

As of 2026-11-30 with stale_contact_days 90 (fresh: on or after 2026-09-01):
- ``eb`` (economic buyer): a strong tie last touched 2026-02-01 (stale) and a weak one yesterday: NOT covered.
- ``dm`` (decision maker): a medium tie without a date, refreshed by a QBR on 2026-11-03: covered.
- ``ch`` (champion): a medium tie dated 2026-10-01: covered.
- ``u``: not a key player (low influence), strongly covered.
Key players eb, dm, ch: 2 of 3 covered (KPI 0.6667); the economic buyer is not covered, so map status 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
PLAN = """\
kamplan: 1
account: {name: Cov, currency: EUR, reviewed: 2026-10-01}
team: [{id: kam, name: Kim}, {id: se, name: Sam}]
stakeholders:
  - {id: eb, name: Erin Buyer, roles: [economic_buyer], influence: decisive, attitude: supporter}
  - {id: dm, name: Dan Maker, roles: [decision_maker], attitude: neutral}
  - {id: ch, name: Cleo Champ, roles: [champion], attitude: champion}
  - {id: u, name: Uma User, influence: low, attitude: neutral}
relationships:
  - {team: kam, stakeholder: eb, strength: strong, last_contact: 2026-02-01}
  - {team: se, stakeholder: eb, strength: weak, last_contact: 2026-11-29}
  - {team: kam, stakeholder: dm, strength: medium}
  - {team: se, stakeholder: ch, strength: medium, last_contact: 2026-10-01}
  - {team: kam, stakeholder: u, strength: strong, last_contact: 2026-11-20}
interactions:
  - {date: 2026-11-03, kind: qbr, team: [kam], stakeholders: [dm], summary: QBR}
  - {date: 2027-01-10, kind: meeting, team: [kam], stakeholders: [eb], summary: "planned, not a contact"}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-30}\n", encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    (tmp_path / "account_plans" / "cov.yaml").write_text(PLAN, encoding="utf-8")
    return tmp_path


def test_the_same_people_are_covered_in_every_figure(cli, root):
    kpi = kamplan.kpi([root], host=HOST)["accounts"][0]
    assert kpi["coverage"] == round(2 / 3, 4) and kpi["map_status"] == 1
    score = kamplan.score([root], host=HOST)[0]["scores"]["coverage"]["details"]
    assert score["uncovered"] == ["eb"] and score["key_players_covered"] == 2 and score["map_status"] == 1
    findings = json.loads(cli("validate", "--format", "json", cwd=root).out)
    w402 = [d for d in findings if d["code"] == "W402"]
    assert [d["path"] for d in w402] == ["stakeholders[0]"] and "stale" in w402[0]["message"]
    report = json.loads(cli("report", "cov", "--format", "json", "-o", "-", cwd=root).out)
    assert {k: v["covered"] for k, v in report["coverage"].items()} == {"eb": False, "dm": True, "ch": True, "u": True}
    assert report["coverage"]["eb"]["coverage_key"] == "stale"
    assert report["coverage"]["dm"]["last_contact"] == "2026-11-03"  # the QBR dates the undated tie


def test_the_chart_colours_by_the_same_model(cli, root):
    dot = cli("chart", "cov", "--format", "dot", "--color-by", "coverage", "-o", "-", cwd=root).out
    eb_node = dot[dot.index('"s/eb" [label='):dot.index('id="s-eb"')]
    assert 'fillcolor="#d9d9d9"' in eb_node  # stale, not "strong relationship"
    assert "stale relationship (not covered)" in dot


def test_a_future_interaction_is_not_a_contact(root):
    with kamplan.as_of("2027-01-20"):  # now the planned meeting is in the past, and counts
        details = kamplan.score([root], host=HOST)[0]["scores"]["coverage"]["details"]
    assert "eb" not in details["uncovered"]


def test_interaction_references_are_checked(cli, root):
    plan = root / "account_plans" / "cov.yaml"
    plan.write_text(PLAN.replace("stakeholders: [dm], summary: QBR", "stakeholders: [nobody], summary: QBR"),
                    encoding="utf-8")
    rows = json.loads(cli("validate", "--format", "json", cwd=root).out)
    unknown = [(d["code"], d["path"]) for d in rows if d["code"] == "E301"]
    assert unknown == [("E301", "interactions[0].stakeholders[0]")]
    assert any(d["code"] == "W504" and d["path"] == "interactions[1].date" for d in rows)


def _without_member(plan: Path, member: str, folder: Path) -> Path:
    """A copy of a plan file in ``folder`` with ``member``'s relationships taken out."""
    import yaml

    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    data["relationships"] = [r for r in data.get("relationships") or [] if r.get("team") != member]
    copy = folder / "account_plans" / plan.name
    copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize("plan", [*(pytest.param(p, id=p.stem) for p in
                                   sorted((Path(__file__).parent.parent / "account_plans").glob("*.yaml"))),
                                  pytest.param(None, id="cov")])
def test_coverage_without_a_member_is_the_coverage_of_the_plan_without_their_ties(tmp_path, root, plan):
    """What the key-person risk compares: the score as if that member's relationships were not there
    (someone they do not know keeps their credit, a weak tie of another member included)."""
    import shutil

    from kamplan.builtin.scoring import coverage, coverage_without_each

    plan = plan or root / "account_plans" / "cov.yaml"
    work = tmp_path / "without"
    (work / "account_plans").mkdir(parents=True)
    shutil.copy(plan.parent.parent / "kamplan.yaml", work / "kamplan.yaml")
    account = kamplan.load_portfolio([plan], host=HOST).accounts[0]
    members = sorted({r.team for r in account.plan.relationships})
    each = coverage_without_each(account, [None, *members, "nobody-at-all"])
    assert each[None] == each["nobody-at-all"] == coverage(account).value
    for member in members:
        alone = kamplan.load_portfolio([_without_member(plan, member, work)], host=HOST).accounts[0]
        assert coverage(account, without=member).value == each[member] == coverage(alone).value, member
