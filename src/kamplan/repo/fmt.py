"""``kamplan fmt``: canonical order of sections and fields, comments and layout kept, idempotent."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamplan.errors import Diagnostic
from kamplan.fileio import write_atomic
from kamplan.parse.fast import FAST_PATH
from kamplan.parse.reader import YamlReadError, decode, load_bytes, read_file
from kamplan.plan.canonical_order import ORDER
from kamplan.read.discovery import discover, display_name, files_of_plan
from kamplan.repo.reorder_text import reorder_fast
from kamplan.repo.text_form import form_of, in_form, plain


def canonicalise(node: Any, model: str) -> bool:
    """Reorder ``node`` (round-trip data; and every nested entry) like ``model``; True when anything moved."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from kamplan.repo.roundtrip import reorder

    if not isinstance(node, CommentedMap):
        return False
    order, nested = ORDER[model]
    changed = reorder(node, order)
    for key, inner in nested.items():
        if key not in node:
            continue
        value = node[key]
        if isinstance(value, CommentedSeq):
            for item in value:
                changed |= canonicalise(item, inner)
        else:
            changed |= canonicalise(value, inner)
    return changed


@dataclass
class FmtResult:
    """What ``fmt`` did: files reformatted (or that would be), unchanged, and problems."""

    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """1 when a file could not be read, or (under ``--check``) would change."""
        return 1 if self.diagnostics else 0


def format_text(text: str, model: str = "Plan") -> str:
    """Return ``text`` in canonical order (comments, blank lines and flow style kept), by a whole round trip.

    Args:
        text: A plan's (or kamplan.yaml's) text.
        model: ``Plan`` or ``PortfolioConfig``.
    """
    from ruamel.yaml.comments import CommentedMap

    from kamplan.repo.roundtrip import dump_rt, load_rt, null_style

    head, body = split_directives(text)
    data = load_rt(body)
    if not isinstance(data, CommentedMap):
        return text
    canonicalise(data, model)
    return head + dump_rt(data, null_style(body), source=body)


def split_directives(text: str) -> tuple[str, str]:
    """``text`` split after its directives and ``---`` (``%YAML 1.1``...), which are kept as written.

    kamplan reads every plan by the YAML 1.2 core rules (``yes`` and ``0755`` are text where a field
    is text), whatever a directive says; the round trip must read it the same way, or it would write
    ``yes`` back as ``true`` and change what the plan says.
    """
    if not text.startswith("%"):
        return "", text
    offset = 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        if line.rstrip() == "---" or line.startswith("--- "):
            if line.startswith("--- "):  # content on the marker line stays in the body
                return text[:offset - len(line)] + "---\n", line[4:] + text[offset:]
            return text[:offset], text[offset:]
    return "", text


def _yaml_error() -> type[Exception]:
    from ruamel.yaml.error import YAMLError

    return YAMLError


def plan_files(paths: list[Path]) -> list[Path]:
    """Every YAML file of the plans under ``paths`` (folder plans expanded)."""
    files: list[Path] = []
    for plan in discover(paths):
        files += files_of_plan(plan)
    return files


def fmt(paths: Sequence[str | os.PathLike[str]] = (), *, check: bool = False) -> FmtResult:
    """Format plans in place (atomically), or with ``check`` only report what would change.

    A file that does not parse is reported and left untouched.
    """
    result = FmtResult()
    for path in plan_files([Path(p) for p in paths]):
        shown = display_name(path)
        model = "PortfolioConfig" if path.name == "kamplan.yaml" else "Plan"
        try:
            raw = load_bytes(path, shown)  # the size limit applies first
            form = form_of(raw)
            original = decode(raw, shown)
            text = plain(original)
            if text != original:
                raw = text.encode("utf-8")
            formatted = reorder_fast(text, shown, raw, model, format_text) if FAST_PATH else None
            if formatted is None:  # not the simple layout: the safe reader's refusals, then a whole round trip
                read_file(path, shown)
                formatted = format_text(text, model)
        except YamlReadError as exc:
            result.diagnostics += exc.diagnostics
            continue
        except _yaml_error() as exc:  # pragma: no cover - the safe reader refuses first
            result.diagnostics.append(Diagnostic(shown, 1, 1, "error", "E100", f"YAML syntax error: {exc}"))
            continue
        if formatted == text:
            result.unchanged.append(path)
            continue
        result.changed.append(path)
        if check:
            result.diagnostics.append(Diagnostic(shown, 1, 1, "error", "F001", "not in canonical format"))
        else:
            write_atomic(path, in_form(formatted, form))
    return result
