"""Study guide: the whole course as one self-contained HTML file and its PDF.

``<slug>-guide.html`` inlines its CSS and embeds images as data URIs, so it
works offline and prints from a browser; ``<slug>-guide.pdf`` is the same
HTML laid out by WeasyPrint, with bookmarks from the headings.
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import AnyCard, Block, Course, Span, iter_tips
from compiler.print.common import build_date, layout, page_rules, paper, pdf_bytes, render_template, stylesheet
from compiler.print.render import CardView, Images, PrintRenderer, card_views

_GROUPED = {"definition", "table_row"}


def grouped(blocks: Iterable[Block]) -> list[tuple[str, list[Block]]]:
    """Blocks in order; runs of definition cards, or of table-row cards, become one group."""
    groups: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if block.kind in _GROUPED and groups and groups[-1][0] == block.kind:
            groups[-1][1].append(block)
        else:
            groups.append((block.kind, [block]))
    return groups


def render_html(course: Course, options: Options, diags: Diagnostics | None = None) -> str:
    """The guide as one HTML document; problems in the notes go to ``diags``."""
    fmt = PrintRenderer(Images(course, options.source_root), diags if diags is not None else Diagnostics())
    cards = card_views(course, fmt)
    by_card: dict[int, CardView] = {id(v.card): v for v in cards}
    covered_by: dict[str, list[CardView]] = {}
    for v in cards:
        for tip_id in v.card.covers:
            covered_by.setdefault(tip_id, []).append(v)

    def view(card: AnyCard) -> CardView:
        return by_card[id(card)]

    return render_template(
        "guide.html.j2",
        course=course,
        fmt=fmt,
        description_span=Span(path="course.md", line=1, end_line=1),
        cards=cards,
        view=view,
        grouped=grouped,
        covered_by=covered_by,
        tip_count=sum(1 for _ in iter_tips(course)),
        domains={d.id: d for d in course.domains},
        date=build_date(course),
        css=stylesheet("base.css", "guide.css"),
        page_css=page_rules(course, paper(course, options), "Study guide"),
    )


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-guide.html`` and ``<slug>-guide.pdf``."""
    document = render_html(course, options, diags)
    return [
        Output(f"{course.slug}-guide.html", document.encode("utf-8")),
        Output(f"{course.slug}-guide.pdf", pdf_bytes(layout(document))),
    ]
