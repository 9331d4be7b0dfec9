"""Cheat sheet: the course on a page budget, for a last look before the exam.

``<slug>-cheatsheet.html`` is the document WeasyPrint lays out into
``<slug>-cheatsheet.pdf``: three columns, one box per section, exam tips
highlighted and every card's fact as a one-liner (see the template for what
is left out). When the whole course does not fit ``cheatsheet.pages``,
:mod:`compiler.print.budget` picks what stays, on the IR, before layout.

The PDF is laid out page by page (:mod:`compiler.print.pieces`): the budget
cuts what stays into pages by estimated height, each page is a document of its
own (a section that goes on over a page break prints its heading again,
marked "continued"), cached by its HTML, and "Page x of y" is drawn over the
joined pages. So an edit lays out the page it is on, and the pages of a cold
build lay out on both cores. A page that runs over is given less room and the
pages are cut again; an estimate that needs more pages than the budget selects
less. With ``--collection`` the same budget prints the user's weak spots
(:mod:`compiler.print.weakspots`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import AnyCard, BasicCard, Block, ClozeCard, Course, ListCard, Prose
from compiler.print import budget
from compiler.print.common import (
    PAPER_MM,
    Paper,
    build_date,
    iter_boxes,
    page_rules,
    paper,
    render_template,
    stylesheet,
)
from compiler.print.pieces import (
    Piece,
    Store,
    cached,
    code_version,
    join,
    lay_out_html,
    lay_out_if,
    overlay_html,
    piece_key,
    whole,
)
from compiler.print.render import Images, PrintRenderer

if TYPE_CHECKING:
    from weasyprint import Document

#: Share of its items' estimated height a page that ran over keeps, per time it ran over.
_SHRINK = 0.95
#: A last page estimated to fill at least this share of its room is first laid out filled, like
#: the pages before it; see :func:`lay_out_page`.
_NEARLY_FULL = 0.8


def is_paragraphs(block: Prose) -> bool:
    """Whether a prose block is only plain paragraphs (left off the sheet)."""
    return budget.is_paragraphs(block)


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive short Q/A cards printed packed, several to a line."""

    cards: tuple[AnyCard, ...]
    kind: str = "run"


def groups(blocks: tuple[Block, ...], size: Paper) -> list[Block | Run]:
    """A body's blocks with each stretch of two or more short Q/A cards gathered into a :class:`Run`."""
    out: list[Block | Run] = []
    stretch: list[AnyCard] = []

    def flush() -> None:
        if len(stretch) > 1:
            out.append(Run(tuple(stretch)))
        else:
            out.extend(stretch)
        stretch.clear()

    for block in blocks:
        if isinstance(block, BasicCard | ListCard | ClozeCard) and budget.is_short(block, size):
            stretch.append(block)
            continue
        if block.kind in ("definition", "table_row"):  # not printed: does not break a stretch
            continue
        flush()
        out.append(block)
    flush()
    return out


@dataclass(frozen=True)
class Page:
    """One page of the PDF, laid out as a document of its own."""

    first: bool
    """Whether it is page 1, which carries the sheet's title."""
    continued: frozenset[str] = field(default_factory=frozenset)
    """Heading keys (see :attr:`budget.Item.heads`) already printed on an earlier page."""
    balanced: bool = True
    """Whether its columns are balanced: only a last page that is not nearly full. The others fill
    one column after another: balancing lays a page out again and again (over half of its time)."""


