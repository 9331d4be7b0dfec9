"""The printable mock exam: ``<slug>-mock-exam.pdf``, an exam's worth of questions and an answer key.

Questions are drawn like the real exam (:func:`compiler.model.exam.draw`, seeded by the course
slug so rebuilds print the same test), each with lettered options; the answer key after a page
break gives the letters, the domain, the exam tips and the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.exam import draw
from compiler.model.ir import Course, Question
from compiler.print.common import build_date, page_rules, paper, render_template, stylesheet
from compiler.print.pieces import Store, code_version, join, whole
from compiler.print.render import Images, PrintRenderer

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Printed:
    """One question as the template prints it."""

    number: int
    question: Question
    domain: str
    stem: Markup
    options: list[tuple[str, Markup]]
    answer: str
    explanation: Markup | None


def printed(course: Course, fmt: PrintRenderer) -> list[Printed]:
    """The drawn questions, numbered, rendered to print HTML."""
    names = {d.id: d.name for d in course.domains}
    found = []
    for number, (domain, q) in enumerate(draw(course), start=1):
        options = [(LETTERS[i], fmt.html(o.text, q.span)) for i, o in enumerate(q.options)]
        answer = ", ".join(LETTERS[i] for i, o in enumerate(q.options) if o.correct)
        explanation = fmt.html(q.explanation, q.span) if q.explanation is not None else None
        stem = fmt.html(q.stem, q.span)
        found.append(Printed(number, q, names.get(domain or "", "No domain"), stem, options, answer, explanation))
    return found


def render_html(course: Course, options: Options, diags: Diagnostics | None = None, dated: bool = True) -> str:
    """The mock exam as one HTML document; problems in the notes go to ``diags`` (``dated``: see the cheat sheet's)."""
    fmt = PrintRenderer(Images(course, options.source_root), diags if diags is not None else Diagnostics())
    questions = printed(course, fmt)
    exam = course.exam_format
    minutes = exam.duration_minutes
    if minutes and exam.questions and len(questions) != exam.questions:
        minutes = max(1, round(minutes * len(questions) / exam.questions))  # the same time per question
    return render_template(
        "mock-exam.html.j2",
        course=course,
        questions=questions,
        minutes=minutes,
        date=build_date(course) if dated else None,
        css=stylesheet("base.css", "mock-exam.css"),
        page_css=page_rules(course, paper(course, options), "Mock exam"),
    )


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-mock-exam.pdf`` (the HTML it is laid out from is not kept: the quiz page is the screen version)."""
    store = Store(options.cache_dir, "mock-exam")
    piece = whole(store, code_version("mock_exam.py", "render.py"), render_html(course, options, diags, dated=False))
    store.prune()
    return [Output(f"{course.slug}-mock-exam.pdf", join([piece], build_date(course)))]
