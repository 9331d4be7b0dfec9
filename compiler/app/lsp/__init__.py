"""``studyc lsp``: a language server for the notes (pygls, over stdin/stdout).

- ``server``: document sync, debounced checks, the features wired up
- ``workspace``: a course with the editor's unsaved buffers on top, and its last check
- ``diagnostics``: studyc diagnostics as LSP diagnostics
- ``completion``, ``navigation`` (hover, definition, symbols), ``actions``: the features
- ``lines``: attribute lines ``{…}`` read from the source text; ``preview``: a note's cards as text
"""

from __future__ import annotations

#: Milliseconds of quiet typing before a check (``studyc lsp --delay``): short enough to feel live,
#: long enough to skip keystrokes.
DELAY_MS = 300


def serve(delay_ms: int) -> int:
    """Run the server until the client exits it (pygls loads only now: other commands never pay for it)."""
    from compiler.app.lsp.server import serve as run

    return run(delay_ms)
