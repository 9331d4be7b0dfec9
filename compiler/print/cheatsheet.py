"""Cheat sheet: the course on a few dense pages for a last look before the exam.

``<slug>-cheatsheet.html`` is the document WeasyPrint lays out into
``<slug>-cheatsheet.pdf``: three columns, one box per section, exam tips
highlighted and every card's fact as a one-liner (see the template for what
is left out).
"""

from __future__ import annotations

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.doc import Image, Math, Para, text_inlines
from compiler.model.ir import Course, Prose
from compiler.print.common import build_date, layout, page_rules, paper, pdf_bytes, render_template, stylesheet
from compiler.print.render import Images, PrintRenderer


def is_paragraphs(block: Prose) -> bool:
    """Whether a prose block is only plain paragraphs: no lists, tables, code, images or math (left off the sheet)."""
    text = block.text
    return all(isinstance(b, Para) for b in text.blocks) and not any(
        isinstance(node, Image | Math) for node in text_inlines(text)
    )


def render_html(course: Course, options: Options, diags: Diagnostics | None = None) -> str:
    """The cheat sheet as one HTML document; problems in the notes go to ``diags``."""
    return render_template(
        "cheatsheet.html.j2",
        course=course,
        fmt=PrintRenderer(Images(course, options.source_root), diags if diags is not None else Diagnostics()),
        is_paragraphs=is_paragraphs,
        domains={d.id: d for d in course.domains},
        date=build_date(course),
        css=stylesheet("base.css", "cheatsheet.css"),
        page_css=page_rules(course, paper(course, options), "Cheat sheet"),
    )


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-cheatsheet.html`` and ``<slug>-cheatsheet.pdf``."""
    document = render_html(course, options, diags)
    return [
        Output(f"{course.slug}-cheatsheet.html", document.encode("utf-8")),
        Output(f"{course.slug}-cheatsheet.pdf", pdf_bytes(layout(document))),
    ]
