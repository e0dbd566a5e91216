"""A hand-written file's form, kept when kamplan rewrites it: a byte-order mark and its line ends.

The writers (``fmt``, ``import``) work on text with ``\\n`` line ends; a Windows user's CRLF file
stays CRLF, and a file that began with a UTF-8 BOM keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

BOM = "\ufeff"


@dataclass(frozen=True)
class TextForm:
    """How a file's text is laid down in bytes besides its content.

    Attributes:
        bom: The file starts with a UTF-8 byte-order mark.
        newline: ``"\\r\\n"`` when most of its line ends are CRLF, else ``"\\n"``.
    """

    bom: bool = False
    newline: str = "\n"


def form_of(raw: bytes) -> TextForm:
    """The form of a file's bytes."""
    crlf = raw.count(b"\r\n")
    return TextForm(bom=raw.startswith(BOM.encode()), newline="\r\n" if crlf and crlf * 2 >= raw.count(b"\n") else "\n")


def plain(text: str) -> str:
    """``text`` without a BOM and with ``\\n`` line ends (what the writers work on)."""
    return text.removeprefix(BOM).replace("\r\n", "\n")


def in_form(text: str, form: TextForm) -> str:
    """``text`` (``\\n`` line ends) laid down in ``form``."""
    if form.newline != "\n":
        text = text.replace("\n", form.newline)
    return BOM + text if form.bom else text
