"""How values read in documents and pages: money, percentages, labels, initials, Markdown table cells."""

from __future__ import annotations

import re
from typing import Any

_MD_ESCAPES = (("\\", "\\\\"), ("&", "&amp;"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*"),
               ("_", "\\_"), ("`", "\\`"), ("[", "\\["), ("]", "\\]"), ("(", "\\("), (")", "\\)"), ("!", "\\!"),
               ("#", "\\#"), ("~", "\\~"), ("@", "@\u2060"))


def md_cell(value: Any) -> str:
    """Plan text made inert for Markdown (tables, prose, pull-request comments).

    Whitespace (line ends too) collapses to single spaces, so no text can start a heading, a list or
    a block of its own; pipes, HTML, entities, emphasis, code, links and images are escaped; an
    ``@name`` gets a word joiner after the ``@`` so that it mentions nobody on GitHub.
    """
    if value is None:
        return ""
    text = " ".join(str(value).split())
    for char, replacement in _MD_ESCAPES:
        text = text.replace(char, replacement)
    return text


def money(value: Any, currency: str | None = None) -> str:
    """``1,250,000 EUR`` (empty for None)."""
    if value is None:
        return ""
    return f"{value:,.0f}" + (f" {currency}" if currency else "")


def pct(value: Any) -> str:
    """``105%`` for 1.05 (a dash for None)."""
    return "–" if value is None else f"{value * 100:.0f}%"


def label(value: Any) -> str:
    """``economic_buyer`` -> ``economic buyer``."""
    return "" if value is None else str(value).replace("_", " ")


_NAME_PARTS = re.compile(r"[\s.-]+")


def initials(name: str) -> str:
    """The initials of a team member on a chart or slide: ``Jane Doe`` -> ``JD``, ``Анна Иванова`` -> ``АИ``."""
    parts = [p for p in _NAME_PARTS.split(name) if p]
    return "".join(p[0] for p in parts[:2]).upper() if parts else name[:2].upper()
