"""studyc diagnostics as LSP diagnostics: 1-based line/column to 0-based ranges, codes kept.

A diagnostic marks its line from its column to the end of the text; an unknown
tip id in ``covers`` marks just that id, and carries the ids it may be a typo of
for the quick fix (see ``actions``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from lsprotocol import types as lsp

from compiler.app.lsp import lines as attrs
from compiler.model.diagnostics import Code, Diagnostic

SOURCE = "studyc"
_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,  # a notice such as print.left-out, not a problem
}
_DID_YOU_MEAN = re.compile(r"did you mean '([^']+)'")


def line_range(lines: Sequence[str], line: int, col: int = 1) -> lsp.Range:
    """From 1-based ``line``:``col`` to the end of that line's text (code points)."""
    if not lines:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    index = min(max(line, 1), len(lines)) - 1
    text = lines[index].rstrip()
    start = min(max(col, 1) - 1, len(text))
    return lsp.Range(lsp.Position(index, start), lsp.Position(index, max(len(text), start)))


_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}


def shown(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics ``studyc check`` prints without ``-v`` (the rest is detail for ``-v`` and JSON)."""
    return [d for d in diags if not d.code.verbose_only]


def to_lsp(diag: Diagnostic, lines: Sequence[str], tips: Collection[str]) -> lsp.Diagnostic:
    """One diagnostic for the client; ``tips`` are the course's tip ids (for "did you mean")."""
    severity = _SEVERITY[diag.severity]
    found = _unknown_tip(diag, lines, tips) if diag.code is Code.COVERAGE_UNKNOWN_TIP else None
    if found is None:
        where, data = line_range(lines, diag.line, diag.col), None
    else:
        index, word = found
        where = lsp.Range(lsp.Position(index, word.start), lsp.Position(index, word.end))
        data = {"tip": word.text, "suggestions": suggestions(word.text, diag.message, tips)}
    return lsp.Diagnostic(
        range=where, message=diag.message, severity=severity, code=diag.code.value, source=SOURCE, data=data
    )


def _unknown_tip(diag: Diagnostic, lines: Sequence[str], tips: Collection[str]) -> tuple[int, attrs.Word] | None:
    """The mistyped id in ``covers`` on the diagnostic's line or the attribute lines above it."""
    index = diag.line - 1
    if not 0 <= index < len(lines):
        return None
    unknown = [
        (at, word)
        for at in (index, *attrs.attr_lines_above(lines, index))
        for part in attrs.parts(lines[at])
        if part.key == "covers"
        for word in attrs.words(part)
        if word.text not in tips
    ]
    named = [(at, word) for at, word in unknown if f"'{word.text}'" in diag.message]
    return next(iter(named or unknown), None)


def suggestions(bad: str, message: str, tips: Collection[str]) -> list[str]:
    """Tip ids ``bad`` may be a typo of: the diagnostic's own "did you mean" first, then the closest."""
    named = [m for m in _DID_YOU_MEAN.findall(message) if m in tips]
    close = difflib.get_close_matches(bad, list(tips), n=3, cutoff=0.6)
    return list(dict.fromkeys([*named, *close]))


def data_of(diag: lsp.Diagnostic) -> dict[str, Any]:
    """The ``data`` a diagnostic was published with (clients send it back with code-action requests)."""
    return diag.data if isinstance(diag.data, dict) else {}
