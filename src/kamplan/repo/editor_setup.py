"""Editor wiring ``kamplan init`` writes: the JSON Schemas and VS Code's settings and recommendations.

The schemas go to ``.kamplan/schemas/`` (committed, so everyone who clones the repository gets them;
generated, so ``kamplan init`` rewrites them when kamplan's format changed). ``.vscode/settings.json``
maps them to the plans folder's files, folder plans' files and ``kamplan.yaml`` (the YAML extension's
``yaml.schemas``); ``.vscode/extensions.json`` recommends that extension. An existing settings file is
merged key by key, never overwritten; one that is not plain JSON (comments) is left alone and named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kamplan.fileio import write_atomic
from kamplan.plan.json_schema import KINDS, json_schema

SCHEMA_DIR = Path(".kamplan") / "schemas"
YAML_EXTENSION = "redhat.vscode-yaml"


def schema_globs(plans: str) -> dict[str, list[str]]:
    """Which files each schema is for: plan files, any file of a folder plan, kamplan.yaml."""
    folder = plans.strip("/") or "."
    return {"plan": [f"{folder}/*.yaml", f"{folder}/*.yml"],
            "fragment": [f"{folder}/*/*.yaml", f"{folder}/*/*.yml"],
            "config": ["kamplan.yaml"]}


def write_editor_setup(folder: Path, plans: str) -> list[Path]:
    """Write the schemas and the VS Code files in the repository ``folder``.

    Args:
        folder: The repository (where kamplan.yaml is).
        plans: The plans folder, relative to ``folder``.

    Returns:
        The files created or changed.
    """
    written: list[Path] = []
    for kind in KINDS:
        target = folder / SCHEMA_DIR / f"{kind}.schema.json"
        text = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text)
            written.append(target)
    globs = schema_globs(plans)
    schemas = {f"./{(SCHEMA_DIR / f'{kind}.schema.json').as_posix()}": globs[kind] for kind in KINDS}
    written += _merge_json(folder / ".vscode" / "settings.json", {"yaml.schemas": schemas})
    written += _merge_json(folder / ".vscode" / "extensions.json", {"recommendations": [YAML_EXTENSION]})
    return written


def _merge_json(path: Path, wanted: dict[str, Any]) -> list[Path]:
    """Add ``wanted`` to a JSON settings file: dicts merged, lists extended, other values kept as they are."""
    current: Any = {}
    if path.exists():
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            from kamplan.errors import UsageError

            raise UsageError(f"{path} is not plain JSON (comments?): add {json.dumps(wanted)} to it by hand") \
                from None
        if not isinstance(current, dict):
            return []
    merged = dict(current)
    for key, value in wanted.items():
        have = merged.get(key)
        if isinstance(have, dict) and isinstance(value, dict):
            merged[key] = {**have, **{k: v for k, v in value.items() if k not in have}}
        elif isinstance(have, list) and isinstance(value, list):
            merged[key] = have + [v for v in value if v not in have]
        elif have is None:
            merged[key] = value
    if merged == current:
        return []
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    return [path]
