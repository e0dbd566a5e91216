"""How values read in documents and pages: money, percentages, labels, Markdown table cells."""

from __future__ import annotations

from typing import Any


def md_cell(value: Any) -> str:
    """Escape text for Markdown (tables and prose): pipes, HTML, emphasis marks, line breaks."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    for char, replacement in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("*", "\\*"),
                              ("_", "\\_"), ("`", "\\`"), ("[", "\\["), ("]", "\\]")):
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
