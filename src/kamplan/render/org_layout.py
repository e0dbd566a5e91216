"""A tidy tree of the reporting lines, for drawings that place boxes themselves (the slide deck).

Each person gets a column and a level: leaves take the next free column left to right, a manager
sits centred over the people who report to them, so no two reporting lines cross. People whose
manager is not in the plan (or who report to nobody) start trees of their own, side by side.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placed:
    """One person's place: ``column`` (may be fractional, centred over reports) and ``level`` (0 on top)."""

    id: str
    column: float
    level: int


def tidy_tree(people: list[tuple[str, str | None]]) -> list[Placed]:
    """Place ``(id, manager id)`` pairs as a tidy forest, in the given order within each level.

    A loop in the reporting lines (reported by ``validate`` as E302) is broken where it is met.
    """
    ids = {pid for pid, _ in people}
    children: dict[str | None, list[str]] = {}
    for pid, manager in people:
        children.setdefault(manager if manager in ids and manager != pid else None, []).append(pid)
    placed: dict[str, Placed] = {}
    next_column = 0.0
    seen: set[str] = set()

    def place(pid: str, level: int) -> float:
        nonlocal next_column
        seen.add(pid)
        kids = [k for k in children.get(pid, []) if k not in seen]
        if not kids:
            column = next_column
            next_column += 1
        else:
            columns = [place(k, level + 1) for k in kids]
            column = (columns[0] + columns[-1]) / 2
        placed[pid] = Placed(pid, column, level)
        return column

    for root in children.get(None, []):
        place(root, 0)
    for pid, _ in people:  # people on a loop: no root reaches them
        if pid not in seen:
            place(pid, 0)
    return [placed[pid] for pid, _ in people]
