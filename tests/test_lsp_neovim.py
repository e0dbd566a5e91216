"""End to end: Debian's Neovim (its built-in LSP client, headless) against ``kamplan lsp`` on a demo plan."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NVIM = shutil.which("nvim")
pytestmark = pytest.mark.skipif(NVIM is None, reason="Neovim is not installed (.ci/run installs Debian's neovim)")


def test_neovim_gets_diagnostics_hover_definition_and_completion(tmp_path: Path):
    shutil.copy(ROOT / "kamplan.yaml", tmp_path / "kamplan.yaml")
    shutil.copytree(ROOT / "account_plans", tmp_path / "account_plans")
    plan = tmp_path / "account_plans" / "nordwind-logistics.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("    reports_to: falk\n", "    reports_to: flak\n"), encoding="utf-8")
    out = tmp_path / "nvim.json"
    env = {**os.environ, "KAMPLAN_NVIM_OUT": str(out), "KAMPLAN_PYTHON": sys.executable, "KAMPLAN_PLAN": str(plan)}
    script = ROOT / "tests" / "editors" / "neovim_drive.lua"
    subprocess.run([NVIM, "--headless", "--clean", "-u", "NONE", "-c", f"luafile {script}"],
                   env=env, cwd=tmp_path, timeout=120, check=True, capture_output=True)
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["waited"] is True
    cli = subprocess.run([sys.executable, "-m", "kamplan", "validate", "--format", "json"], cwd=tmp_path,
                         capture_output=True, text=True, check=False).stdout
    expected = [(d["code"], d["line"] - 1, d["column"] - 1) for d in json.loads(cli[:cli.rindex("]") + 1])
                if d["file"].endswith("nordwind-logistics.yaml")]
    assert [(d["code"], d["lnum"], d["col"]) for d in seen["diagnostics"]] == expected
    e301 = next(d for d in seen["diagnostics"] if d["code"] == "E301")
    assert e301["message"] == "unknown stakeholder 'flak' (stakeholders[6].reports_to)" and e301["severity"] == 1
    assert seen["hover"].startswith("**Ingrid Larsen** (stakeholder `larsen`)")
    assert seen["definition"] == text[:text.index("- id: larsen")].count("\n")
    assert {"champion", "blocker", "neutral"} <= set(seen["completion"])
