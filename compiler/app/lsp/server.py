"""The pygls server: document sync, debounced checks, and the features wired to their modules.

Every open document belongs to the course whose folder (the nearest one up
holding ``course.md``) contains it. An edit marks that course dirty and starts a
short timer; when it fires, the whole course is checked with the open buffers
in place of their files, and diagnostics are published per file (an empty list
clears a file that is clean again). A request that needs the course checks it
at once if an edit is still waiting, so answers never lag behind the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from lsprotocol import types as lsp
from pygls import uris
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from compiler import __version__
from compiler.app.lsp import DELAY_MS, actions, completion, diagnostics, navigation
from compiler.app.lsp.workspace import CourseState, Snapshot, find_root

T = TypeVar("T")


class StudycServer(LanguageServer):
    """The language server with its courses."""

    def __init__(self) -> None:
        super().__init__("studyc", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.courses: dict[Path, CourseState] = {}
        self.timers: dict[Path, asyncio.TimerHandle] = {}
        self.delay = DELAY_MS / 1000  # seconds, as the event loop counts them

    # -- courses and documents ---------------------------------------------------------

    def course_of(self, uri: str) -> CourseState | None:
        """The course whose folder holds this file (a note, ``studyc.toml``, an image…)."""
        path = uris.to_fs_path(uri)
        root = None if path is None else find_root(Path(path))
        return None if root is None else self.courses.setdefault(root, CourseState(root))

    def locate(self, uri: str) -> tuple[CourseState, str] | None:
        """The course a note belongs to and its path in it; None for other files and outside any course."""
        state, path = self.course_of(uri), uris.to_fs_path(uri)
        rel = None if state is None or path is None else state.rel(Path(path))
        return None if state is None or rel is None else (state, rel)

    def document(self, state: CourseState, rel: str) -> TextDocument:
        uri = state.open.get(rel) or uris.from_fs_path(str(state.root / rel)) or ""
        return self.workspace.get_text_document(uri)

    def edited(self, uri: str, now: bool = False) -> None:
        """Mark the course dirty and check it after a quiet moment (or at once)."""
        state = self.course_of(uri)
        if state is None:
            return
        state.dirty = True
        timer = self.timers.pop(state.root, None)
        if timer is not None:
            timer.cancel()
        if now:
            self.refresh(state)
        else:
            loop = asyncio.get_running_loop()
            self.timers[state.root] = loop.call_later(self.delay, self.refresh, state)

    def fresh(self, uri: str) -> tuple[CourseState, str, Snapshot] | None:
        """The course of a document, checked against the latest text."""
        found = self.locate(uri)
        if found is None:
            return None
        state, rel = found
        if state.dirty:
            self.refresh(state)
        return state, rel, state.snapshot

    # -- checking and publishing -------------------------------------------------------

    def refresh(self, state: CourseState) -> None:
        """Check the course now and publish its diagnostics."""
        timer = self.timers.pop(state.root, None)
        if timer is not None:
            timer.cancel()
        overrides = {rel: self.workspace.get_text_document(uri).source for rel, uri in state.open.items()}
        try:
            snap = state.check(overrides)
        except Exception as exc:  # a bug must not take the editor's server down
            self.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Error, message=f"studyc: internal error: {exc}")
            )
            state.dirty = False
            return
        if state.config_error is not None and state.config_error != state.config_error_shown:
            message = f"studyc: {state.config_error}; using the defaults until it is fixed"
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message))
        state.config_error_shown = state.config_error  # once per new problem, not on every keystroke
        self.publish(state, snap)

    def publish(self, state: CourseState, snap: Snapshot) -> None:
        """Send each file's diagnostics; files that had some and have none now get an empty list."""
        # open documents always get a list for their version, so a client can tell "checked, clean"
        by_file: dict[str, list[lsp.Diagnostic]] = {rel: [] for rel in (*state.published, *state.open)}
        shown = diagnostics.shown(snap.diagnostics)
        for diag in shown:
            by_file.setdefault(diag.path, [])
        for rel in by_file:
            doc = self.document(state, rel)
            lines = text_lines(doc)
            found = [diagnostics.to_lsp(d, lines, snap.tips) for d in shown if d.path == rel]
            for item in found:
                item.range = doc.position_codec.range_to_client_units(lines, item.range)
            by_file[rel] = found
            version = doc.version if rel in state.open else None
            self.text_document_publish_diagnostics(
                lsp.PublishDiagnosticsParams(uri=doc.uri, diagnostics=found, version=version)
            )
        state.published = {rel for rel, found in by_file.items() if found}


server = StudycServer()


def text_lines(doc: TextDocument) -> list[str]:
    """The document's lines as the editor has them (open) or as saved; none for a file that is gone."""
    try:
        return list(doc.lines)
    except OSError:  # a diagnostic's file deleted since the check, or course.md missing
        return []


