"""Code actions: fix a mistyped tip id, and tie a card to the exam tip it most likely teaches.

The nearest tip of a card that covers nothing: among the tips of its innermost
section that has any (working outwards), the one whose words overlap the card's
the most; when none of its sections has a tip, the most similar tip of its chapter,
if any shares a word with the card. The author still says so: the action only
writes the ``covers`` attribute they would have written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from lsprotocol import types as lsp

from compiler.app.lsp import lines as attrs
from compiler.app.lsp.diagnostics import data_of
from compiler.app.lsp.preview import faces, tip_summary
from compiler.app.lsp.workspace import CardAt, Snapshot, TipAt
from compiler.model.diagnostics import Code
from compiler.text.plain import plain

Convert = Callable[[lsp.Range], lsp.Range]
"""Code-point range → the client's units."""

_WORD = re.compile(r"[a-z0-9]+")
#: Words too common to tie a card to a tip.
_STOP = frozenset(
    {"the", "and", "for", "are", "with", "what", "which", "how", "does", "that", "this", "from", "into", "its"}
    | {"not", "can", "you", "when", "why", "know", "understand"}
)


def code_actions(
    snap: Snapshot,
    rel: str,
    uri: str,
    lines: Sequence[str],
    line: int,
    diags: Sequence[lsp.Diagnostic],
    convert: Convert,
) -> list[lsp.CodeAction]:
    """Quick fixes for the diagnostics the client sent, then "add covers" for a card at 0-based ``line``."""
    out = [fix for diag in diags for fix in _typo_fixes(uri, diag)]
    card = snap.card_at(rel, line + 1)
    if card is not None and not card.card.covers:
        action = _add_covers(snap, card, uri, lines, convert)
        if action is not None:
            out.append(action)
    return out


def _typo_fixes(uri: str, diag: lsp.Diagnostic) -> list[lsp.CodeAction]:
    if diag.code != Code.COVERAGE_UNKNOWN_TIP.value:
        return []
    data = data_of(diag)
    bad = data.get("tip")
    return [
        lsp.CodeAction(
            title=f"Change '{bad}' to '{good}'",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[diag],
            is_preferred=at == 0,
            edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=diag.range, new_text=good)]}),
        )
        for at, good in enumerate(data.get("suggestions") or [])
        if isinstance(good, str)
    ]


def nearest_tip(snap: Snapshot, at: CardAt) -> TipAt | None:
    """The tip this card most likely teaches (see the module docstring), or None."""
    words = _words(" ".join(f"{face.front} {face.back}" for face in faces(at.card)[:1]))
    chapter_tips = [t for t in snap.tips.values() if t.chapter.id == at.chapter.id]
    trail = [s.id for s in at.sections]
    for depth in range(len(trail), 0, -1):
        here = [t for t in chapter_tips if [s.id for s in t.sections[:depth]] == trail[:depth]]
        if here:
            return max(here, key=lambda t: _similarity(words, t))
    best = max(chapter_tips, key=lambda t: _similarity(words, t), default=None)
    return best if best is not None and _similarity(words, best) > 0 else None


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def _similarity(words: set[str], tip: TipAt) -> float:
    theirs = _words(plain(tip.tip.text))
    if not words or not theirs:
        return 0.0
    return len(words & theirs) / math.sqrt(len(words) * len(theirs))


def _add_covers(snap: Snapshot, at: CardAt, uri: str, lines: Sequence[str], convert: Convert) -> lsp.CodeAction | None:
    tip = nearest_tip(snap, at)
    if tip is None:
        return None
    edit = _covers_edit(_block_line(at) - 1, tip.tip.id, lines)
    if edit is None:
        return None
    position, text = edit
    where = convert(lsp.Range(position, position))
    return lsp.CodeAction(
        title=f'Add covers="{tip.tip.id}" (exam tip: {tip_summary(tip.tip, 50)})',
        kind=lsp.CodeActionKind.RefactorRewrite,
        edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=where, new_text=text)]}),
    )


def _block_line(at: CardAt) -> int:
    """The 1-based first line of the block the card's attributes go on (a table row's table, a term's list)."""
    container = at.sections[-1] if at.sections else at.chapter
    line = at.card.span.line
    for block in container.blocks:
        if block.kind in ("table", "prose") and block.span.line <= line <= block.span.end_line:
            return block.span.line
    return line


def _covers_edit(index: int, tip: str, lines: Sequence[str]) -> tuple[lsp.Position, str] | None:
    """Where to insert the tip id: into the attribute line above the block, or as a new one."""
    above = attrs.attr_lines_above(lines, index)
    if not above:
        return lsp.Position(index, 0), f'{{covers="{tip}"}}\n'
    at = above[0]
    covers = next((p for p in attrs.parts(lines[at]) if p.key == "covers"), None)
    if covers is not None:
        return (
            (lsp.Position(at, covers.end), f" {tip}") if covers.value.strip() else (lsp.Position(at, covers.start), tip)
        )
    close = lines[at].rstrip().rfind("}")
    return None if close < 0 else (lsp.Position(at, close), f' covers="{tip}"')
