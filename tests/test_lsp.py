"""``kamplan lsp`` driven by a real LSP client (pytest-lsp) over stdio, on a copy of the demo portfolio."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]


def _portfolio(tmp: Path) -> Path:
    shutil.copy(ROOT / "kamplan.yaml", tmp / "kamplan.yaml")
    shutil.copytree(ROOT / "account_plans", tmp / "account_plans")
    return tmp


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    return _portfolio(tmp_path)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "kamplan", "lsp"]))
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest):
    root: Path = request.getfixturevalue("portfolio")
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri()))
    yield
    await lsp_client.shutdown_session()


def _position(text: str, needle: str, offset: int = 0, occurrence: int = 0) -> lsp.Position:
    """Where ``needle`` (its ``occurrence``-th copy) starts, plus ``offset`` characters (test helper only)."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at)
    return lsp.Position(line, at - (text.rfind("\n", 0, at) + 1) + offset)


async def _published(client: LanguageClient, path: Path) -> None:
    """Wait until the server has published the diagnostics of ``path`` (forgotten by the caller first).

    The server publishes every file of the portfolio that has diagnostics and the file that changed
    last (even with none), so once it is back, the whole round has arrived. Polled, not awaited as a
    notification: several notifications can arrive between two awaits.
    """
    for _ in range(1500):
        if path.as_uri() in client.diagnostics:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics published for {path}")


async def _open(client: LanguageClient, path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    client.diagnostics.pop(path.as_uri(), None)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        lsp.TextDocumentItem(uri=path.as_uri(), language_id="yaml", version=1, text=text)))
    await _published(client, path)
    return text


async def _change(client: LanguageClient, path: Path, text: str, version: int = 2) -> list[lsp.Diagnostic]:
    client.diagnostics.pop(path.as_uri(), None)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        lsp.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
        [lsp.TextDocumentContentChangeWholeDocument(text=text)]))
    await _published(client, path)
    return list(client.diagnostics[path.as_uri()])


def _refs(uri: lsp.TextDocumentIdentifier, at: lsp.Position) -> lsp.ReferenceParams:
    return lsp.ReferenceParams(text_document=uri, position=at, context=lsp.ReferenceContext(include_declaration=False))


def _validate(root: Path) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "kamplan", "validate", "--format", "json"], cwd=root,
                         capture_output=True, text=True, check=False).stdout
    return json.loads(out[:out.rindex("]") + 1])


@pytest.mark.asyncio
async def test_diagnostics_are_those_of_validate_on_open_and_as_you_type(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    expected = [(d["code"], d["line"] - 1, d["column"] - 1, f"{d['message']} ({d['path']})")
                for d in _validate(portfolio) if d["file"].endswith("nordwind-logistics.yaml")]
    got = [(d.code, d.range.start.line, d.range.start.character, d.message) for d in client.diagnostics[plan.as_uri()]]
    assert got == expected and len(got) >= 5
    # a typo in a reference, not saved: E301 at the value, ranged over it
    typo = text.replace("    reports_to: falk\n", "    reports_to: flak\n")
    found = await _change(client, plan, typo)
    e301 = [d for d in found if d.code == "E301"]
    assert [d.message for d in e301] == ["unknown stakeholder 'flak' (stakeholders[6].reports_to)"]
    key = _position(typo, "reports_to: flak")  # where validate points: the key of the reference
    assert e301[0].range == lsp.Range(key, lsp.Position(key.line, key.character + len("reports_to")))
    assert e301[0].severity == lsp.DiagnosticSeverity.Error
    # the file on disk is untouched, and the CLI (reading disk) has no E301
    assert plan.read_text(encoding="utf-8") == text
    assert not [d for d in _validate(portfolio) if d["code"] == "E301"]
    # quick fix: the closest known id
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), e301[0].range, lsp.CodeActionContext(diagnostics=e301)))
    assert actions and actions[0].title == "Change to 'falk'"
    edit = actions[0].edit.changes[plan.as_uri()][0]
    value = _position(typo, "reports_to: flak", len("reports_to: "))
    assert (edit.new_text, edit.range) == ("falk", lsp.Range(value, lsp.Position(value.line, value.character + 4)))
    # fixed again: the error goes away
    assert not [d for d in await _change(client, plan, text, 3) if d.code == "E301"]


