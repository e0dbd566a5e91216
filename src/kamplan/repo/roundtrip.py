"""Comment-keeping YAML round trips (ruamel.yaml) shared by ``fmt`` and ``import``."""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from kamplan.parse.reader import FROM_STAND_INS, TO_STAND_INS, stands_in
from kamplan.repo.reorder_text import wanted_order

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class DateLikeText(str):
    """A plain scalar that looks like a date but is none (``2026-02-30``): kept exactly as written."""


def _timestamp_or_text(constructor: Any, node: Any) -> Any:
    try:
        return constructor.construct_yaml_timestamp(node)
    except ValueError:  # no such day or month: the plan's reader keeps it as text, so does the round trip
        return DateLikeText(node.value)


def _represent_date_like(representer: Any, data: DateLikeText) -> Any:
    return representer.represent_scalar(TIMESTAMP_TAG, str(data))  # resolves as written: stays plain


def yaml_rt() -> YAML:
    """A round-trip YAML instance: quotes, comments and flow style kept, no line re-wrapping."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 10_000
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.constructor.add_constructor(TIMESTAMP_TAG, _timestamp_or_text)
    yaml.representer.add_representer(DateLikeText, _represent_date_like)
    return yaml


_TILDE_NULL = re.compile(r"(?m)(?:[:\[,]|^[ \t]*-)[ \t]*~[ \t]*(?:[,}\]]|#.*$|$)")


def null_style(text: str) -> str:
    """How ``text`` writes an empty value: ``"~"`` when it uses ``key: ~`` anywhere, else nothing."""
    return "~" if _TILDE_NULL.search(text) else ""


def load_rt(text: str) -> Any:
    """Parse YAML text for a round trip (give the same ``text`` as ``source`` to :func:`dump_rt`).

    ruamel.yaml, like libyaml, takes NEL, LS and PS for line breaks and would fold them away; they
    travel through the round trip as the reader's stand-ins (:func:`kamplan.parse.reader.stands_in`).
    """
    return yaml_rt().load(text.translate(TO_STAND_INS) if stands_in(text) else text)


def dump_rt(data: Any, null: str = "", source: str | None = None) -> str:
    """Serialise round-trip data back to text.

    Args:
        data: Round-trip data.
        null: How to write an empty value (``"~"`` or nothing; see :func:`null_style`).
        source: The text ``data`` was loaded from, so that NEL, LS and PS come back as they were.
    """
    out = io.StringIO()
    yaml = yaml_rt()
    if null:
        yaml.representer.add_representer(
            type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", null))
    yaml.dump(data, out)
    text = out.getvalue()
    return text.translate(FROM_STAND_INS) if source is not None and stands_in(source) else text


def _is_block(node: Any) -> bool:
    return isinstance(node, CommentedMap | CommentedSeq) and len(node) > 0 and not node.fa.flow_style()


def _last_slot(node: Any) -> tuple[Any, Any, int] | None:
    """Where the comment after the last value of ``node`` lives: (container, key, index)."""
    if not _is_block(node):
        return None
    if isinstance(node, CommentedMap):
        key = next(reversed(node))
        slot = _last_slot(node[key])
        return slot or (node, key, 2)
    index = len(node) - 1
    slot = _last_slot(node[index])
    return slot or (node, index, 0)


def take_trailing(node: Any) -> str | None:
    """Detach the blank lines and comments that follow ``node`` (they belong between entries).

    The end-of-line comment of the last value stays where it is; what comes after its newline is
    returned so that :func:`put_trailing` can re-attach it after reordering.
    """
    slot = _last_slot(node)
    if slot is None:
        return None
    container, key, index = slot
    items = container.ca.items.get(key)
    if not items or items[index] is None:
        return None
    token = items[index]
    eol, _, rest = token.value.partition("\n")
    if not rest:
        return None
    token.value = eol + "\n"
    return rest


def put_trailing(node: Any, rest: str | None) -> None:
    """Re-attach text detached by :func:`take_trailing` after the (new) last value of ``node``."""
    if not rest:
        return
    slot = _last_slot(node)
    if slot is None:
        return
    container, key, index = slot
    items = container.ca.items.setdefault(key, [None, None, None, None])
    while len(items) <= index:
        items.append(None)
    token = items[index]
    if token is None:
        items[index] = CommentToken("\n" + rest, CommentMark(0), None)
    else:
        value = token.value if token.value.endswith("\n") else token.value + "\n"
        token.value = value + rest


def reorder(node: CommentedMap, order: list[str]) -> bool:
    """Put the keys of ``node`` in ``order`` (unknown keys after, as they were); comments kept.

    Returns:
        True when the order changed.
    """
    keys = list(node.keys())
    wanted = wanted_order(keys, order)
    if wanted == keys:
        return False
    trailing = take_trailing(node)
    for key in wanted:
        node.move_to_end(key)
    put_trailing(node, trailing)
    return True
