"""The fast path (yaml-rs + positions on demand) gives exactly what the full reader gives.

Every comparison reads the same input both ways: with the fast path, and with it switched off
(``KAMPLAN_FAST_PATH=0``, here ``loader.FAST_PATH``). Results are the diagnostics (with positions)
and the validated plan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import ROOT, SHARED, VALID_PLAN, field_paths

from kamplan.parse.fast import TextLocator, read_fast
from kamplan.parse.fragments import read_lines
from kamplan.parse.locate import Locator
from kamplan.parse.reader import YamlReadError, read_text
from kamplan.read import sources as loader

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import make_plan

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def both_ways(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    out = []
    for fast in (True, False):
        monkeypatch.setattr(loader, "FAST_PATH", fast)
        source = loader.read_plan_source(path)
        plan = loader.validate_source(source)
        out.append(([d.to_row() for d in source.diagnostics], plan.model_dump(mode="json") if plan else None))
    return out[0], out[1]


def assert_same_positions(text: str) -> bool:
    """If the fast path takes ``text``, every position it gives is the full reader's; True if it took it."""
    fast = read_fast(text, "f.yaml")
    if fast is None:
        return False
    data, locator = fast
    full = Locator.from_document(read_text(text, "f.yaml"), "f.yaml")
    for path in field_paths(data):
        probes = [path, (*path, "missing"), (*path, 10_000)]
        for probe in probes:
            for key in (False, True):
                assert locator.locate(probe, key=key) == full.locate(probe, key=key), (probe, key)
    return True


def plan_texts() -> list[str]:
    texts = [VALID_PLAN]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "account_plans").rglob("*.yaml"))]
    texts += [make_plan(f"gen-{seed}", f"Generated {seed}", 60, seed=seed) for seed in range(4)]
    texts += [make_plan(f"exp-{seed}", f"Exported {seed}", 60, seed=seed, profile="exported") for seed in range(2)]
    texts.append(FLOW_ENTRIES)
    return texts


def test_the_near_miss_flow_entries_are_taken_by_the_fast_path():
    assert assert_same_positions(FLOW_ENTRIES)


# One-line flow entries of every near-miss shape (the locator's shortcut for plain ones must agree).
FLOW_ENTRIES = """kamplan: 1
account: {id: flows, name: Flows}
stakeholders:
  - {id: a, name: A}
  - {id: b, name: B, reports_to: a}   # a comment after
  -   {id: c, name: C}
  - {id: d,name: D}
  - {id: e, name: "E e"}
  - {id: f, name: F}
  - {id: i, name: I}\x20

  # between entries

  - {id: k, name: K, roles: [coach]}
  - {id: l, name: l-1, title: 2026-01-01}
relationships:   # with a comment
- {team: jdoe, stakeholder: a, strength: weak}
- {team: jdoe, stakeholder: b, strength: strong, last_contact: 2026-03-04}
"""


# -- positions --------------------------------------------------------------------------------------
def test_positions_match_the_full_reader_on_plans():
    taken = [assert_same_positions(text) for text in plan_texts()]
    assert sum(taken) >= 5  # the demo and generated plans are what the fast path is for
    for text, took in zip(plan_texts(), taken, strict=True):
        assert assert_same_positions(text.replace("\n", "\r\n")) == took  # Windows line ends too


def test_positions_match_on_the_yaml_test_suite():
    cases = sorted((SHARED / "yaml-test-suite" / "data").rglob("in.yaml"))
    assert len(cases) >= 400
    taken = 0
    for case in cases:
        try:
            text = case.read_bytes().decode("utf-8-sig")
            read_text(text)
        except (UnicodeDecodeError, YamlReadError):
            continue  # no full-reader positions to compare with (results are compared both ways below)
        taken += assert_same_positions(text)
    assert taken >= 20


def test_the_fragment_reader_matches_the_full_reader_on_whole_files():
    for text in plan_texts():
        doc = read_lines(enumerate(text.split("\n"), 1))
        if doc is None:
            continue
        full = read_text(text)
        assert doc.positions == full.positions and doc.key_positions == full.key_positions


