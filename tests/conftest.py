"""Shared test helpers: run the CLI in-process, find the shared data, write plans."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kamplan.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.is_dir():  # CI checks out main elsewhere; the shared data sits beside the project root
    SHARED = Path(os.environ.get("KAMPLAN_SHARED_DATA", "/work/shared/data"))


def field_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every field path of plain data, the root ``()`` first: ``("stakeholders", 3, "name")``."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += field_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += field_paths(value, (*prefix, i))
    return out


@pytest.fixture(scope="session")
def user_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test session's own user folders (config: trusted plugin folders; cache: the signing key)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def _own_user_folders(user_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the real user's trust records and cache key; CI's trust switch is off.

    Each test has its own config (trusted folders); the cache folder (the key, the compiled
    Graphviz) is shared by the session.
    """
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_home / "cache"))
    monkeypatch.delenv("KAMPLAN_TRUST_LOCAL_PLUGINS", raising=False)


@pytest.fixture
def trust_local_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run portfolios' own plugins/ folders, as CI does with KAMPLAN_TRUST_LOCAL_PLUGINS=1."""
    monkeypatch.setenv("KAMPLAN_TRUST_LOCAL_PLUGINS", "1")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``kamplan ARGS...`` in-process in folder ``cwd`` and capture what it prints."""

    def run(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[..., Path]:
    """Write a plan file (dedented) under ``tmp_path`` and return its path."""

    def write(text: str, name: str = "acme.yaml", folder: Path | None = None) -> Path:
        target = (folder or tmp_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    return write


@pytest.fixture
def shared() -> Path:
    """The shared real-world data folder."""
    if not SHARED.is_dir():
        pytest.fail(f"shared data not found at {SHARED}")
    return SHARED


VALID_PLAN = """\
kamplan: 1
account:
  name: ACME plc
  reviewed: 2026-10-01
units:
  - {id: hq, name: HQ}
team:
  - {id: jdoe, name: Jane Doe, role: kam}
stakeholders:
  - {id: ceo, name: Carla, unit: hq, roles: [economic_buyer], attitude: supporter}
  - {id: cfo, name: Frank, unit: hq, reports_to: ceo}
relationships:
  - {team: jdoe, stakeholder: ceo, strength: strong, last_contact: 2026-10-01}
"""


# A plugin that looks across accounts (after_portfolio_loaded): each finding says how many accounts it saw.
WHOLE_PORTFOLIO_PLUGIN = textwrap.dedent("""
    import kamplan

    SEEN = []

    @kamplan.hookimpl
    def after_portfolio_loaded(portfolio):
        SEEN.append(len(portfolio.accounts))

    @kamplan.hookimpl
    def register_rules(register):
        register("WHOLE1", lambda account: [kamplan.Finding(f"saw {SEEN[-1]} accounts", ("account",))])
""")


def exploding_rule(code: str, when: str = "True") -> str:
    """A local plugin whose rule ``code`` raises ``ValueError("bad data")`` on an account where ``when`` holds."""
    return textwrap.dedent(f"""
        import kamplan

        @kamplan.hookimpl
        def register_rules(register):
            def boom(account):
                if {when}:
                    raise ValueError("bad data")
                return []
            register("{code}", boom)
    """)


def read_signed(path: Path) -> Any:
    """A cache store's data, read as kamplan reads it (signed with this test session's user key)."""
    from kamplan.userdirs import read_own, unsigned, user_key

    key = user_key()
    assert key is not None
    payload = unsigned(key, path.name, read_own(path))
    assert payload is not None, f"{path} is not signed by this user"
    return json.loads(payload)


def write_signed(path: Path, data: Any, *, name: str | None = None) -> None:
    """Write a cache record signed with this session's user key: damage that only kamplan itself could make."""
    from kamplan.userdirs import signed, user_key

    key = user_key()
    assert key is not None
    payload = (data if isinstance(data, str) else json.dumps(data)).encode("utf-8")
    path.write_bytes(signed(key, name or path.name, payload))
