"""Safe YAML reading with a position for every node.

The reader walks the parser's event stream itself instead of using a PyYAML constructor, so that:

* no tag is ever constructed: ``!!python/...`` and unknown tags are reported, never executed;
* plain scalars stay the text the author wrote (:class:`Plain`), and the model decides whether a
  field is text (``no``, ``on``, ``0123`` and ``1.10`` stay strings) or a number;
* duplicate mapping keys, alias bombs and runaway nesting are caught while reading, with positions;
* every value and key gets a 1-based (line, column) keyed by its field path.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from kamplan.errors import Diagnostic, quote

# PyYAML is imported on first use: plans on the fast path (kamplan.parse.fast) never need it.
yaml: Any = None


def _load_pyyaml() -> Any:
    global yaml
    if yaml is None:
        import yaml as module

        yaml = module
    return yaml


def _parser_class() -> Any:
    module = _load_pyyaml()
    # libyaml is bundled with PyYAML's wheels; the pure-Python parser is the fallback.
    return getattr(module, "CSafeLoader", module.SafeLoader)

Path = tuple[str | int, ...]
Position = tuple[int, int]

MAX_FILE_BYTES = int(os.environ.get("KAMPLAN_MAX_FILE_BYTES", 64 * 1024 * 1024))
MAX_DEPTH = 64
MAX_ALIAS_NODES = 20_000

_YAML_TAG = "tag:yaml.org,2002:"
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_SCALAR_TAGS = {f"{_YAML_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {f"{_YAML_TAG}map", f"{_YAML_TAG}seq", f"{_YAML_TAG}omap"}


class Plain(str):
    """A plain (unquoted) scalar exactly as written; numbers are resolved by the model."""

    __slots__ = ()


@dataclass
class YamlDocument:
    """The data of one YAML file with positions.

    Attributes:
        data: Plain Python data (dict, list, str, :class:`Plain`, None).
        positions: Field path -> (line, column) of the value.
        key_positions: Field path -> (line, column) of the mapping key that holds the value.
        diagnostics: Problems that did not stop reading (duplicate keys, refused tags).
    """

    data: Any
    positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """Return the position of ``path``, or of its nearest located ancestor."""
        table = self.key_positions if key else self.positions
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))


class YamlReadError(Exception):
    """Reading stopped; ``diagnostics`` says where and why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("; ".join(d.message for d in diagnostics))


@dataclass
class _Frame:
    obj: Any  # the dict or list being filled
    path: Path
    anchor: str | None
    nodes: int = 1
    key: str | None = None
    key_pos: Position | None = None
    is_map: bool = False


def format_path(path: Path) -> str:
    """Render a field path as ``stakeholders[3].reports_to``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part) if len(str(part)) <= 60 else quote(part)[1:-1]  # a key may be a whole paragraph
            out += f".{name}" if out else name
    return out


def decode(raw: bytes, file: str) -> str:
    """Decode UTF-8 (a BOM is allowed), reporting the first invalid byte's position."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise YamlReadError(
            [_diag(file, (line, column), "E101", f"invalid UTF-8: byte 0x{bad} cannot be decoded")]
        ) from None


def read_file(path: str | os.PathLike[str], display: str | None = None) -> YamlDocument:
    """Read and parse one YAML file with every limit applied.

    Args:
        path: File to read.
        display: Name to use in diagnostics (defaults to ``path``).

    Returns:
        The parsed document with positions.

    Raises:
        YamlReadError: When the file cannot be read or parsed at all.
    """
    name = display or str(path)
    return read_text(load_text(path, name), name)


def load_text(path: str | os.PathLike[str], name: str) -> str:
    """Read a file's text within the size limit (E109), decoding UTF-8 (E101); E112 if unreadable."""
    return decode(load_bytes(path, name), name)


def load_bytes(path: str | os.PathLike[str], name: str) -> bytes:
    """Read a file's bytes within the size limit (E109); E112 if unreadable."""
    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise YamlReadError(
                [
                    _diag(
                        name,
                        (0, 0),
                        "E109",
                        f"file is {size:,} bytes, over the limit of {MAX_FILE_BYTES:,} "
                        "(set KAMPLAN_MAX_FILE_BYTES to raise it, or split the plan into a folder)",
                    )
                ]
            )
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise YamlReadError([_diag(name, (0, 0), "E112", f"cannot read file: {exc.strerror}")]) from None
    return raw


def read_text(text: str, file: str = "<string>") -> YamlDocument:
    """Parse YAML text into data and positions (see module docs for what is refused).

    Args:
        text: The YAML source.
        file: Name used in diagnostics.

    Returns:
        The parsed document.

    Raises:
        YamlReadError: On a syntax error, an empty file, or an exceeded limit.
    """
    stand_in = stands_in(text)
    doc = _Builder(file).build(text.translate(TO_STAND_INS) if stand_in else text)
    if stand_in:
        doc.data = _restore(doc.data)
    _check_conformance(text, file)
    return doc


