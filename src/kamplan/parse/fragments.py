"""The fragment reader: positions for the plain block-style YAML that plans are written in.

Plans are block mappings and sequences of single-line scalars and one-line flow collections. For
text inside that subset this reader gives exactly what :mod:`kamplan.parse.reader` gives (same data,
same value types, same positions), line by line with regular expressions instead of libyaml's
event stream. The fast path (:mod:`kamplan.parse.fast`) uses it on *fragments*: a top-level section
or a single list entry, with their line numbers in the file, to answer where a finding is written
without reading the whole file with positions. (On whole files it is no faster than the full
reader, so it is not used that way.)

It never decides anything about text outside the subset: on the first construct it does not know
(a tag, an anchor, a block scalar, a multi-line or escaped string, a duplicate key, an indentation
it cannot place, a character libyaml would refuse...) it gives up and returns ``None``, and the
caller falls back to the full reader. ``tests/test_fast_path.py`` compares its positions with the
full reader's on the YAML test suite, the demo plans and generated plans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from kamplan.parse.reader import MAX_DEPTH, Plain, YamlDocument

__all__ = ["OUTSIDE", "read_lines"]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# Characters libyaml refuses or counts as line breaks (NEL, LS, PS), tabs, CR and a BOM after the
# start: any of them sends the file to the full reader.
OUTSIDE = re.compile("[^\n -~\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A block mapping key: plain, no ':' or '#' inside, not starting with an indicator.
_KEY = re.compile(r"([^\s\-?:,\[\]{}#&*!|>'\"%@`][^:#]*?) *:(?: +|$)")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
# Inside one-line flow collections.
_FLOW_PLAIN = re.compile(r"[^\s,\[\]{}#&*!|>'\"%@`?:\-][^,\[\]{}#]*")
_FLOW_KEY = re.compile(r"([^\s,\[\]{}#&*!|>'\"%@`?:\-][^,\[\]{}#:]*?) *: +")


class _Outside(Exception):
    """The text uses YAML the fast reader does not handle; read it with the full reader."""


def read_lines(lines: Iterable[tuple[int, str]]) -> YamlDocument | None:
    """Read numbered lines (a fragment of a file: a top-level key and some of its lines).

    The lines keep their numbers in the file and their columns, so the positions are the file's.
    The caller checks :data:`OUTSIDE` on the whole text first.
    """
    try:
        return _Reader().read(lines)
    except _Outside:
        return None


class _Reader:
    __slots__ = ("key_positions", "positions")

    def __init__(self) -> None:
        self.positions: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.key_positions: dict[tuple[Any, ...], tuple[int, int]] = {}

    def read(self, lines: Iterable[tuple[int, str]]) -> YamlDocument:
        positions, key_positions = self.positions, self.key_positions
        key_match, inline = _KEY.match, self.inline
        root: dict[str, Any] | None = None
        # Open block collections, innermost last: [indent, is_map, obj, path].
        stack: list[list[Any]] = []
        pending: tuple[int, dict[str, Any], str, tuple[Any, ...], tuple[int, int], int] | None = None
        limit = -1  # after a complete value, deeper lines would continue a scalar: not handled here
        for lineno, line in lines:
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            indent = len(line) - len(content)
            if indent == 0 and (content[0] == "%" or content.startswith(("---", "..."))):
                raise _Outside
            dash = content[0] == "-" and (len(content) == 1 or content[1] == " ")
            if root is None:
                if dash or indent:
                    raise _Outside
                root = {}
                stack.append([0, True, root, ()])
                positions[()] = (lineno, 1)
            elif pending is not None:
                key_indent, owner, key, path, key_pos, colon = pending
                pending = None
                if (dash and indent >= key_indent) or indent > key_indent:
                    if len(stack) >= MAX_DEPTH - 1:
                        raise _Outside
                    child: Any = [] if dash else {}
                    owner[key] = child
                    positions[path] = (lineno, indent + 1)
                    key_positions[path] = key_pos
                    stack.append([indent, not dash, child, path])
                else:
                    owner[key] = None
                    positions[path] = (key_pos[0], colon + 2)
                    key_positions[path] = key_pos
            elif indent > limit >= 0:
                raise _Outside
            top = stack[-1]
            while top[0] > indent or (top[0] == indent and not top[1] and not dash):
                stack.pop()
                if not stack:
                    raise _Outside
                top = stack[-1]
            if top[0] != indent:
                raise _Outside
            if dash:
                if top[1]:
                    raise _Outside
                items: list[Any] = top[2]
                rest = content[1:].lstrip(" ")
                if not rest or rest[0] == "#" or (rest[0] == "-" and (len(rest) == 1 or rest[1] == " ")):
                    raise _Outside
                col = indent + len(content) - len(rest)
                path = (*top[3], len(items))
                found = key_match(rest)
                if found is None:
                    items.append(inline(rest, lineno, col, path))
                    limit = indent
                    continue
                if len(stack) >= MAX_DEPTH - 1:
                    raise _Outside
                mapping: dict[str, Any] = {}
                items.append(mapping)
                positions[path] = (lineno, col + 1)
                top = [col, True, mapping, path]
                stack.append(top)
                indent = col
            else:
                found = key_match(content)
                if found is None or not top[1]:
                    raise _Outside
                rest = content
                col = indent
            # a key line (or the first key of a sequence item's mapping)
            key = found.group(1)
            mapping = top[2]
            if key in mapping or len(key) > 1000:
                raise _Outside
            path = (*top[3], key)
            key_pos = (lineno, col + 1)
            value_text = rest[found.end() :]
            if not value_text or value_text[0] == "#":
                mapping[key] = None  # placeholder keeps key order; the value is decided by the next line
                pending = (indent, mapping, key, path, key_pos, col + found.end(1) + _colon_gap(rest, found))
                limit = -1
                continue
            value_col = col + found.end()
            key_positions[path] = key_pos
            mapping[key] = inline(value_text, lineno, value_col, path)
            limit = indent
        if root is None:
            raise _Outside
        if pending is not None:
            _, owner, key, path, key_pos, colon = pending
            owner[key] = None
            positions[path] = (key_pos[0], colon + 2)
            key_positions[path] = key_pos
        return YamlDocument(data=root, positions=positions, key_positions=key_positions)

    def inline(self, text: str, lineno: int, col: int, path: tuple[Any, ...]) -> Any:
        """A value that starts and ends on this line: a scalar or a one-line flow collection."""
        first = text[0]
        self.positions[path] = (lineno, col + 1)
        if first == "[" or first == "{":
            value, end = self.flow(text, 0, lineno, col, path)
            _only_comment(text, end)
            return value
        value, end = _scalar(text, 0, block=True)
        _only_comment(text, end)
        return value

    def flow(self, text: str, start: int, lineno: int, col: int, path: tuple[Any, ...]) -> tuple[Any, int]:
        """A one-line flow sequence or mapping of scalars; returns it and the index after it."""
        is_map = text[start] == "{"
        close = "}" if is_map else "]"
        result: Any = {} if is_map else []
        positions, key_positions = self.positions, self.key_positions
        index = _after_spaces(text, start + 1)
        if index < len(text) and text[index] == close:
            return result, index + 1
        while True:
            if index >= len(text):
                raise _Outside
            if is_map:
                found = _FLOW_KEY.match(text, index)
                if found is None:
                    raise _Outside
                key = found.group(1)
                if key in result:
                    raise _Outside
                child = (*path, key)
                key_positions[child] = (lineno, col + index + 1)
                index = found.end()
            else:
                child = (*path, len(result))
            if index >= len(text) or text[index] in "]},":
                raise _Outside
            positions[child] = (lineno, col + index + 1)
            if text[index] in "[{":
                if len(child) >= MAX_DEPTH - 1:
                    raise _Outside
                value, index = self.flow(text, index, lineno, col, child)
            else:
                value, index = _scalar(text, index, block=False)
            if is_map:
                result[key] = value
            else:
                result.append(value)
            index = _after_spaces(text, index)
            if index >= len(text):
                raise _Outside
            mark = text[index]
            if mark == close:
                return result, index + 1
            if mark != ",":
                raise _Outside
            index = _after_spaces(text, index + 1)
            if index < len(text) and text[index] in ",]}":
                raise _Outside  # an empty entry or a trailing comma: leave the subtleties to the full reader


def _after_spaces(text: str, index: int) -> int:
    while index < len(text) and text[index] == " ":
        index += 1
    return index


def _colon_gap(rest: str, found: re.Match[str]) -> int:
    """Spaces between the end of a key and its colon (``key :``)."""
    return rest.index(":", found.end(1)) - found.end(1)


def _scalar(text: str, index: int, *, block: bool) -> tuple[Any, int]:
    """One scalar starting at ``index``; returns the value and the index after it."""
    first = text[index]
    if first == '"':
        end = text.find('"', index + 1)
        body = text[index + 1 : end]
        if end < 0 or "\\" in body:
            raise _Outside
        return body, end + 1
    if first == "'":
        found = _SINGLE.match(text, index)
        if found is None:
            raise _Outside
        return found.group(1).replace("''", "'"), found.end()
    if block:
        if first in _PLAIN_START and not (first == "-" and len(text) > index + 1 and text[index + 1] != " "):
            raise _Outside
        cut = text.find(" #", index)
        raw = (text[index:] if cut < 0 else text[index:cut]).rstrip(" ")
        if ": " in raw or raw.endswith(":"):
            raise _Outside
        end = index + len(raw)
    else:
        found = _FLOW_PLAIN.match(text, index)
        if found is None:
            raise _Outside
        raw = found.group().rstrip(" ")
        if ": " in raw or raw.endswith(":") or " #" in raw:
            raise _Outside
        end = index + len(raw)
    return (None if raw in _NULLS else Plain(raw)), end


def _only_comment(text: str, index: int) -> None:
    """After a value only spaces and a comment may follow on its line."""
    rest = text[index:]
    if not rest:
        return
    stripped = rest.lstrip(" ")
    if stripped and (stripped[0] != "#" or len(stripped) == len(rest)):
        raise _Outside
