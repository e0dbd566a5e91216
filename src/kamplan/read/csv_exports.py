"""Reading CRM and HR exports: CSV dialects, BOMs, ragged rows, header aliases, names and slugs."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from kamplan.errors import UsageError


def read_rows(path: str | Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Read a CSV export: UTF-8 with or without BOM (cp1252 as a fallback), any common delimiter.

    Returns:
        The header and an iterator of (1-based line number of the row's start, {header: value});
        ragged rows are padded with empty values, extra cells are kept under ``_extra``.

    Raises:
        UsageError: When the file cannot be read or has no header.
    """
    raw = Path(path).read_bytes() if Path(path).is_file() else None
    if raw is None:
        raise UsageError(f"{path}: no such file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise UsageError(f"{path}: the file is empty") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            if not any(c.strip() for c in cells):
                continue
            row = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
            if len(cells) > len(header):
                row["_extra"] = ",".join(cells[len(header):])
            yield line, row

    return header, rows()


def header_key(name: str) -> str:
    """Normalise a column name: ``Contact: First Name`` -> ``firstname``."""
    name = name.strip()
    for prefix in ("Contact: ", "Contact."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return re.sub(r"[^a-z0-9]", "", name.lower())


def pick(row: dict[str, str], *aliases: str) -> str:
    """The first non-empty value among columns whose normalised name is one of ``aliases``.

    Line breaks and runs of spaces inside a cell (a quoted multi-line CSV value) become one space.
    """
    for column, value in row.items():
        if header_key(column) in aliases and value:
            return " ".join(value.split())
    return ""


def ascii_fold(text: str) -> str:
    """``Łukasz Müller`` -> ``lukasz muller`` (accents dropped, case folded)."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("Ø", "O").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def normalise_name(name: str) -> str:
    """A name for matching: accents and case folded, punctuation and extra spaces removed."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def slugify(text: str) -> str:
    """An id slug from text; empty when nothing ASCII is left (e.g. a Cyrillic name)."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text)).strip("-")[:60].strip("-")
