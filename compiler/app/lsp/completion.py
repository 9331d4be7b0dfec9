"""Completion on attribute lines: tip ids inside ``covers="…"``, and a card's or tip's id after ``#``.

After ``#`` above a card, the completion is the card's current id (the last part of
the id studyc derived from its prompt): writing it down keeps the id when the
prompt is reworded. Above a tip it is the tip's derived id.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as lsp

from compiler.app.lsp import lines as attrs
from compiler.app.lsp.preview import summary, tip_summary
from compiler.app.lsp.workspace import Snapshot

TRIGGERS = ['"', " ", "#"]


def complete(snap: Snapshot, rel: str, lines: Sequence[str], line: int, char: int) -> list[lsp.CompletionItem]:
    """Items for the cursor at 0-based ``line``:``char`` (code points)."""
    if not 0 <= line < len(lines):
        return []
    word = attrs.word_at(lines[line], char)
    if word is None:
        return []
    edit = lsp.Range(lsp.Position(line, word.start), lsp.Position(line, word.end))
    if word.key == "covers":
        return _tips(snap, rel, lines[line], word, edit)
    if word.key == "id":
        return _ids(snap, rel, lines, line, edit)
    return []


def _tips(snap: Snapshot, rel: str, line: str, word: attrs.Word, edit: lsp.Range) -> list[lsp.CompletionItem]:
    written = {w.text for p in attrs.parts(line) if p.key == "covers" for w in attrs.words(p)} - {word.text}
    chapter = snap.chapter(rel)
    items = []
    for order, (tip_id, at) in enumerate(snap.tips.items()):
        if tip_id in written:
            continue
        here = chapter is not None and at.chapter.id == chapter.id
        span = at.tip.span
        items.append(
            lsp.CompletionItem(
                label=tip_id,
                kind=lsp.CompletionItemKind.Reference,
                detail=tip_summary(at.tip),
                documentation=f"exam tip at {span.path}:{span.line}",
                text_edit=lsp.TextEdit(range=edit, new_text=tip_id),
                sort_text=f"{0 if here else 1}{order:06d}",  # this chapter's tips first, in reading order
            )
        )
    return items


def _ids(snap: Snapshot, rel: str, lines: Sequence[str], line: int, edit: lsp.Range) -> list[lsp.CompletionItem]:
    below = attrs.block_below(lines, line) + 1
    card = next((at.card for at in snap.cards_in(rel) if at.card.span.line == below), None)
    if card is not None:
        ident = card.id.rsplit("/", 1)[-1]
        detail = f"card id ({'as written' if card.explicit_id else 'derived from the prompt'}): {summary(card)}"
    else:
        tip = next((at.tip for at in snap.tips.values() if at.tip.span.path == rel and at.tip.span.line == below), None)
        if tip is None:
            return []
        ident, detail = tip.id, f"exam tip id: {tip_summary(tip)}"
    kind = lsp.CompletionItemKind.Value
    return [
        lsp.CompletionItem(label=ident, kind=kind, detail=detail, text_edit=lsp.TextEdit(range=edit, new_text=ident))
    ]