@pytest.mark.asyncio
async def test_an_unknown_field_gets_a_did_you_mean_fix(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    broken = text.replace("    reports_to: falk\n", "    report_to: falk\n")
    e202 = [d for d in await _change(client, plan, broken) if d.code == "E202"]
    assert e202 and "did you mean 'reports_to'?" in e202[0].message
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), e202[0].range, lsp.CodeActionContext(diagnostics=e202)))
    assert actions[0].edit.changes[plan.as_uri()][0].new_text == "reports_to"


@pytest.mark.asyncio
async def test_completion_of_ids_and_of_allowed_values(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    typing = text.replace("    reports_to: falk\n", "    reports_to: \n")
    await _change(client, plan, typing)
    where = _position(typing, "    reports_to: \n", len("    reports_to: "))
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), where))
    labels = {item.label: item.detail for item in result.items}
    assert {"weber", "larsen", "falk", "costa"} <= set(labels) and "jdoe" not in labels
    assert labels["larsen"] == "stakeholder: Ingrid Larsen"
    # a prefix narrows it; a team member where a team member is expected
    typing = typing.replace("    reports_to: \n", "    reports_to: la\n")
    await _change(client, plan, typing, 3)
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), lsp.Position(where.line, where.character + 2)))
    assert [i.label for i in result.items] == ["larsen"]
    owner = _position(text, "owner: ", len("owner: "))
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), owner))
    assert {"jdoe", "mkumar"} <= {i.label for i in result.items}
    attitude = _position(text, "attitude: ", len("attitude: "))
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), attitude))
    assert {i.label for i in result.items} == {"champion", "supporter", "neutral", "skeptic", "blocker", "unknown"}


@pytest.mark.asyncio
async def test_hover_definition_references_and_outline(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    uri = lsp.TextDocumentIdentifier(plan.as_uri())
    on_ref = _position(text, "reports_to: larsen", len("reports_to: ") + 1)
    card = await client.text_document_hover_async(lsp.HoverParams(uri, on_ref))
    body = card.contents.value
    assert body.startswith("**Ingrid Larsen** (stakeholder `larsen`)")
    assert "Chief Information Officer" in body and "attitude: champion" in body and "covered by: jdoe (strong" in body
    found = await client.text_document_definition_async(lsp.DefinitionParams(uri, on_ref))
    definition = _position(text, "- id: larsen", len("- id: "))
    assert [(d.uri, d.range.start) for d in found] == [(plan.as_uri(), definition)]
    refs = await client.text_document_references_async(_refs(uri, on_ref))
    # 16 words "larsen" in the file: the definition, two inside her e-mail and LinkedIn URL, 13 references
    # (reports_to, relationships, influence, sponsors, decided_by, an interaction's stakeholders...)
    assert len(refs) == 13
    lines = text.splitlines()
    assert all(lines[r.range.start.line][r.range.start.character:r.range.end.character] == "larsen" for r in refs)
    team = await client.text_document_hover_async(lsp.HoverParams(uri, _position(text, "- id: jdoe", 7)))
    assert "Jane Doe" in team.contents.value and "role: kam" in team.contents.value
    # a team member from kamplan.yaml: definition in the plan's team list and in kamplan.yaml's people
    config = portfolio / "kamplan.yaml"
    targets = await client.text_document_definition_async(lsp.DefinitionParams(
        uri, _position(text, "owner: jdoe", len("owner: "))))
    assert {t.uri for t in targets} == {plan.as_uri(), config.as_uri()}
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(uri))
    names = [s.name for s in symbols]
    assert names[:4] == ["kamplan", "account", "units", "offerings"] and "stakeholders" in names
    people = next(s for s in symbols if s.name == "stakeholders").children
    assert [p.name for p in people][:3] == ["weber", "hoffmann", "larsen"] and people[2].detail == "Ingrid Larsen"


