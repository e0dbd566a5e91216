"""A plans repository is data until its user trusts its code; a cache is trusted only when this user wrote it.

Each test reproduces an attack on the previous main: a cloned repository's plugins/ ran on every command,
and a cache entry forged with kamplan's own key functions made ``validate --strict`` pass a broken plan.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from tests.conftest import read_signed, write_signed

from kamplan.engine import store as store_module

EVIL = """
import pathlib

pathlib.Path({marker!r}).write_text("ran")

import kamplan

@kamplan.hookimpl
def register_rules(register):
    register("LOCAL1", lambda account: [kamplan.Finding("local rule ran", ("account",))])
"""


@pytest.fixture
def cloned(small_portfolio_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A freshly cloned plans repository whose plugins/ would leave a marker file if it ran."""
    marker = tmp_path / "plugin-ran"
    plugins = small_portfolio_dir / "plugins"
    plugins.mkdir()
    (plugins / "evil.py").write_text(EVIL.format(marker=str(marker)), encoding="utf-8")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=small_portfolio_dir, check=True)
    subprocess.run([*git, "add", "."], cwd=small_portfolio_dir, check=True)
    subprocess.run([*git, "commit", "-qm", "plans"], cwd=small_portfolio_dir, check=True)
    return small_portfolio_dir, marker


