"""What a YAML 1.2 core-schema parser (the one editors' YAML language servers use) delivers for a file.

Plain scalars are resolved by the YAML 1.2 core schema only: ``1_000_000`` stays text, ``0123`` and
``2026`` are numbers, ``2026-11-30`` is text, ``no`` is text. Used to check that the JSON Schemas
accept a plan as an editor sees it, not only as a YAML 1.1 parser does.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style is not None:  # quoted or block scalar: text
        return value
    if _NULL.match(value):
        return None
    if _TRUE.match(value):
        return True
    if _FALSE.match(value):
        return False
    if _INT.match(value):
        return int(value)
    if _OCT.match(value):
        return int(value[2:], 8)
    if _HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return math.inf if not value.startswith("-") else -math.inf
    if _NAN.match(value):
        return None  # JSON has no NaN: nothing in a plan is one
    return value


def _data(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_data(item) for item in node.value]
    return {str(_data(key)): _data(value) for key, value in node.value}


def load_core(text: str) -> Any:
    """The data of one YAML document as a YAML 1.2 core-schema parser delivers it."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return None if node is None else _data(node)
