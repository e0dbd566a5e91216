"""Writes never destroy what they target, and import never moves or drops hand-written data.

Each test reproduces an attack on the previous main: ``-o /dev/null`` replaced the device with a file,
``fmt`` garbled a CRLF file with a BOM, ``import`` cleared ``reports_to`` when the export had no manager.
"""

from __future__ import annotations

import os
import stat
import textwrap
import threading
from pathlib import Path

import pytest

from kamplan.parse.reader import read_text
from kamplan.plugins import PluginHost
from kamplan.repo import merge
from kamplan.repo.merge import import_records

HOST = PluginHost(entry_points=False)


# -- -o --------------------------------------------------------------------------------------------
def test_output_into_a_fifo_and_a_device_writes_into_them(cli, small_portfolio_dir, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("chart", "alpha", "-o", str(fifo), cwd=small_portfolio_dir)
    reader.join(10)
    assert result.code == 0 and received and received[0].startswith(b"<?xml")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not a file put in its place
    link = tmp_path / "stdout"  # what /dev/stdout is: a symlink to the process's descriptor
    link.symlink_to(f"/proc/self/fd/{os.open(os.devnull, os.O_WRONLY)}")
    assert cli("chart", "alpha", "-o", str(link), cwd=small_portfolio_dir).code == 0
    assert link.is_symlink()
    assert cli("chart", "alpha", "-o", os.devnull, cwd=small_portfolio_dir).code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("target, message", [
    ("{tmp}", "is a folder: give a file name"),
    ("", "-o needs a file name"),
    ("{tmp}/missing/x.svg", "does not exist"),
    ("/proc/kamplan-x.svg", "cannot write /proc/kamplan-x.svg"),
])
def test_output_that_cannot_be_written_is_a_clear_error(cli, small_portfolio_dir, tmp_path, target, message):
    result = cli("chart", "alpha", "-o", target.format(tmp=tmp_path), cwd=small_portfolio_dir)
    assert result.code == 2 and message in result.err and "internal error" not in result.err


# -- fmt -------------------------------------------------------------------------------------------
UNORDERED = "kamplan: 1\nstakeholders:\n  - {id: ann, name: Ann}\naccount: {id: zz, name: ZZ}\n"
UNORDERED_BLOCK = textwrap.dedent("""\
    kamplan: 1
    stakeholders:   # people
      - id: ann
        name: Ann
        title: 2026-02-30
    account:
      id: zz
      name: ZZ
    custom:
      h: 2026-13-45
      e: ~
      nested: {f: ~, d: 2026-01-05}
""")


def _plan_file(root: Path, text: str | bytes, name: str = "zz.yaml") -> Path:
    path = root / "account_plans" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_fmt_keeps_crlf_bom_permissions_and_symlinks(cli, small_portfolio_dir, tmp_path):
    for text in (UNORDERED, UNORDERED_BLOCK):
        path = _plan_file(small_portfolio_dir, ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
        path.chmod(0o640)
        assert cli("fmt", str(path), cwd=small_portfolio_dir).code == 0
        raw = path.read_bytes()
        assert raw.startswith("\ufeff".encode()) and raw.count(b"\r\n") == raw.count(b"\n")
        assert raw.decode("utf-8-sig").replace("\r\n", "\n").index("account:") < raw.decode("utf-8-sig").index("stak")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert cli("fmt", "--check", str(path), cwd=small_portfolio_dir).code == 0
    real = tmp_path / "shared-plans" / "zz.yaml"
    real.parent.mkdir()
    real.write_text(UNORDERED, encoding="utf-8")
    path.unlink()
    path.symlink_to(real)
    assert cli("fmt", str(path), cwd=small_portfolio_dir).code == 0
    assert path.is_symlink() and real.read_text(encoding="utf-8").startswith("kamplan: 1\naccount:")


def test_fmt_refuses_a_read_only_file(cli, small_portfolio_dir):
    path = _plan_file(small_portfolio_dir, UNORDERED)
    path.chmod(0o444)
    result = cli("fmt", str(path), cwd=small_portfolio_dir)
    assert result.code == 2 and "is read-only: not changed" in result.err and "internal error" not in result.err
    assert path.read_text(encoding="utf-8") == UNORDERED


def test_fmt_keeps_tilde_and_date_like_text(cli, small_portfolio_dir):
    path = _plan_file(small_portfolio_dir, UNORDERED_BLOCK)
    assert cli("fmt", str(path), cwd=small_portfolio_dir).code == 0
    text = path.read_text(encoding="utf-8")
    assert "title: 2026-02-30" in text and "h: 2026-13-45" in text
    assert "e: ~" in text and "{f: ~, d: 2026-01-05}" in text
    assert "# people" in text and text.index("account:") < text.index("stakeholders:")


def test_fmt_keeps_what_a_yaml_1_1_directive_file_means(cli, small_portfolio_dir):
    text = ("%YAML 1.1\n---\nkamplan: 1\nstakeholders:\n  - {id: ann, name: Ann, notes: yes}\n"
            "account: {id: zz, name: ZZ}\ncustom: {flag: on, oct: 0755, sexa: 1:30, word: n}\n")
    path = _plan_file(small_portfolio_dir, text)
    before = read_text(text, "zz").data
    assert cli("fmt", str(path), cwd=small_portfolio_dir).code == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith("%YAML 1.1\n---\n") and "notes: yes" in after
    assert read_text(after, "zz").data == before


# -- import: files ---------------------------------------------------------------------------------
PLAN = textwrap.dedent("""\
    kamplan: 1
    account: {id: acme, name: ACME plc}
    stakeholders:
      - id: boss
        name: Alice Boss
      - id: bob
        name: Bob Builder
        reports_to: boss   # confirmed by Bob himself
        contact: {email: bob@acme.example}
        custom: {salesforce_id: 003B}
      - id: carl
        name: Carl Namesake
        custom: {salesforce_id: 003OLD}
      - id: dana
        name: Dana Shared
        contact: {email: team@acme.example}
        custom: {salesforce_id: 003DANA}
""")
EXPORT = ("Id,Name,Title,Email,ReportsToId\r\n"
          "003B,Bob Builder,CTO,bob@acme.example,\r\n"
          "003NEW,Carl Namesake,Engineer,,\r\n"
          "003X,Xavier Shared,Support,team@acme.example,\r\n")


@pytest.fixture
def acme(tmp_path, monkeypatch):
    (tmp_path / "kamplan.yaml").write_text("kamplan: 1\n", encoding="utf-8")
    (tmp_path / "account_plans").mkdir()
    plan = tmp_path / "account_plans" / "acme.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    export = tmp_path / "contacts.csv"
    export.write_text(EXPORT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return plan, export


def test_import_never_matches_a_person_with_another_crm_id_and_never_clears_reports_to(acme):
    plan, export = acme
    report = import_records("salesforce", export, "acme", host=HOST)
    assert report.written, report.errors
    text = plan.read_text(encoding="utf-8")
    assert "reports_to: boss   # confirmed by Bob himself" in text  # an empty manager cell is not "no manager"
    assert "title: CTO" in text
    assert sorted(report.added) == ["carl-namesake", "xavier-shared"]  # not merged into carl or dana
    assert "salesforce_id: 003OLD" in text and "salesforce_id: 003DANA" in text


def test_hubspot_without_a_manager_column_keeps_reports_to(acme):
    plan, _ = acme
    hubspot = plan.parent.parent / "hubspot.csv"
    hubspot.write_text("Record ID,First Name,Last Name,Email,Job Title\n"
                       "9,Bob,Builder,bob@acme.example,Chief Technology Officer\n", encoding="utf-8")
    import_records("hubspot", hubspot, "acme", host=HOST)
    text = plan.read_text(encoding="utf-8")
    assert "reports_to: boss   # confirmed by Bob himself" in text and "Chief Technology Officer" in text


def test_import_keeps_crlf_bom_permissions_and_symlinks(acme, tmp_path):
    plan, export = acme
    real = tmp_path / "elsewhere.yaml"
    real.write_bytes(("\ufeff" + PLAN.replace("\n", "\r\n")).encode("utf-8"))
    real.chmod(0o600)
    plan.unlink()
    plan.symlink_to(real)
    assert import_records("salesforce", export, "acme", host=HOST).written
    raw = real.read_bytes()
    assert plan.is_symlink() and raw.startswith("\ufeff".encode()) and raw.count(b"\r\n") == raw.count(b"\n")
    assert stat.S_IMODE(real.stat().st_mode) == 0o600 and b"Xavier Shared" in raw


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_dry_run_writes_nothing_anywhere(acme, tmp_path, monkeypatch):
    _, export = acme
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    before = _tree(tmp_path)
    report = import_records("salesforce", export, "acme", dry_run=True, host=HOST)
    assert report.changed and not report.written
    assert _tree(tmp_path) == before and not list(scratch.iterdir())


def test_an_interrupted_import_leaves_no_copy_behind(acme, monkeypatch):
    plan, export = acme
    before = sorted(os.listdir(plan.parent))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kamplan.fileio.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_records("salesforce", export, "acme", host=HOST)
    assert sorted(os.listdir(plan.parent)) == before and plan.read_text(encoding="utf-8") == PLAN


def test_a_second_plan_for_an_existing_account_is_refused(acme, cli):
    plan, export = acme
    result = cli("import", "salesforce", export, "--account", "acme", "--into", "account_plans/acme2.yaml")
    assert result.code == 2 and "already has a plan" in result.err
    assert not (plan.parent / "acme2.yaml").exists()


# -- import: folder plans --------------------------------------------------------------------------
def test_import_into_a_folder_plan(acme, cli):
    plan, export = acme
    folder = plan.parent / "acme"
    folder.mkdir()
    plan.unlink()
    head, people = PLAN.split("stakeholders:\n")
    (folder / "account.yaml").write_text(head, encoding="utf-8")
    bob_and_boss, others = people.split("  - id: carl\n")
    (folder / "people.yaml").write_text("stakeholders:\n" + bob_and_boss, encoding="utf-8")
    (folder / "more-people.yaml").write_text("# hand-written\nstakeholders:\n  - id: carl\n" + others,
                                            encoding="utf-8")
    before_more = (folder / "more-people.yaml").read_text(encoding="utf-8")
    result = cli("import", "salesforce", export, "--account", "acme")
    assert result.code == 0, result.err
    assert "title: CTO" in (folder / "people.yaml").read_text(encoding="utf-8")  # updated where defined
    assert "Xavier Shared" in (folder / "more-people.yaml").read_text(encoding="utf-8")  # the first file with people
    assert (folder / "account.yaml").read_text(encoding="utf-8") == head
    assert cli("validate", str(folder)).code == 0
    # --into one file of the folder: new people go there
    (folder / "more-people.yaml").write_text(before_more, encoding="utf-8")
    result = cli("import", "salesforce", export, "--account", "acme", "--into", str(folder / "more-people.yaml"))
    assert result.code == 0, result.err
    assert "Xavier Shared" in (folder / "more-people.yaml").read_text(encoding="utf-8")
    assert "Xavier" not in (folder / "people.yaml").read_text(encoding="utf-8")


def test_merge_module_validates_in_memory():
    assert not hasattr(merge, "tempfile") and not hasattr(merge, "shutil")
