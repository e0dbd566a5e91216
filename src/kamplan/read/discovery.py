"""Finding plans on disk (light: no pydantic, no networkx, so that cached runs start instantly)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from kamplan.errors import UsageError

CONFIG_NAME = "kamplan.yaml"
DEFAULT_PLANS_DIR = "account_plans"
PLAN_SUFFIXES = (".yaml", ".yml")


def display_name(path: Path) -> str:
    """A path as shown in diagnostics: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def find_config(start: Path) -> Path | None:
    """Walk up from ``start`` (as git finds ``.git``) to the nearest ``kamplan.yaml``."""
    return _config_above(start if start.is_dir() else start.parent)


@cache
def _config_above(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        config = candidate / CONFIG_NAME
        if config.is_file():
            return config
    return None


def files_of_plan(plan: Path) -> list[Path]:
    """The files a plan is made of: the file itself, or a folder plan's YAML files in name order."""
    if plan.is_dir():
        return sorted(f for f in plan.iterdir() if f.is_file() and f.suffix in PLAN_SUFFIXES)
    return [plan]


def config_mapping(config: Path) -> dict[str, Any]:
    """``kamplan.yaml`` read quickly as plain data (empty when unreadable), for the light code paths.

    Memoised per file content stamp, so the plans folder and the pinned date are read with one parse.
    """
    try:
        stat = config.stat()
    except OSError:
        return {}
    return _parsed_config(config, stat.st_size, stat.st_mtime_ns)


@cache
def _parsed_config(config: Path, size: int, mtime_ns: int) -> dict[str, Any]:
    import yaml_rs

    try:
        data = yaml_rs.loads(config.read_text(encoding="utf-8-sig"), parse_datetime=False)
    except (OSError, UnicodeDecodeError, yaml_rs.YAMLDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def configured_plans_dir(config: Path) -> str:
    """The ``plans:`` folder named in ``kamplan.yaml`` (``account_plans`` when absent or unreadable)."""
    value = config_mapping(config).get("plans")
    return value if isinstance(value, str) and value else DEFAULT_PLANS_DIR


def plans_in(folder: Path) -> list[Path]:
    """Plan files and folder plans directly inside a plans folder, sorted by name."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        plan_file = entry.is_file() and entry.name.endswith(PLAN_SUFFIXES)
        if plan_file or (entry.is_dir() and any(f.name.endswith(PLAN_SUFFIXES) for f in os.scandir(entry.path))):
            found.append(folder / entry.name)
    return found


def discover(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand PATH arguments (plan files, folder plans, portfolio roots) into plan paths.

    Raises:
        UsageError: When a path does not exist.
    """
    given = [Path(p) for p in paths] or [Path.cwd()]
    plans: list[Path] = []
    for path in given:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        path = path.resolve()
        if path.is_file():
            plans.append(path)
            continue
        config = path / CONFIG_NAME
        if config.is_file():
            plans += plans_in(path / configured_plans_dir(config))
        elif (path / DEFAULT_PLANS_DIR).is_dir():
            plans += plans_in(path / DEFAULT_PLANS_DIR)
        elif _is_plans_folder(path):
            plans += plans_in(path)
        else:
            plans.append(path)
    unique = list(dict.fromkeys(plans))
    if not unique:
        raise UsageError(f"no plans found in {', '.join(str(p) for p in given)}")
    return unique


def _is_plans_folder(path: Path) -> bool:
    info = find_config(path)
    if info is not None:
        plans_dir = (info.parent / configured_plans_dir(info)).resolve()
        if plans_dir == path:
            return True
    return path.name == DEFAULT_PLANS_DIR