def render_html(
    course: Course, options: Options, diags: Diagnostics | None = None, dated: bool = True, page: Page | None = None
) -> str:
    """The cheat sheet of ``course`` (as given: no budget) as one HTML document; problems go to ``diags``.

    ``dated=False`` leaves the date out (the PDF gets it when it is joined, see :mod:`compiler.print.pieces`).
    ``page``: the document is that page of the PDF, undated and without running heads (drawn over it).
    """
    size = paper(course, options)
    width, height = PAPER_MM[size]
    return render_template(
        "cheatsheet.html.j2",
        course=course,
        fmt=PrintRenderer(Images(course, options.source_root), diags if diags is not None else Diagnostics()),
        is_paragraphs=is_paragraphs,
        groups=lambda blocks: groups(blocks, size),
        domains={d.id: d for d in course.domains},
        date=build_date(course) if dated and page is None else None,
        css=stylesheet("base.css", "cheatsheet.css"),
        page_css=page_rules(course, size, "Cheat sheet")
        if page is None
        else f"@page {{ size: {width}mm {height}mm; }}",
        head=page is None or page.first,
        continued=frozenset() if page is None else page.continued,
        balanced=page is None or page.balanced,
    )


#: A page's document, and for a nearly full last page laid out filled, the balanced document
#: laid out instead when the filled one does not reach its last column.
PageDoc = tuple[str, str | None]


def _page_htmls(
    course: Course, options: Options, diags: Diagnostics, pages: list[list[budget.Item]], room: Callable[[int], float]
) -> list[PageDoc]:
    """Each page's document: the course pruned to that page's items."""
    seen: set[str] = set()
    docs: list[PageDoc] = []
    for index, items in enumerate(pages):
        keys = {key for item in items for key, _ in item.heads}
        last = index == len(pages) - 1
        full = budget.page_height(items) >= _NEARLY_FULL * room(index)
        page = Page(index == 0, frozenset(keys & seen), balanced=last and not full)
        seen |= keys
        chosen = budget.prune(course, {item.order for item in items})
        balanced = (
            render_html(chosen, options, Diagnostics(), page=replace(page, balanced=True)) if last and full else None
        )
        docs.append((render_html(chosen, options, diags, page=page), balanced))  # same blocks: reported once
    return docs


def lay_out_page(html: str, balanced: str | None) -> Piece:
    """A page's piece: ``html``, or when it does not reach its last column, ``balanced`` instead.

    A nearly full last page looks like the pages before it when its content reaches the third
    column; when the estimate was too high and it does not, its columns are balanced after all.
    """
    if balanced is None:
        return lay_out_html(html)
    piece = lay_out_if(html, reaches_last_column)
    return piece if piece is not None else lay_out_html(balanced)


def reaches_last_column(document: Document) -> bool:
    """Whether a laid-out page has content in its last column (or ran over: it could not balance either)."""
    if len(document.pages) != 1:
        return True
    columns = [
        box for box in iter_boxes(getattr(document.pages[0], "_page_box", None)) if getattr(box, "is_column", False)
    ]
    return len(columns) >= budget.COLUMNS and bool(columns[-1].children)


def _estimate(
    course: Course, found: list[budget.Item], space: float, size: Paper, limit: int, room: Callable[[int], float]
) -> tuple[budget.Selection, list[list[budget.Item]]]:
    """What stays on ``space`` millimetres, cut into pages; less while the cut needs more than ``limit`` pages.

    ``found``: the course's :func:`budget.items` (the same for every attempt).
    """
    for _ in range(64):  # each round drops at least what ran past the last page
        selection = budget.select(course, space, size, found)
        pages = budget.paginate([item for item in found if item.order in selection.kept], room)
        if len(pages) <= limit or space <= 0:
            break
        space -= max(1.0, sum(item.height for items in pages[limit:] for item in items))
    return selection, pages


