"""`kamplan fmt`: canonical order, comments and layout kept, idempotent, atomic, safe on bad input."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kamplan
from kamplan.plugins import PluginHost
from kamplan.repo.fmt import fmt, format_text

HOST = PluginHost(entry_points=False)

MESSY = """\
# ACME plan: keep this comment
stakeholders:   # the org chart
  - title: CFO   # acting
    name: Frank
    reports_to: ceo
    id: cfo

  # the boss
  - {name: Carla, id: ceo, roles: [economic_buyer]}
account:
  name: ACME  # legal name
  id: acme
kamplan: 1
"""

CANONICAL = """\
# ACME plan: keep this comment
kamplan: 1
account:
  id: acme
  name: ACME  # legal name
stakeholders:   # the org chart
  - id: cfo
    name: Frank
    title: CFO   # acting
    reports_to: ceo

  # the boss
  - {id: ceo, name: Carla, roles: [economic_buyer]}
"""


def test_canonical_order_keeps_comments_blank_lines_and_flow_style():
    assert format_text(MESSY) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL


def test_demo_plans_are_already_canonical(cli):
    root = Path(__file__).resolve().parent.parent
    assert cli("fmt", "--check", root).code == 0


def test_fmt_writes_atomically_and_keeps_permissions(cli, write_plan):
    path = write_plan(MESSY, "acme.yaml")
    os.chmod(path, 0o640)
    before = path.read_text()
    check = cli("fmt", "--check", path)
    assert check.code == 1 and path.read_text() == before and "F001" in check.out
    assert cli("fmt", path).code == 0
    assert path.read_text() == CANONICAL
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert cli("fmt", "--check", path).code == 0
    assert [p.name for p in path.parent.iterdir()] == ["acme.yaml"]  # no temporary file left behind


def test_unparsable_file_is_reported_and_untouched(cli, write_plan):
    path = write_plan("kamplan: 1\naccount: {name: [\n", "bad.yaml")
    before = path.read_bytes()
    result = cli("fmt", path)
    assert result.code == 1 and "E100" in result.out and path.read_bytes() == before


def test_folder_plan_files_are_each_formatted(cli, tmp_path, write_plan):
    folder = tmp_path / "globex"
    write_plan("account: {name: G}\nkamplan: 1\n", "plan.yaml", folder)
    write_plan("stakeholders:\n  - {name: A, id: a}\n", "more.yaml", folder)
    assert cli("fmt", folder).code == 0
    assert (folder / "plan.yaml").read_text() == "kamplan: 1\naccount: {name: G}\n"
    assert (folder / "more.yaml").read_text() == "stakeholders:\n  - {id: a, name: A}\n"


FIELDS = ["id", "name", "title", "unit", "reports_to", "attitude", "influence", "roles", "notes"]
person = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", "no", "0123"]), "name": st.text(min_size=1, max_size=12)},
    optional={"title": st.text(max_size=10), "attitude": st.sampled_from(["champion", "blocker", "fan"]),
              "roles": st.lists(st.sampled_from(["economic_buyer", "coach"]), max_size=2),
              "notes": st.text(max_size=20), "influence": st.sampled_from(["low", "high"])},
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(person, max_size=4), order=st.permutations(["kamplan", "account", "stakeholders", "units"]),
       shuffle=st.randoms(use_true_random=False), flow=st.booleans())
def test_fmt_is_idempotent_and_keeps_the_validated_content(tmp_path, people, order, shuffle, flow):
    sections = {"kamplan": 1, "account": {"name": "X", "id": "x"}, "units": [{"name": "HQ", "id": "hq"}],
                "stakeholders": []}
    for entry in people:
        keys = list(entry)
        shuffle.shuffle(keys)
        sections["stakeholders"].append({k: entry[k] for k in keys})
    data = {k: sections[k] for k in order}
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None if flow else False)
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    before.write_text(text, encoding="utf-8")
    a = kamplan.validate([before], host=HOST)
    if any(d.code == "E100" for d in a.diagnostics):
        # PyYAML writes YAML 1.1: a NEL (U+0085) is a line break to it, text at column 0 to YAML 1.2.
        # kamplan's reader refuses such a file, and so does fmt: reported, the file untouched.
        result = fmt([before])
        assert [d.code for d in result.diagnostics] == ["E100"] and before.read_text(encoding="utf-8") == text
        return
    once = format_text(text)
    assert format_text(once) == once
    after.write_text(once, encoding="utf-8")
    b = kamplan.validate([after], host=HOST)
    assert sorted((d.code, d.path, d.message) for d in a.diagnostics) == sorted(
        (d.code, d.path, d.message) for d in b.diagnostics)
    if a.portfolio.accounts:
        assert a.portfolio.accounts[0].plan.dump() == b.portfolio.accounts[0].plan.dump()


def test_a_nel_that_yaml_1_1_reads_as_a_line_break_is_refused_not_reformatted(tmp_path):
    """The example that found the case above: PyYAML's quoted scalar with a NEL at column 0."""
    text = "kamplan: 1\naccount:\n  name: X\n  id: x\nstakeholders:\n- id: a\n  name: '\n\n\x85    '\n"
    path = tmp_path / "nel.yaml"
    path.write_text(text, encoding="utf-8")
    result = fmt([path])
    assert [d.code for d in result.diagnostics] == ["E100"] and path.read_text(encoding="utf-8") == text
