"""Coverage: every exam tip must be taught by at least one card the author tied to it."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import Course, iter_cards, iter_questions, iter_tips, review_cards


@dataclass(frozen=True)
class CoverageSummary:
    """Counts for the one-line summary of ``studyc check``."""

    tips: int
    covered: int
    cards: int
    """Notes: one per card written in the notes (what the IR calls a card)."""
    per_tip: dict[str, int]
    reviews: int = 0
    """Cards a learner reviews: a reversed note makes two, a cloze note one per deletion, a list one per item."""
    questions: int = 0
    """Exam questions the author wrote (generated ones not counted)."""

    def line(self) -> str:
        """``24/24 exam tips covered, 180 notes, 210 cards``."""
        return f"{self.covered}/{self.tips} exam tips covered, {self.cards} notes, {self.reviews} cards"


def coverage(course: Course) -> CoverageSummary:
    """Cards and authored exam questions per tip id."""
    tip_ids = [tip.id for _, _, tip in iter_tips(course)]
    counts: Counter[str] = Counter()
    cards = reviews = 0
    for ctx in iter_cards(course):
        cards += 1
        reviews += review_cards(ctx.card)
        counts.update(ctx.card.covers)
    questions = 0
    for _, _, question in iter_questions(course):
        if question.source is None:  # a generated question teaches nothing its card does not
            questions += 1
            counts.update(question.covers)
    per_tip = {tid: counts.get(tid, 0) for tid in tip_ids}
    return CoverageSummary(
        tips=len(per_tip),
        covered=sum(1 for n in per_tip.values() if n),
        cards=cards,
        per_tip=per_tip,
        reviews=reviews,
        questions=questions,
    )


def check_coverage(course: Course, diags: Diagnostics) -> None:
    """Tips without cards are errors."""
    summary = coverage(course)
    for _, _, tip in iter_tips(course):
        if summary.per_tip[tip.id] == 0:  # per_tip holds every tip id
            diags.add(
                Code.COVERAGE_NO_CARDS,
                tip.span.path,
                tip.span.line,
                f'exam tip "{_short(tip.text.markdown)}" has no cards; add covers="{tip.id}" to a card or section',
            )
    # unknown tip ids are reported where they are written, by the frontend (compiler.frontend.refs)
    _check_domains(course, diags)


def _check_domains(course: Course, diags: Diagnostics) -> None:
    """Authored questions name known domains."""
    domains = [d.id for d in course.domains]
    for _, _, question in iter_questions(course):
        if question.source is not None or question.domain is None or question.domain in domains:
            continue  # a generated question takes its chapter's domain
        close = difflib.get_close_matches(question.domain, domains, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; course.md declares: {', '.join(domains) or 'none'}"
        path, line = question.span.path, question.span.line
        diags.add(Code.QUESTION_UNKNOWN_DOMAIN, path, line, f"question names unknown domain '{question.domain}'{hint}")


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
