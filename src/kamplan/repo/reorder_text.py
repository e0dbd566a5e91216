"""Canonical order by moving text: only what is out of order is rewritten.

``fmt`` of a big plan through the round-trip writer alone costs hundreds of times a bare parse. Here
the plan is read on the fast path (:mod:`kamplan.parse.fast`); a plan already in canonical order is
left as it is without any round trip, top-level sections out of order are moved as whole blocks of
text (each with the comments and blank lines that follow it, as the round-trip writer attaches them),
and only a section, or a single list entry, whose own fields are out of order goes through the
round-trip writer, inside a one-section document so that its indentation and comments are those of
the whole file. Everything else keeps its bytes.
"""

from __future__ import annotations

import re
from typing import Any

from kamplan.parse.fast import TextLocator, read_fast
from kamplan.plan.canonical_order import ORDER

# A round trip of a document through the writer: (text, model name) -> text.
RoundTrip = Any

_TRAILING = re.compile(r"(?:\n(?:[ \t]*(?:#[^\n]*)?))*\n?\Z")


def wanted_order(keys: list[Any], order: list[str]) -> list[Any]:
    """``keys`` in ``order`` (unknown keys after, as they were), as the round-trip writer sorts them."""
    rank = {k: i for i, k in enumerate(order)}
    position = {k: i for i, k in enumerate(keys)}
    return sorted(keys, key=lambda k: (rank.get(str(k), len(order)), position[k]))


_IN_ORDER: dict[tuple[str, tuple[Any, ...]], bool] = {}  # (model, keys) -> in canonical order


def in_order(model: str, keys: tuple[Any, ...]) -> bool:
    """Whether keys are in the canonical order of ``model`` (a big plan repeats the same few key lists)."""
    known = _IN_ORDER.get((model, keys))
    if known is None:
        known = _IN_ORDER[(model, keys)] = wanted_order(list(keys), ORDER[model][0]) == list(keys)
    return known


def needs_reorder(node: Any, model: str) -> bool:
    """Whether ``node`` (a mapping or a list of entries) or anything in it is out of ``model``'s canonical order."""
    stack = [(node, model)]
    while stack:
        current, name = stack.pop()
        if isinstance(current, list):
            stack.extend((item, name) for item in current)
            continue
        if not isinstance(current, dict):
            continue
        if not in_order(name, tuple(current)):
            return True
        for key, inner in ORDER[name][1].items():
            value = current.get(key)
            if value is not None:
                stack.append((value, inner))
    return False


def reorder_fast(text: str, file: str, raw: bytes, model: str, round_trip: RoundTrip) -> str | None:
    """``text`` in canonical order, or None when it is not of the simple layout this works on.

    Args:
        text: The file's text.
        file: Its name in diagnostics.
        raw: Its bytes.
        model: The name of the model whose order is canonical (``Plan`` or ``PortfolioConfig``).
        round_trip: ``(text, model name) -> text``: the round-trip writer, for the fragments that need it.
    """
    fast = read_fast(text, file, raw)
    if fast is None:
        return None
    data, locator = fast
    assert isinstance(locator, TextLocator)
    sections = locator.sections()
    if sections is None or not sections:
        return None
    keys = list(sections)
    order_of, nested = ORDER[model]
    blocks: dict[str, str] = {}
    for key, (_, start, end) in sections.items():
        block = text[start:end]
        inner = nested.get(key)
        if inner is not None and needs_reorder(data[key], inner):
            block = _reorder_section(text, locator, key, (start, end), data[key], (model, inner), round_trip)
        blocks[key] = block
    order = wanted_order(keys, order_of)
    head = text[: sections[keys[0]][1]]
    if order == keys:
        return head + "".join(blocks[k] for k in keys)
    last = blocks[keys[-1]]
    trailing = _TRAILING.search(last)
    tail = last[trailing.start():] if trailing else ""
    blocks[keys[-1]] = last[: len(last) - len(tail)] + "\n"
    moved = "".join(blocks[k] if blocks[k].endswith("\n") else blocks[k] + "\n" for k in order)
    return head + moved[:-1] + (tail if tail else "\n" if text.endswith("\n") else "")


def _reorder_section(text: str, locator: TextLocator, key: str, span: tuple[int, int], value: Any,
                     models: tuple[str, str], round_trip: RoundTrip) -> str:
    """The section's text with its out-of-order parts rewritten (per entry where it is a block list)."""
    start, end = span
    model, inner = models
    entries = locator.section_entries(key) if isinstance(value, list) else None
    newline = text.find("\n", start, end)
    key_end = newline + 1 if newline >= 0 else end
    if entries is None or len(entries) != len(value):
        return _through_writer(text[start:end], model, round_trip, header=False)
    offsets = [offset for _, offset in entries] + [end]
    out = [text[start:offsets[0]]]
    for i, item in enumerate(value):
        entry = text[offsets[i]:offsets[i + 1]]
        if needs_reorder(item, inner):
            entry = _through_writer(text[start:key_end] + entry, model, round_trip, header=True)
        out.append(entry)
    return "".join(out)


def _through_writer(fragment: str, model: str, round_trip: RoundTrip, *, header: bool) -> str:
    """A one-section document through the round-trip writer (without its key line when ``header``)."""
    ended = fragment if fragment.endswith("\n") else fragment + "\n"
    written = round_trip(ended, model)
    if header:
        written = written.split("\n", 1)[1]
    return written if fragment.endswith("\n") else written.removesuffix("\n")
