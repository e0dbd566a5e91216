"""Small edits of a plan file's text that change only the lines they are about.

The browser editor (``serve --edit``) sets a field of one entry, adds an entry to a section or
removes one. Each edit finds the exact characters of the nodes it touches (PyYAML's node marks) and
replaces, inserts or deletes only those; every other byte of the file (comments, blank lines, flow
or block style, quoting) stays as it was. A new key goes where the canonical order puts it (so
``fmt --check`` stays quiet), a new entry after the last one of its section, in that section's style.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from kamplan.plan.canonical_order import ORDER

# The model of each section's entries, for the canonical order of their keys.
SECTION_MODELS = {"stakeholders": "Stakeholder", "relationships": "Relationship", "interactions": "Interaction",
                  "influence": "InfluenceTie", "actions": "Action"}
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.@/+-]*( [A-Za-z0-9_.@/+&()-]+)*")
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


class EditError(ValueError):
    """The edit cannot be made on this text (the entry is not there, the file is not a mapping...)."""


def scalar(value: Any) -> str:
    """A value as YAML text: plain where that reads back as the same text, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text  # a date: plain, read back as the date
    if _PLAIN.fullmatch(text) and text.casefold() not in _RESERVED and not re.fullmatch(r"[-+.\d_eE]+", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(value: Any) -> str:
    """A value in flow style: scalars, ``[a, b]`` lists, ``{k: v}`` mappings (in the given key order)."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def _compose(text: str) -> yaml.MappingNode:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise EditError(f"the file is not readable YAML ({exc})") from None
    if not isinstance(node, yaml.MappingNode):
        raise EditError("the file is not a mapping of sections")
    return node


def _get(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _matches(item: yaml.Node, match: Mapping[str, str]) -> bool:
    if not isinstance(item, yaml.MappingNode):
        return False
    for key, wanted in match.items():
        found = _get(item, key)
        if found is None or not isinstance(found[1], yaml.ScalarNode) or found[1].value != wanted:
            return False
    return True


def find_entry(text: str, section: str, match: Mapping[str, str]) -> bool:
    """Whether ``section`` of the file has an entry whose fields match ``match``."""
    return _entry(_compose(text), section, match) is not None


def entry_ids(text: str, section: str) -> list[str]:
    """The ``id`` of each entry of ``section`` in the file."""
    found = _get(_compose(text), section)
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return []
    ids = [_get(item, "id") for item in found[1].value if isinstance(item, yaml.MappingNode)]
    return [pair[1].value for pair in ids if pair is not None and isinstance(pair[1], yaml.ScalarNode)]


def _entry(root: yaml.MappingNode, section: str, match: Mapping[str, str]) -> yaml.MappingNode | None:
    found = _get(root, section)
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return None
    for item in found[1].value:
        if _matches(item, match):
            return item
    return None


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """The index just after the line break ending the line that holds ``index`` (a value ending at a
    line start has ended its line already)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _is_flow(node: yaml.Node) -> bool:
    return bool(getattr(node, "flow_style", False))


def _end(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies at the next token (after any
    comment lines that follow it), so its last scalar's end is taken instead."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not _is_flow(node) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return int(node.end_mark.index)


def set_field(text: str, section: str, match: Mapping[str, str], key: str, value: Any) -> str:
    """Set (or, with ``value`` None or an empty list, remove) ``key`` of the entry of ``section`` matching ``match``.

    Raises:
        EditError: When there is no such entry.
    """
    root = _compose(text)
    entry = _entry(root, section, match)
    if entry is None:
        raise EditError(f"no entry {dict(match)} in {section}")
    found = _get(entry, key)
    empty = value is None or (isinstance(value, (list, tuple)) and not value)
    if found is not None:
        k, v = found
        if empty:
            return _remove_pair(text, entry, k, v)
        return _replace_value(text, v, value)
    if empty:
        return text
    return _insert_pair(text, entry, key, value, SECTION_MODELS.get(section))


def _replace_value(text: str, node: yaml.Node, value: Any) -> str:
    start = node.start_mark.index
    if isinstance(node, yaml.SequenceNode) and not _is_flow(node) and isinstance(value, (list, tuple)):
        dash = _line_start(text, start)
        indent = " " * node.start_mark.column
        lines = "".join(f"{indent}- {flow(v)}\n" for v in value)
        return text[:dash] + lines + text[_line_end(text, _end(node)):]
    return text[:start] + flow(value) + text[_end(node) if not _is_flow(node) else node.end_mark.index:]


def _remove_pair(text: str, entry: yaml.MappingNode, key: yaml.Node, value: yaml.Node) -> str:
    pairs = entry.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is key)
    if _is_flow(entry):
        start = key.start_mark.index
        end = value.end_mark.index
        if index + 1 < len(pairs):  # "k: v, " up to the next key
            end = pairs[index + 1][0].start_mark.index
        elif index > 0:  # the last: from the end of the previous value
            start = pairs[index - 1][1].end_mark.index
        return text[:start] + text[end:]
    if len(pairs) == 1:
        raise EditError("an entry cannot lose its only field")
    start = _line_start(text, key.start_mark.index)
    if text[start:key.start_mark.index].strip(" ") not in ("",):  # "- key: v" starts the entry
        raise EditError(f"{key.value} opens its entry: it cannot be removed here")
    return text[:start] + text[_line_end(text, _end(value)):]


def _insert_pair(text: str, entry: yaml.MappingNode, key: str, value: Any, model: str | None) -> str:
    order = ORDER.get(model or "", ([], {}))[0]
    rank = {name: i for i, name in enumerate(order)}
    after = [i for i, (k, _) in enumerate(entry.value) if rank.get(k.value, len(order)) < rank.get(key, len(order))]
    at = after[-1] if after else None
    pair = f"{key}: {flow(value)}"
    if _is_flow(entry):
        if at is None:  # first: right after "{"
            first = entry.value[0][0].start_mark.index
            return text[:first] + pair + ", " + text[first:]
        end = entry.value[at][1].end_mark.index
        return text[:end] + ", " + pair + text[end:]
    column = entry.value[0][0].start_mark.column
    if at is None:
        raise EditError(f"{key} would come before the entry's first field")
    end = _line_end(text, _end(entry.value[at][1]))
    return text[:end] + " " * column + pair + "\n" + text[end:]


def append_entry(text: str, section: str, entry: Mapping[str, Any]) -> str:
    """Add ``entry`` at the end of ``section`` (the section is added, in canonical place, when missing)."""
    root = _compose(text)
    found = _get(root, section)
    line = flow(entry)
    if found is None or (isinstance(found[1], yaml.ScalarNode) and found[1].value in ("", "~", "null")):
        return _add_section(text, root, section, line, found)
    _, seq = found
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError(f"{section} is not a list")
    if _is_flow(seq):
        if not seq.value:
            return text[:seq.start_mark.index] + f"[{line}]" + text[seq.end_mark.index:]
        end = seq.value[-1].end_mark.index
        return text[:end] + ", " + line + text[end:]
    last = seq.value[-1]
    dash = _line_start(text, last.start_mark.index)
    indent = text[dash:last.start_mark.index]
    prefix = indent[:indent.rfind("-")] if "-" in indent else " " * max(last.start_mark.column - 2, 0)
    end = _line_end(text, _end(last))
    if end == len(text) and not text.endswith("\n"):
        text, end = text + "\n", end + 1
    return text[:end] + f"{prefix}- {line}\n" + text[end:]


def _add_section(text: str, root: yaml.MappingNode, section: str, line: str,
                 empty: tuple[yaml.Node, yaml.Node] | None) -> str:
    block = f"{section}:\n  - {line}\n"
    if empty is not None:  # "section:" with nothing after it
        key, _ = empty
        start = _line_start(text, key.start_mark.index)
        return text[:start] + block + text[_line_end(text, key.start_mark.index):]
    order = ORDER["Plan"][0]
    later = [k for k, _ in root.value if k.value in order and order.index(k.value) > order.index(section)] \
        if section in order else []
    if later:
        start = _line_start(text, later[0].start_mark.index)
        return text[:start] + block + text[start:]
    return (text if text.endswith("\n") or not text else text + "\n") + block


def remove_entry(text: str, section: str, match: Mapping[str, str]) -> str:
    """Remove the entry of ``section`` matching ``match`` (its lines, or its item of a flow list).

    Raises:
        EditError: When there is no such entry.
    """
    root = _compose(text)
    found = _get(root, section)
    seq = found[1] if found is not None else None
    if not isinstance(seq, yaml.SequenceNode):
        raise EditError(f"no {section} in this file")
    items: Sequence[yaml.Node] = seq.value
    index = next((i for i, item in enumerate(items) if _matches(item, match)), None)
    if index is None:
        raise EditError(f"no entry {dict(match)} in {section}")
    item = items[index]
    if _is_flow(seq):
        start, end = item.start_mark.index, item.end_mark.index
        if index + 1 < len(items):
            end = items[index + 1].start_mark.index
        elif index > 0:
            start = items[index - 1].end_mark.index
        return text[:start] + text[end:]
    start = _line_start(text, item.start_mark.index)
    return text[:start] + text[_line_end(text, _end(item)):]
