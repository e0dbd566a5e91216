"""The editor features over a :class:`~kamplan.lsp.workspace.Workspace`: completion, hover, definition,
references, rename, document symbols and code actions, as language server protocol values."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from kamplan.errors import Diagnostic
from kamplan.lsp.index import FieldPath, FileIndex, IdUse, Node, Span, utf16_column
from kamplan.lsp.workspace import Located, Workspace
from kamplan.plan.fields import SLUG
from kamplan.plan.references import REFERENCES, pattern_of

KIND_WORDS = {"unit": "unit", "offering": "offering", "team": "team member", "stakeholder": "stakeholder",
              "goal": "goal", "action": "action", "contract": "contract", "objective": "objective"}
SYMBOL_KINDS = {"stakeholders": lsp.SymbolKind.Object, "team": lsp.SymbolKind.Object,
                "units": lsp.SymbolKind.Namespace, "offerings": lsp.SymbolKind.Class}
_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'\?")
_UNKNOWN_ID = re.compile(r"unknown [a-z ]+ '([^']+)'")


def uri_of(path: Path) -> str:
    """The file URI of an absolute path."""
    return path.as_uri()


def to_range(span: Span) -> lsp.Range:
    """A span as an LSP range."""
    return lsp.Range(lsp.Position(span.line, span.character), lsp.Position(span.end_line, span.end_character))


def _location(found: Located) -> lsp.Location:
    return lsp.Location(uri_of(found.file), to_range(found.use.node.inner or found.use.node.span))


# -- diagnostics ------------------------------------------------------------------------------------
def to_lsp_diagnostic(diagnostic: Diagnostic, index: FileIndex) -> lsp.Diagnostic:
    """A kamplan diagnostic as an LSP one: the same code, message and start; the range to the end of
    the value or key written there (from the parsed YAML)."""
    line, character = max(diagnostic.line - 1, 0), max(diagnostic.column - 1, 0)
    if line < len(index.lines):  # kamplan counts code points; the protocol counts UTF-16 units
        character = utf16_column(index.lines[line], character)
    node = index.scalar_starting_at(line, character)
    end = (node.span.end_line, node.span.end_character) if (node and node.span.end_character > character) \
        or (node and node.span.end_line > line) else (line, character + 1)
    where = f" ({diagnostic.path})" if diagnostic.path else ""
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(line, character), lsp.Position(*end)),
        message=diagnostic.message + where,
        severity=lsp.DiagnosticSeverity.Error if diagnostic.severity == "error" else lsp.DiagnosticSeverity.Warning,
        code=diagnostic.code,
        source="kamplan",
        data={"path": diagnostic.path},
    )


# -- completion -------------------------------------------------------------------------------------
def _expected_kind(index: FileIndex, path: FieldPath) -> str | None:
    pattern = pattern_of(path)
    if index.config:
        return None
    return REFERENCES.get(pattern)


def _completion_target(index: FileIndex, line: int, character: int) -> tuple[FieldPath, str, Node | None] | None:
    """The field path being written at the cursor, the text typed so far, and the value node."""
    node = index.at(line, character)
    if node is not None and not node.is_key:
        typed = node.value[:max(0, character - (node.inner or node.span).character)] if node.value else ""
        return node.path, typed, node
    if node is None:
        container = index.container_at(line, character)
        if container is not None:
            return (*container.path, 0), "", None
    return None


def _enum_values(schema: dict[str, Any], path: FieldPath) -> list[str]:
    """The allowed values of the field at ``path`` per the plan's JSON Schema (empty when free)."""
    defs = schema.get("$defs", {})
    here: dict[str, Any] = schema
    for step in path:
        here = _resolve(here, defs)
        here = here.get("items", {}) if isinstance(step, int) else here.get("properties", {}).get(step, {})
    here = _resolve(here, defs)
    return [str(v) for v in here.get("enum", [])]


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        elif "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            node = options[0] if len(options) == 1 else next((o for o in options if "enum" in o or "$ref" in o
                                                               or "items" in o), options[0] if options else {})
            if not options:
                return {}
        else:
            return node


def _label(ws: Workspace, found: Located) -> str:
    """A definition's name (``name`` or ``title`` beside its id)."""
    index = ws.index(found.file)
    parent = found.use.node.path[:-1]
    for key in ("name", "title"):
        node = index.value((*parent, key))
        if node is not None and node.value:
            return node.value
    return ""


