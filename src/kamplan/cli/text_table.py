"""Tables for a terminal or a pipe, drawn in the look of rich's default table at a small cost a row.

rich measures and renders every cell through its segment machinery, about 1.5 ms a row: the
5,000 rows of a portfolio's ``recommend`` took 10 s to print, twenty times the time to compute
them. Here each column's width is found once from plain text widths (terminal cells: an East
Asian character takes two), and only cells wider than their column are wrapped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

from rich.cells import cell_len

UNICODE_BOX = ("┏━┳┓", "┃┃┃", "┡━╇┩", "│││", "└─┴┘")
ASCII_BOX = ("+-++", "|||", "+-++", "|||", "+-++")
BOLD, ITALIC, RESET = "\x1b[1m", "\x1b[3m", "\x1b[0m"
PADDING = 3  # a space either side of each cell and the rule after it
# Latin, Greek, Cyrillic (without its combining marks), punctuation, currency signs: one cell a character
_NARROW = re.compile(r"[\x20-\x7e\xa0-\u02ff\u0370-\u0482\u048a-\u052f\u2010-\u2027\u2030-\u205e\u20a0-\u20c0]*")


def cells_of(text: str) -> Callable[[str], int]:
    """How to measure ``text`` and its parts in terminal cells: ``len`` when each character takes one."""
    return len if _NARROW.fullmatch(text) else cell_len


def render(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], width: int, *,
           right: Collection[int] = (), ascii_only: bool = False, styled: bool = False) -> str:
    """The table as text, each line ending in a newline.

    Args:
        title: Centred above the table (wrapped when wider than it).
        columns: The header of each column.
        rows: The cells, as text (a newline in a cell starts a new line in it).
        width: The widest line allowed, in terminal cells. Columns are narrowed to fit, widest first,
            never below their longest word unless even those do not fit (then words are cut).
        right: The indexes of the columns aligned to the right (numbers).
        ascii_only: Draw the borders with ``+-|`` (an output that cannot encode box drawing).
        styled: Bold header and italic title, as ANSI escapes (an interactive terminal).
    """
    top, head, rule, body, bottom = ASCII_BOX if ascii_only else UNICODE_BOX
    widths = column_widths([columns, *rows], width - PADDING * len(columns) - 1)
    lines = [_border(top, widths)]
    lines += _row(columns, widths, head, right, BOLD if styled else "")
    lines.append(_border(rule, widths))
    lines += _body(rows, widths, body, right)
    lines.append(_border(bottom, widths))
    table_width = sum(widths) + PADDING * len(widths) + 1
    heading = [_centred(line, table_width) for line in wrapped(title, table_width)] if title else []
    if styled:
        heading = [f"{ITALIC}{line}{RESET}" for line in heading]
    return "".join(line + "\n" for line in [*heading, *lines])


def column_widths(rows: Sequence[Sequence[str]], room: int) -> list[int]:
    """Each column's width in cells: its widest cell when all fit in ``room``, else narrowed.

    The columns wider than a common cap are cut to it, the cap as high as ``room`` allows; no column
    goes below its longest word (or its header's), unless even those do not fit, nor ever below its
    widest character (an East Asian one takes two cells: then the table is wider than ``room``).
    """
    count = len(rows[0])
    natural, least, glyph = [1] * count, [1] * count, [1] * count
    plain: list[Sequence[str]] = []  # one cell a character and one line a cell: measured a column at a time
    other: list[Sequence[str]] = []
    for row in rows:
        text = "".join(row)
        (plain if "\n" not in text and _NARROW.fullmatch(text) else other).append(row)
    if plain:
        for i, column in enumerate(zip(*plain, strict=True)):
            natural[i] = max(map(len, column), default=1) or 1
            least[i] = max(map(len, " ".join(column).split()), default=1)
    for row in other:
        measure = cells_of("".join(row))
        for i, cell in enumerate(row):
            if not cell:
                continue
            size = max(measure(line) for line in cell.split("\n")) if "\n" in cell else measure(cell)
            natural[i] = max(natural[i], size)
            if size > least[i]:  # its longest word can only be longer than the longest so far if it is
                least[i] = max(least[i], max(measure(word) for word in cell.split()) if cell.strip() else 1)
            if measure is not len:
                glyph[i] = max(glyph[i], *(cell_len(char) for char in cell))
    if sum(natural) <= room:
        return natural
    floor = least if sum(least) <= room else glyph
    low, high = 1, max(natural)
    while low < high:  # the highest cap at which the columns fit
        cap = (low + high + 1) // 2
        if sum(min(n, max(f, cap)) for n, f in zip(natural, floor, strict=True)) <= room:
            low = cap
        else:
            high = cap - 1
    widths = [min(n, max(f, low)) for n, f in zip(natural, floor, strict=True)]
    spare = room - sum(widths)
    for i in sorted(range(count), key=lambda i: natural[i] - widths[i], reverse=True):
        if spare <= 0 or widths[i] >= natural[i]:
            break
        widths[i] += 1
        spare -= 1
    return widths


def wrapped(text: str, width: int, measure: Callable[[str], int] | None = None) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces (a longer word is cut).

    Args:
        text: One cell's text.
        width: In terminal cells.
        measure: How to measure it (:func:`cells_of`, found here when not given).
    """
    measure = measure or cells_of(text)
    if "\n" not in text and measure(text) <= width:
        return [text]
    lines: list[str] = []
    if measure is len:  # the same lines as the loop below, found by a regular expression
        pattern = _line_of(width)
        for paragraph in text.split("\n"):
            lines += pattern.findall(" ".join(paragraph.split())) or [""]
        return lines
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in paragraph.split():
            size = measure(word)
            if line and used + 1 + size <= width:
                line, used = f"{line} {word}", used + 1 + size
                continue
            if line:
                lines.append(line)
            while size > width:
                head = _head(word, width)
                lines.append(head)
                word = word[len(head):]
                size = measure(word)
            line, used = word, size
        lines.append(line)
    return lines


_LINE_PATTERNS: dict[int, re.Pattern[str]] = {}


def _line_of(width: int) -> re.Pattern[str]:
    """A line of at most ``width`` characters of single-spaced text: as many words as fit, or the
    start of a word longer than that."""
    pattern = _LINE_PATTERNS.get(width)
    if pattern is None:
        pattern = _LINE_PATTERNS[width] = re.compile(rf"\S.{{0,{width - 1}}}(?<=\S)(?= |$)|\S{{1,{width}}}")
    return pattern


def _head(word: str, width: int) -> str:
    """The longest start of ``word`` that fits in ``width`` cells (at least one character)."""
    used = 0
    for i, char in enumerate(word):
        used += cell_len(char)
        if used > width:
            return word[:max(i, 1)]
    return word


def _body(rows: Sequence[Sequence[str]], widths: list[int], edges: str, right: Collection[int]) -> list[str]:
    """The lines of the rows. The plain ones (one cell a character) are padded a column at a time
    with str's own padding: a 5,000-row table is mostly those, and a call a cell cost a third of it."""
    plain = [bool(_NARROW.fullmatch("".join(row))) for row in rows]
    columns = []
    for i, width in enumerate(widths):
        pad = str.rjust if i in right else str.ljust
        columns.append([None if not fits else [pad(cell, width)] if len(cell) <= width and "\n" not in cell
                        else [pad(line, width) for line in wrapped(cell, width, len)]
                        for cell, fits in zip((row[i] for row in rows), plain, strict=True)])
    lines: list[str] = []
    for n, row in enumerate(rows):
        if plain[n]:
            lines += _side_by_side([column[n] for column in columns], widths, edges)  # type: ignore[misc]
        else:
            lines += _row(row, widths, edges, right, "")
    return lines


def _row(cells: Sequence[str], widths: list[int], edges: str, right: Collection[int], style: str) -> list[str]:
    """The lines of one row: each cell wrapped to its column, padded, between the edges."""
    measure = cells_of("".join(cells))
    return _side_by_side([_padded(cell, width, i in right, style, measure)
                          for i, (cell, width) in enumerate(zip(cells, widths, strict=True))], widths, edges)


def _side_by_side(cells: list[list[str]], widths: list[int], edges: str) -> list[str]:
    """The lines of a row from its cells' padded lines: a shorter cell is filled with blank lines."""
    left, middle, end = edges[0], edges[1], edges[2]
    inner = f" {middle} "
    height = max(map(len, cells))
    if height == 1:
        return [f"{left} {inner.join([lines[0] for lines in cells])} {end}"]
    cells = [lines + [" " * width] * (height - len(lines)) if len(lines) < height else lines
             for lines, width in zip(cells, widths, strict=True)]
    return [f"{left} {inner.join(line)} {end}" for line in zip(*cells, strict=True)]


def _padded(text: str, width: int, right: bool, style: str, measure: Callable[[str], int]) -> list[str]:
    """The lines of one cell, each filled with spaces to ``width`` cells (before it when ``right``)."""
    lines = [text] if "\n" not in text and measure(text) <= width else wrapped(text, width, measure)
    out = []
    for line in lines:
        gap = " " * (width - measure(line))
        line = f"{style}{line}{RESET}" if style and line else line
        out.append(f"{gap}{line}" if right else f"{line}{gap}")
    return out


def _border(chars: str, widths: list[int]) -> str:
    """A horizontal rule: the corner or joint characters around lines as wide as the padded columns."""
    left, line, middle, end = chars[0], chars[1], chars[2], chars[3]
    return left + middle.join(line * (width + 2) for width in widths) + end


def _centred(text: str, width: int) -> str:
    """``text`` with the spaces before it that centre it in ``width`` cells (none after it)."""
    gap = width - cell_len(text)
    return " " * (gap // 2) + text if gap > 0 else text
