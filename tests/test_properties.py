"""Property-based tests of the loader: any input gives a plan or positioned errors, never a crash."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import VALID_PLAN, field_paths

import kamplan
from kamplan.parse.reader import YamlReadError, read_text
from kamplan.plugins import PluginHost

HOST = PluginHost(entry_points=False)
BASE = yaml.safe_load(VALID_PLAN)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                    st.sampled_from(["no", "on", "0123", "1.10", "2026-13-45", "champion", "ceo", "jdoe", "hq"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def check_file(path: Path) -> None:
    result = kamplan.validate([path], host=HOST)
    if result.portfolio.accounts:
        return
    assert result.errors, "an invalid plan must say why"
    for d in result.errors:
        assert d.code.startswith("E") and d.message and d.line >= 0 and d.column >= 0


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text_reads_or_fails_with_positions(text):
    try:
        read_text(text, "fuzz.yaml")
    except YamlReadError as exc:
        for d in exc.diagnostics:
            assert d.code.startswith("E1") and d.file == "fuzz.yaml"


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("kamplan: 1\n -{}[],'\"&*!#|>?~account name id")), max_size=200))
def test_yaml_like_text_gives_a_plan_or_errors(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    check_file(path)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_plan_gives_a_plan_or_positioned_errors(tmp_path, data):
    plan = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(field_paths(plan)[1:]))
        parent = plan
        for part in target[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[target[-1]] = data.draw(values)
        elif action == "delete":
            del parent[target[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(values)
        else:
            parent.append(data.draw(values))
        if not isinstance(plan, dict):
            break
    path = tmp_path / "mutant.yaml"
    path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    check_file(path)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False), inner,
                      max_size=4),
    max_leaves=25)


@given(_JSON)
@settings(max_examples=300, deadline=None)
def test_indented_json_is_what_json_dumps_writes(value):
    """The JSON outputs and the engine's pre-rendered blocks are written without the json module's slow
    indenting encoder (kamplan.json_text); the text must be the same, escapes, floats, keys and
    non-JSON values included."""
    import json

    from kamplan.engine.parts import block
    from kamplan.json_text import indented

    expected = json.dumps(value, ensure_ascii=False, indent=2, default=str)
    assert indented(value) == expected
    assert block(value) == "  " + expected.replace("\n", "\n  ")


_TEMPLATE_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=25)


@given(_TEMPLATE_JSON)
@settings(max_examples=300, deadline=None)
def test_the_pages_json_filter_is_what_jinjas_tojson_writes(value):
    """An account page shows each score's details as ``tojson(indent=2)`` did: keys sorted, non-ASCII and
    the characters HTML cares about escaped."""
    from jinja2.utils import htmlsafe_json_dumps

    from kamplan.render.html import pretty_json

    assert pretty_json(value) == htmlsafe_json_dumps(value, indent=2, sort_keys=True)