# libyaml (and ruamel.yaml, for fmt's round trip) read YAML 1.1, where NEL, LS and PS are line breaks;
# in YAML 1.2 (what kamplan reads, like yaml-rs on the fast path) they are ordinary characters. They
# are parsed as private-use stand-ins of the same length (positions stay right) and put back after.
TO_STAND_INS = {0x85: "\U0010fffb", 0x2028: "\U0010fffc", 0x2029: "\U0010fffd"}
FROM_STAND_INS = {ord(v): chr(k) for k, v in TO_STAND_INS.items()}


def stands_in(text: str) -> bool:
    """Whether ``text`` is read with stand-ins: it holds NEL, LS or PS, and none of the stand-ins
    themselves (never in practice; then it is read as YAML 1.1 reads it)."""
    return any(chr(c) in text for c in TO_STAND_INS) and not any(chr(c) in text for c in FROM_STAND_INS)


def _restore(data: Any) -> Any:
    table = FROM_STAND_INS

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            fixed = value.translate(table)
            return value if fixed == value else type(value)(fixed)
        if isinstance(value, dict):
            return {fix(k): fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(data)


def _check_conformance(text: str, file: str) -> None:
    """Refuse what the YAML 1.2 spec refuses but libyaml lets through.

    libyaml accepts 12 of the 94 must-fail inputs of the official YAML test suite; yaml-rs (a
    conforming Rust parser, about ten times faster than PyYAML) refuses all of them, so it checks
    every file that libyaml accepted. Duplicate keys are left to the reader, which reports each one.
    """
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - yaml-rs is a dependency; without it libyaml alone decides
        return
    try:
        yaml_rs.loads(text, parse_datetime=False, duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.LastWins)
    except yaml_rs.YAMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"line (\d+), column (\d+)", message)
        pos = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
        reason = message.strip().splitlines()[-1].strip() if message.strip() else "invalid YAML"
        raise YamlReadError([_diag(file, pos, "E100", f"YAML syntax error: {reason}")]) from None


def _diag(file: str, pos: Position, code: str, message: str, path: Path = ()) -> Diagnostic:
    """An error at ``pos``; a problem of the whole file (no position) is at line 1, column 1."""
    return Diagnostic(file, max(pos[0], 1), max(pos[1], 1), "error", code, message, format_path(path))


def _pos(event: Any) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


