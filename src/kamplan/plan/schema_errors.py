"""Turn pydantic validation errors into positioned, plan-language diagnostics."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from kamplan.errors import Diagnostic, quote
from kamplan.parse.locate import Locator
from kamplan.parse.reader import Path, format_path
from kamplan.plan.fields import SLUG_PATTERN
from kamplan.plan.model import entry_model

_TYPE_WORDS = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
}
_PATTERN_HINTS = {
    "period": "expected YYYY, YYYY-Qn or YYYY-MM",
    "currency": "expected an ISO 4217 code such as EUR",
}


def describe(value: Any) -> str:
    """Name a YAML value the way a plan author sees it."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return quote(value) if isinstance(value, str) else repr(value) if len(repr(value)) <= 60 else quote(value)[1:-1]


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path, tuple[Any, ...]]:
    """Split a pydantic ``loc`` into the part that exists in the data and the rest."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_list or (isinstance(node, dict) and part in node):
            node = node[part]
        else:
            return tuple(path), loc[i:]
        path.append(part)
    return tuple(path), ()


def _model_at(model: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """Walk model fields along ``path`` to the model that owns its last segment."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = current.model_fields
        field = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if field is None:
            return None
        current = entry_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def schema_diagnostics(
    exc: ValidationError, data: Any, locator: Locator, root_model: type[BaseModel]
) -> list[Diagnostic]:
    """Map every pydantic error of ``exc`` to a diagnostic with file, line, column and path."""
    out: list[Diagnostic] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path, rest = _data_path(data, loc)
        kind = error["type"]
        value = error.get("input")
        field = next((p for p in reversed(loc) if isinstance(p, str)), "value")
        if kind == "extra_forbidden":
            name = str(path[-1]) if path else field
            allowed = _field_names(_model_at(root_model, path[:-1]))
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if allowed:
                hint += f"; allowed: {', '.join(allowed)}"
            code, message, at_key = "E202", f"unknown field {quote(name)}{hint}", True
        elif kind == "missing":
            missing = str(rest[0]) if rest else field
            code, message, at_key = "E203", f"missing required field {missing!r}", False
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            code = "E201"
            message = f"unknown {field} {describe(value)}; expected one of {expected}"
            at_key = False
        elif kind == "id_format":
            code, message, at_key = "E204", error["msg"], False
        elif kind in ("number_type",):
            code, message, at_key = "E200", f"{field}: {error['msg']}", False
        elif kind in ("number_range", "number_too_long"):
            code, message, at_key = "E205", f"{field}: {error['msg']}", False
        elif kind in _TYPE_WORDS:
            code = "E200"
            message = f"{field}: expected {_TYPE_WORDS[kind]}, got {describe(value)}"
            at_key = False
        elif kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") == SLUG_PATTERN:
            code, at_key = "E204", False
            message = f"invalid id {describe(value)}: ids are slugs like 'eu-ops' (a-z, 0-9, '_', '.', '-')"
        elif kind == "string_pattern_mismatch":
            hint = _PATTERN_HINTS.get(field, error["msg"])
            code, message, at_key = "E205", f"invalid {field} {describe(value)}: {hint}", False
        else:
            code, message, at_key = "E205", f"invalid {field} {describe(value)}: {error['msg']}", False
        file, line, column = locator.locate(path, key=at_key)
        full_path = path + tuple(p for p in rest if isinstance(p, str | int))[:1] if kind == "missing" else path
        out.append(Diagnostic(file, line, column, "error", code, message, format_path(full_path)))
    return out
