"""The as-of date given for this run (``--as-of``, :func:`kamplan.as_of`): light, imported at start-up."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

_AS_OF: list[dt.date] = []


def set_as_of(date: dt.date | None) -> None:
    """Make ``date`` the as-of date of every analysis in this process (None: back to the settings)."""
    _AS_OF[:] = [date] if date is not None else []


def as_of_override() -> dt.date | None:
    """The as-of date given for this run, if any."""
    return _AS_OF[0] if _AS_OF else None


@contextlib.contextmanager
def analysed_as_of(date: dt.date | None) -> Iterator[None]:
    """Make ``date`` the as-of date inside the ``with`` block; the previous one comes back after it."""
    before = as_of_override()
    set_as_of(date)
    try:
        yield
    finally:
        set_as_of(before)
