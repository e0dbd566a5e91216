"""The docs stay true: every field, rule code and hook is documented."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from kamplan.plan import model
from kamplan.plugins import PluginHost

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_model_field_is_in_the_plan_format_doc():
    text = (DOCS / "plan-format.md").read_text(encoding="utf-8")
    for name in dir(model):
        cls = getattr(model, name)
        if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == model.__name__:
            for field_name, info in cls.model_fields.items():
                assert f"`{info.alias or field_name}`" in text, f"{cls.__name__}.{field_name} undocumented"


def test_every_rule_code_is_in_the_rules_doc():
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    codes = PluginHost(entry_points=False).registry("register_rules")
    for code in codes:
        assert f"| {code} |" in text, f"{code} undocumented"
    for code in [f"E10{i}" for i in range(10)] + ["E110", "E111", "E112", "E306"] + [f"E20{i}" for i in range(6)]:
        assert f"| {code} |" in text


def test_generated_docs_are_up_to_date():
    import subprocess
    import sys

    script = DOCS.parent / "scripts" / "gen_docs.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_cli_reference_names_each_command_once():
    text = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    assert "Usage: kamplan chart [OPTIONS] PLAN" in text and "kamplan kamplan" not in text
