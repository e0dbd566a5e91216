"""The CLI's tables (kamplan.cli.text_table): columns fit the width, every line is as wide as the
others in terminal cells (Cyrillic one a letter, CJK two), wrapping keeps every word in order."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from kamplan.cli.text_table import _body, _row, column_widths, render, wrapped

ROOT = Path(__file__).resolve().parent.parent


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def test_a_table_that_fits_has_each_column_as_wide_as_its_widest_cell():
    text = render("Title", ["account", "value"], [["acme", "1,000 EUR"], ["globex-holdings", "5 EUR"]], 160,
                  right=(1,))
    assert lines_of(text) == [
        "             Title",
        "┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┓",
        "┃ account         ┃     value ┃",
        "┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━┩",
        "│ acme            │ 1,000 EUR │",
        "│ globex-holdings │     5 EUR │",
        "└─────────────────┴───────────┘",
    ]


def test_a_wide_column_wraps_at_spaces_and_the_table_keeps_to_the_width():
    why = "supporters there we do not know yet: Анна Смирнова (Chief Officer, Group Finance, supporter)"
    text = render("", ["account", "why"], [["acme", why]], 40)
    lines = lines_of(text)
    assert all(cell_len(line) == 40 for line in lines)
    cells = [line.split("│")[2].strip() for line in lines[3:-1]]
    assert " ".join(cells) == why and len(cells) > 2


def test_east_asian_text_takes_two_cells_a_character_and_the_borders_stay_aligned():
    text = render("", ["name", "title"], [["山田太郎", "営業部長 兼 アジア太平洋地域 統括責任者"], ["Jo", "CFO"]], 30)
    widths = {cell_len(line) for line in lines_of(text)}
    assert widths == {30}
    assert "山田太郎" in text


def test_a_word_longer_than_its_column_is_cut_not_lost():
    url = "https://example.com/" + "x" * 80
    assert "".join(wrapped(url, 30)) == url and all(cell_len(line) <= 30 for line in wrapped(url, 30))
    text = render("", ["a", "b"], [["note", url]], 50)
    assert all(cell_len(line) <= 50 for line in lines_of(text))


def test_narrowing_takes_from_the_widest_column_first():
    rows = [["id", "short", "a much longer text " * 4]]
    widths = column_widths(rows, 40)
    assert widths[0] == 2 and widths[1] == 5 and sum(widths) == 40


def test_no_rows_gives_the_header_and_ascii_borders_when_asked():
    assert lines_of(render("", ["a", "b"], [], 80, ascii_only=True)) == [
        "+---+---+", "| a | b |", "+---+---+", "+---+---+"]


def test_styled_output_bolds_the_header_and_pads_outside_the_escapes():
    text = render("T", ["ab"], [["x"]], 80, styled=True)
    assert "\x1b[1mab\x1b[0m" in text and "\x1b[3m" in text


words = st.text(alphabet=st.sampled_from("abcdefghijАБВГДЖ山田"), min_size=1, max_size=14)
cells = st.lists(words, min_size=0, max_size=8).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=6), st.integers(3 * n + 1 + n, 120))))
def test_every_line_has_one_width_within_the_limit_and_every_cell_keeps_its_text(case):
    rows, width = case
    columns = [f"c{i}" for i in range(len(rows[0]))]
    lines = lines_of(render("", columns, rows, width))
    widths = column_widths([columns, *rows], width - 3 * len(columns) - 1)
    wide = [max(cell_len(char) for cell in column for char in cell or " ")
            for column in zip(columns, *rows, strict=True)]
    assert len({cell_len(line) for line in lines}) == 1
    assert cell_len(lines[0]) <= max(width, sum(wide) + 3 * len(columns) + 1)  # wider only for a 2-cell character
    # the column-at-a-time path for plain rows draws what the row-at-a-time path draws
    assert _body(rows, widths, "│││", {0}) == [line for row in rows for line in _row(row, widths, "│││", {0}, "")]
    for row in rows:  # each cell's lines, read back from the drawn row, hold its text in order
        drawn = [line.split("│")[1:-1] for line in _row(row, widths, "│││", (), "")]
        for i, cell in enumerate(row):
            assert all(cell_len(line[i]) == widths[i] + 2 for line in drawn)
            assert "".join(line[i] for line in drawn).replace(" ", "") == cell.replace(" ", "")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abcxyzАБВ -,"), min_size=0, max_size=25), min_size=1,
                max_size=4).map("\n".join), st.integers(1, 30))
def test_the_pattern_that_wraps_plain_text_gives_the_lines_the_word_loop_gives(text, width):
    # cell_len measures these characters as len does, but makes wrapped() take its word-by-word loop
    assert wrapped(text, width) == wrapped(text, width, cell_len)


def test_the_cli_prints_a_table_an_ascii_output_can_encode(tmp_path):
    """On an output that cannot encode Cyrillic, the names become "?" and the borders ASCII: no traceback."""
    root = tmp_path / "demo"
    shutil.copytree(ROOT / "account_plans", root / "account_plans")
    shutil.copy(ROOT / "kamplan.yaml", root / "kamplan.yaml")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "kamplan", "recommend", "account_plans/sibtelecom"], cwd=root,
                          env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("ascii")
    assert text.splitlines()[1].startswith("+--") and "sibtelecom" in text and "?" in text


def test_the_recommend_table_shows_each_record_of_the_json_in_order(cli, tmp_path):
    root = tmp_path / "demo"
    shutil.copytree(ROOT / "account_plans", root / "account_plans")
    shutil.copy(ROOT / "kamplan.yaml", root / "kamplan.yaml")
    records = json.loads(cli("recommend", "--format", "json", cwd=root).out)
    table = cli("recommend", cwd=root).out
    accounts = [line.split("│")[2].strip() for line in table.splitlines()[4:-1] if line.split("│")[2].strip()]
    assert accounts == [r["account"] for r in records] and len(records) > 10
    for record in records:  # the value of each, right-aligned in its column
        if record["value"]:
            assert f"{record['value']:,.0f} {record['currency']}" in table
