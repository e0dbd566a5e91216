"""``kamplan lsp``: the language server (pygls, stdio) wiring the features to the protocol.

On open, change, save and close of a plan or kamplan.yaml, the portfolio's diagnostics are computed
(through the engine, the open documents as typed) and published for every file that has any, and
cleared for the files that had some before.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from kamplan import __version__
from kamplan.lsp import features
from kamplan.lsp.workspace import Workspace
from kamplan.plan.json_schema import json_schema


def path_of(uri: str) -> Path:
    """The absolute path of a ``file://`` URI."""
    return Path(os.path.abspath(unquote(urlparse(uri).path)))


class KamplanServer(LanguageServer):
    """The language server, with the workspace model and the files it has published diagnostics for."""

    def __init__(self) -> None:
        super().__init__("kamplan", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.model = Workspace()
        self.published: set[Path] = set()
        self.schema: dict[str, Any] = json_schema("plan")

    def sync(self, uri: str) -> None:
        """Take the document's text as the editor holds it, then publish the portfolio's diagnostics."""
        document = self.workspace.get_text_document(uri)
        path = path_of(uri)
        self.model.documents[path] = document.source
        self.publish(path)

    def publish(self, file: Path) -> None:
        """Publish the diagnostics of the portfolio ``file`` belongs to (``file``'s last, even when empty)."""
        found = self.model.diagnostics(file)
        for path in self.published - set(found) - {file}:
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=path.as_uri(), diagnostics=[]))
        mine = found.pop(file, [])
        for path, diagnostics in [*found.items(), (file, mine)]:
            index = self.model.index(path)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=path.as_uri(), diagnostics=[features.to_lsp_diagnostic(d, index) for d in diagnostics]))
        self.published = set(found) | ({file} if mine else set())


SERVER = KamplanServer()


def _is_ours(uri: str) -> bool:
    return uri.startswith("file:") and path_of(uri).suffix in (".yaml", ".yml")


def did_open_change_or_save(server: KamplanServer,
                            params: lsp.DidOpenTextDocumentParams | lsp.DidChangeTextDocumentParams
                            | lsp.DidSaveTextDocumentParams) -> None:
    """Opened, changed or saved: the document as the editor holds it counts."""
    if _is_ours(params.text_document.uri):
        server.sync(params.text_document.uri)


for _method in (lsp.TEXT_DOCUMENT_DID_OPEN, lsp.TEXT_DOCUMENT_DID_CHANGE, lsp.TEXT_DOCUMENT_DID_SAVE):
    SERVER.feature(_method)(did_open_change_or_save)


@SERVER.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(server: KamplanServer, params: lsp.DidCloseTextDocumentParams) -> None:
    path = path_of(params.text_document.uri)
    if server.model.documents.pop(path, None) is not None:
        server.publish(path)  # the file as saved on disk counts again


@SERVER.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" ", "[", ",", "-"]))
def completion(server: KamplanServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    return features.completion(server.model, path_of(params.text_document.uri), params.position.line,
                               params.position.character, server.schema)


@SERVER.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(server: KamplanServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return features.hover(server.model, path_of(params.text_document.uri), params.position.line,
                          params.position.character)


@SERVER.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(server: KamplanServer, params: lsp.DefinitionParams) -> list[lsp.Location]:
    return features.definition(server.model, path_of(params.text_document.uri), params.position.line,
                               params.position.character)


@SERVER.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(server: KamplanServer, params: lsp.ReferenceParams) -> list[lsp.Location]:
    return features.references(server.model, path_of(params.text_document.uri), params.position.line,
                               params.position.character, params.context.include_declaration)


@SERVER.feature(lsp.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(server: KamplanServer, params: lsp.PrepareRenameParams) -> lsp.Range | None:
    return features.prepare_rename(server.model, path_of(params.text_document.uri), params.position.line,
                                   params.position.character)


@SERVER.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(server: KamplanServer, params: lsp.RenameParams) -> lsp.WorkspaceEdit:
    try:
        return features.rename(server.model, path_of(params.text_document.uri), params.position.line,
                               params.position.character, params.new_name)
    except features.RenameRefused as exc:
        from pygls.exceptions import JsonRpcInvalidParams

        raise JsonRpcInvalidParams(str(exc)) from None


@SERVER.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(server: KamplanServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    return features.document_symbols(server.model, path_of(params.text_document.uri))


@SERVER.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]))
def code_action(server: KamplanServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    return features.code_actions(server.model, path_of(params.text_document.uri), list(params.context.diagnostics))


def serve_stdio() -> None:
    """Run the language server on standard input and output until the editor stops it."""
    SERVER.start_io()
