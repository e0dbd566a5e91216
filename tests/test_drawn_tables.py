"""Drawn tables kept between runs (kamplan.cli.drawn_tables): never a different output, never a stale one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamplan.cli import drawn_tables
from kamplan.cli.drawn_tables import MOST, drawn, recall, remember, table_key, tables_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def own_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (the session's is shared by every test)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "kamplan" / "tables"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(ROOT / "account_plans", root / "account_plans")
    shutil.copy(ROOT / "kamplan.yaml", root / "kamplan.yaml")
    return root


def test_a_table_is_drawn_once_and_then_printed_as_kept(own_tables):
    calls = []

    def draw() -> str:
        calls.append(1)
        return "┏━ Ольга ━┓\n"

    key = table_key('[{"a": 1}]', "demo", (160, "utf-8", True, False), ())
    assert drawn(key, draw) == "┏━ Ольга ━┓\n" and drawn(key, draw) == "┏━ Ольга ━┓\n"
    assert len(calls) == 1 and tables_dir() == own_tables and len(list(own_tables.iterdir())) == 1


def test_the_key_changes_with_everything_the_drawing_depends_on(tmp_path):
    code = tmp_path / "rows.py"
    code.write_text("x = 1\n", encoding="utf-8")
    base = table_key("[1]", "recommend", (160, "utf-8", True, False), (str(code),))
    assert base == table_key("[1]", "recommend", (160, "utf-8", True, False), (str(code),))
    others = {table_key("[2]", "recommend", (160, "utf-8", True, False), (str(code),)),
              table_key("[1]", "score", (160, "utf-8", True, False), (str(code),)),
              table_key("[1]", "recommend", (80, "utf-8", True, False), (str(code),)),
              table_key("[1]", "recommend", (160, "ascii", False, False), (str(code),)),
              table_key("[1]", "recommend", (160, "utf-8", True, True), (str(code),))}
    code.write_text("x = 22\n", encoding="utf-8")  # the code that makes the rows was edited
    others.add(table_key("[1]", "recommend", (160, "utf-8", True, False), (str(code),)))
    assert base not in others and len(others) == 6


def test_a_forged_or_damaged_table_is_drawn_again(own_tables):
    key = table_key("[1]", "demo", (), ())
    remember(key, "the real table\n")
    path = own_tables / f"{key}.txt"
    signed = path.read_bytes()
    path.write_bytes(signed.replace(b"the real table", b"a forged table"))
    assert recall(key) is None
    assert drawn(key, lambda: "drawn again\n") == "drawn again\n"
    path.write_bytes(b"no signature at all")
    assert recall(key) is None


def test_only_the_most_recently_used_tables_are_kept(own_tables):
    keys = [table_key(f"[{i}]", "demo", (), ()) for i in range(MOST + 3)]
    for index, key in enumerate(keys):
        remember(key, f"table {index}\n")
        os.utime(own_tables / f"{key}.txt", ns=(index * 10**9, index * 10**9))
    remember(table_key("[new]", "demo", (), ()), "newest\n")
    kept = {p.stem for p in own_tables.iterdir()}
    assert len(kept) == MOST and keys[0] not in kept and keys[-1] in kept


def test_an_unwritable_cache_is_not_an_error(own_tables, monkeypatch):
    own_tables.parent.mkdir(parents=True)
    own_tables.write_text("a file where the folder should be", encoding="utf-8")
    key = table_key("[1]", "demo", (), ())
    assert drawn(key, lambda: "drawn\n") == "drawn\n" and recall(key) is None


def test_the_cli_prints_the_same_table_cold_warm_and_after_an_edit(cli, demo, own_tables, monkeypatch):
    fresh = cli("recommend", "--no-cache", cwd=demo).out
    assert not own_tables.exists()  # --no-cache keeps no table either
    cold = cli("recommend", cwd=demo).out
    kept = list(own_tables.iterdir())
    assert len(kept) == 1
    drawing = []
    monkeypatch.setattr(drawn_tables, "remember", lambda key, text: drawing.append(key))
    warm = cli("recommend", cwd=demo).out
    assert cold == fresh == warm and not drawing  # the warm run printed the kept table, drew nothing
    plan = demo / "account_plans" / "meridian-bank.yaml"  # a person its recommendations name
    text = plan.read_text(encoding="utf-8")
    assert "Aisha Kowalska" in cold
    plan.write_text(text.replace("Aisha Kowalska", "Aisha Kowalska-Berg"), encoding="utf-8")
    edited = cli("recommend", cwd=demo).out
    assert "Kowalska-Berg" in edited and edited == cli("recommend", "--no-cache", cwd=demo).out


def test_an_ascii_output_gets_its_own_table(demo, own_tables):
    env = {**os.environ, "XDG_CACHE_HOME": str(own_tables.parent.parent)}
    utf8 = subprocess.run([sys.executable, "-m", "kamplan", "score"], cwd=demo, capture_output=True,
                          env={**env, "PYTHONIOENCODING": "utf-8"})
    ascii_out = subprocess.run([sys.executable, "-m", "kamplan", "score"], cwd=demo, capture_output=True,
                               env={**env, "PYTHONIOENCODING": "ascii"})
    assert utf8.returncode == ascii_out.returncode == 0
    assert "┏" in utf8.stdout.decode("utf-8") and ascii_out.stdout.decode("ascii").splitlines()[1].startswith("+--")
    assert len(list(own_tables.iterdir())) == 2
