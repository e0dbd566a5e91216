"""``fmt`` by moving text gives exactly what the whole-document round trip gives.

The corpus: the demo plans and kamplan.yaml, generated plans of both benchmark profiles (block and
flow style, comments, folder plans), and each of them shuffled: top-level sections reversed, and the
keys of random entries and nested mappings put out of order by the round-trip writer itself.
"""

from __future__ import annotations

import random
import sys

import pytest
from tests.conftest import ROOT

from kamplan.repo.fmt import format_text
from kamplan.repo.reorder_text import reorder_fast
from kamplan.repo.roundtrip import dump_rt, load_rt

sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import make_plan
from run import out_of_order


def fast(text: str, model: str = "Plan") -> str | None:
    return reorder_fast(text, "x.yaml", text.encode(), model, format_text)


def corpus() -> list[tuple[str, str, str]]:
    items: list[tuple[str, str, str]] = [("kamplan.yaml", (ROOT / "kamplan.yaml").read_text(), "PortfolioConfig")]
    for path in sorted((ROOT / "account_plans").rglob("*.yaml")):
        items.append((path.name, path.read_text(encoding="utf-8"), "Plan"))
    for profile in ("handwritten", "exported"):
        for seed in range(2):
            items.append((f"{profile}-{seed}", make_plan(f"acc-{seed}", "Acc", 30, seed, profile=profile), "Plan"))
    return items


def shuffled(text: str, seed: int) -> str:
    """The plan with the keys of random mappings (entries, nested ones) put out of order, comments kept."""
    rng = random.Random(seed)
    data = load_rt(text)

    def walk(node: object) -> None:
        if hasattr(node, "move_to_end") and hasattr(node, "keys"):
            keys = list(node.keys())  # type: ignore[attr-defined]
            if len(keys) > 1 and rng.random() < 0.3:
                rng.shuffle(keys)
                for key in keys:
                    node.move_to_end(key)  # type: ignore[attr-defined]
            for key in list(node.keys()):  # type: ignore[attr-defined]
                walk(node[key])  # type: ignore[index]
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for key in list(data.keys()):
        if key != "custom":
            walk(data[key])
    return dump_rt(data)


CORPUS = corpus()


@pytest.mark.parametrize(("name", "text", "model"), CORPUS, ids=[c[0] for c in CORPUS])
def test_reordering_text_equals_the_whole_round_trip(name, text, model):
    variants = [text, out_of_order(text)]
    if model == "Plan":
        variants += [shuffled(text, seed) for seed in range(3)]
        variants.append(out_of_order(shuffled(text, 9)))
    took = 0
    for variant in variants:
        result = fast(variant, model)
        if result is None:
            continue  # not the simple layout: fmt takes the round trip itself
        took += 1
        assert result == format_text(variant, model)
        assert fast(result, model) == result  # idempotent
    assert took, "the fast path took none of the variants"


def test_a_canonical_plan_keeps_every_byte_without_a_round_trip(monkeypatch):
    text = make_plan("acc", "Acc", 200, 3)

    def refuse(*_: object) -> str:
        raise AssertionError("a canonical plan went through the round-trip writer")

    assert fast(text) == text
    assert reorder_fast(text, "x.yaml", text.encode(), "Plan", refuse) == text


def test_fmt_of_a_canonical_plan_imports_neither_the_models_nor_the_round_trip_writer(tmp_path):
    import subprocess

    plan = tmp_path / "acc.yaml"
    plan.write_text(make_plan("acc", "Acc", 50, 3), encoding="utf-8")
    code = ("import sys\nfrom kamplan.cli import main\ncode = main(['fmt', '--check', sys.argv[1]])\n"
            "print(code, sorted(m for m in ('pydantic', 'ruamel.yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(plan)], capture_output=True, text=True, check=True)
    assert out.stdout.split(None, 1) == ["0", "[]\n"]


def test_fmt_command_on_a_folder_plan_and_on_text_the_fast_path_declines(cli, tmp_path):
    folder = tmp_path / "account_plans" / "acme"
    folder.mkdir(parents=True)
    (folder / "plan.yaml").write_text("account: {name: Acme, id: acme}\nkamplan: 1\n", encoding="utf-8")
    (folder / "people.yaml").write_text("stakeholders:\n  - {name: Ann, id: ann}  # &anchor-like text\n",
                                        encoding="utf-8")
    tagged = tmp_path / "account_plans" / "tagged.yaml"
    tagged.write_text("account: !!map {name: T}\nkamplan: 1\n", encoding="utf-8")
    assert cli("fmt", "--check", tmp_path / "account_plans").code == 1
    assert cli("fmt", tmp_path / "account_plans").code == 0
    assert (folder / "plan.yaml").read_text() == "kamplan: 1\naccount: {id: acme, name: Acme}\n"
    assert (folder / "people.yaml").read_text() == "stakeholders:\n  - {id: ann, name: Ann}  # &anchor-like text\n"
    assert tagged.read_text() == format_text("account: !!map {name: T}\nkamplan: 1\n")
    assert cli("fmt", "--check", tmp_path / "account_plans").code == 0
