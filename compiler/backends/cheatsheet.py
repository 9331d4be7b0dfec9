"""Cheat sheet: the course on a few dense pages for a last look before the exam.

``<slug>-cheatsheet.html`` is the document WeasyPrint lays out into
``<slug>-cheatsheet.pdf``: three columns, one box per section, exam tips
highlighted and every card's fact as a one-liner (see the template for what
is left out).
"""

from __future__ import annotations

import re

from compiler.backends import Options, Output
from compiler.backends.printing import (
    Formatter,
    Images,
    build_date,
    cloze_back,
    layout,
    page_rules,
    paper,
    pdf_bytes,
    render_template,
    stylesheet,
)
from compiler.ir import Course, Prose

_PARAGRAPHS = re.compile(r"\s*(?:<p>(?:(?!<img|class=\"math\").)*?</p>\s*)+", re.DOTALL)


def is_paragraphs(block: Prose) -> bool:
    """Whether a prose block is only plain paragraphs (no lists, tables, images or math)."""
    return _PARAGRAPHS.fullmatch(block.text.html) is not None


def render_html(course: Course, options: Options) -> str:
    """The cheat sheet as one HTML document."""
    return render_template(
        "cheatsheet.html.j2",
        course=course,
        fmt=Formatter(Images(course, options.source_root)),
        cloze_back=cloze_back,
        is_paragraphs=is_paragraphs,
        domains={d.id: d for d in course.domains},
        date=build_date(course),
        css=stylesheet("base.css", "cheatsheet.css"),
        page_css=page_rules(course, paper(course, options), "Cheat sheet"),
    )


def render(course: Course, options: Options) -> list[Output]:
    """``<slug>-cheatsheet.html`` and ``<slug>-cheatsheet.pdf``."""
    document = render_html(course, options)
    return [
        Output(f"{course.slug}-cheatsheet.html", document.encode("utf-8")),
        Output(f"{course.slug}-cheatsheet.pdf", pdf_bytes(layout(document))),
    ]
