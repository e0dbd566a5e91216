"""Error types and the positioned diagnostic that every problem is reported as."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


class Diagnostic(NamedTuple):
    """One problem found in a plan, positioned in its source file (immutable, ordered by position).

    A named tuple rather than a dataclass: a warm ``validate`` of a big portfolio makes tens of
    thousands of them from cached rows, and a tuple is several times cheaper to build.

    Attributes:
        file: Path of the file as given (relative where possible).
        line: 1-based line (a problem of the whole file is at line 1).
        column: 1-based column (a problem of the whole file is at column 1).
        severity: ``"error"`` or ``"warning"``.
        code: Stable code, documented in ``docs/rules.md``.
        message: Human sentence naming the offending value.
        path: Field path inside the plan, e.g. ``stakeholders[3].reports_to``.
    """

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    path: str = ""

    def format_text(self) -> str:
        """Return the ``file:line:col: severity CODE message`` line."""
        where = f" ({self.path})" if self.path else ""
        return printable(f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} {self.message}{where}")

    def to_json(self) -> dict[str, object]:
        """Return the JSON shape of the CLI contract."""
        return {"file": self.file, "line": self.line, "column": self.column, "severity": self.severity,
                "code": self.code, "message": self.message, "path": self.path}

    def to_row(self) -> list[object]:
        """A compact row (for caches): the fields in declaration order."""
        return [self.file, self.line, self.column, self.severity, self.code, self.message, self.path]


def unknown_parent_message(parent: str) -> str:
    """The E301 message for an ``account.parent`` that names no plan of the portfolio."""
    return f"unknown parent account {parent!r} (no such plan in the portfolio)"


QUOTE_LIMIT = 60
# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that make
# text read differently from what it is ("Trojan Source"): never passed to a terminal or a log as is.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNPRINTABLE_OR_NEWLINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


_WORKFLOW_COMMAND = re.compile(r"(?m)^::")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r"}.get(char)
    return named or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``), so plan text cannot drive a terminal.

    Args:
        text: Text that came from a plan.
        newlines: Keep line ends (multi-line output); otherwise they are shown as ``\\n`` too, so that
            one diagnostic stays one line and no plan text can start a line of its own (``::error``).
    """
    pattern = _UNPRINTABLE if newlines else _UNPRINTABLE_OR_NEWLINE
    text = pattern.sub(_escaped, text) if pattern.search(text) else text
    if (newlines and "\n::" in text) or text.startswith("::"):  # a CI runner would obey it as a workflow command
        text = _WORKFLOW_COMMAND.sub(":\u2060:", text)
    return text


def shorten(value: object, limit: int, tail: int = 17) -> str:
    """``value`` as text of at most ``limit`` characters, cut in the middle (its end kept: file names, ids)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit - tail - 3]}...{text[-tail:]}"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of a value from a plan, shortened in the middle when long (a message never holds a whole file)."""
    return repr(shorten(value, limit, tail=9))


class KamplanError(Exception):
    """Base of every error kamplan raises on purpose."""

    exit_code = 2


class UsageError(KamplanError):
    """The command was asked something it cannot do (bad option, missing file)."""

    exit_code = 2


class PlanError(KamplanError):
    """One or more plans are invalid; carries every diagnostic found."""

    exit_code = 1

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format_text() for d in diagnostics))

    def __reduce__(self) -> tuple[type, tuple[list[Diagnostic]]]:  # survives worker processes
        return (PlanError, (self.diagnostics,))


@dataclass
class PluginError(KamplanError):
    """A plugin failed to import, collided with another, or raised inside a hook."""

    plugin: str
    hook: str
    message: str
    exit_code: int = field(default=2, init=False)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"plugin {self.plugin!r} failed in {self.hook}: {self.message}"

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:  # survives worker processes
        return (PluginError, (self.plugin, self.hook, self.message))
