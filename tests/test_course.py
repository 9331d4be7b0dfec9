"""The shipped course in source/: every exam tip is covered and the notes are clean."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import SOURCE

from compiler.build.pipeline import check
from compiler.checks.coverage import coverage
from compiler.model.ir import Course, iter_cards, iter_tips


@pytest.fixture(scope="module")
def course() -> Course:
    result = check(SOURCE)
    assert result.course is not None
    problems = [d.format() for d in result.diagnostics.errors(strict=True)]
    assert problems == [], "\n".join(problems)
    return result.course


def test_every_tip_has_cards(course: Course) -> None:
    summary = coverage(course)
    uncovered = [tip for tip, n in summary.per_tip.items() if n == 0]
    assert uncovered == []
    assert summary.tips == 24


def test_every_chapter_has_cards(course: Course) -> None:
    per_chapter = Counter(ctx.chapter.id for ctx in iter_cards(course))
    assert set(per_chapter) == {c.id for c in course.chapters}
    assert all(n > 0 for n in per_chapter.values())


def test_tip_ids_are_explicit(course: Course) -> None:
    assert all(tip.explicit_id for _, _, tip in iter_tips(course))


def test_domains_and_weights(course: Course) -> None:
    assert sum(d.weight for d in course.domains) == 100
    assert len(course.domains) == 4


def test_summary_counts_notes_and_the_cards_anki_makes(course: Course) -> None:
    from compiler.anki.notes import note_content

    summary = coverage(course)
    contents = [note_content(ctx.card) for ctx in iter_cards(course)]
    assert summary.cards == len(contents) == 243
    assert summary.reviews == sum(len(c[2]) for c in contents if c is not None) == 270
    assert summary.line() == "24/24 exam tips covered, 243 notes, 270 cards"