class _Builder:
    """Turns the parser's event stream into data, without recursion."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.doc = YamlDocument(data=None)
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.alias_nodes = 0
        self.documents = 0
        self.root_set = False

    def build(self, text: str) -> YamlDocument:
        try:
            self._run(_parser_class()(text))
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = exc.problem or exc.context or "invalid YAML"
            if "maximum nesting depth" in problem:  # libyaml's own limit, met before the reader's: the same E110
                raise YamlReadError([_diag(self.file, pos, "E110", f"nesting is deeper than {MAX_DEPTH} levels")]) \
                    from None
            if exc.context and exc.problem:
                problem = f"{exc.problem} ({exc.context})"
            raise YamlReadError([_diag(self.file, pos, "E100", f"YAML syntax error: {problem}")]) from None
        except yaml.reader.ReaderError as exc:
            pos = _offset_position(text, exc.position)
            raise YamlReadError(
                [_diag(self.file, pos, "E100", f"YAML syntax error: character {exc.character!r} is not allowed")]
            ) from None
        except yaml.YAMLError as exc:  # pragma: no cover - defensive: other parser errors
            raise YamlReadError([_diag(self.file, (0, 0), "E100", f"YAML syntax error: {exc}")]) from None
        if not self.root_set:
            raise YamlReadError([_diag(self.file, (0, 0), "E102", "file is empty: expected a plan mapping")])
        return self.doc

    def _run(self, parser: Any) -> None:
        """The event loop; untagged, unanchored scalars (most events) are handled inline for speed."""
        get = parser.get_event
        scalar_event, stream_end = yaml.ScalarEvent, yaml.StreamEndEvent
        stack, positions, key_positions = self.stack, self.doc.positions, self.doc.key_positions
        nulls, plain = _NULLS, Plain
        while True:
            event = get()
            cls = event.__class__
            if cls is scalar_event and stack and not event.tag and not event.anchor:
                top = stack[-1]
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1)
                value = event.value
                obj = top.obj
                if top.is_map:
                    key = top.key
                    if key is None:
                        top.key, top.key_pos = value, pos
                        continue
                    if key in obj:  # duplicate key: the slow path reports it
                        self._scalar(event)
                        continue
                    path = (*top.path, key)
                    key_positions[path] = top.key_pos or (0, 0)
                    obj[key] = (None if value in nulls else plain(value)) if event.style in ("", None) else value
                    top.key = top.key_pos = None
                else:
                    path = (*top.path, len(obj))
                    obj.append((None if value in nulls else plain(value)) if event.style in ("", None) else value)
                positions[path] = pos
                top.nodes += 1
                continue
            if cls is stream_end:
                return
            self._event(event)

    # -- events ---------------------------------------------------------------------------------
    def _event(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._scalar(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self._start(event, {} if kind is yaml.MappingStartEvent else [])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._end()
        elif kind is yaml.AliasEvent:
            self._alias(event)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise YamlReadError(
                    [_diag(self.file, _pos(event), "E107", "a plan file holds one YAML document, found a second")]
                )

    def _scalar(self, event: Any) -> None:
        pos = _pos(event)
        tag, style, value = event.tag, event.style, event.value
        if self.stack and isinstance(self.stack[-1].obj, dict) and self.stack[-1].key is None:
            top = self.stack[-1]
            top.key, top.key_pos = str(value), pos
            return
        result: Any
        if tag and tag != "!":
            if not self._check_tag(tag, pos, _SCALAR_TAGS):
                result = None
            elif tag == f"{_YAML_TAG}str":
                result = str(value)
            elif tag == f"{_YAML_TAG}null":
                result = None
            else:
                result = Plain(value)
        elif style in ("", None):
            result = None if value in _NULLS else Plain(value)
        else:
            result = str(value)
        self._attach(result, pos, 1)
        if event.anchor:
            self.anchors[event.anchor] = (result, 1)

    def _check_tag(self, tag: str, pos: Position, allowed: set[str]) -> bool:
        if tag in allowed:
            return True
        path = self._current_path()
        if "python/" in tag:
            message = f"tag {quote(tag)} refused: kamplan reads safe YAML only and never executes tags"
        else:
            message = f"tag {quote(tag)} is not allowed in a plan (only plain YAML values)"
        self.doc.diagnostics.append(_diag(self.file, pos, "E106", message, path))
        return False

    def _start(self, event: Any, obj: dict[str, Any] | list[Any]) -> None:
        pos = _pos(event)
        if self.stack and isinstance(self.stack[-1].obj, dict) and self.stack[-1].key is None:
            raise YamlReadError(
                [_diag(self.file, pos, "E100", "a mapping key must be a plain value, not a list or mapping")]
            )
        if len(self.stack) >= MAX_DEPTH:
            raise YamlReadError(
                [_diag(self.file, pos, "E110", f"nesting is deeper than {MAX_DEPTH} levels")]
            )
        if event.tag and event.tag != "!":
            self._check_tag(event.tag, pos, _COLLECTION_TAGS)
        path = self._child_path()
        self._record(path, pos)
        self.stack.append(_Frame(obj, path, event.anchor, is_map=isinstance(obj, dict)))

    def _end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.obj, frame.nodes)
        self._attach(frame.obj, None, frame.nodes)

    def _alias(self, event: Any) -> None:
        pos = _pos(event)
        if event.anchor not in self.anchors:
            raise YamlReadError(
                [_diag(self.file, pos, "E100", f"YAML syntax error: unknown alias *{event.anchor}")]
            )
        value, nodes = self.anchors[event.anchor]
        self.alias_nodes += nodes
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise YamlReadError(
                [
                    _diag(
                        self.file,
                        pos,
                        "E108",
                        f"aliases expand to more than {MAX_ALIAS_NODES:,} values "
                        f"(a 'billion laughs' file?): *{event.anchor} refused",
                    )
                ]
            )
        if self.stack and isinstance(self.stack[-1].obj, dict) and self.stack[-1].key is None:
            top = self.stack[-1]
            if isinstance(value, dict | list):
                raise YamlReadError(
                    [_diag(self.file, pos, "E100", "a mapping key must be a plain value, not a list or mapping")]
                )
            top.key, top.key_pos = str(value), pos
            return
        self._attach(value, pos, nodes)

    # -- helpers --------------------------------------------------------------------------------
    def _current_path(self) -> Path:
        return self._child_path() if self.stack else ()

    def _child_path(self) -> Path:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.obj, dict):
            return (*top.path, top.key if top.key is not None else "")
        return (*top.path, len(top.obj))

    def _record(self, path: Path, pos: Position) -> None:
        self.doc.positions[path] = pos
        if self.stack and isinstance(self.stack[-1].obj, dict) and self.stack[-1].key_pos:
            self.doc.key_positions[path] = self.stack[-1].key_pos

    def _attach(self, value: Any, pos: Position | None, nodes: int) -> None:
        if not self.stack:
            if pos is not None:
                self.doc.positions[()] = pos
            self.doc.data = value
            self.root_set = True
            return
        top = self.stack[-1]
        top.nodes += nodes
        if isinstance(top.obj, list):
            if pos is not None:
                self._record((*top.path, len(top.obj)), pos)
            top.obj.append(value)
            return
        key = top.key
        assert key is not None
        path = (*top.path, key)
        if key in top.obj:
            first = self.doc.key_positions.get(path, (0, 0))
            self.doc.diagnostics.append(
                _diag(
                    self.file,
                    top.key_pos or (0, 0),
                    "E111",
                    f"duplicate key {quote(key)} (first at line {first[0]})",
                    path,
                )
            )
        else:
            if pos is not None:
                self._record(path, pos)
            elif top.key_pos:
                self.doc.key_positions[path] = top.key_pos
            top.obj[key] = value
        top.key, top.key_pos = None, None


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return (before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)
