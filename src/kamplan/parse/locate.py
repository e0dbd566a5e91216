"""Map field paths of a plan back to file, line and column: one file's tables, or a folder plan's files."""

from __future__ import annotations

from dataclasses import dataclass, field

from kamplan.parse.reader import Path, Position, YamlDocument

Where = tuple[str, int, int]


@dataclass
class Locator:
    """Positions of every value and key of one file (the reader's tables, referenced, not copied).

    Attributes:
        default_file: The file named when nothing more precise is known.
        values: Where each value is written, by field path.
        keys: Where each key is written, by field path.
    """

    default_file: str
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: YamlDocument, file: str) -> Locator:
        """Build a locator for one file's document."""
        return cls(file, doc.positions, doc.key_positions)

    def locate(self, path: Path, *, key: bool = False) -> Where:
        """Return where ``path`` (or its nearest located ancestor) is written."""
        probe = tuple(path)
        while True:
            if key and probe in self.keys:
                return (self.default_file, *self.keys[probe])
            if probe in self.values:
                return (self.default_file, *self.values[probe])
            if not probe:
                return (self.default_file, 1, 1)
            probe = probe[:-1]


@dataclass
class MergedLocator(Locator):
    """Positions across the files of a folder plan, each file with a locator of its own.

    A path of the merged plan is routed to the file it was written in (a list entry by its index there,
    a section by the file that gave it first), then that file's locator answers, so a file read on the
    fast path still finds positions only on demand.
    """

    locators: list[Locator] = field(default_factory=list)
    entries: dict[Path, tuple[int, Path]] = field(default_factory=dict)
    owners: dict[str | int, int] = field(default_factory=dict)

    def add(self, locator: Locator, data: object, remap: dict[Path, Path] | None = None) -> None:
        """Add one file's locator; ``remap`` maps its ``(section, index)`` to the merged plan's."""
        index = len(self.locators)
        self.locators.append(locator)
        for local, merged in (remap or {}).items():
            self.entries[merged] = (index, local)
        if isinstance(data, dict):
            for key in data:
                self.owners.setdefault(key, index)

    def locate(self, path: Path, *, key: bool = False) -> Where:
        """Return where ``path`` (or its nearest located ancestor) is written."""
        path = tuple(path)
        if not self.locators:
            return (self.default_file, 1, 1)
        index = 0
        if len(path) >= 2 and path[:2] in self.entries:
            index, local = self.entries[path[:2]]
            path = local + path[2:]
        elif path and path[0] in self.owners:
            index = self.owners[path[0]]
        return self.locators[index].locate(path, key=key)
