"""Finding plans on disk (light: no pydantic, no networkx, so that cached runs start instantly)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from kamplan.errors import Diagnostic, PlanError, UsageError, quote

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
    """The ``plans:`` folder named in ``kamplan.yaml`` (``account_plans`` when absent or unreadable).

    A number is a folder name like any text (``plans: 2026`` is the folder ``2026``), as for every
    text field of the format.
    """
    value = config_mapping(config).get("plans")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value if isinstance(value, str) and value else DEFAULT_PLANS_DIR


def plans_folder_problem(config: Path) -> Diagnostic | None:
    """E200 at ``plans:`` in ``kamplan.yaml`` when it names no folder (missing, a file, not text), else None."""
    value = config_mapping(config).get("plans")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
        message = f"plans: expected the name of the plans folder, got {_kind(value)}"
    else:
        folder = config.parent / configured_plans_dir(config)
        if folder.is_dir():
            return None
        shown = quote(str(value))
        message = (f"plans: {shown} is a file, not a folder" if folder.exists()
                   else f"plans: the folder {shown} does not exist (beside kamplan.yaml)")
    line, column = _position_of_plans(config)
    return Diagnostic(display_name(config), line, column, "error", "E200", message, "plans")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value in (None, "") else f"{quote(str(value))}"


def _position_of_plans(config: Path) -> tuple[int, int]:
    from kamplan.parse.locate import Locator
    from kamplan.parse.reader import YamlReadError, read_file

    try:
        doc = read_file(config, display_name(config))
    except YamlReadError:
        return 1, 1
    _, line, column = Locator.from_document(doc, display_name(config)).locate(("plans",))
    return max(line, 1), max(column, 1)


def outside_repository(path: Path) -> tuple[Path, Path] | None:
    """Where ``path`` really is and its repository's root, when a symlink takes it out of the repository.

    The repository is the folder of the nearest ``kamplan.yaml``; a plan (or a file of a folder plan,
    or the plans folder) that resolves elsewhere is refused: a clone must not read files outside itself.
    """
    config = find_config(path if path.is_dir() and not path.is_symlink() else path.parent)
    if config is None:
        return None
    root = _resolved_folder(config.parent)
    if path.name in ("", ".", "..") or path.is_symlink():
        real = path.resolve()
    else:  # not a link itself: where its folder really is, and its name there
        real = _resolved_folder(path.parent) / path.name
    if real == root or root in real.parents:
        return None
    return real, root


# Where each folder really is, while :func:`resolving_folders_once` is in effect (one engine run).
_RESOLVED_FOLDERS: dict[Path, Path] | None = None


def _resolved_folder(folder: Path) -> Path:
    if _RESOLVED_FOLDERS is None:
        return folder.resolve()
    real = _RESOLVED_FOLDERS.get(folder)
    if real is None:
        real = _RESOLVED_FOLDERS[folder] = folder.resolve()
    return real


@contextmanager
def resolving_folders_once() -> Iterator[None]:
    """Resolve each folder's symlinks once while reading a portfolio, not once per plan.

    Only for the length of one run: a long-lived process (``serve``, ``lsp``) sees a folder that
    becomes a link at its next run, so the repository check never trusts an old answer.
    """
    global _RESOLVED_FOLDERS
    outer = _RESOLVED_FOLDERS
    _RESOLVED_FOLDERS = {} if outer is None else outer
    try:
        yield
    finally:
        _RESOLVED_FOLDERS = outer


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
        path = _as_named(path)
        if path.is_file():
            plans.append(path)
            continue
        config = path / CONFIG_NAME
        if config.is_file():
            problem = plans_folder_problem(config)
            if problem is not None:
                raise PlanError([problem])
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


def _as_named(path: Path) -> Path:
    """A PATH argument as an absolute path: resolved, unless a link leads it out of its repository.

    A link is checked, not followed: a path that is a link, or that reaches out of the repository it
    is named in through a linked folder (``account_plans/alpha.yaml`` with ``account_plans`` a link
    to elsewhere), is kept as named, so that reading it is refused (E113) instead of reading
    whatever the link points to as a plan of no repository.
    """
    if path.is_symlink():
        return path.absolute()
    real = path.resolve()
    named = Path(os.path.normpath(path.absolute()))
    if real != named and outside_repository(named) is not None:
        return named
    return real


def _is_plans_folder(path: Path) -> bool:
    info = find_config(path)
    if info is not None:
        plans_dir = (info.parent / configured_plans_dir(info)).resolve()
        if plans_dir == path:
            return True
    return path.name == DEFAULT_PLANS_DIR


