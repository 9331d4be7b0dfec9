"""IR cards → Anki notes: fields, card ordinals, deck and tags."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import assert_never

from compiler.anki.identity import Identity
from compiler.anki.models import BASIC, CLOZE_TYPE, NoteType
from compiler.anki.render import CLOZE_TEXT, FIELD, deletion_numbers, list_field
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    CardContext,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    TableCell,
    TableRowCard,
    Text,
)

_SPACES = re.compile(r"\s+")


#: A note's type, its fields, and the ordinals of the cards it makes.
NoteContent = tuple["NoteType", tuple[str, ...], tuple[int, ...]]


@dataclass(frozen=True)
class NoteSpec:
    """One note ready to be written into the package."""

    key: str
    """The card id (for error messages)."""
    guid: str
    note_type: NoteType
    fields: tuple[str, ...]
    ords: tuple[int, ...]
    """Template ordinals (basic) or cloze numbers minus one: one card each."""
    deck: str
    tags: tuple[str, ...]
    nid: int
    modified: int


@lru_cache(maxsize=4096)
def tag(*parts: str) -> str:
    """A hierarchical Anki tag: parts joined by ``::``, no spaces inside (cached: the same tags recur per card)."""
    clean = (_SPACES.sub("-", p.strip()).replace("::", "-") for p in parts)
    return "::".join(p for p in clean if p)


def deck_name(course: Course, ctx: CardContext, depth: int) -> str:
    """``Course::Chapter`` at depth 2; deeper levels add section titles."""
    names = [course.deck, *ctx.breadcrumb][: max(1, depth)]
    # "::" inside a title would nest decks by accident
    return "::".join(" ".join(n.replace("::", ":").split()) for n in names)


def tags_for(course: Course, ctx: CardContext) -> tuple[str, ...]:
    """Course/chapter/section location, domain, covered tips, chapter and card tags."""
    base = course.slug
    out = [tag(base, "chapter", ctx.chapter.id, *(s.id for s in ctx.sections))]
    if ctx.chapter.domain:
        out.append(tag(base, "domain", ctx.chapter.domain))
    out += [tag(base, "tip", tip) for tip in ctx.card.covers]
    # an author's "::" is Anki's tag hierarchy (exam::numbers), kept as written
    out += [tag(*t.split("::")) for t in (*ctx.chapter.tags, *ctx.card.tags)]
    return tuple(sorted({t for t in out if t}))


@dataclass(frozen=True)
class SourceLink:
    """``source_url`` from ``studyc.toml`` and the notes folder its ``{abs_path}`` is under."""

    template: str
    root: Path

    def url(self, path: str, line: int) -> str:
        return self.template.format(path=path, abs_path=(self.root / path).resolve().as_posix(), line=line)


def source_field(ctx: CardContext, link: SourceLink | None = None) -> str:
    """``Chapter › Section · file.md:12``, a link back to the note when ``source_url`` is set."""
    where = " › ".join(ctx.breadcrumb)
    text = FIELD.text_escape(f"{where} · {ctx.card.span.path}:{ctx.card.span.line}")
    if link is None:
        return text
    url = html.escape(link.url(ctx.card.span.path, ctx.card.span.line), quote=True)
    return f'<a href="{url}">{text}</a>'


def _cells(cells: Iterable[TableCell]) -> str:
    rows = "".join(f"<dt>{FIELD.text_escape(c.column)}</dt><dd>{FIELD.content(c.text)}</dd>" for c in cells)
    return f'<dl class="cells">{rows}</dl>'


def _extra(text: Text | None) -> str:
    return FIELD.text(text) if text is not None else ""


#: id(card) → (card, its content with an empty Source): identity hashes the fields and the
#: backend then writes them, so each card is rendered once per build. Kept small by clearing.
_RENDERED: dict[int, tuple[AnyCard, NoteContent | None]] = {}
_RENDERED_MAX = 200_000


def note_content(card: AnyCard, source: str = "") -> NoteContent | None:
    """Note type, fields and card ordinals of a card; None for a cloze card with no deletion Anki could show.

    ``source`` is the Source field (left empty unless given).
    """
    hit = _RENDERED.get(id(card))
    if hit is None or hit[0] is not card:
        if len(_RENDERED) >= _RENDERED_MAX:
            _RENDERED.clear()
        hit = (card, _render_note(card))
        _RENDERED[id(card)] = hit
    content = hit[1]
    if content is None or not source:
        return content
    note_type, fields, ords = content
    at = note_type.fields.index("Source")
    return note_type, (*fields[:at], source, *fields[at + 1 :]), ords


def _render_note(card: AnyCard) -> NoteContent | None:
    extra, source = _extra(card.extra), ""
    match card:
        case BasicCard() | DefinitionCard():
            front, back = (card.front, card.back) if isinstance(card, BasicCard) else (card.term, card.definition)
            reverse = "y" if card.reverse else ""
            return BASIC, (FIELD.text(front), FIELD.text(back), extra, source, reverse), (0, 1) if reverse else (0,)
        case TableRowCard():
            ask = f'<div class="ask">{FIELD.text_escape(card.ask)}</div>' if card.ask else ""
            return BASIC, (_cells(card.prompt) + ask, _cells(card.answer), extra, source, ""), (0,)
        case ClozeCard():
            # the cards are the deletions the field really holds (Anki counts them from the field, not from the IR)
            numbers = deletion_numbers(card.text)
            if not numbers:
                return None
            return CLOZE_TYPE, (CLOZE_TEXT.text(card.text), extra, source), tuple(n - 1 for n in numbers)
        case ListCard():
            fields = (list_field(card.front, card.items, card.ordered), extra, source)
            return CLOZE_TYPE, fields, tuple(range(len(card.items)))
        case _:
            assert_never(card)


def note_for(
    course: Course,
    ctx: CardContext,
    ident: Identity,
    deck_depth: int,
    diags: Diagnostics | None = None,
    link: SourceLink | None = None,
) -> NoteSpec | None:
    """The note for one card; None (with a diagnostic in ``diags``) when it would make no Anki card."""
    card = ctx.card
    content = note_content(card, source_field(ctx, link))
    if content is None:
        if diags is not None:
            diags.add(
                Code.CLOZE_NO_DELETION,
                card.span.path,
                card.span.line,
                "this cloze card has no {{c1::…}} deletion Anki could show; it was left out of the deck",
            )
        return None
    note_type, fields, ords = content
    return NoteSpec(
        key=card.id,
        guid=ident.guid,
        note_type=note_type,
        fields=fields,
        ords=ords,
        deck=deck_name(course, ctx, deck_depth),
        tags=tags_for(course, ctx),
        nid=ident.nid,
        modified=ident.modified,
    )