def test_every_suite_input_gives_the_same_result_both_ways(tmp_path, monkeypatch):
    """Inputs libyaml refuses and yaml-rs reads (multi-line flow keys, empty keys) included."""
    for case in sorted((SHARED / "yaml-test-suite" / "data").rglob("in.yaml")):
        fast, full = both_ways(case, monkeypatch)
        assert fast == full, case
        crlf = tmp_path / "crlf.yaml"
        crlf.write_bytes(case.read_bytes().replace(b"\n", b"\r\n"))
        fast, full = both_ways(crlf, monkeypatch)
        assert fast == full, f"{case} with CRLF line ends"


# -- results ----------------------------------------------------------------------------------------
def test_demo_and_generated_plans_validate_the_same_both_ways(tmp_path, monkeypatch):
    files = sorted((ROOT / "account_plans").glob("*.yaml"))
    for seed in range(3):
        target = tmp_path / f"gen-{seed}.yaml"
        target.write_text(make_plan(f"gen-{seed}", f"Generated {seed}", 80, seed=seed), encoding="utf-8")
        files.append(target)
    for path in files:
        fast, full = both_ways(path, monkeypatch)
        assert fast == full, path


def test_windows_line_ends_are_read_the_fast_way_with_the_same_results(tmp_path, monkeypatch):
    files = []
    for i, text in enumerate(plan_texts()):
        target = tmp_path / f"crlf-{i}.yaml"
        target.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
        files.append(target)
    taken = 0
    for path in files:
        text = path.read_bytes().decode("utf-8")
        taken += read_fast(text, "f", path.read_bytes()) is not None
        fast, full = both_ways(path, monkeypatch)
        assert fast == full, path
    assert taken >= 5


SPELLINGS = ["0123", "007", "08", "1.10", "1.0", "5.", ".5", "+5", "-5", "1e3", "1E3", "1_000", "1__0", "0x1F",
             "0o17", "0b11", ".inf", "-.inf", ".nan", "true", "True", "FALSE", "no", "on", "yes", "~", "null",
             "Null", "", "2026-01-31", "2026-02-30", '"123"', "'0123'", "12 people", "-0", "0", "00", "1_",
             "p00001", "[1, 2]", "{a: 1}", "0x_1F", "0x1__F", "-0x1F", "+0o17", "0B11", "0x", "0xg", "0o8",
             "1__000", "1_", "_1", "1e_3", "1.5_0", "0_7", "09", "-007", "+.5e3", "1e+3", "1.e3", "{: b}", "{? b}",
             "[a, {: b}]", "b*c", "--b", "x #c"]
