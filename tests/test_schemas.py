"""The JSON Schemas accept exactly what kamplan accepts, as editors' parsers deliver it (check-jsonschema).

Every plan kamplan passes (the demo's files, generated plans, every plan text of this test suite, and a
plan of odd but valid spellings) must pass the schema of its kind in two views: as check-jsonschema
reads the YAML itself (ruamel.yaml), and as a YAML 1.2 core parser delivers it (what yaml-language-server
sees: ``1_000_000`` as text, ``0123`` as a number). Each class of mistake the schema can express fails both.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kamplan.read.sources import read_plan_source, validate_source
from yaml12_core import load_core

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CHECK = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")

SPELLINGS = """\
kamplan: 1
account: {name: 0123, id: '2026', currency: EUR, reviewed: 2026-10-01, industry: 1.10, region: no}
units: [{id: 2026, name: Year unit}]
offerings: [{id: core, name: Core, family: 1.5}]
stakeholders:
  - {id: a, name: Ann, title: 007, unit: 2026, attitude: champion}
opportunities:
  - {unit: 2026, offering: core, status: pipeline, arr: 1_000_000, probability: 0.4, close: 2027-01-31}
revenue:
  - {period: 2025, arr: 1_200_000.50}
  - {period: 2026-Q1, arr: 900000}
goals:
  - {id: g1, title: true, metric: arr, target: 1_500_000, due: 2027-06-30}