def completion(ws: Workspace, file: Path, line: int, character: int, schema: dict[str, Any]) -> lsp.CompletionList:
    """Ids where a reference is expected; allowed values where a field is an enum."""
    index = ws.index(file)
    target = _completion_target(index, line, character)
    items: list[lsp.CompletionItem] = []
    if target is not None:
        path, typed, node = target
        kind = _expected_kind(index, path)
        replace = to_range(node.inner or node.span) if node is not None and node.value else None
        if kind is not None:
            seen: set[str] = set()
            for found in ws.definitions(file, kind):
                ident = found.use.id
                if ident in seen or not ident.startswith(typed):
                    continue
                seen.add(ident)
                label = _label(ws, found)
                items.append(lsp.CompletionItem(
                    label=ident, kind=lsp.CompletionItemKind.Reference, detail=f"{KIND_WORDS[kind]}: {label}"
                    if label else KIND_WORDS[kind], filter_text=f"{ident} {label}",
                    text_edit=lsp.TextEdit(replace, ident) if replace else None))
        elif not index.config:
            for value in _enum_values(schema, path):
                if value.startswith(typed):
                    items.append(lsp.CompletionItem(label=value, kind=lsp.CompletionItemKind.EnumMember,
                                                    text_edit=lsp.TextEdit(replace, value) if replace else None))
    return lsp.CompletionList(is_incomplete=False, items=items)


# -- definition, references, rename ------------------------------------------------------------------
def _use_at(ws: Workspace, file: Path, line: int, character: int) -> IdUse | None:
    return ws.index(file).use_at(line, character)


def definition(ws: Workspace, file: Path, line: int, character: int) -> list[lsp.Location]:
    """Where the id at the cursor is defined (the plan's entry, and kamplan.yaml's for shared ids)."""
    use = _use_at(ws, file, line, character)
    if use is None:
        return []
    return [_location(f) for f in ws.definitions(file, use.kind) if f.use.id == use.id]


def references(ws: Workspace, file: Path, line: int, character: int, include_declaration: bool = True
               ) -> list[lsp.Location]:
    """Every use of the id at the cursor, across the plan's files (and the portfolio for shared ids)."""
    use = _use_at(ws, file, line, character)
    if use is None:
        return []
    found = ws.uses(ws.scope(file, use.kind), use.kind, use.id)
    return [_location(f) for f in found if include_declaration or not f.use.definition]


class RenameRefused(ValueError):
    """A rename that cannot be done (the message says why)."""


def prepare_rename(ws: Workspace, file: Path, line: int, character: int) -> lsp.Range | None:
    """The range of the id at the cursor, if it can be renamed."""
    use = _use_at(ws, file, line, character)
    return to_range(use.node.inner or use.node.span) if use else None


def rename(ws: Workspace, file: Path, line: int, character: int, new_id: str) -> lsp.WorkspaceEdit:
    """Rename the id at the cursor everywhere it is defined and referenced.

    Raises:
        RenameRefused: Nothing to rename there, the new name is not a valid id, or it is already taken.
    """
    use = _use_at(ws, file, line, character)
    if use is None:
        raise RenameRefused("there is no id here to rename")
    if not SLUG.fullmatch(new_id):
        raise RenameRefused(f"{new_id!r} is not a valid id: lower-case letters, digits, '_', '.' and '-', "
                            "starting with a letter or digit")
    scope = ws.scope(file, use.kind)
    if new_id != use.id and any(ws.uses(scope, use.kind, new_id)):
        raise RenameRefused(f"{KIND_WORDS[use.kind]} id {new_id!r} is already taken")
    changes: dict[str, list[lsp.TextEdit]] = {}
    for found in ws.uses(scope, use.kind, use.id):
        changes.setdefault(uri_of(found.file), []).append(
            lsp.TextEdit(to_range(found.use.node.inner or found.use.node.span), new_id))
    return lsp.WorkspaceEdit(changes=changes)


# -- hover ------------------------------------------------------------------------------------------
def _entries(ws: Workspace, files: list[Path], section: str) -> list[dict[str, str]]:
    found = []
    for file in files:
        index = ws.index(file)
        for node in index.nodes:
            if node.kind == "mapping" and len(node.path) == 2 and node.path[0] == section:
                found.append(index.fields(node.path))
    return found


def hover(ws: Workspace, file: Path, line: int, character: int) -> lsp.Hover | None:
    """A card for the id at the cursor: a person, a team member, an offering, a unit..."""
    use = _use_at(ws, file, line, character)
    if use is None:
        return None
    definitions = [f for f in ws.definitions(file, use.kind) if f.use.id == use.id]
    if not definitions:
        return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, f"unknown {KIND_WORDS[use.kind]} `{use.id}`"))
    first = definitions[0]
    card = ws.index(first.file).fields(first.use.node.path[:-1])
    for other in definitions[1:]:  # a team member's name and role may come from kamplan.yaml's people
        card = {**ws.index(other.file).fields(other.use.node.path[:-1]), **card}
    plan = ws.plan_of(file)
    plan_files = ws.files_of(plan) if plan is not None else []
    lines = [f"**{card.get('name') or card.get('title') or use.id}** ({KIND_WORDS[use.kind]} `{use.id}`)"]
    if use.kind == "stakeholder":
        lines += _person_card(ws, plan_files, card, use.id)
    elif use.kind == "team":
        lines += [f"role: {card['role']}"] if card.get("role") else []
        ties = [r for r in _entries(ws, plan_files, "relationships") if r.get("team") == use.id]
        lines.append(f"relationships in this plan: {len(ties)}"
                     + (" (" + ", ".join(f"{r.get('stakeholder')} {r.get('strength')}" for r in ties[:8]) + ")"
                        if ties else ""))
    else:
        lines += [f"{k}: {v}" for k, v in card.items() if k not in ("id", "name", "title") and v][:8]
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, "  \n".join(lines)),
                     range=to_range(use.node.inner or use.node.span))