def _with(uri: str, answer: Callable[[CourseState, str, Snapshot, list[str], TextDocument], T], empty: T) -> T:
    found = server.fresh(uri)
    if found is None:
        return empty
    state, rel, snap = found
    doc = server.document(state, rel)
    return answer(state, rel, snap, text_lines(doc), doc)


def _char(doc: TextDocument, position: lsp.Position) -> int:
    """The position's character in code points."""
    return doc.position_codec.position_from_client_units(text_lines(doc), position).character


def _out(doc: TextDocument, lines: Sequence[str], where: lsp.Range) -> lsp.Range:
    return doc.position_codec.range_to_client_units(list(lines), where)


# -- document sync ---------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
    found = server.locate(params.text_document.uri)
    if found is not None:
        state, rel = found
        state.open[rel] = params.text_document.uri
        server.edited(params.text_document.uri, now=True)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
    server.edited(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(params: lsp.DidSaveTextDocumentParams) -> None:
    server.edited(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
    found = server.locate(params.text_document.uri)
    if found is not None:
        state, rel = found
        state.open.pop(rel, None)  # the file on disk counts again
        server.edited(params.text_document.uri)


@server.feature(lsp.INITIALIZED)
def initialized(params: lsp.InitializedParams) -> None:
    """Ask the client to report changes on disk (a checkout, another editor) where it can."""
    workspace = server.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is None or not watched.dynamic_registration:
        return
    globs = ["**/*.md", "**/studyc.toml", "**/pyproject.toml", "**/*.{png,jpg,jpeg,gif,svg,webp}"]
    options = lsp.DidChangeWatchedFilesRegistrationOptions(
        watchers=[lsp.FileSystemWatcher(glob_pattern=g) for g in globs]
    )
    method = lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
    registration = lsp.Registration(id="studyc-files", method=method, register_options=options)
    server.client_register_capability(lsp.RegistrationParams(registrations=[registration]))


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def files_changed(params: lsp.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        server.edited(change.uri)


# -- features ----------------------------------------------------------------------------


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=completion.TRIGGERS))
def complete(params: lsp.CompletionParams) -> list[lsp.CompletionItem]:
    def answer(
        state: CourseState, rel: str, snap: Snapshot, lines: list[str], doc: TextDocument
    ) -> list[lsp.CompletionItem]:
        char = _char(doc, params.position)
        items = completion.complete(snap, rel, lines, params.position.line, char)
        for item in items:
            if isinstance(item.text_edit, lsp.TextEdit):
                item.text_edit.range = _out(doc, lines, item.text_edit.range)
        return items

    return _with(params.text_document.uri, answer, [])


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(params: lsp.HoverParams) -> lsp.Hover | None:
    def answer(state: CourseState, rel: str, snap: Snapshot, lines: list[str], doc: TextDocument) -> lsp.Hover | None:
        found = navigation.hover(snap, rel, lines, params.position.line)
        if found is not None and found.range is not None:
            found.range = _out(doc, lines, found.range)
        return found

    return _with(params.text_document.uri, answer, None)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(params: lsp.DefinitionParams) -> lsp.Location | None:
    def answer(
        state: CourseState, rel: str, snap: Snapshot, lines: list[str], doc: TextDocument
    ) -> lsp.Location | None:
        tip = navigation.tip_under(snap, lines, params.position.line, _char(doc, params.position))
        if tip is None:
            return None
        target = server.document(state, tip.tip.span.path)
        target_lines = text_lines(target)
        where = navigation.tip_target(tip, target_lines)
        return lsp.Location(uri=target.uri, range=_out(target, target_lines, where))

    return _with(params.text_document.uri, answer, None)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    def answer(
        state: CourseState, rel: str, snap: Snapshot, lines: list[str], doc: TextDocument
    ) -> list[lsp.DocumentSymbol]:
        found = navigation.symbols(snap, rel, lines)
        stack = list(found)
        while stack:  # ranges to the client's units, children too
            symbol = stack.pop()
            symbol.range = _out(doc, lines, symbol.range)
            symbol.selection_range = _out(doc, lines, symbol.selection_range)
            stack.extend(symbol.children or [])
        return found

    return _with(params.text_document.uri, answer, [])


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.RefactorRewrite]),
)
def code_action(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    def answer(
        state: CourseState, rel: str, snap: Snapshot, lines: list[str], doc: TextDocument
    ) -> list[lsp.CodeAction]:
        line = params.range.start.line
        convert = lambda where: _out(doc, lines, where)  # noqa: E731
        return actions.code_actions(snap, rel, doc.uri, lines, line, params.context.diagnostics, convert)

    return _with(params.text_document.uri, answer, [])


def serve(delay_ms: int) -> int:
    """Speak LSP on stdin/stdout until the client says exit; check ``delay_ms`` after the last edit."""
    server.delay = delay_ms / 1000
    server.start_io()
    return 0