"""

MUST_FAIL = {
    "unknown field": ("stakeholders:\n  - {id: a, name: Ann, colour: red}\n", "plan"),
    "unknown enum value": ("stakeholders:\n  - {id: a, name: Ann, attitude: friendly}\n", "plan"),
    "id that is not a slug": ("stakeholders:\n  - {id: Ann Smith, name: Ann}\n", "plan"),
    "negative amount": ("revenue:\n  - {period: 2026-Q1, arr: -5}\n", "plan"),
    "amount beyond 10^15": ("revenue:\n  - {period: 2026-Q1, arr: 2000000000000000}\n", "plan"),
    "not a date": ("stakeholders:\n  - {id: a, name: Ann, last_contact_hint: x}\nrelationships:\n"
                   "  - {team: k, stakeholder: a, strength: weak, last_contact: 30.11.2026}\n", "plan"),
    "bad period": ("revenue:\n  - {period: 2026-Q5, arr: 1}\n", "plan"),
    "list where a mapping is expected": ("stakeholders: {a: 1}\n", "plan"),
    "probability above 1": ("opportunities:\n  - {unit: u, offering: o, status: pipeline, probability: 1.5}\n",
                            "plan"),
}
HEADER = "kamplan: 1\naccount: {name: Acme}\n"


def _accepted_by_kamplan(path: Path, text: str) -> bool:
    source = read_plan_source(path, texts={path: text})
    validate_source(source)
    return not [d for d in source.diagnostics if d.severity == "error"]


def _suite_plans() -> list[str]:
    """Every module-level plan text of this test suite (string constants that start a plan)."""
    found = []
    for module in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.parse(module.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str) and node.value.value.startswith("kamplan: 1\naccount:"):
                found.append(node.value.value)
    return found


def _generated_plans() -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import make_plan
    finally:
        sys.path.pop(0)
    return [make_plan(f"acc-{seed}", f"Account {seed}", 60, seed=seed) for seed in (1, 2, 3)]


def _check(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHECK, "--schemafile", str(DOCS / schema), *map(str, files)],
                          capture_output=True, text=True, check=False)


def _both_views(tmp_path: Path, name: str, text: str) -> list[Path]:
    as_yaml = tmp_path / f"{name}.yaml"
    as_yaml.write_text(text, encoding="utf-8")
    as_core = tmp_path / f"{name}.core.json"
    as_core.write_text(json.dumps(load_core(text), ensure_ascii=False), encoding="utf-8")
    return [as_yaml, as_core]


def test_every_plan_kamplan_accepts_passes_the_plan_schema(tmp_path: Path):
    demo = [p for p in sorted((ROOT / "account_plans").glob("*.yaml"))]
    texts = {p.stem: p.read_text(encoding="utf-8") for p in demo}
    texts["sibtelecom-header"] = (ROOT / "account_plans" / "sibtelecom" / "plan.yaml").read_text(encoding="utf-8")
    texts["spellings"] = SPELLINGS
    texts |= {f"generated-{i}": text for i, text in enumerate(_generated_plans())}
    files: list[Path] = []
    for name, text in texts.items():
        assert _accepted_by_kamplan(tmp_path / f"{name}.yaml", text), name
        files += _both_views(tmp_path, name, text)
    # the suite's plans that kamplan accepts (some are broken on purpose, some are templates)
    suite = [t for i, t in enumerate(_suite_plans()) if _accepted_by_kamplan(tmp_path / f"s{i}.yaml", t)]
    assert len(suite) >= 15
    for i, text in enumerate(suite):
        files += _both_views(tmp_path, f"suite-{i}", text)
    result = _check("plan.schema.json", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_folder_plan_files_and_kamplan_yaml_pass_their_schemas(tmp_path: Path):
    fragment = (ROOT / "account_plans" / "sibtelecom" / "stakeholders-regions.yaml").read_text(encoding="utf-8")
    config = (ROOT / "kamplan.yaml").read_text(encoding="utf-8")
    assert _check("fragment.schema.json", _both_views(tmp_path, "fragment", fragment)).returncode == 0
    odd = config.replace("stale_contact_days: 90", "stale_contact_days: 90\n  kpi_thresholds: {nrr_min: 0.9}")
    result = _check("config.schema.json", [*_both_views(tmp_path, "config", config),
                                            *_both_views(tmp_path, "odd", odd)])
    assert result.returncode == 0, result.stdout + result.stderr
    # a fragment is not a plan: without kamplan/account it fails the plan schema, passes its own
    assert _check("plan.schema.json", [tmp_path / "fragment.yaml"]).returncode == 1


@pytest.mark.parametrize("mistake", sorted(MUST_FAIL))
def test_each_mistake_the_schema_can_express_fails_it(tmp_path: Path, mistake: str):
    body, kind = MUST_FAIL[mistake]
    text = HEADER + body
    assert not _accepted_by_kamplan(tmp_path / "plan.yaml", text), "kamplan itself must refuse it"
    for file in _both_views(tmp_path, "bad", text):
        result = _check(f"{kind}.schema.json", [file])
        assert result.returncode == 1, (mistake, file.name, result.stdout)


def test_the_config_schema_refuses_a_bad_setting(tmp_path: Path):
    bad = "kamplan: 1\nsettings: {stale_contact_days: 0, currency: euro}\n"
    for file in _both_views(tmp_path, "config", bad):
        assert _check("config.schema.json", [file]).returncode == 1


def test_schema_kind_on_the_command_line(cli, tmp_path: Path):
    for kind in ("plan", "fragment", "config"):
        out = json.loads(cli("schema", "--kind", kind).out)
        assert out == json.loads((DOCS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert "required" not in json.loads(cli("schema", "--kind", "fragment").out)


def test_init_wires_the_schemas_into_vscode_and_new_plans_pass_them(cli, tmp_path: Path):
    repo = tmp_path / "repo"
    assert cli("init", repo).code == 0
    settings = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"] == {
        "./.kamplan/schemas/plan.schema.json": ["account_plans/*.yaml", "account_plans/*.yml"],
        "./.kamplan/schemas/fragment.schema.json": ["account_plans/*/*.yaml", "account_plans/*/*.yml"],
        "./.kamplan/schemas/config.schema.json": ["kamplan.yaml"]}
    extensions = json.loads((repo / ".vscode" / "extensions.json").read_text(encoding="utf-8"))
    assert extensions == {"recommendations": ["redhat.vscode-yaml"]}
    for kind in ("plan", "fragment", "config"):
        assert (repo / ".kamplan" / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8") == \
            (DOCS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert cli("new", "globex", "--name", "Globex 2026", cwd=repo).code == 0
    schemas = repo / ".kamplan" / "schemas"
    for plan in (repo / "account_plans").glob("*.yaml"):
        views = _both_views(tmp_path, plan.stem, plan.read_text(encoding="utf-8"))
        assert subprocess.run([CHECK, "--schemafile", str(schemas / "plan.schema.json"), *map(str, views)],
                              capture_output=True, check=False).returncode == 0
    config_views = _both_views(tmp_path, "cfg", (repo / "kamplan.yaml").read_text(encoding="utf-8"))
    assert subprocess.run([CHECK, "--schemafile", str(schemas / "config.schema.json"), *map(str, config_views)],
                          capture_output=True, check=False).returncode == 0
    # a second init changes nothing; one's own settings are kept and merged
    (repo / ".vscode" / "settings.json").write_text(json.dumps({"editor.tabSize": 2, "yaml.schemas": {
        "./mine.json": ["x.yaml"]}}), encoding="utf-8")
    assert cli("init", repo).code == 0
    merged = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert merged["editor.tabSize"] == 2 and "./mine.json" in merged["yaml.schemas"]
    assert len(merged["yaml.schemas"]) == 4


def test_init_follows_another_plans_folder(cli, tmp_path: Path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "kamplan.yaml").write_text("kamplan: 1\nplans: clients\n", encoding="utf-8")
    assert cli("init", repo).code == 0
    assert (repo / "clients" / "example.yaml").exists()
    settings = json.loads((repo / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.schemas"]["./.kamplan/schemas/plan.schema.json"] == ["clients/*.yaml", "clients/*.yml"]
