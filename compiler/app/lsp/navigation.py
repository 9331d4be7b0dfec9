"""Read-only features: hover, go to definition and the document outline.

Each takes the snapshot of the last check and the document's lines; ranges are
in code points (the server converts them to the client's units).
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as lsp

from compiler.app.lsp import lines as attrs
from compiler.app.lsp.preview import hover_markdown, summary, tip_summary
from compiler.app.lsp.workspace import Snapshot, TipAt
from compiler.model.ir import AnyCard, Block, Chapter, ExamTip, Question, Section
from compiler.text.plain import plain

Lines = Sequence[str]


def _range(start: int, end: int, lines: Lines) -> lsp.Range:
    """From 0-based line ``start`` to the end of line ``end``, clamped to the document."""
    last = max(len(lines) - 1, 0)
    start, end = min(start, last), min(max(end, start), last)
    width = len(lines[end].rstrip("\n")) if lines else 0
    return lsp.Range(lsp.Position(start, 0), lsp.Position(end, width))


def hover(snap: Snapshot, rel: str, lines: Lines, line: int) -> lsp.Hover | None:
    """The front and back of the card whose lines include 0-based ``line`` (or that an attribute line configures)."""
    if 0 <= line < len(lines) and attrs.is_attr_line(lines[line]):
        line = attrs.block_below(lines, line)
    at = snap.card_at(rel, line + 1)
    if at is None:
        return None
    content = lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=hover_markdown(at.card))
    return lsp.Hover(contents=content, range=_range(at.card.span.line - 1, at.card.span.end_line - 1, lines))


def tip_target(tip: TipAt, lines: Lines) -> lsp.Range:
    """The tip's ``#id`` on its attribute line when it has one, else the tip's first line."""
    index = tip.tip.span.line - 1
    found = attrs.find_word(lines, attrs.attr_lines_above(lines, index), "id", tip.tip.id)
    if found is None:
        return _range(index, index, lines)
    at, word = found
    return lsp.Range(lsp.Position(at, word.start), lsp.Position(at, word.end))


def tip_under(snap: Snapshot, lines: Lines, line: int, char: int) -> TipAt | None:
    """The tip named by the ``covers`` word under the cursor."""
    if not 0 <= line < len(lines):
        return None
    word = attrs.word_at(lines[line], char)
    if word is None or word.key != "covers":
        return None
    return snap.tips.get(word.text)


def symbols(snap: Snapshot, rel: str, lines: Lines) -> list[lsp.DocumentSymbol]:
    """Chapter › sections › cards and tips, nested as in the file."""
    chapter = snap.chapter(rel)
    if chapter is None:
        return []
    end = max(len(lines) - 1, 0)
    children = _container(chapter, end, lines)
    name = chapter.title or chapter.id
    return [_symbol(name, "chapter", lsp.SymbolKind.Module, _range(0, end, lines), _range(0, 0, lines), children)]


def _container(node: Chapter | Section, end: int, lines: Lines) -> list[lsp.DocumentSymbol]:
    """Symbols of a chapter's or section's blocks, then of its subsections (each up to the next one)."""
    out = [s for block in node.blocks if (s := _block(block, end, lines)) is not None]
    subs = node.sections
    for at, section in enumerate(subs):
        last = subs[at + 1].span.line - 2 if at + 1 < len(subs) else end
        heading = section.span.line - 1
        kids = _container(section, last, lines)
        whole, title = _range(heading, last, lines), _range(heading, heading, lines)
        out.append(_symbol(section.title, f"h{section.level}", lsp.SymbolKind.Namespace, whole, title, kids))
    return out


def _block(block: Block, end: int, lines: Lines) -> lsp.DocumentSymbol | None:
    if block.kind == "prose" or block.kind == "table":
        return None
    first, last = block.span.line - 1, min(block.span.end_line - 1, end)
    whole, head = _range(first, last, lines), _range(first, first, lines)
    if isinstance(block, ExamTip):
        return _symbol(block.id, f"exam tip: {tip_summary(block)}", lsp.SymbolKind.Constant, whole, head, [])
    if isinstance(block, Question):
        return _symbol(plain(block.stem), f"exam question · {block.id}", lsp.SymbolKind.Event, whole, head, [])
    card: AnyCard = block
    detail = f"{card.kind.replace('_', ' ')} card · {card.id}"
    return _symbol(summary(card), detail, lsp.SymbolKind.Field, whole, head, [])


def _symbol(
    name: str, detail: str, kind: lsp.SymbolKind, whole: lsp.Range, head: lsp.Range, kids: list[lsp.DocumentSymbol]
) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=name or "(untitled)", detail=detail, kind=kind, range=whole, selection_range=head, children=kids
    )