@pytest.mark.asyncio
async def test_rename_everywhere_and_refusals(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    uri = lsp.TextDocumentIdentifier(plan.as_uri())
    at = _position(text, "- id: larsen", len("- id: "))
    edit = await client.text_document_rename_async(lsp.RenameParams(uri, at, "ingrid"))
    edits = edit.changes[plan.as_uri()]
    assert len(edits) == 1 + len(await client.text_document_references_async(_refs(uri, at)))
    lines = text.splitlines()
    for change in edits:
        line = lines[change.range.start.line]
        assert line[change.range.start.character:change.range.end.character] == "larsen"
    for bad, why in (("Ingrid Larsen", "not a valid id"), ("weber", "already taken")):
        with pytest.raises(Exception, match=why):
            await client.text_document_rename_async(lsp.RenameParams(uri, at, bad))


@pytest.mark.asyncio
async def test_a_folder_plan_across_its_files(client: LanguageClient, portfolio: Path):
    folder = portfolio / "account_plans" / "sibtelecom"
    regions = folder / "stakeholders-regions.yaml"
    text = await _open(client, regions)
    uri = lsp.TextDocumentIdentifier(regions.as_uri())
    target_id = re.search(r"reports_to: ([a-z0-9_.-]+)", text).group(1)
    where = _position(text, f"reports_to: {target_id}", len("reports_to: "))
    found = await client.text_document_definition_async(lsp.DefinitionParams(uri, where))
    header = (folder / "plan.yaml").read_text(encoding="utf-8")
    assert [d.uri for d in found] == [(folder / "plan.yaml").as_uri()]
    assert found[0].range.start == _position(header, f"id: {target_id}", len("id: "))
    # a broken reference in the fragment is reported in the fragment
    broken = text.replace(f"reports_to: {target_id}", "reports_to: nobody-here", 1)
    e301 = [d for d in await _change(client, regions, broken) if d.code == "E301"]
    assert len(e301) == 1 and "nobody-here" in e301[0].message


@pytest.mark.asyncio
async def test_an_unsaved_kamplan_yaml_counts(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    await _open(client, plan)
    assert any(d.code == "W404" for d in client.diagnostics[plan.as_uri()])  # stale at 90 days
    config = portfolio / "kamplan.yaml"
    text = await _open(client, config)
    await _change(client, config, text.replace("stale_contact_days: 90", "stale_contact_days: 400"))
    assert not any(d.code == "W404" for d in client.diagnostics[plan.as_uri()])
    assert "stale_contact_days: 90" in config.read_text(encoding="utf-8")  # nothing saved


@pytest.mark.asyncio
async def test_positions_are_utf16_code_units(client: LanguageClient, portfolio: Path):
    plan = portfolio / "account_plans" / "nordwind-logistics.yaml"
    text = await _open(client, plan)
    line = '  - {id: emo, name: "\U0001F642 Emil Mood", reports_to: flak}\n'
    edited = text.replace("relationships:\n", "", 0).replace("\nrelationships:\n", "\n" + line + "relationships:\n", 1)
    found = [d for d in await _change(client, plan, edited) if d.code == "E301"]
    assert len(found) == 1
    # the emoji is one code point but two UTF-16 units: the key starts one unit later than its code point
    code_points = line.index("reports_to")
    assert found[0].range.start.character == code_points + 1
    where = lsp.Position(found[0].range.start.line, code_points + 1 + len("reports_to: "))
    result = await client.text_document_completion_async(lsp.CompletionParams(
        lsp.TextDocumentIdentifier(plan.as_uri()), where))
    assert "falk" in {i.label for i in result.items}