def paginated(
    course: Course, options: Options, diags: Diagnostics, lay: Callable[[list[PageDoc]], list[Piece]]
) -> tuple[Course, list[Piece]]:
    """The cheat sheet cut to ``options.cheatsheet_pages``: the course it kept and its pages, laid out by ``lay``.

    What was left out is reported at info level.
    """
    size = paper(course, options)
    limit = options.cheatsheet_pages
    rooms: dict[int, float] = {}  # the pages that ran over: the room they get instead of the estimate
    tries: dict[int, int] = {}

    def room(index: int) -> float:
        return rooms.get(index, budget.page_space(size, index == 0))

    found = budget.items(course, size)
    sheet_diags = Diagnostics()
    for attempt in range(budget.MAX_LAYOUTS):
        selection, pages = _estimate(course, found, budget.capacity(limit, size), size, limit, room)
        laid = lay(_page_htmls(course, options, sheet_diags, pages, room))
        over = [i for i, piece in enumerate(laid) if piece.pages > 1 and len(pages[i]) > 1]
        if not over or attempt == budget.MAX_LAYOUTS - 1:
            break
        sheet_diags = Diagnostics()  # this attempt's pages are not the sheet
        for i in over:  # it keeps less: at least one item fewer, and 5 % less room per time it ran over
            tries[i] = tries.get(i, 0) + 1
            rooms[i] = min(budget.page_height(pages[i][:-1]), budget.page_height(pages[i]) * _SHRINK ** tries[i])
    diags.items.extend(dict.fromkeys(sheet_diags.items))  # several pages report the same formula once
    page = budget.page_space(size, first=False)
    for item in selection.too_tall:
        span = item.block.span
        diags.add(
            Code.PRINT_LEFT_OUT,
            span.path,
            span.line,
            f"cheat sheet: left out a block taller than a whole page (about {budget.page_height([item]):,.0f} mm "
            f"of column; a page holds {page:,.0f} mm); shorten or split it to print it",
        )
    if selection.cards_left_out:
        total, pages_word = selection.cards_total, f"page{'s' if limit != 1 else ''}"
        diags.add(
            Code.PRINT_LEFT_OUT,
            "course.md",
            1,
            f"cheat sheet: {selection.cards_left_out:,} of {total:,} cards left out to fit {limit} {pages_word} "
            f"(the budget ran out at {budget.LEVEL_NAMES[selection.cut_level or 0]}); "
            "raise cheatsheet.pages or mark key cards with {.key}",
        )
    chosen = course if selection.cut_level is None else budget.prune(course, selection.kept)
    return chosen, laid


def sheet(course: Course, options: Options, diags: Diagnostics) -> tuple[Course, list[Piece], Piece]:
    """The course the sheet kept, its pages, and the overlay with the running heads and page numbers.

    Pieces are cached under ``options.cache_dir`` (none: laid out every time).
    """
    store = Store(options.cache_dir, "cheatsheet")
    version = code_version("cheatsheet.py", "budget.py", "render.py")

    def lay(docs: list[PageDoc]) -> list[Piece]:
        return cached(store, [(piece_key(version, html), partial(lay_out_page, html, back)) for html, back in docs])

    chosen, pages = paginated(course, options, diags, lay)
    store.prune()
    rules = page_rules(course, paper(course, options), "Cheat sheet")
    overlay_store = Store(options.cache_dir, "cheatsheet-overlay")
    styles = f"{rules}\n{stylesheet('base.css', 'cheatsheet.css')}"
    overlay = whole(overlay_store, version, overlay_html(styles, sum(piece.pages for piece in pages)))
    overlay_store.prune()
    return chosen, pages, overlay


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-cheatsheet.html`` and ``<slug>-cheatsheet.pdf``, plus ``<slug>-weak-spots.pdf`` with a collection.

    Each page is cached by its HTML, so an edit lays out only the pages it changed.
    """
    chosen, pages, overlay = sheet(course, options, diags)
    document = render_html(chosen, options, Diagnostics())  # the dated HTML file; its problems were reported
    outputs = [
        Output(f"{course.slug}-cheatsheet.html", document.encode("utf-8")),
        Output(f"{course.slug}-cheatsheet.pdf", join(pages, build_date(course), overlay.pdf)),
    ]
    if options.weak_spots is not None:
        from compiler.print import weakspots

        outputs.extend(weakspots.render(course, options, diags))
    return outputs
