"""The fast way in: yaml-rs reads a plan's data, positions are found only where a diagnostic needs one.

The full reader (:mod:`kamplan.parse.reader`) records a position for every node of every file, which
costs about five times a bare yaml-rs parse; a plan needs positions for its few diagnostics only.
So a plan whose text has the plain block shape plans are written in is read by yaml-rs (a
conforming YAML 1.2 parser written in Rust), and a :class:`TextLocator` finds a position when asked,
by reading just the top-level section or the one list entry that holds it (with
:mod:`kamplan.parse.fragments`, which gives exactly the full reader's positions).

Results never depend on the path taken:

* text where the two parsers could disagree is read the full way: tags, anchors, aliases and complex
  keys, a flow collection left open at the end of a line, characters libyaml refuses or counts as
  line breaks, tabs, a carriage return that does not end a line (Windows line ends are read as
  line ends), and a first line that is not a key;
* yaml-rs resolves plain scalars (``0123`` becomes 123, ``true`` becomes True) where kamplan keeps
  their text; a text field then receives a number and fails validation, a number in ``custom:``
  (whose spelling kamplan keeps) sends the plan back too, and any plan with any problem at all is
  read again the full way (:func:`kamplan.read.sources.validate_source`), so its diagnostics are the full
  reader's; number fields read numbers exactly as yaml-rs does (:func:`kamplan.plan.fields.parse_number`);
* when a section cannot be read by the fragment reader, the locator reads the whole file the full
  way.

``tests/test_fast_path.py`` checks both paths against each other on the YAML test suite, the demo
and benchmark portfolios and generated plans.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from itertools import chain
from typing import Any

from kamplan.parse.fragments import OUTSIDE, read_lines
from kamplan.parse.locate import Locator, Where
from kamplan.parse.reader import MAX_DEPTH, Path, YamlReadError, read_text

log = logging.getLogger(__name__)

# KAMPLAN_FAST_PATH=0 reads every plan the full way (for comparing both ways; results are the same).
FAST_PATH = os.environ.get("KAMPLAN_FAST_PATH", "1") != "0"

# -- what sends a file the full way ---------------------------------------------------------------
# The first thing in the file is a key at column 0 (then the root is that column's mapping).
_FIRST = re.compile(r"(?: *(?:#[^\n]*)?\n)*(?=[^\s\-?:,\[\]{}#&*!|>'\"%@`])")
# ASCII control characters and DEL (tabs and CR included) are found in the UTF-8 bytes by deleting every
# other byte, C1 controls only when their lead byte is there; line and paragraph separators, a BOM after
# the start and the non-characters U+FFFE/U+FFFF are looked for in the text, one character at a time
# (a search for a character wider than any in the string is free, and the others are fast scans).
_PLAIN_BYTES = bytes([10, *range(0x20, 0x7F), *range(0x80, 0x100)])
_RARE_CHARACTERS = "\u2028\u2029\ufeff\ufffe\uffff"
_C1 = re.compile(rb"\xc2[\x80-\x9f]")


def _outside_bytes(raw: bytes, text: str | None = None) -> bool:
    """:data:`kamplan.parse.fragments.OUTSIDE` on the file's UTF-8 bytes (and its text, when given: the
    text the bytes decode to, BOM removed), several times faster than the regular expression on text."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.translate(None, _PLAIN_BYTES):
        return True
    if b"\xc2" in raw and _C1.search(raw) is not None:
        return True
    if text is None:
        text = raw.decode("utf-8")
    return any(character in text for character in _RARE_CHARACTERS)


# A flow collection left open at the end of a line (libyaml and yaml-rs disagree on some of those).
_OPEN_FLOW = re.compile(r"[\[{][^\]}\n]*\n")
_OPEN_FLOW_BYTES = re.compile(rb"[\[{][^\]}\n]*\n")
# Every byte but brackets, braces and line ends: the open-flow check needs only those, and deleting the
# rest (in C) leaves a string a few percent of the file's length to search.
_NOT_FLOW_BYTES = bytes(b for b in range(256) if b not in b"[]{}\n")


def _open_flow(text: str, raw: bytes | None) -> bool:
    """Whether a flow collection is left open at the end of a line (see ``_OPEN_FLOW``)."""
    if raw is None:
        return _OPEN_FLOW.search(text) is not None
    return _OPEN_FLOW_BYTES.search(raw.translate(None, _NOT_FLOW_BYTES)) is not None


