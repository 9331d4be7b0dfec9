"""The weak-spots sheet: the notes *this* user keeps forgetting, on the cheat sheet's page budget.

The pipeline reads the user's Anki collection (``compiler.anki.collection``) and
hands the ranking over as plain data (:class:`~compiler.model.weak.WeakSpots` on
the options); this module never touches Anki. The weakest notes are taken in
rank order while they fit ``cheatsheet.pages``, then printed grouped by chapter
(the chapter of the weakest note first, the notes of a chapter weakest first),
each chapter with the exam tips its notes cover and each note with its lapse count.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import AnyCard, Chapter, Course, ExamTip, iter_cards, iter_tips
from compiler.model.weak import WeakSpots
from compiler.print import budget
from compiler.print.common import Paper, build_date, page_rules, paper, pdf_bytes, render_template, stylesheet
from compiler.print.render import Images, PrintRenderer


@dataclass(frozen=True, slots=True)
class Weak:
    """One weak note ready for print."""

    card: AnyCard
    lapses: int
    breadcrumb: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """A chapter's weak notes and the exam tips they cover."""

    chapter: Chapter
    tips: tuple[ExamTip, ...]
    notes: tuple[Weak, ...]


def groups(course: Course, spots: WeakSpots, space: float, size: Paper) -> list[Group]:
    """The weakest notes that fit ``space`` millimetres of column, grouped by chapter."""
    where = {ctx.card.id: ctx for ctx in iter_cards(course)}
    tips = {tip.id: (chapter.id, tip) for chapter, _, tip in iter_tips(course)}
    chosen: dict[str, list[Weak]] = {}
    shown_tips: dict[str, dict[str, ExamTip]] = {}
    used = 0.0
    for weak in spots.cards:
        ctx = where.get(weak.card_id)
        if ctx is None:  # in the lock but no longer in the notes
            continue
        chapter = ctx.chapter.id
        new_tips = [tips[t] for t in ctx.card.covers if t in tips and t not in shown_tips.get(chapter, {})]
        cost = budget.line_height(budget.card_text(ctx.card), size) + 1.5
        cost += sum(budget.height(tip, size) for _, tip in new_tips)
        cost += budget.CHAPTER_HEAD if chapter not in chosen else 0.0
        if used + cost > space:
            break  # the ranking is the priority: nothing weaker jumps the queue
        used += cost
        chosen.setdefault(chapter, []).append(Weak(ctx.card, weak.lapses, ctx.breadcrumb[1:]))
        shown_tips.setdefault(chapter, {}).update((tip.id, tip) for _, tip in new_tips)
    chapters = {c.id: c for c in course.chapters}
    return [Group(chapters[c], tuple(shown_tips[c].values()), tuple(notes)) for c, notes in chosen.items()]


def render_html(course: Course, options: Options, chosen: list[Group], diags: Diagnostics) -> str:
    """The weak-spots sheet as one HTML document."""
    spots = options.weak_spots
    assert spots is not None
    return render_template(
        "weakspots.html.j2",
        course=course,
        groups=chosen,
        spots=spots,
        shown=sum(len(g.notes) for g in chosen),
        fmt=PrintRenderer(Images(course, options.source_root), diags),
        date=build_date(course),
        css=stylesheet("base.css", "cheatsheet.css"),
        page_css=page_rules(course, paper(course, options), "Weak spots"),
    )


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-weak-spots.pdf`` (needs ``options.weak_spots``)."""
    spots = options.weak_spots
    assert spots is not None, "the pipeline sets weak_spots when a collection is given"
    size = paper(course, options)
    found = Diagnostics()

    def choose(space: float) -> list[Group]:
        return groups(course, spots, space, size)

    def html(chosen: list[Group]) -> str:
        return render_html(course, options, chosen, found)

    chosen, _, laid = budget.fit(options.cheatsheet_pages, size, choose, html)
    diags.items.extend(dict.fromkeys(found.items))
    ids = {ctx.card.id for ctx in iter_cards(course)}
    weak = sum(1 for w in spots.cards if w.card_id in ids)
    shown = sum(len(g.notes) for g in chosen)
    if shown < weak:
        pages = options.cheatsheet_pages
        diags.add(
            Code.PRINT_LEFT_OUT,
            "course.md",
            1,
            f"weak spots: {weak - shown:,} of {weak:,} weak notes left out to fit {pages} page"
            f"{'s' if pages != 1 else ''}; raise cheatsheet.pages to see more",
        )
    return [Output(f"{course.slug}-weak-spots.pdf", pdf_bytes(laid))]
