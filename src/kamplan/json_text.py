"""JSON text as ``json.dumps(value, ensure_ascii=False, indent=2, default=str)`` writes it, faster.

With ``indent`` the json module falls back to its pure-Python encoder: writing the indented outputs
(``kpi``, ``score`` and ``recommend`` as JSON, their pre-rendered blocks) took a tenth of a cold
``recommend`` and half of a warm ``kpi``. Here the layout is written in Python and every scalar by the
C encoder; the text is the same (a property test compares the two on generated values).
"""

from __future__ import annotations

import json
import math
from typing import Any

_string = json.encoder.encode_basestring  # the C encoders: non-ASCII kept, and escaped
_ascii_string = json.encoder.encode_basestring_ascii


def indented(value: Any, pad: str = "\n", *, ensure_ascii: bool = False, sort_keys: bool = False) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2, default=str)`` writes it (or with
    ``ensure_ascii`` and ``sort_keys`` as given).

    Args:
        value: What to write (non-JSON values as their ``str``, tuples as lists).
        pad: What starts each new line: a line end and the indentation the value sits at.
        ensure_ascii: Escape non-ASCII characters, as ``json.dumps`` does by default.
        sort_keys: Write each mapping's keys in order, as ``sort_keys=True`` does.
    """
    out: list[str] = []
    _write(value, pad, out, _ascii_string if ensure_ascii else _string, sort_keys)
    return "".join(out)


def _write(value: Any, pad: str, out: list[str], string: Any, sort_keys: bool) -> None:
    if isinstance(value, str):
        out.append(string(value))
    elif value is None or value is True or value is False or isinstance(value, int | float):
        out.append(_scalar(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        out.append("{")
        for index, (key, item) in enumerate(sorted(value.items()) if sort_keys else value.items()):
            out.append(("," if index else "") + inner + string(_key(key)) + ": ")
            _write(item, inner, out, string, sort_keys)
        out.append(pad + "}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        out.append("[")
        for index, item in enumerate(value):
            out.append(("," if index else "") + inner)
            _write(item, inner, out, string, sort_keys)
        out.append(pad + "]")
    else:
        _write(str(value), pad, out, string, sort_keys)  # default=str


def _scalar(value: Any) -> str:
    """None, a bool or a number as json writes it (``float.__repr__``, NaN and the infinities named)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (math.inf, -math.inf):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    return int.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as json writes it (strings as they are; numbers, booleans and None as their JSON text)."""
    if isinstance(key, str):
        return key
    if key is None or key is True or key is False or isinstance(key, int | float):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