def _indicator_starts_a_value(text: str) -> bool:
    """True when a tag (``!``), an anchor (``&``), an alias (``*``) or a complex key (``?``) may start a node.

    Such a character in running text ("R&D", "Great!") is common and harmless; it starts a node
    only right after a line's indentation, ``key:`` + space, ``-`` + space, or ``[``, ``{``, ``,``.
    Each character is looked for with ``str.find`` and only its occurrences are looked at (a regular
    expression scanning the text is several times slower).
    """
    find = text.find
    for indicator in "&*!?":
        found = find(indicator)
        while found >= 0:
            before = found
            while before > 0 and text[before - 1] == " ":
                before -= 1
            previous = text[before - 1] if before > 0 else "\n"
            if previous in "\n[{," or (previous in ":-" and before < found):
                return True
            found = find(indicator, found + 1)
    return False


# -- positions on demand ------------------------------------------------------------------------------
_Table = dict[Path, tuple[int, int]]
# A top-level key (at column 0), and the first one, at the start of the text.
_TOP_KEY = re.compile(r"\n([^\s#\-][^:#\n]*?) *:(?= |\n|$)")
_KEY_LINE = re.compile(r"([^\s#\-][^:#\n]*?) *:(?= |\n|$)")
# The first line with content (not blank, not a comment): its indentation, and a dash if it has one.
_CONTENT = re.compile(r"\n( *)(?:(-)(?= |\n|$)|[^\s#])")


def read_fast(text: str, file: str, raw: bytes | None = None) -> tuple[dict[str, Any], TextLocator] | None:
    """Read ``text`` with yaml-rs if it has the plain shape; ``None`` means: read it the full way.

    Args:
        text: The file's text (decoded, BOM removed).
        file: Name used in positions.
        raw: The file's bytes, when at hand (some checks are faster on bytes).

    Returns:
        The data (as yaml-rs resolves it) and a locator that finds positions on demand.
    """
    if "\r" in text:  # Windows line ends: read as the same lines (a lone CR is a line break too: full way)
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
        raw = raw.replace(b"\r\n", b"\n") if raw is not None else None
    outside = _outside_bytes(raw, text) if raw is not None else OUTSIDE.search(text) is not None
    if outside or not _FIRST.match(text) or _open_flow(text, raw) or _indicator_starts_a_value(text):
        return None
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - yaml-rs is a dependency; without it every file goes the full way
        return None
    try:
        data = yaml_rs.loads(text, parse_datetime=False)
    except Exception:
        return None
    if not isinstance(data, dict) or not data or _free_form_too_deep(data):
        return None  # too deep: the full reader reports E110 where it happens
    return data, TextLocator(file, text, data)


