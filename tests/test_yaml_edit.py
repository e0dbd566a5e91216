"""repo/yaml_edit: an edit changes only the lines it is about (checked line by line), in the file's own style."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from kamplan.repo.yaml_edit import EditError, append_entry, remove_entry, set_field

ROOT = Path(__file__).resolve().parents[1]
PLAN = """\
kamplan: 1
account: {id: a, name: A}
stakeholders:
  # the boss
  - id: erin
    name: Erin   # CEO
    roles: [economic_buyer]
  - {id: dan, name: Dan, reports_to: erin, attitude: neutral}   # comment here

  # Bo is new
  - id: bo
    name: Bo
    roles:
      - coach
relationships:
  - {team: kam, stakeholder: erin, strength: strong, last_contact: 2026-02-01}
  - {team: kam, stakeholder: dan, strength: weak}
"""


def _changes(before: str, after: str) -> list[str]:
    return [line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda t: set_field(t, "stakeholders", {"id": "dan"}, "reports_to", "bo"),
     ["-  - {id: dan, name: Dan, reports_to: erin, attitude: neutral}   # comment here",
      "+  - {id: dan, name: Dan, reports_to: bo, attitude: neutral}   # comment here"]),
    (lambda t: set_field(t, "stakeholders", {"id": "erin"}, "reports_to", "bo"), ["+    reports_to: bo"]),
    (lambda t: set_field(t, "stakeholders", {"id": "dan"}, "attitude", None),
     ["-  - {id: dan, name: Dan, reports_to: erin, attitude: neutral}   # comment here",
      "+  - {id: dan, name: Dan, reports_to: erin}   # comment here"]),
    (lambda t: set_field(t, "stakeholders", {"id": "bo"}, "roles", ["coach", "champion"]), ["+      - champion"]),
    (lambda t: set_field(t, "stakeholders", {"id": "dan"}, "dotted_to", ["bo"]),
     ["-  - {id: dan, name: Dan, reports_to: erin, attitude: neutral}   # comment here",
      "+  - {id: dan, name: Dan, reports_to: erin, dotted_to: [bo], attitude: neutral}   # comment here"]),
    (lambda t: append_entry(t, "relationships", {"team": "kam", "stakeholder": "bo", "strength": "medium"}),
     ["+  - {team: kam, stakeholder: bo, strength: medium}"]),
    (lambda t: append_entry(t, "interactions", {"date": "2026-12-01", "team": ["kam"], "summary": "Met: budget"}),
     ["+interactions:", '+  - {date: 2026-12-01, team: [kam], summary: "Met: budget"}']),
    (lambda t: append_entry(t, "influence", {"from": "bo", "to": "erin"}),
     ["+influence:", "+  - {from: bo, to: erin}"]),  # in canonical place, before nothing later: at the end
    (lambda t: remove_entry(t, "relationships", {"team": "kam", "stakeholder": "dan"}),
     ["-  - {team: kam, stakeholder: dan, strength: weak}"]),
    (lambda t: remove_entry(t, "stakeholders", {"id": "bo"}),
     ["-  - id: bo", "-    name: Bo", "-    roles:", "-      - coach"]),  # "# Bo is new" and the blank line stay
    (lambda t: set_field(t, "relationships", {"team": "kam", "stakeholder": "erin"}, "target", "strong"),
     ["-  - {team: kam, stakeholder: erin, strength: strong, last_contact: 2026-02-01}",
      "+  - {team: kam, stakeholder: erin, strength: strong, target: strong, last_contact: 2026-02-01}"]),
])
def test_only_the_lines_of_the_edit_change(edit, expected):
    after = edit(PLAN)
    assert _changes(PLAN, after) == expected
    yaml.safe_load(after)  # still YAML


def test_a_new_section_goes_to_its_canonical_place():
    text = "kamplan: 1\naccount: {id: a, name: A}\nstakeholders:\n  - {id: x, name: X}\ngoals: []\n"
    after = append_entry(text, "relationships", {"team": "k", "stakeholder": "x", "strength": "weak"})
    assert after.index("relationships:") < after.index("goals:")


def test_text_that_needs_quotes_is_quoted_and_reads_back():
    after = append_entry(PLAN, "interactions", {"date": "2026-12-01", "summary": 'yes: "no" # not a comment'})
    assert yaml.safe_load(after)["interactions"][0]["summary"] == 'yes: "no" # not a comment'
    assert yaml.safe_load(set_field(PLAN, "stakeholders", {"id": "bo"}, "attitude", "no"))["stakeholders"][2][
        "attitude"] == "no"


def test_what_is_not_there_is_an_error():
    with pytest.raises(EditError):
        set_field(PLAN, "stakeholders", {"id": "nobody"}, "attitude", "neutral")
    with pytest.raises(EditError):
        remove_entry(PLAN, "relationships", {"team": "kam", "stakeholder": "bo"})


@pytest.mark.parametrize("plan", sorted((ROOT / "account_plans").rglob("*.yaml")), ids=lambda p: p.name)
def test_setting_and_resetting_a_field_on_the_demo_plans_gives_the_same_bytes(plan: Path):
    text = plan.read_text(encoding="utf-8")
    people = [p for p in (yaml.safe_load(text) or {}).get("stakeholders") or [] if isinstance(p, dict)]
    for person in people[:25]:
        match = {"id": person["id"]}
        was = person.get("attitude")
        changed = set_field(text, "stakeholders", match, "attitude", "blocker" if was != "blocker" else "neutral")
        assert len(_changes(text, changed)) in (1, 2)
        assert set_field(changed, "stakeholders", match, "attitude", was) == text
