"""Numbers and text at their limits: positioned errors, plain messages, YAML 1.2 meaning, linear time.

Each case reproduces an attack on the previous main (an ARR of 10^20 accepted, Python's int-digits
message with its sys.set_int_max_str_digits() advice, 200 levels of flow nesting accepted on the fast
path, NEL read as a line break), and every case is read both ways: the fast path and the full reader
must agree on every diagnostic and every value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.test_fast_path import both_ways

HEAD = "kamplan: 1\naccount: {id: x, name: X}\n"
CASES = {
    "money_beyond_1e15": (HEAD.replace("name: X}", "name: X, wallet: 10000000000000001}")
                          + "revenue:\n  - {period: 2026, arr: 99999999999999999999}\n",
                          [("E205", 2, "wallet: 10000000000000001 is beyond 10^15"),
                           ("E205", 4, "arr: 99999999999999999999 is beyond 10^15")]),
    "money_at_1e15_is_fine": (HEAD + "revenue:\n  - {period: 2026, arr: 1_000_000_000_000_000}\n", []),
    "digits_over_the_limit": (HEAD + "custom: {n: " + "9" * 5000 + "}\n",
                              [("E205", 3, "a number of 5,000 digits is too long to read (the limit is 4,300")]),
    "flow_nesting": (HEAD + "custom: {x: " + "[" * 200 + "]" * 200 + "}\n",
                     [("E110", 3, "nesting is deeper than 64 levels")]),
    "entry_flow_nesting": (HEAD + "stakeholders:\n  - {id: p, name: P, custom: {x: " + "[" * 70 + "]" * 70 + "}}\n",
                           [("E110", 4, "nesting is deeper than 64 levels")]),
    "nesting_at_the_limit_is_fine": (HEAD + "custom: {x: " + "[" * 62 + "]" * 62 + "}\n", []),
    "a_note_of_brackets": (HEAD + "stakeholders:\n  - id: p\n    name: P\n    notes: " + "[" * 100_000 + "\n",
                           [("E110", 6, "nesting is deeper than 64 levels")]),
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_limits_are_positioned_errors_and_both_readers_agree(name, tmp_path, monkeypatch):
    text, expected = CASES[name]
    fast, full = both_ways(_write(tmp_path, text), monkeypatch)
    assert fast == full
    errors = [row for row in full[0] if row[3] == "error"]
    assert [(row[4], row[1]) for row in errors] == [(code, line) for code, line, _ in expected]
    for row, (_, _, message) in zip(errors, expected, strict=True):
        assert message in row[5] and "sys.set_int_max_str_digits" not in row[5]
        assert row[2] >= 1  # positions are 1-based


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_nel_ls_and_ps_are_text_as_in_yaml_1_2(char, tmp_path, monkeypatch):
    text = HEAD.replace("name: X}", f'name: "A{char}B"}}') + f"stakeholders:\n  - {{id: p, name: P{char}Q, title: T}}\n"
    fast, full = both_ways(_write(tmp_path, text), monkeypatch)
    assert fast == full
    plan = full[1]
    assert plan["account"]["name"] == f"A{char}B" and plan["stakeholders"][0]["name"] == f"P{char}Q"
    assert plan["stakeholders"][0]["title"] == "T"


@pytest.mark.parametrize("note", ["[" * 100_000, '"' + "[" * 100_000 + '"', "x" + " :" * 50_000, "x" + "{" * 100_000,
                                  "- " * 50_000, "'" + "''" * 50_000 + "'"])
def test_a_100_kb_pathological_value_is_read_and_formatted(note, cli, small_portfolio_dir):
    """Each reads in linear time (benchmarks/pathological.py measures it against the bare parse)."""
    plan = small_portfolio_dir / "account_plans" / "alpha.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + f"custom:\n  note: {note}\n", encoding="utf-8")
    result = cli("validate", "--no-cache", str(plan), cwd=small_portfolio_dir)
    assert result.code in (0, 1) and "internal error" not in result.err
    assert cli("fmt", "--check", str(plan), cwd=small_portfolio_dir).code in (0, 1)


@pytest.mark.parametrize("name", ["\U0010fffb", "\x85    ", "P\u2028Q"])
def test_fmt_keeps_line_separator_characters_and_their_stand_ins(name):
    """The round trip carries NEL, LS and PS as private-use stand-ins: the stand-ins themselves survive too."""
    from kamplan.parse.reader import read_text
    from kamplan.repo.fmt import format_text

    text = f'kamplan: 1\nstakeholders:\n  - id: a\n    name: "{name}"\naccount: {{id: x, name: X}}\n'
    assert read_text(format_text(text), "b").data == read_text(text, "a").data
