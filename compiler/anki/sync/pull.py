"""``studyc pull``: fields edited only in Anki, written back into the notes at the card's source span."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import assert_never

from compiler.anki.sync.markdown import to_markdown
from compiler.anki.sync.plan import Edit
from compiler.model.doc import Text
from compiler.model.ir import AnyCard, BasicCard, ClozeCard, DefinitionCard, ListCard, TableRowCard


@dataclass(frozen=True)
class Pulled:
    """One field taken back into the notes."""

    where: str
    key: str
    field: str
    markdown: str


@dataclass(frozen=True)
class Unmapped:
    """An Anki edit the notes cannot take automatically: the user applies it by hand."""

    where: str
    key: str
    field: str
    reason: str
    anki: str
    """The field as Anki holds it."""


@dataclass
class PullResult:
    """New file texts and what was (and was not) pulled."""

    files: dict[str, str] = field(default_factory=dict)
    """Note file (relative to the source folder) → its new text."""
    pulled: list[Pulled] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)


def _text(card: AnyCard, name: str) -> Text | str:
    """The card's text a field comes from, or why there is none to rewrite."""
    if name == "Extra":
        return card.extra if card.extra is not None else "the card has no ::: extra block to rewrite"
    match card:
        case BasicCard():
            texts = {"Front": card.front, "Back": card.back}
        case DefinitionCard():
            texts = {"Front": card.term, "Back": card.definition}
        case ClozeCard():
            texts = {"Text": card.text}
        case ListCard():
            return "a list card is generated from the list items; edit the list by hand"
        case TableRowCard():
            return "a table row card is generated from the table; edit the row by hand"
        case _:
            assert_never(card)
    return texts.get(name, f"the {name} field is not written from the notes' text")


def _window(lines: list[str], card: AnyCard) -> tuple[int, int]:
    """Lines (0-based, end exclusive) the card's texts live in: its span, plus its ``::: extra`` block."""
    start, end = card.span.line - 1, card.span.end_line
    if card.extra is not None:
        end = min(len(lines), end + card.extra.markdown.count("\n") + 4)
    return start, end


def pull(cards: dict[str, AnyCard], edits: list[Edit], sources: dict[str, str]) -> PullResult:
    """Rewrite each edited field's Markdown in place when it maps safely; list the rest."""
    result = PullResult()
    lines = {path: text.splitlines(keepends=True) for path, text in sources.items()}
    # bottom-up per file, so a rewrite never moves the lines of one still to come
    ordered = sorted(edits, key=lambda e: (cards[e.spec.key].span.path, -cards[e.spec.key].span.line))
    for edit in ordered:
        card = cards[edit.spec.key]
        anki = dict(zip(edit.note.names, edit.note.fields, strict=False))
        for name in edit.names:
            source = _text(card, name)
            new = to_markdown(anki.get(name, ""))
            reason = (
                source if isinstance(source, str) else "" if new is not None else "Anki's HTML has no safe Markdown"
            )
            if not reason and isinstance(source, Text) and new is not None:
                reason = _rewrite(lines[card.span.path], card, source.markdown, new)
            if reason:
                result.unmapped.append(Unmapped(edit.where, card.id, name, reason, anki.get(name, "")))
            elif new is not None:
                result.pulled.append(Pulled(edit.where, card.id, name, new))
                result.files[card.span.path] = "".join(lines[card.span.path])
    return result


def _rewrite(lines: list[str], card: AnyCard, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in the card's lines; the reason it cannot, or ''."""
    start, end = _window(lines, card)
    segment = "".join(lines[start:end])
    if not old.strip() or segment.count(old) != 1:
        return "the card's text is not written the same way in the file (changed since, or written twice)"
    lines[start:end] = segment.replace(old, new, 1).splitlines(keepends=True)
    return ""
