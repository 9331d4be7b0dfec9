"""Drive ``studyc lsp`` from a pytest-lsp client: documents as an editor holds them, and waiting for the server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

#: Document versions of the last diagnostics published per URI (None: a file that is not open).
VERSIONS: dict[str, int | None] = {}


def _record(client: LanguageClient, params: lsp.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    VERSIONS[params.uri] = params.version


#: What the server asked the client to watch (``client/registerCapability``).
REGISTERED: list[lsp.Registration] = []


def _register(client: LanguageClient, params: lsp.RegistrationParams) -> None:
    REGISTERED.extend(params.registrations)


def make_client() -> LanguageClient:
    """A test client that also records diagnostics' versions and capability registrations."""
    client = LanguageClient(converter_factory=default_converter)
    features = {lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record, lsp.CLIENT_REGISTER_CAPABILITY: _register}
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, **features})
    return client


async def until(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Wait for the server's notifications to make ``condition`` true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Doc:
    """One note file of the course copy as an editor holds it."""

    def __init__(self, client: LanguageClient, path: Path) -> None:
        self.client, self.path, self.uri = client, path, path.as_uri()
        self.original = path.read_text(encoding="utf-8")
        self.text, self.version = self.original, 0
        client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=self.uri, language_id="markdown", version=self.version, text=self.text)
            )
        )

    async def set(self, text: str) -> list[lsp.Diagnostic]:
        """Replace the whole text (unsaved) and return the diagnostics published for this version."""
        self.version += 1
        self.text = text
        change = lsp.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version), [change]
            )
        )
        return await self.diagnostics()

    async def diagnostics(self) -> list[lsp.Diagnostic]:
        await until(lambda: VERSIONS.get(self.uri) == self.version, f"diagnostics of {self.path.name} v{self.version}")
        return list(self.client.diagnostics[self.uri])

    def line(self, needle: str) -> int:
        """0-based index of the first line that contains ``needle``."""
        return next(i for i, line in enumerate(self.text.split("\n")) if needle in line)


def apply(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply LSP text edits (ASCII text: UTF-16 units are characters), last first."""
    lines = text.split("\n")
    offsets = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text