COMMANDS = [
    ("validate",), ("plugins",), ("score",), ("kpi",), ("recommend",), ("report", "alpha"),
    ("chart", "alpha", "-o", "-"),
    ("diff", "HEAD"), ("no-such-command",), ("validate", "account_plans/alpha.yaml"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_a_cloned_repositorys_plugins_do_not_run(cli, cloned, args):
    root, marker = cloned
    result = cli(*args, cwd=root)
    assert not marker.exists()
    assert "LOCAL1" not in result.out
    if args != ("no-such-command",):
        assert "is not trusted, so its code did not run" in result.err
        assert f"kamplan trust {root.resolve()}" in result.err


def test_not_from_a_subfolder_nor_through_a_path_argument(cli, cloned, tmp_path):
    root, marker = cloned
    cli("validate", cwd=root / "account_plans")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = cli("validate", str(root / "account_plans" / "beta.yaml"), cwd=elsewhere)
    assert not marker.exists() and "not trusted" in result.err


def test_trust_runs_it_until_a_file_changes(cli, cloned):
    root, marker = cloned
    told = cli("trust", cwd=root)
    assert told.code == 0 and "evil.py" in told.err
    result = cli("validate", "--format", "json", cwd=root)
    assert marker.exists() and "LOCAL1" in result.out and "not trusted" not in result.err
    listing = json.loads(cli("trust", "--list", "--format", "json", cwd=root).out)
    assert [(r["folder"], r["status"]) for r in listing] == [(str((root / "plugins").resolve()), "trusted")]
    marker.unlink()
    (root / "plugins" / "helper").mkdir()
    (root / "plugins" / "helper" / "more.py").write_text("X = 1\n", encoding="utf-8")  # any code file counts
    result = cli("validate", "--format", "json", cwd=root)
    assert not marker.exists() and "changed since you trusted it" in result.err
    assert json.loads(cli("trust", "--list", "--format", "json", cwd=root).out)[0]["status"] == "changed"
    cli("trust", str(root), cwd=root.parent)
    assert "LOCAL1" in cli("validate", "--format", "json", cwd=root).out
    marker.unlink(missing_ok=True)
    assert "no longer trusted" in cli("trust", "--revoke", cwd=root).err
    result = cli("validate", "--format", "json", cwd=root)
    assert not marker.exists() and "LOCAL1" not in result.out
    assert not list(root.rglob("trusted.json"))  # the record is the user's, never in the repository


def test_an_empty_allowlist_stops_even_a_trusted_folder(cli, cloned, monkeypatch):
    root, marker = cloned
    cli("trust", cwd=root)
    monkeypatch.setenv("KAMPLAN_LOAD_PLUGINS", "")
    cli("validate", cwd=root)
    assert not marker.exists()
    monkeypatch.setenv("KAMPLAN_LOAD_PLUGINS", "evil")
    cli("validate", cwd=root)
    assert marker.exists()


def test_plugins_dir_is_a_one_off_trust_and_the_ci_switch_trusts(cli, cloned, monkeypatch):
    root, marker = cloned
    result = cli("validate", "--plugins-dir", "plugins", "--format", "json", cwd=root)
    assert marker.exists() and "LOCAL1" in result.out and "not trusted" not in result.err
    marker.unlink()
    cli("validate", cwd=root)
    assert not marker.exists()  # only for that one command
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")
    assert "LOCAL1" in cli("validate", "--no-cache", "--format", "json", cwd=root).out and marker.exists()


def test_trust_needs_a_plugins_folder(cli, small_portfolio_dir, tmp_path):
    assert "has no plugins/ folder" in cli("trust", cwd=small_portfolio_dir).err
    assert "no kamplan.yaml" in cli("trust", str(tmp_path), cwd=tmp_path).err


# -- caches ----------------------------------------------------------------------------------------
BROKEN = textwrap.dedent("""\
    kamplan: 1
    account: {id: gamma, name: Gamma}
    stakeholders:
      - {id: ann, name: Ann, reports_to: nobody}
""")


def _forge(cache: Path) -> None:
    """Rewrite every entry to say "no errors, no warnings", as an attacker with kamplan's code can."""
    from kamplan.userdirs import user_key

    key = user_key()
    assert key is not None
    for store in cache.glob("engine-*[0-9a-f].json"):
        data = read_signed(store)
        write_signed(store, {k: {**v, "text": "", "errors": 0, "warnings": 0, "first": None, "last": None}
                             for k, v in data.items()})
    for rows in cache.glob("engine-*.rows.json"):
        write_signed(rows, dict.fromkeys(read_signed(rows), "[]"))


def test_a_forged_committed_cache_cannot_pass_a_broken_plan(cli, small_portfolio_dir, tmp_path, monkeypatch):
    root = small_portfolio_dir
    (root / "account_plans" / "gamma.yaml").write_text(BROKEN, encoding="utf-8")
    honest = cli("validate", "--strict", "--no-cache", cwd=root)
    assert honest.code == 1 and "E301" in honest.out
    # the attacker: another user (another key) builds and forges the cache, and commits it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker-cache"))
    cli("validate", cwd=root)
    _forge(root / ".kamplan_cache")
    assert cli("validate", "--strict", cwd=root).code == 0  # the forgery works for its author...
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "victim-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "victim-cache"))
    for args in (("validate", "--strict"), ("validate", "--format", "json"), ("score",), ("kpi",)):
        assert cli(*args, cwd=root).out == cli(*args, "--no-cache", cwd=root).out  # ...never for anyone else
    assert cli("validate", "--strict", cwd=root).code == 1


def test_a_tampered_own_cache_is_a_miss(cli, small_portfolio_dir):
    root = small_portfolio_dir
    (root / "account_plans" / "gamma.yaml").write_text(BROKEN, encoding="utf-8")
    cli("validate", cwd=root)
    cache = root / ".kamplan_cache"
    for store in cache.glob("engine-*.json"):  # edited in place, keeping the signature line
        raw = store.read_bytes()
        store.write_bytes(raw.replace(b'"errors":1', b'"errors":0'))
    for journal in cache.glob("*.journal"):
        journal.write_bytes(journal.read_bytes() + b"0" * 64 + b' ["x", {}]\n')
    assert cli("validate", "--strict", cwd=root).code == 1


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="changing a file's owner needs root")
def test_a_cache_file_owned_by_another_user_is_not_read(cli, small_portfolio_dir):
    root = small_portfolio_dir
    (root / "account_plans" / "gamma.yaml").write_text(BROKEN, encoding="utf-8")
    cli("validate", cwd=root)
    _forge(root / ".kamplan_cache")  # correctly signed, but the files are then given to another user
    for path in (root / ".kamplan_cache").iterdir():
        os.chown(path, 4242, 4242)
    assert cli("validate", "--strict", cwd=root).code == 1


def test_an_emptied_cache_gitignore_is_repaired(cli, small_portfolio_dir):
    root = small_portfolio_dir
    cli("validate", cwd=root)
    gitignore = root / ".kamplan_cache" / ".gitignore"
    assert gitignore.read_text() == "*\n"
    gitignore.write_text("")  # what a full disk leaves behind
    (root / "account_plans" / "alpha.yaml").write_text(
        (root / "account_plans" / "alpha.yaml").read_text() + "\n", encoding="utf-8")
    cli("validate", cwd=root)
    assert gitignore.read_text() == "*\n"


def test_no_usable_user_key_means_no_cache(cli, small_portfolio_dir, tmp_path, monkeypatch):
    home = tmp_path / "ro-cache"
    home.mkdir()
    (home / "kamplan").write_text("a file where the folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    result = cli("validate", cwd=small_portfolio_dir)
    assert result.code == 0 and not (small_portfolio_dir / ".kamplan_cache").exists()


def test_a_compiled_graphviz_module_is_used_only_when_signed_by_this_user(tmp_path, monkeypatch):
    from kamplan.render import engines

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KAMPLAN_GRAPHVIZ_CACHE", raising=False)
    engines.Embedded._instance = None
    first = engines.Embedded()
    cached = next((tmp_path / "cache" / "kamplan").glob("graphviz-*.cwasm"))
    import wasmtime

    loaded: list[int] = []
    real = wasmtime.Module.deserialize

    def spy(engine, data):
        loaded.append(len(data))
        return real(engine, data)

    monkeypatch.setattr(wasmtime.Module, "deserialize", staticmethod(spy))
    engines.Embedded()
    assert len(loaded) == 1  # this user's signed copy is used
    raw = cached.read_bytes()
    cached.write_bytes(raw[:64] + b"\n" + raw[65:-16] + b"\x90" * 16)  # machine code changed, signature kept
    again = engines.Embedded()
    assert len(loaded) == 1  # not deserialised: compiled again
    assert first is not again
    shutil.copy(cached, tmp_path / "copy")
    assert read_signed_bytes(cached) is not None  # and the rewritten copy is signed again
    engines.Embedded._instance = None


def read_signed_bytes(path: Path) -> bytes | None:
    from kamplan.userdirs import read_own, unsigned, user_key

    key = user_key()
    assert key is not None
    return unsigned(key, path.name, read_own(path))


def test_store_refuses_unsigned_records(tmp_path):
    from kamplan.userdirs import user_key

    key = user_key()
    assert key is not None
    path = tmp_path / "engine-x.json"
    path.write_text(json.dumps({"k": 1}))
    assert store_module.JournaledJson(path, key).get("k") is None
    store = store_module.JournaledJson(path, key)
    store.put("k", 2)
    store.save()
    assert store_module.JournaledJson(path, key).get("k") == 2
    assert store_module.JournaledJson(path, b"\0" * 32).get("k") is None
