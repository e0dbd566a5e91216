"""``kamplan plugins new``: each kind of package installs with pip, is listed, and passes its own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KINDS = {"rule": "register_rules", "scorer": "register_scorers", "recommender": "register_recommenders",
         "exporter": "register_exporters", "importer": "register_importers"}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_scaffolded_plugin_works_as_generated(cli, tmp_path: Path, kind: str, small_portfolio_dir: Path):
    assert cli("plugins", "new", f"acme-{kind}", "--kind", kind, "-o", tmp_path).code == 0
    package = tmp_path / f"kamplan-acme-{kind}"
    assert {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()} == {
        "pyproject.toml", "README.md", f"src/kamplan_acme_{kind}/__init__.py", f"tests/test_acme_{kind}.py",
        ".github/workflows/tests.yml"}
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(package)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    kamplan_exe = Path(sys.executable).with_name("kamplan")
    listing = subprocess.run([kamplan_exe, "plugins", "--format", "json"], env=env, capture_output=True, text=True,
                             check=True, cwd=small_portfolio_dir)
    plugin = next(p for p in json.loads(listing.stdout) if p["name"] == f"kamplan_acme_{kind}")
    assert plugin["version"] == "0.1.0" and plugin["hooks"] == [KINDS[kind]]
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                           env=env, capture_output=True, text=True, cwd=tmp_path)
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout + tests.stderr


def test_plugins_new_refuses_a_bad_name_and_an_existing_folder(cli, tmp_path: Path):
    bad = cli("plugins", "new", "Bad Name", "-o", tmp_path)
    assert bad.code == 2 and "invalid plugin name" in bad.err
    assert cli("plugins", "new", "ok", "-o", tmp_path).code == 0
    again = cli("plugins", "new", "ok", "-o", tmp_path)
    assert again.code == 2 and "already exists" in again.err
    assert cli("plugins", "--format", "json").code == 0  # without a subcommand it still lists
