"""Map field paths of a (possibly merged) plan back to file, line and column."""

from __future__ import annotations

from dataclasses import dataclass, field

from kamplan.yamlread import Path, YamlDocument

Where = tuple[str, int, int]


@dataclass
class Locator:
    """Positions of every value and key of a plan, across the files it was merged from.

    Attributes:
        default_file: The file named when nothing more precise is known.
        values: Field path -> (file, line, column) of the value.
        keys: Field path -> (file, line, column) of the key holding the value.
    """

    default_file: str
    values: dict[Path, Where] = field(default_factory=dict)
    keys: dict[Path, Where] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: YamlDocument, file: str) -> Locator:
        """Build a locator for one file's document."""
        loc = cls(file)
        loc.add(doc, file)
        return loc

    def add(self, doc: YamlDocument, file: str, remap: dict[Path, Path] | None = None) -> None:
        """Add the positions of ``doc``; ``remap`` renames path prefixes (folder-plan list offsets)."""
        for table, target in ((doc.positions, self.values), (doc.key_positions, self.keys)):
            for path, (line, column) in table.items():
                target[_remap(path, remap)] = (file, line, column)

    def locate(self, path: Path, *, key: bool = False) -> Where:
        """Return where ``path`` (or its nearest located ancestor) is written."""
        probe = tuple(path)
        while True:
            if key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return (self.default_file, 1, 1)
            probe = probe[:-1]


def _remap(path: Path, remap: dict[Path, Path] | None) -> Path:
    if not remap or len(path) < 2:
        return path
    prefix = path[:2]
    if prefix in remap:
        return remap[prefix] + path[2:]
    return path
