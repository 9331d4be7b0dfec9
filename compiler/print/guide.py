"""Study guide: the whole course as one self-contained HTML file and its PDF.

``<slug>-guide.html`` inlines its CSS and embeds images as data URIs, so it
works offline and prints from a browser; ``<slug>-guide.pdf`` is the same
HTML laid out by WeasyPrint, with bookmarks from the headings.

The PDF is laid out in pieces (:mod:`compiler.print.pieces`): one per
chapter, then the cover and contents, whose page numbers come from the
chapters' pieces. The running heads and "Page x of y" are one more small
document drawn over every page, so a chapter's piece does not depend on
where it lands and an edit lays out only its own chapter again.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from markupsafe import Markup

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import AnyCard, Block, Course, Span, iter_tips
from compiler.print.common import PAPER_MM, build_date, page_rules, paper, render_template, stylesheet
from compiler.print.pieces import (
    Piece,
    Store,
    cached,
    code_version,
    join,
    lay_out_html,
    overlay_html,
    piece_key,
    whole,
)
from compiler.print.render import CardView, Images, PrintRenderer, card_views

_GROUPED = {"definition", "table_row"}
#: Contents pages are laid out again until their count is stable (numbers rarely change it).
_FRONT_PASSES = 3


def grouped(blocks: Iterable[Block]) -> list[tuple[str, list[Block]]]:
    """Blocks in order; runs of definition cards, or of table-row cards, become one group."""
    groups: list[tuple[str, list[Block]]] = []
    for block in blocks:
        if block.kind in _GROUPED and groups and groups[-1][0] == block.kind:
            groups[-1][1].append(block)
        else:
            groups.append((block.kind, [block]))
    return groups


def _context(
    course: Course, options: Options, diags: Diagnostics, cards: list[CardView] | None = None
) -> dict[str, Any]:
    """The template's context; ``cards``: the card views an earlier context built (they are the same)."""
    fmt = PrintRenderer(Images(course, options.source_root), diags)
    cards = card_views(course, fmt) if cards is None else cards
    by_card: dict[int, CardView] = {id(v.card): v for v in cards}
    covered_by: dict[str, list[CardView]] = {}
    for v in cards:
        for tip_id in v.card.covers:
            covered_by.setdefault(tip_id, []).append(v)

    def view(card: AnyCard) -> CardView:
        return by_card[id(card)]

    return {
        "course": course,
        "fmt": fmt,
        "description_span": Span(path="course.md", line=1, end_line=1),
        "cards": cards,
        "view": view,
        "grouped": grouped,
        "covered_by": covered_by,
        "tip_count": sum(1 for _ in iter_tips(course)),
        "domains": {d.id: d for d in course.domains},
        "css": stylesheet("base.css", "guide.css"),
        "part": None,
        "toc_pages": None,
    }


def render_html(course: Course, options: Options, diags: Diagnostics | None = None) -> str:
    """The guide as one HTML document; problems in the notes go to ``diags``."""
    return _whole(course, options, _context(course, options, diags if diags is not None else Diagnostics()))


def _whole(course: Course, options: Options, context: dict[str, Any]) -> str:
    size = paper(course, options)
    return render_template(
        "guide.html.j2", **context, date=build_date(course), page_css=page_rules(course, size, "Study guide")
    )


def _overlay(course: Course, options: Options, pages: int) -> str:
    """A document of ``pages`` empty pages that carry only the running heads and page numbers."""
    rules = page_rules(course, paper(course, options), "Study guide")
    return overlay_html(f"{rules}\n{stylesheet('base.css', 'guide.css')}", pages)


def render_pieces(
    course: Course, options: Options, diags: Diagnostics, cards: list[CardView] | None = None
) -> tuple[list[Piece], Piece]:
    """The guide's pieces (contents first, then each chapter) and the overlay with heads and page numbers.

    ``cards``: the card views, when :func:`render` built them already.
    """
    context = _context(course, options, diags, cards)
    width, height = PAPER_MM[paper(course, options)]
    context["page_css"] = Markup(f"@page {{ size: {width}mm {height}mm; }}")
    context["date"] = None  # the joined PDF gets the date; a piece's key must not follow it
    store = Store(options.cache_dir, "guide")
    version = code_version("guide.py", "render.py")
    jobs = []
    for index in range(len(course.chapters)):
        html = render_template("guide.html.j2", **{**context, "part": index})
        jobs.append((piece_key(version, html), partial(lay_out_html, html)))
    chapter_store = Store(options.cache_dir, "guide-chapters")
    chapters = cached(chapter_store, jobs)
    chapter_store.prune()
    front_pages = 1
    for _ in range(_FRONT_PASSES):
        toc_pages: dict[str, int] = {}
        first = front_pages + 1
        for piece in chapters:
            toc_pages.update({name: first + page for name, page in piece.anchors.items()})
            first += piece.pages
        html = render_template("guide.html.j2", **{**context, "part": "front", "toc_pages": toc_pages})
        front = whole(store, version, html)
        if front.pages == front_pages:
            break
        front_pages = front.pages
    store.prune()
    total = front.pages + sum(piece.pages for piece in chapters)
    overlay_store = Store(options.cache_dir, "guide-overlay")
    overlay = whole(overlay_store, version, _overlay(course, options, total))
    overlay_store.prune()
    return [front, *chapters], overlay


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-guide.html`` and ``<slug>-guide.pdf``."""
    context = _context(course, options, diags)
    document = _whole(course, options, context)
    # the HTML above reported the notes' problems; the pieces render the same notes, so not again
    pieces, overlay = render_pieces(course, options, Diagnostics(), context["cards"])
    return [
        Output(f"{course.slug}-guide.html", document.encode("utf-8")),
        Output(f"{course.slug}-guide.pdf", join(pieces, build_date(course), overlay.pdf)),
    ]
