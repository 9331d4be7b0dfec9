"""Ids must be unique: a duplicate card id would make two notes share one Anki GUID."""

from __future__ import annotations

from compiler.diagnostics import Code, Diagnostics
from compiler.ir import Course, Span, iter_cards, iter_tips


def check_ids(course: Course, diags: Diagnostics) -> None:
    """Report duplicate card ids and duplicate tip ids (linear time)."""
    seen: dict[str, Span] = {}
    for ctx in iter_cards(course):
        card = ctx.card
        first = seen.setdefault(card.id, card.span)
        if first is not card.span:
            diags.add(
                Code.ID_DUPLICATE_CARD,
                card.span.path,
                card.span.line,
                f"card id '{card.id}' is already used at {first.path}:{first.line}",
            )
    tips: dict[str, Span] = {}
    for _, _, tip in iter_tips(course):
        first = tips.setdefault(tip.id, tip.span)
        if first is not tip.span:
            diags.add(
                Code.ID_DUPLICATE_TIP,
                tip.span.path,
                tip.span.line,
                f"exam tip id '{tip.id}' is already used at {first.path}:{first.line}",
            )
