"""Ids must be unique: a duplicate card id would make two notes share one Anki GUID."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import Course, Span, iter_cards, iter_questions, iter_tips


def check_ids(course: Course, diags: Diagnostics) -> None:
    """Report duplicate card ids and duplicate tip ids (linear time)."""
    cards = [(ctx.card.id, ctx.card.span) for ctx in iter_cards(course)]
    # questions share the card id space: the quiz page links and keeps progress by id
    cards += [(q.id, q.span) for _, _, q in iter_questions(course)]
    _duplicates(cards, Code.ID_DUPLICATE_CARD, "card id", diags)
    tips = ((tip.id, tip.span) for _, _, tip in iter_tips(course))
    _duplicates(tips, Code.ID_DUPLICATE_TIP, "exam tip id", diags)


def _duplicates(items: Iterable[tuple[str, Span]], code: Code, what: str, diags: Diagnostics) -> None:
    seen: dict[str, Span] = {}
    for ident, span in items:
        first = seen.setdefault(ident, span)
        if first is not span:
            diags.add(code, span.path, span.line, f"{what} '{ident}' is already used at {first.path}:{first.line}")
