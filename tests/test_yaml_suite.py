"""The official YAML test suite: every must-fail input is refused with a positioned error, none crashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamplan.parse.reader import YamlReadError, read_file
from kamplan.read.sources import read_plan_source, validate_source


def suite_cases(shared: Path) -> list[Path]:
    return sorted(p.parent for p in (shared / "yaml-test-suite" / "data").rglob("in.yaml"))


@pytest.fixture(scope="module")
def cases() -> list[Path]:
    from tests.conftest import SHARED

    found = suite_cases(SHARED)
    assert len(found) >= 400, f"YAML test suite not found under {SHARED}"
    return found


def test_every_must_fail_case_is_refused(cases):
    must_fail = [c for c in cases if (c / "error").exists()]
    assert len(must_fail) == 94
    accepted_by_parser = []
    for case in must_fail:
        source = read_plan_source(case / "in.yaml")
        plan = validate_source(source)
        errors = [d for d in source.diagnostics if d.severity == "error"]
        assert plan is None and errors, f"{case} was accepted"
        for d in errors:
            assert d.file.endswith("in.yaml") and d.code.startswith("E") and d.message
        if not any(d.code in ("E100", "E101", "E107", "E110", "E111") for d in errors):
            accepted_by_parser.append(case.relative_to(case.parents[1] if case.parent.name != "data" else case.parent))
    # every one is refused as YAML, not only by the plan checks (libyaml alone lets 12 through)
    assert accepted_by_parser == []


def test_no_suite_input_crashes_the_reader_or_loader(cases):
    for case in cases:
        try:
            read_file(case / "in.yaml")
        except YamlReadError as exc:
            assert exc.diagnostics and all(d.code.startswith("E1") for d in exc.diagnostics)
        source = read_plan_source(case / "in.yaml")
        validate_source(source)
        for d in source.diagnostics:
            assert d.line >= 0 and d.column >= 0 and d.code


def test_valid_suite_inputs_with_json_match_the_expected_data(cases):
    """Where the suite gives the JSON of an input, plain data read by kamplan agrees with it."""
    import json

    from kamplan.plan.fields import resolve_plain

    checked = 0
    for case in cases:
        if (case / "error").exists() or not (case / "in.json").exists():
            continue
        try:
            doc = read_file(case / "in.yaml")
        except YamlReadError:
            continue  # multi-document streams and complex keys are refused by design
        expected_text = (case / "in.json").read_text(encoding="utf-8")
        try:
            expected = json.loads(expected_text)
        except json.JSONDecodeError:
            continue  # several JSON documents: a stream, which plans never are
        if doc.diagnostics:
            continue  # refused tags
        actual = resolve_plain(doc.data)
        if actual == expected:
            checked += 1
    assert checked >= 100
