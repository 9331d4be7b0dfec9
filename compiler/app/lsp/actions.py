"""Code actions: fix a mistyped tip id, and tie a card to the exam tip it most likely teaches.

The nearest tip of a card that covers nothing: among the tips of its innermost
section that has any (working outwards), the one whose words overlap the card's
the most; when none of its sections has a tip, the most similar tip of its chapter,
if any shares a word with the card. The author still says so: the action only
writes the ``covers`` attribute they would have written.

It is offered for a card that covers no tip, and for a card inside a ``::: covers``
region that names no tip itself when the region lacks the nearest tip: the tip goes
on the card's own attribute line (the region's line speaks for all its cards, so it
is left alone). A card that covers nothing but sits right after a region naming the
tip (or right before one) is also offered "extend the region": the region's marker
line moves past the card, so one coverage line keeps saying it for the group.
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
    tip = None if card is None else nearest_tip(snap, card)
    if card is None or tip is None or tip.tip.id in card.card.covers:
        return out
    top = block_lines(card)[0] - 1
    around = [r for r in attrs.regions(lines) if r.open < top and (r.close is None or top < r.close)]
    if not card.card.covers:
        out.extend(_extend_region(tip, card, uri, lines, convert))
    elif not around or _names_covers(lines, top):
        return out  # the card says what it covers (on itself or its heading): not second-guessed
    action = _add_covers(tip, top, uri, lines, convert)
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


def _add_covers(tip: TipAt, top: int, uri: str, lines: Sequence[str], convert: Convert) -> lsp.CodeAction | None:
    edit = _covers_edit(top, tip.tip.id, lines)
    if edit is None:
        return None
    position, text = edit
    where = convert(lsp.Range(position, position))
    return lsp.CodeAction(
        title=f'Add covers="{tip.tip.id}" (exam tip: {tip_summary(tip.tip, 50)})',
        kind=lsp.CodeActionKind.RefactorRewrite,
        edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=where, new_text=text)]}),
    )


def _names_covers(lines: Sequence[str], top: int) -> bool:
    """Whether the attribute lines above the block at ``top`` name ``covers``."""
    return any(p.key == "covers" for at in attrs.attr_lines_above(lines, top) for p in attrs.parts(lines[at]))


def _extend_region(tip: TipAt, at: CardAt, uri: str, lines: Sequence[str], convert: Convert) -> list[lsp.CodeAction]:
    """Move the marker of a region naming ``tip`` that ends just above the card (or starts just below) past it."""
    top, end = block_lines(at)
    first = ([*attrs.attr_lines_above(lines, top - 1)] or [top - 1])[-1]  # the card's topmost attribute line
    last = _card_end(lines, end - 1)
    for region in attrs.regions(lines):
        if tip.tip.id not in region.ids:
            continue
        if region.close is not None and region.close < first and _blank(lines, region.close + 1, first):
            moved, to, text = region.close, last + 1, "\n:::\n"
        elif region.open > last and _blank(lines, last + 1, region.open):
            moved, to, text = region.open, first, lines[region.open].rstrip() + "\n\n"
        else:
            continue
        gone = moved + 2 if _blank(lines, moved + 1, moved + 2) else moved + 1
        if gone >= len(lines):
            continue  # a marker on the last line: nothing follows it to extend over
        edits = [
            lsp.TextEdit(range=convert(lsp.Range(lsp.Position(moved, 0), lsp.Position(gone, 0))), new_text=""),
            _insert(lines, to, text, convert),
        ]
        marker = lines[region.open].strip()
        return [
            lsp.CodeAction(
                title=f"Extend the '{marker}' region over this card",
                kind=lsp.CodeActionKind.RefactorRewrite,
                edit=lsp.WorkspaceEdit(changes={uri: edits}),
            )
        ]
    return []


def _blank(lines: Sequence[str], start: int, end: int) -> bool:
    return all(not line.strip() for line in lines[start:end])


def _insert(lines: Sequence[str], index: int, text: str, convert: Convert) -> lsp.TextEdit:
    """Insert whole lines before line ``index`` (after the last line when the file ends there)."""
    if index < len(lines):
        where = lsp.Position(index, 0)
    else:
        # before the last line's own line break, if it has one
        where, text = lsp.Position(len(lines) - 1, len(lines[-1].rstrip("\r\n"))), "\n" + text.rstrip("\n")
    return lsp.TextEdit(range=convert(lsp.Range(where, where)), new_text=text)


def _card_end(lines: Sequence[str], last: int) -> int:
    """The card's last line, through a ``::: extra`` that follows it."""
    after = last + 1
    while after < len(lines) and not lines[after].strip():
        after += 1
    if after < len(lines) and lines[after].strip().startswith("::: extra"):
        return next((i for i in range(after + 1, len(lines)) if lines[i].strip() == ":::"), last)
    return last


def block_lines(at: CardAt) -> tuple[int, int]:
    """1-based first and last line of the block the card's attributes go on (a table row's table, a term's list)."""
    container = at.sections[-1] if at.sections else at.chapter
    line = at.card.span.line
    for block in container.blocks:
        if block.kind in ("table", "prose") and block.span.line <= line <= block.span.end_line:
            return block.span.line, block.span.end_line
    return line, at.card.span.end_line


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
