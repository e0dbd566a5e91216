"""One file's YAML as the editor features need it: every key and value with its range, by field path.

Ranges come from the parsed YAML (the composer's marks), never from searching the text. Lines and
characters count from 0 and characters are UTF-16 code units, as the language server protocol does
(the parser counts code points: they differ on a line with a character outside the BMP, an emoji).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import yaml

from kamplan.plan.references import CONFIG_DEFINITIONS, PLAN_DEFINITIONS, REFERENCES, IdKind, pattern_of

FieldPath = tuple[str | int, ...]
NodeKind = Literal["scalar", "mapping", "sequence"]


@dataclass(frozen=True)
class Span:
    """A range of text: from (line, character) to (end_line, end_character), end exclusive."""

    line: int
    character: int
    end_line: int
    end_character: int

    def contains(self, line: int, character: int) -> bool:
        """Whether the position is inside the range or at its end (where a cursor after a word is)."""
        return (self.line, self.character) <= (line, character) <= (self.end_line, self.end_character)


@dataclass(frozen=True)
class Node:
    """A key or value of the file.

    Attributes:
        path: The field path of the value (of the value a key holds, for a key).
        kind: scalar, mapping or sequence.
        span: Where it is written (a quoted scalar's quotes included).
        value: A scalar's text (empty for a collection).
        inner: A scalar's text without its quotes (what a rename replaces).
        is_key: Whether this is a mapping key.
    """

    path: FieldPath
    kind: NodeKind
    span: Span
    value: str = ""
    inner: Span | None = None
    is_key: bool = False


@dataclass(frozen=True)
class IdUse:
    """An id written in the file: where it is defined or referenced."""

    kind: IdKind
    id: str
    node: Node
    definition: bool


@dataclass
class FileIndex:
    """Every key and value of one file, and the ids defined and referenced in it.

    Attributes:
        config: Whether the file is ``kamplan.yaml`` (other definitions: shared offerings and people).
        nodes: Every value, in document order.
        keys: Every mapping key, in document order.
        ids: Every id definition and reference.
        parsed: Whether the text parsed (a file that does not parse has no nodes).
        lines: The text's lines (to tell an empty value's whitespace from written text).
    """

    config: bool
    nodes: list[Node] = field(default_factory=list)
    keys: list[Node] = field(default_factory=list)
    ids: list[IdUse] = field(default_factory=list)
    parsed: bool = True
    lines: list[str] = field(default_factory=list)
    # Lookups over the lists above, filled once by ``_finish`` (a big plan has hundreds of thousands of
    # nodes: a request must not scan them per id, per entry or per diagnostic).
    _values: dict[FieldPath, Node] = field(default_factory=dict, repr=False)
    _keys: dict[FieldPath, Node] = field(default_factory=dict, repr=False)
    _starts: dict[tuple[int, int], Node] = field(default_factory=dict, repr=False)
    _uses: dict[Node, IdUse] = field(default_factory=dict, repr=False)
    _fields: dict[FieldPath, dict[str, list[str]]] = field(default_factory=dict, repr=False)

    def _finish(self) -> None:
        self.nodes.sort(key=lambda n: (n.span.line, n.span.character))
        for node in self.nodes:
            self._values.setdefault(node.path, node)
        for key in self.keys:
            self._keys.setdefault(key.path, key)
        for node in [*self.keys, *self.nodes]:
            if node.kind == "scalar":
                self._starts.setdefault((node.span.line, node.span.character), node)
        for use in self.ids:
            self._uses.setdefault(use.node, use)
        for node in self.nodes:
            if node.kind != "scalar" or not node.path:
                continue
            path = node.path
            if isinstance(path[-1], str):  # a field of the entry at path[:-1]
                self._fields.setdefault(path[:-1], {}).setdefault(path[-1], []).append(node.value)
            elif len(path) >= 2 and isinstance(path[-2], str):  # an item of a list field
                self._fields.setdefault(path[:-2], {}).setdefault(path[-2], []).append(node.value)

    def value(self, path: FieldPath) -> Node | None:
        """The value at ``path``."""
        return self._values.get(path)

    def key(self, path: FieldPath) -> Node | None:
        """The key that holds the value at ``path``."""
        return self._keys.get(path)

    def use_of(self, node: Node) -> IdUse | None:
        """The id definition or reference written as ``node``."""
        return self._uses.get(node)

    def scalar_starting_at(self, line: int, character: int) -> Node | None:
        """The key or scalar value written from exactly this position."""
        return self._starts.get((line, character))

    def fields(self, entry: FieldPath) -> dict[str, str]:
        """The scalar fields of the entry at ``entry`` (list fields joined with commas)."""
        return {k: ", ".join(v) for k, v in self._fields.get(entry, {}).items()}

    def at(self, line: int, character: int) -> Node | None:
        """The innermost scalar (value or key) at the position, if any."""
        for node in [*self.keys, *self.nodes]:
            if node.kind == "scalar" and node.span.contains(line, character):
                return node
        return self._empty_value_at(line, character)

    def _empty_value_at(self, line: int, character: int) -> Node | None:
        """An empty value (``reports_to: |``) whose only text up to the cursor is blank."""
        for node in self.nodes:
            span = node.span
            if node.kind == "scalar" and not node.value and span.line == line and span.character <= character:
                text = self.lines[line] if line < len(self.lines) else ""
                start, here = code_point_column(text, span.character), code_point_column(text, character)
                if not text[start:here].strip():
                    return node
        return None

    def use_at(self, line: int, character: int) -> IdUse | None:
        """The id definition or reference at the position."""
        node = self.at(line, character)
        return self.use_of(node) if node else None

    def container_at(self, line: int, character: int) -> Node | None:
        """The innermost sequence whose range holds the position (completing a new list item)."""
        found = [n for n in self.nodes if n.kind == "sequence" and n.span.contains(line, character)]
        return max(found, key=lambda n: len(n.path)) if found else None


def utf16_column(line: str, column: int) -> int:
    """A code-point column of ``line`` as UTF-16 code units."""
    if line.isascii() or all(ord(c) < 0x10000 for c in line[:column]):
        return column
    return len(line[:column].encode("utf-16-le")) // 2


def code_point_column(line: str, units: int) -> int:
    """A UTF-16 column of ``line`` as a code-point column."""
    if line.isascii() or all(ord(c) < 0x10000 for c in line):
        return units
    count = 0
    for i, char in enumerate(line):
        if count >= units:
            return i
        count += 2 if ord(char) >= 0x10000 else 1
    return len(line)


def _span(node: yaml.Node, lines: list[str]) -> Span:
    start, end = node.start_mark, node.end_mark

    def units(line: int, column: int) -> int:
        return utf16_column(lines[line], column) if line < len(lines) else column

    return Span(start.line, units(start.line, start.column), end.line, units(end.line, end.column))


def _inner(node: yaml.ScalarNode, lines: list[str]) -> Span:
    span = _span(node, lines)
    if node.style in ("'", '"') and span.line == span.end_line:
        return Span(span.line, span.character + 1, span.end_line, span.end_character - 1)
    return span


def build_index(text: str, *, config: bool = False) -> FileIndex:
    """Index one file's text; a text that does not parse gives an empty index (``parsed`` False)."""
    index = FileIndex(config=config, lines=text.splitlines())
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        index.parsed = False
        return index
    if root is None:
        return index
    definitions = CONFIG_DEFINITIONS if config else PLAN_DEFINITIONS
    pending: list[tuple[yaml.Node, FieldPath]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        if isinstance(node, yaml.ScalarNode):
            entry = Node(path, "scalar", _span(node, index.lines), str(node.value), _inner(node, index.lines))
            index.nodes.append(entry)
            pattern = pattern_of(path)
            kind = definitions.get(pattern) or (None if config else REFERENCES.get(pattern))
            if kind and entry.value:
                index.ids.append(IdUse(kind, entry.value, entry, pattern in definitions))
        elif isinstance(node, yaml.SequenceNode):
            index.nodes.append(Node(path, "sequence", _span(node, index.lines)))
            pending += [(item, (*path, i)) for i, item in reversed(list(enumerate(node.value)))]
        elif isinstance(node, yaml.MappingNode):
            index.nodes.append(Node(path, "mapping", _span(node, index.lines)))
            children: list[tuple[yaml.Node, FieldPath]] = []
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                child = (*path, str(key.value))
                index.keys.append(Node(child, "scalar", _span(key, index.lines), str(key.value),
                                       _inner(key, index.lines), is_key=True))
                children.append((value, child))
            pending += reversed(children)
    index._finish()
    return index
