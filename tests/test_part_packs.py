"""The packed part store (kamplan.engine.store.FileParts): what it keeps, forgets and refuses."""

from __future__ import annotations

import os

import pytest

from kamplan.engine.store import FileParts

KEY = b"k" * 32


def _store(tmp_path):
    return FileParts(tmp_path / "engine-5-ctx.rec_top", KEY)


def test_parts_saved_in_one_pack_read_back_by_a_new_reader(tmp_path):
    store = _store(tmp_path)
    texts = {f"{i:064x}": f"part {i} \u0436\n\"quoted\"" for i in range(50)}
    for key, text in texts.items():
        store.put(key, text)
    store.save()
    assert len(list(store.folder.glob("pack-*.bin"))) == 1
    again = _store(tmp_path)
    assert {key: again.get(key) for key in texts} == texts
    assert again.get("f" * 64) is None


def test_a_part_put_but_not_yet_saved_reads_back_as_its_text(tmp_path):
    """A new part is kept as its signed record until the save; reading it gives the text put."""
    store = _store(tmp_path)
    store.put("a" * 64, "new \u0436\x00 part")
    assert store.get("a" * 64) == "new \u0436\x00 part"
    assert not store.folder.exists()  # nothing is written before the save


def test_many_saves_are_compacted_and_old_packs_removed(tmp_path, monkeypatch):
    store = _store(tmp_path)
    for i in range(FileParts.MAX_PACKS + 3):
        store.put(f"{i:064x}", f"part {i}")
        store.save()
        for pack in store.folder.glob("pack-*.bin"):  # as if written long ago: removable once unused
            os.utime(pack, (1, 1))
    packs = list(store.folder.glob("pack-*.bin"))
    assert len(packs) <= FileParts.MAX_PACKS
    again = _store(tmp_path)
    assert [again.get(f"{i:064x}") for i in range(FileParts.MAX_PACKS + 3)] == [
        f"part {i}" for i in range(FileParts.MAX_PACKS + 3)]


def test_pruned_parts_are_forgotten_and_their_pack_removed(tmp_path):
    store = _store(tmp_path)
    store.put("a" * 64, "old")
    store.save()
    for pack in store.folder.glob("pack-*.bin"):
        os.utime(pack, (1, 1))
    store.put("b" * 64, "new")
    store.save(prune={"a" * 64})
    again = _store(tmp_path)
    assert again.get("a" * 64) is None and again.get("b" * 64) == "new"
    assert len(list(store.folder.glob("pack-*.bin"))) == 1


@pytest.mark.parametrize("damage", ["missing pack", "truncated pack", "flipped byte", "moved record"])
def test_a_damaged_pack_is_a_miss_never_a_wrong_part(tmp_path, damage):
    store = _store(tmp_path)
    store.put("a" * 64, "first part")
    store.put("b" * 64, "second part")
    store.save()
    pack = next(store.folder.glob("pack-*.bin"))
    raw = pack.read_bytes()
    if damage == "missing pack":
        pack.unlink()
    elif damage == "truncated pack":
        pack.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped byte":
        pack.write_bytes(raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:])
    else:  # the second record copied over the first: signed, but for another key
        first = raw.index(b"first part") + len(b"first part")
        pack.write_bytes(raw[first:] + raw[first:])
    again = _store(tmp_path)
    found = [again.get("a" * 64), again.get("b" * 64)]
    assert all(text in (None, expected) for text, expected in zip(found, ["first part", "second part"], strict=True))
    assert found != ["first part", "second part"]


def test_a_pack_signed_with_another_key_is_not_read(tmp_path):
    store = _store(tmp_path)
    store.put("a" * 64, "part")
    store.save()
    assert FileParts(store.folder, b"x" * 32).get("a" * 64) is None