def _free_form_too_deep(data: dict[str, Any]) -> bool:
    """Whether a ``custom`` mapping nests deeper than the full reader allows (its E110).

    Only free-form data can nest deeply and still validate: anything deep elsewhere fails the model,
    and a plan with any problem is read again the full way. So only the ``custom`` values at the
    top, in ``account`` and in each entry of a section are walked.
    """
    for key, value in data.items():
        if key == "custom" and _deeper_than(value, MAX_DEPTH - 1):
            return True
        if isinstance(value, dict):
            value = [value]
        if isinstance(value, list):
            for entry in value:
                if isinstance(entry, dict) and "custom" in entry and _deeper_than(entry["custom"], MAX_DEPTH - 3):
                    return True
    return False


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` levels below ``data``, walked without recursion."""
    if not isinstance(data, dict | list):
        return False
    stack: list[tuple[Any, int]] = [(data, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return True
                push((child, depth + 1))
    return False


# One list entry on one line, a flow mapping of plain words: ``- {team: jdoe, strength: weak}`` (the
# shape of most relationship, influence and opportunity lines); nothing else on its lines but comments.
_WORD_PAIR = r"[A-Za-z_][A-Za-z0-9_-]*: [A-Za-z0-9_][A-Za-z0-9_.@+/-]*"
_FLAT_FLOW = re.compile(rf"( *)- \{{({_WORD_PAIR}(?:, {_WORD_PAIR})*)\}}(?: +#[^\n]*)? *")
_HEADER = re.compile(r"[^\s#\-][^:#\n]*?:(?: +#[^\n]*)? *")
_QUIET = re.compile(r" *(?:#[^\n]*)?")


def _flat_flow_entry(name: str, header_line: int, header: str, line: int, entry: str) -> tuple[_Table, _Table] | None:
    """The position tables :func:`~kamplan.parse.fragments.read_lines` gives for a one-line flow entry, or None.

    Only for the simplest shape (see ``_FLAT_FLOW``), where every position follows from the text's
    layout; ``tests/test_fast_path.py`` compares them with the fragment reader's on every entry.
    """
    first, _, rest = entry.partition("\n")
    found = _FLAT_FLOW.fullmatch(first)
    if found is None or _HEADER.fullmatch(header) is None:
        return None
    if rest and not all(_QUIET.fullmatch(other) for other in rest.split("\n")):
        return None
    dash = len(found.group(1))
    positions: _Table = {(): (header_line, 1), (name,): (line, dash + 1), (name, 0): (line, dash + 3)}
    keys: _Table = {(name,): (header_line, 1)}
    column = dash + 4  # the first key, 1-based
    for pair in found.group(2).split(", "):
        key = pair.split(": ", 1)[0]
        path = (name, 0, key)
        if path in keys:
            return None  # a key given twice: the fragment reader says what that means
        keys[path] = (line, column)
        positions[path] = (line, column + len(key) + 2)
        column += len(pair) + 2
    return positions, keys


class TextLocator(Locator):
    """Finds the position of a field path in one file's text when asked.

    Positions are those of the full reader: each question reads the top-level section (or, in a
    list section, the one entry) that holds the path with :func:`kamplan.parse.fragments.read_lines`, and
    answers are cached per section and entry.
    """

    def __init__(self, file: str, text: str, data: dict[str, Any]) -> None:
        super().__init__(file)
        self.text = text
        self.data_keys = list(data)
        self._sections: dict[str, tuple[int, int, int]] | None = None  # key -> line, start and end offsets
        self._items: dict[str, list[tuple[int, int]] | None] = {}  # section -> (line, offset) of its entries
        self._tables: dict[tuple[str, int], tuple[_Table, _Table]] = {}
        self._full: Locator | None = None

    def locate(self, path: Path, *, key: bool = False) -> Where:
        """Return where ``path`` (or its nearest located ancestor) is written, like :class:`Locator`."""
        path = tuple(path)
        if self._full is None and self._sections is None:
            self._index()
        if self._full is not None:
            return self._full.locate(path, key=key)
        probe = path
        while probe:
            if len(probe) == 2:  # an entry of a list section: where its content starts on its dash line
                start = self._entry_start(probe)
                if start is not None:
                    return (self.default_file, *start)
            found = self._tables_for(probe)
            if found is None:
                if self._full is not None:
                    return self._full.locate(path, key=key)
                probe = probe[:-1]
                continue
            values, keys, local = found
            if key and local in keys:
                return (self.default_file, *keys[local])
            if local in values:
                return (self.default_file, *values[local])
            probe = probe[:-1]
        return (self.default_file, self._root_line(), 1)

    # -- sections and entries ------------------------------------------------------------------
    def sections(self) -> dict[str, tuple[int, int, int]] | None:
        """Each top-level key's (line, start offset, end offset) in the text, or None when the layout is not simple.

        A section runs from its key to the next top-level key: the comments and blank lines before
        that key belong to it, as the round-trip writer attaches them to the value they follow.
        """
        if self._full is None and self._sections is None:
            self._index()
        return dict(self._sections) if self._sections is not None else None

    def section_entries(self, name: str) -> list[tuple[int, int]] | None:
        """(line, start offset) of each entry of a section that is a block list, else None."""
        sections = self.sections()
        if sections is None or name not in sections:
            return None
        found = self._entries(name)
        return list(found) if found is not None else None

    def _index(self) -> None:
        """Where each top-level key is: its line number and the text offsets of its section."""
        text = self.text
        sections: dict[str, tuple[int, int, int]] = {}
        line, offset = 1, 0
        previous: str | None = None
        head = _FIRST.match(text)
        first = _KEY_LINE.match(text, head.end()) if head else None
        if head is None or first is None:
            self._read_full()
            return
        for found in chain((first,), _TOP_KEY.finditer(text, head.end())):
            start = found.start(1)
            line += text.count("\n", offset, start)
            offset = start
            name = found.group(1)
            if name in sections:
                self._read_full()
                return
            if previous is not None:
                first_line, first_offset, _ = sections[previous]
                sections[previous] = (first_line, first_offset, start)
            sections[name] = (line, start, len(text))
            previous = name
        if list(sections) != self.data_keys:  # not the simple layout after all: read it the full way
            self._read_full()
            return
        self._sections = sections

    def _root_line(self) -> int:
        assert self._sections is not None
        return next(iter(self._sections.values()))[0] if self._sections else 1

    def _entries(self, name: str) -> list[tuple[int, int]] | None:
        """(line number, offset) of each entry of a section whose value is a block list, else None."""
        if name in self._items:
            return self._items[name]
        assert self._sections is not None
        text = self.text
        line, start, end = self._sections[name]
        items: list[tuple[int, int]] | None = None
        key_end = text.find("\n", start, end)
        if key_end >= 0 and not text[start:key_end].split(":", 1)[1].split("#", 1)[0].strip():
            first = _CONTENT.search(text, key_end, end)  # the first line with content after the key
            if first is not None and first.group(2) == "-":
                indent = first.group(1)
                dash = re.compile(rf"\n({indent}-)(?= |\n)")
                items = []
                count_from = key_end
                for found in dash.finditer(text, key_end, end):
                    line += text.count("\n", count_from, found.start(1))
                    count_from = found.start(1)
                    items.append((line, found.start(1)))
        self._items[name] = items
        return items

    def _entry_start(self, probe: Path) -> tuple[int, int] | None:
        name, index = probe
        if not isinstance(name, str) or not isinstance(index, int) or name not in self._sections:  # type: ignore[operator]
            return None
        items = self._entries(name)
        if items is None or not 0 <= index < len(items):
            return None
        line, offset = items[index]
        text = self.text
        end = text.find("\n", offset)
        row = text[offset : end if end >= 0 else len(text)]
        dash = len(row) - len(row.lstrip(" "))
        content = row[dash + 1 :].lstrip(" ")
        if not content or content[0] == "#":
            return None  # the entry starts on a later line: let the fragment reader say where
        return (line, len(row) - len(content) + 1)

    def _tables_for(self, probe: Path) -> tuple[_Table, _Table, Path] | None:
        """The position tables of the section or entry holding ``probe``, and its path in them."""
        assert self._sections is not None
        name = probe[0]
        if not isinstance(name, str) or name not in self._sections:
            return None
        line, start, end = self._sections[name]
        items = self._entries(name)
        index = -1
        if items is not None:
            index = probe[1] if len(probe) > 1 and isinstance(probe[1], int) else 0
            if not 0 <= index < len(items):
                return None
        # an entry is read on its own, as entry 0 of its section
        local = probe if index <= 0 or len(probe) < 2 else (name, 0, *probe[2:])
        cached = self._tables.get((name, index))
        if cached is not None:
            return (*cached, local)
        text = self.text
        key_end = text.find("\n", start, end)
        if key_end < 0:
            key_end = end
        if items is not None:
            first_line, first_offset = items[index]
            stop = items[index + 1][1] if index + 1 < len(items) else end
            flat = _flat_flow_entry(name, line, text[start:key_end], first_line, text[first_offset:stop])
            if flat is not None:
                self._tables[(name, index)] = flat
                return (*flat, local)
        numbered: Iterable[tuple[int, str]]
        if items is None:
            numbered = enumerate(text[start:end].split("\n"), line)
        else:
            first_line, first_offset = items[index]
            stop = items[index + 1][1] if index + 1 < len(items) else end
            numbered = chain(((line, text[start:key_end]),), enumerate(text[first_offset:stop].split("\n"), first_line))
        doc = read_lines(numbered)
        if doc is None:
            self._read_full()
            return None
        self._tables[(name, index)] = (doc.positions, doc.key_positions)
        return doc.positions, doc.key_positions, local

    def _read_full(self) -> None:
        try:
            doc = read_text(self.text, self.default_file)
        except YamlReadError:  # pragma: no cover - the shape check admits only what both readers read
            log.warning("%s: positions unavailable", self.default_file)
            self._full = Locator(self.default_file)
            return
        self._full = Locator.from_document(doc, self.default_file)
