"""Tip ids named in ``covers``: each must exist; a typo gets the nearest id or the tips to choose from."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import Course, iter_tips

#: (tip id, line, column, what names it), as the lowering records them per file.
CoverRef = tuple[str, int, int, str]
#: Most tip ids listed when nothing is close to a mistyped one.
LISTED = 12


def check_cover_refs(course: Course, refs: Iterable[tuple[str, list[CoverRef]]], diags: Diagnostics) -> None:
    """``coverage.unknown-tip`` at the attribute line (or container) that names a tip no chapter has."""
    tips = [(chapter.span.path, tip.id) for chapter, _, tip in iter_tips(course)]
    known = {tid for _, tid in tips}
    for path, file_refs in refs:
        for tid, line, col, owner in file_refs:
            if tid not in known:
                diags.add(
                    Code.COVERAGE_UNKNOWN_TIP,
                    path,
                    line,
                    f"{owner} covers unknown exam tip '{tid}'{hint(tid, path, tips)}",
                    col,
                )


def hint(tid: str, path: str, tips: list[tuple[str, str]]) -> str:
    """``; did you mean 'x'?``, else the chapter's tips, else the course's, else how to add one."""
    ids = list(dict.fromkeys(t for _, t in tips))
    close = difflib.get_close_matches(tid, ids, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    own = list(dict.fromkeys(t for p, t in tips if p == path))
    if own:
        return f"; this chapter's tips: {_listing(own)}"
    if ids:
        return f"; the course's tips: {_listing(ids)}"
    return "; the course has no exam tips yet (a tip is a '> [!TIP]' quote with an {#id} line)"


def _listing(ids: list[str]) -> str:
    shown = ", ".join(ids[:LISTED])
    return shown + (f" and {len(ids) - LISTED} more (studyc tips lists them)" if len(ids) > LISTED else "")