FIELDS = [
    ("account", "name"),        # text
    ("account", "wallet"),      # number
    ("account", "reviewed"),    # date
    ("account", "region"),      # text
    ("custom", "code"),         # free-form
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_in_every_kind_of_field_gives_the_same_result(tmp_path, monkeypatch, spelling):
    for section, field in FIELDS:
        data = yaml.safe_load(VALID_PLAN)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        marker = "zz-marker-zz"
        if section == "custom":
            text += f"custom:\n  {field}: {marker}\n"
        else:
            data[section][field] = marker
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        path = tmp_path / "acme.yaml"
        path.write_text(text.replace(marker, spelling), encoding="utf-8")
        fast, full = both_ways(path, monkeypatch)
        assert fast == full, (section, field, spelling)


TRICKY = st.sampled_from(["0123", "007", "1.10", "true", "~", "&a x", "*a", "!!str 5", "!x y", "R&D", "Q&A!",
                          "'q'", '"dq"', "x # c", "a: b", "- x", "[a, b]", "{a: 1}", "1_000", "0x10", ".5", "<<",
                          "|\n    block", "héllo", "Ольга", "a\tb", "  ", "x\n  continued"])


@SETTINGS
@given(data=st.data())
def test_mutated_plan_texts_give_the_same_result_both_ways(tmp_path, monkeypatch, data):
    lines = VALID_PLAN.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        line = lines[index]
        if ": " in line:
            head = line.split(": ", 1)[0]
            lines[index] = f"{head}: {data.draw(TRICKY)}"
        elif line.strip():
            lines.insert(index, line[: len(line) - len(line.lstrip())] + "# a comment")
    path = tmp_path / "acme.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, full = both_ways(path, monkeypatch)
    assert fast == full


CONFIGS = [
    "kamplan: 1\n",
    (ROOT / "kamplan.yaml").read_text(encoding="utf-8"),
    "kamplan: 1\nsettngs: {}\n",
    "kamplan: 2\n",
    "kamplan: '1'\n",
    "kamplan: 1\nplugins:\n  meddpicc: {threshold: 007, weight: 0x10}\n",
    "kamplan: 1\npeople:\n  - {id: jdoe, name: Jane Doe, role: kam}\n  - {id: jdoe, name: Again}\n",
    "kamplan: 1\nsettings:\n  today: 2026-02-30\n",
    "kamplan: 1\nsettings: {stale_review_days: many}\n",
]


@pytest.mark.parametrize("text", CONFIGS)
def test_kamplan_yaml_reads_the_same_both_ways(tmp_path, monkeypatch, text):
    path = tmp_path / "kamplan.yaml"
    path.write_text(text, encoding="utf-8")
    results = []
    for fast in (True, False):
        monkeypatch.setattr(loader, "FAST_PATH", fast)
        info = loader.load_config(path)
        results.append((info.config.model_dump(mode="json"), [d.to_row() for d in info.diagnostics]))
    assert results[0] == results[1]


def test_validate_reads_no_file_with_pyyaml_on_the_fast_path(tmp_path):
    folder = tmp_path / "account_plans"
    folder.mkdir()
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    (folder / "a.yaml").write_text(make_plan("a", "A", 20, seed=1), encoding="utf-8")
    code = ("import sys\nfrom kamplan.cli import main\ntry:\n main(['validate', '--no-cache'])\n"
            "except SystemExit:\n pass\n"
            "print(sorted(m for m in ('yaml', 'networkx') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"


@SETTINGS
@given(data=st.data())
def test_structurally_mutated_plans_give_the_same_result_both_ways(tmp_path, monkeypatch, data):
    """Lines deleted, repeated, swapped, indented or dedented: broken layouts included."""
    lines = data.draw(st.sampled_from([VALID_PLAN, make_plan("m", "Mutant", 6, seed=2)])).splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "repeat", "swap", "indent", "dedent", "blank"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif action == "indent":
            lines[i] = " " * data.draw(st.integers(1, 3)) + lines[i]
        elif action == "dedent":
            lines[i] = lines[i][data.draw(st.integers(1, 2)):]
        else:
            lines.insert(i, "")
    path = tmp_path / "acme.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, full = both_ways(path, monkeypatch)
    assert fast == full


# -- the command --------------------------------------------------------------------------------------
def test_validate_prints_the_same_with_and_without_the_fast_path(tmp_path):
    folder = tmp_path / "account_plans"
    folder.mkdir()
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\nsettings:\n  today: 2026-11-01\n", encoding="utf-8")
    for seed in range(45):  # enough for the worker processes
        (folder / f"p{seed}.yaml").write_text(make_plan(f"p{seed}", f"Plan {seed}", 30, seed=seed), encoding="utf-8")
    outputs = []
    for switch in ("1", "0"):
        env = {**os.environ, "KAMPLAN_FAST_PATH": switch}
        done = subprocess.run([sys.executable, "-m", "kamplan.cli", "validate", "--no-cache", "--format", "json"],
                              cwd=tmp_path, env=env, capture_output=True, text=True)
        outputs.append((done.returncode, json.loads(done.stdout)))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][1]) > 45, "generated plans carry warnings, so positions were compared"


def test_a_text_locator_falls_back_to_the_full_reader_when_a_section_is_unusual():
    text = 'kamplan: 1\naccount:\n  id: a\n  name: "two\n    lines"\n'
    data = yaml.safe_load(text)
    locator = TextLocator("f.yaml", text, data)
    full = Locator.from_document(read_text(text, "f.yaml"), "f.yaml")
    assert locator.locate(("account", "name")) == full.locate(("account", "name")) == ("f.yaml", 4, 9)