def _person_card(ws: Workspace, files: list[Path], card: dict[str, str], person: str) -> list[str]:
    lines = []
    if card.get("title"):
        lines.append(card["title"] + (f", unit `{card['unit']}`" if card.get("unit") else ""))
    elif card.get("unit"):
        lines.append(f"unit `{card['unit']}`")
    facts = [f"{k}: {card[k]}" for k in ("roles", "attitude", "influence", "status") if card.get(k)]
    if facts:
        lines.append("; ".join(facts))
    ties = [r for r in _entries(ws, files, "relationships") if r.get("stakeholder") == person]
    if ties:
        lines.append("covered by: " + ", ".join(
            f"{r.get('team')} ({r.get('strength')}" + (f", last contact {r['last_contact']}" if r.get("last_contact")
                                                       else ", undated") + ")" for r in ties))
    else:
        lines.append("nobody of our team has a relationship with them")
    return lines


# -- document symbols -------------------------------------------------------------------------------
def document_symbols(ws: Workspace, file: Path) -> list[lsp.DocumentSymbol]:
    """The file's sections, with the entries of each (by id and name)."""
    index = ws.index(file)
    symbols = []
    for key in index.keys:
        if len(key.path) != 1:
            continue
        section = str(key.path[0])
        value = index.value(key.path)
        whole = Span(key.span.line, key.span.character, value.span.end_line, value.span.end_character) \
            if value else key.span
        children = []
        if value is not None and value.kind == "sequence":
            for node in index.nodes:
                if node.kind == "mapping" and len(node.path) == 2 and node.path[0] == section:
                    fields = index.fields(node.path)
                    ident = fields.get("id")
                    name = fields.get("name") or fields.get("title") or fields.get("decision") or ""
                    label = ident or name or f"{section}[{node.path[1]}]"
                    children.append(lsp.DocumentSymbol(
                        name=label, detail=name if ident else "", kind=SYMBOL_KINDS.get(section, lsp.SymbolKind.Field),
                        range=to_range(node.span), selection_range=to_range(_id_span(index, node) or node.span)))
        symbols.append(lsp.DocumentSymbol(name=section, kind=lsp.SymbolKind.Module, range=to_range(whole),
                                          selection_range=to_range(key.span), children=children or None))
    return symbols


def _id_span(index: FileIndex, entry: Node) -> Span | None:
    node = index.value((*entry.path, "id"))
    return node.span if node else None


# -- code actions -----------------------------------------------------------------------------------
def code_actions(ws: Workspace, file: Path, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    """Quick fixes: the field name a did-you-mean suggests (E202), the closest known id (E301)."""
    index = ws.index(file)
    actions = []
    for diagnostic in diagnostics:
        if diagnostic.code == "E202":
            match = _DID_YOU_MEAN.search(diagnostic.message)
            node = index.at(diagnostic.range.start.line, diagnostic.range.start.character)
            if match and node is not None and node.is_key:
                actions.append(_fix(file, f"Change to '{match.group(1)}'", node, match.group(1), diagnostic))
        elif diagnostic.code == "E301":
            node = index.at(diagnostic.range.start.line, diagnostic.range.start.character)
            if node is not None and node.is_key:  # validate points at the key of a single reference
                node = index.value(node.path)
            use = index.use_of(node) if node else None
            if use is None:
                continue
            known = sorted({f.use.id for f in ws.definitions(file, use.kind)})
            for candidate in difflib.get_close_matches(use.id, known, n=3, cutoff=0.5):
                actions.append(_fix(file, f"Change to '{candidate}'", use.node, candidate, diagnostic))
    return actions


def _fix(file: Path, title: str, node: Node, text: str, diagnostic: lsp.Diagnostic) -> lsp.CodeAction:
    edit = lsp.WorkspaceEdit(changes={uri_of(file): [lsp.TextEdit(to_range(node.inner or node.span), text)]})
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic], edit=edit,
                          is_preferred=True)

