"""Map field paths of a (possibly merged) plan back to file, line and column."""

from __future__ import annotations

from dataclasses import dataclass, field

from kamplan.parse.reader import Path, Position, YamlDocument

Where = tuple[str, int, int]


@dataclass
class _Source:
    file: str
    values: dict[Path, Position]
    keys: dict[Path, Position]


@dataclass
class Locator:
    """Positions of every value and key of a plan, across the files it was merged from.

    The reader's position tables are referenced, not copied; a folder plan's list entries are mapped
    from their index in the merged plan back to the file and index they were written at.

    Attributes:
        default_file: The file named when nothing more precise is known.
    """

    default_file: str
    sources: list[_Source] = field(default_factory=list)
    entries: dict[tuple[str | int, ...], tuple[int, tuple[str | int, ...]]] = field(default_factory=dict)
    owners: dict[str | int, int] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: YamlDocument, file: str) -> Locator:
        """Build a locator for one file's document."""
        loc = cls(file)
        loc.add(doc, file)
        return loc

    def add(self, doc: YamlDocument, file: str, remap: dict[Path, Path] | None = None) -> None:
        """Add the positions of ``doc``; ``remap`` maps its ``(section, index)`` to the merged plan's."""
        index = len(self.sources)
        self.sources.append(_Source(file, doc.positions, doc.key_positions))
        for local, merged in (remap or {}).items():
            self.entries[merged] = (index, local)
        if isinstance(doc.data, dict):
            for key in doc.data:
                self.owners.setdefault(key, index)

    def locate(self, path: Path, *, key: bool = False) -> Where:
        """Return where ``path`` (or its nearest located ancestor) is written."""
        path = tuple(path)
        if not self.sources:
            return (self.default_file, 1, 1)
        index = 0
        if len(path) >= 2 and path[:2] in self.entries:
            index, local = self.entries[path[:2]]
            path = local + path[2:]
        elif path and path[0] in self.owners:
            index = self.owners[path[0]]
        source = self.sources[index]
        probe = path
        while True:
            if key and probe in source.keys:
                return (source.file, *source.keys[probe])
            if probe in source.values:
                return (source.file, *source.values[probe])
            if not probe:
                return (source.file, 1, 1)
            probe = probe[:-1]


@dataclass
class MergedLocator(Locator):
    """Positions across the files of a folder plan, each file with a locator of its own.

    Routes a path of the merged plan to the file and local path it was written at (as :class:`Locator`
    does with position tables), then asks that file's locator, so a file read on the fast path still
    finds positions only on demand.
    """

    locators: list[Locator] = field(default_factory=list)

    def add_locator(self, locator: Locator, data: object, remap: dict[Path, Path] | None = None) -> None:
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
