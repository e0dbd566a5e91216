"""Each built-in lint warning fires on a plan that has the problem, and not on one that does not."""

from __future__ import annotations

import pytest

import kamplan
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)

BASE = """\
kamplan: 1
account: {name: Rules plc, reviewed: 2026-10-01}
units:
  - {id: hq, name: HQ}
  - {id: ops, name: Ops}
offerings:
  - {id: x, name: X}
team:
  - {id: kam, name: Kim, role: kam}
  - {id: se, name: Sam, role: solution_architect}
stakeholders:
  - {id: ceo, name: Carla, unit: hq, roles: [economic_buyer], influence: decisive}
  - {id: cto, name: Tom, unit: hq, reports_to: ceo, roles: [decision_maker]}
  - {id: ops, name: Olga, unit: ops, reports_to: ceo}
relationships:
  - {team: kam, stakeholder: ceo, strength: strong, last_contact: 2026-10-20}
  - {team: se, stakeholder: cto, strength: medium, last_contact: 2026-10-20}
"""


@pytest.fixture
def codes(tmp_path, write_plan):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings: {today: 2026-11-01}\n")

    def run(text: str) -> list[str]:
        result = kamplan.validate([write_plan(text)], host=HOST)
        assert result.errors == [], [d.format_text() for d in result.errors]
        return sorted(d.code for d in result.warnings)

    return run


def test_clean_plan_has_no_warnings(codes):
    assert codes(BASE) == []


@pytest.mark.parametrize(("change", "code"), [
    (("roles: [economic_buyer]", "roles: []"), "W401"),
    (("{team: se, stakeholder: cto, strength: medium", "{team: se, stakeholder: cto, strength: weak"), "W402"),
    # a stale tie no longer covers anyone: with the one coverage model the economic buyer is then uncovered
    (("last_contact: 2026-10-20}\n  - {team: se", "last_contact: 2026-06-01}\n  - {team: se"), ["W402", "W404"]),
    (("reviewed: 2026-10-01", "reviewed: 2025-01-01"), "W405"),
])
def test_single_warning(codes, change, code):
    assert codes(BASE.replace(*change)) == ([code] if isinstance(code, str) else code)


def test_no_reviewed_date_is_a_stale_plan(codes):
    assert "W405" in codes(BASE.replace("account: {name: Rules plc, reviewed: 2026-10-01}", "account: {name: R}"))


def test_single_threaded_by_member(codes):
    text = BASE.replace("{team: se, stakeholder: cto", "{team: kam, stakeholder: cto")
    assert codes(text) == ["W403"]


def test_single_threaded_by_stakeholder(codes):
    text = BASE.replace("{team: se, stakeholder: cto, strength: medium",
                        "{team: se, stakeholder: ceo, strength: medium")
    assert "W403" in codes(text)


def test_no_relationships_at_all(codes):
    text = BASE.split("relationships:")[0]
    assert "W403" in codes(text)


def test_blocker_without_action_or_risk(codes):
    text = BASE.replace("{id: ops, name: Olga, unit: ops, reports_to: ceo}",
                        "{id: ops, name: Olga, unit: ops, reports_to: ceo, attitude: blocker, influence: high}")
    assert codes(text) == ["W406"]
    with_risk = text + "risks:\n  - {title: Olga blocks, stakeholder: ops}\n"
    assert codes(with_risk) == []
    with_action = text + "actions:\n  - {id: a1, title: Meet Olga, owner: kam, due: 2026-12-01, stakeholders: [ops]}\n"
    assert codes(with_action) == []


def test_departed_sponsor_and_open_action(codes):
    text = BASE.replace("{id: ops, name: Olga, unit: ops, reports_to: ceo}",
                        "{id: ops, name: Olga, unit: ops, reports_to: ceo, status: left}")
    text += "opportunities:\n  - {unit: ops, offering: x, status: pipeline, sponsor: ops}\n"
    text += "actions:\n  - {id: a1, title: Call Olga, owner: kam, due: 2026-12-01, stakeholders: [ops]}\n"
    assert codes(text) == ["W407", "W407"]


def test_goal_without_owner_or_due(codes):
    assert codes(BASE + "goals:\n  - {id: g1, title: Grow}\n") == ["W408"]
    assert codes(BASE + "goals:\n  - {id: g1, title: Grow, owner: kam, due: 2027-01-01}\n") == []
    assert codes(BASE + "goals:\n  - {id: g1, title: Grow, status: achieved}\n") == []


def test_overdue_action(codes):
    text = BASE + "actions:\n  - {id: a1, title: Late, owner: kam, due: 2026-10-01, status: open}\n"
    assert codes(text) == ["W409"]
    assert codes(text.replace("status: open", "status: done")) == []


def test_second_economic_buyer_in_a_unit(codes):
    text = BASE.replace("roles: [decision_maker]", "roles: [economic_buyer, decision_maker]")
    assert codes(text) == ["W410"]
    other_unit = BASE.replace("{id: ops, name: Olga, unit: ops, reports_to: ceo}",
                              "{id: ops, name: Olga, unit: ops, reports_to: ceo, roles: [economic_buyer]}")
    assert "W410" not in codes(other_unit)


def test_misplaced_cell_fields(codes):
    text = BASE + "opportunities:\n  - {unit: ops, offering: x, status: whitespace, stage: demo, competitor: Y}\n"
    assert codes(text) == ["W411", "W411"]


def test_strict_turns_warnings_into_failure(cli, write_plan, tmp_path):
    path = write_plan(BASE.replace("reviewed: 2026-10-01", "reviewed: 2020-01-01"))
    assert cli("validate", path).code == 0
    assert cli("validate", "--strict", path).code == 1
