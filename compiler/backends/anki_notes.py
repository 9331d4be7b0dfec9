"""IR cards → Anki notes: fields, card ordinals, deck and tags."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from compiler.backends.anki_models import BASIC, CLOZE_TYPE, NoteType
from compiler.identity import Identity
from compiler.ir import CardContext, Course, TableCell, Text

_SPACES = re.compile(r"\s+")


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
    out += [tag(t) for t in (*ctx.chapter.tags, *ctx.card.tags)]
    return tuple(sorted({t for t in out if t}))


def source_field(ctx: CardContext) -> str:
    """``Chapter › Section · file.md:12``."""
    where = " › ".join(ctx.breadcrumb)
    return html.escape(f"{where} · {ctx.card.span.path}:{ctx.card.span.line}")


def _cells(cells: Iterable[TableCell]) -> str:
    rows = "".join(f"<dt>{html.escape(c.column)}</dt><dd>{c.text.html}</dd>" for c in cells)
    return f'<dl class="cells">{rows}</dl>'


def _extra(text: Text | None) -> str:
    return text.html if text is not None else ""


def note_for(course: Course, ctx: CardContext, ident: Identity, deck_depth: int) -> NoteSpec:
    """The note for one card."""
    card = ctx.card
    extra, source = _extra(card.extra), source_field(ctx)
    note_type: NoteType = BASIC
    if card.kind == "basic":
        fields: tuple[str, ...] = (card.front.html, card.back.html, extra, source, "y" if card.reverse else "")
        ords: tuple[int, ...] = (0, 1) if card.reverse else (0,)
    elif card.kind == "definition":
        fields = (card.term.html, card.definition.html, extra, source, "y" if card.reverse else "")
        ords = (0, 1) if card.reverse else (0,)
    elif card.kind == "table_row":
        ask = f'<div class="ask">{html.escape(card.ask)}</div>' if card.ask else ""
        fields = (_cells(card.prompt) + ask, _cells(card.answer), extra, source, "")
        ords = (0,)
    elif card.kind == "cloze":
        note_type = CLOZE_TYPE
        fields = (card.text.html, extra, source)
        ords = tuple(n - 1 for n in card.deletions)
    else:
        note_type = CLOZE_TYPE
        tag_name = "ol" if card.ordered else "ul"
        items = "".join(f"<li>{{{{c{n}::{item.html}}}}}</li>" for n, item in enumerate(card.items, start=1))
        fields = (f'{card.front.html}<{tag_name} class="items">{items}</{tag_name}>', extra, source)
        ords = tuple(range(len(card.items)))
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