AWKWARD = list("ab: -\n\t\r\x00\x1f\x7f\x85\xa0\u2028\u2029\ufeff\ufffe\uffffé\u044fЖ\U0001f600")


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(AWKWARD), max_size=40))
def test_the_byte_check_for_refused_characters_agrees_with_the_text_check(text):
    from kamplan.parse.fast import _outside_bytes
    from kamplan.parse.fragments import OUTSIDE

    raw = text.encode("utf-8")
    expected = OUTSIDE.search(raw.decode("utf-8-sig")) is not None
    assert _outside_bytes(raw) == expected
    assert _outside_bytes(raw, raw.decode("utf-8-sig")) == expected


def _indicator_by_regex(text):
    """The definition of an indicator starting a node, as one regular expression (slow, but plain to read)."""
    import re

    return re.search(r"(?:\A|[\n\[{,]) *[&*!?]|[:\-] +[&*!?]", text) is not None


@SETTINGS
@given(text=st.text(alphabet=st.sampled_from(list("ab &*!?\n[{,:-")), max_size=30))
def test_the_indicator_scan_agrees_with_its_definition(text):
    from kamplan.parse.fast import _indicator_starts_a_value

    assert _indicator_starts_a_value(text) == _indicator_by_regex(text)


# -- folder plans ---------------------------------------------------------------------------------
def folder_plans(tmp_path: Path) -> list[Path]:
    """The demo's folder plan, generated folder plans, and folder plans that collide or lack a header."""
    import shutil

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import _folder_plan

    folders = [ROOT / "account_plans" / "sibtelecom"]
    for seed in range(3):
        folder = tmp_path / f"gen-{seed}"
        _folder_plan(folder, make_plan(f"gen-{seed}", "Gen", 40, seed=seed, profile="handwritten"))
        folders.append(folder)
    broken = tmp_path / "collide"
    shutil.copytree(folders[1], broken)
    (broken / "more.yaml").write_text("account: {id: again}\nstakeholders:\n  - {id: zz, name: Z}\n", encoding="utf-8")
    headless = tmp_path / "headless"
    headless.mkdir()
    (headless / "people.yaml").write_text("stakeholders:\n  - {id: a, name: A}\n", encoding="utf-8")
    wrong = tmp_path / "wrong"
    shutil.copytree(folders[2], wrong)
    (wrong / "people.yaml").write_text((wrong / "people.yaml").read_text().replace("reports_to: p00000",
                                                                                 "reports_to: nobody", 1))
    return [*folders, broken, headless, wrong]


def test_folder_plans_read_the_same_both_ways(tmp_path, monkeypatch):
    taken = 0
    for folder in folder_plans(tmp_path):
        fast, full = both_ways(folder, monkeypatch)
        assert fast == full, folder
        monkeypatch.setattr(loader, "FAST_PATH", True)
        source = loader.read_plan_source(folder)
        if not source.fast:
            continue
        taken += 1
        monkeypatch.setattr(loader, "FAST_PATH", False)
        reference = loader.read_plan_source(folder)
        for path in field_paths(source.data):
            for probe in (path, (*path, "missing"), (*path, 10_000)):
                for key in (False, True):
                    assert source.locator.locate(probe, key=key) == reference.locator.locate(probe, key=key), probe
    assert taken >= 4  # the demo's and the generated folder plans take the fast path


def test_folder_plans_validate_the_same_both_ways(cli, tmp_path, monkeypatch):
    plans = tmp_path / "portfolio" / "account_plans"
    plans.mkdir(parents=True)
    for folder in folder_plans(tmp_path):
        import shutil

        shutil.copytree(folder, plans / folder.name)
    outputs = []
    for fast in (True, False):
        monkeypatch.setattr(loader, "FAST_PATH", fast)
        outputs.append(cli("validate", "--no-cache", "--format", "json", cwd=tmp_path / "portfolio").out)
    assert outputs[0] == outputs[1]
    assert "E306" in outputs[0] and "E104" in outputs[0] and "nobody" in outputs[0]
