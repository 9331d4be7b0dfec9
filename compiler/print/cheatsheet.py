"""Cheat sheet: the course on a page budget, for a last look before the exam.

``<slug>-cheatsheet.html`` is the document WeasyPrint lays out into
``<slug>-cheatsheet.pdf``: three columns, one box per section, exam tips
highlighted and every card's fact as a one-liner (see the template for what
is left out). When the whole course does not fit ``cheatsheet.pages``,
:mod:`compiler.print.budget` picks what stays, on the IR, before layout; the
result is laid out once and, only if the estimate ran over, selected again on a
smaller budget. With ``--collection`` the same budget prints the user's weak
spots (:mod:`compiler.print.weakspots`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import AnyCard, BasicCard, Block, ClozeCard, Course, ListCard, Prose
from compiler.print import budget
from compiler.print.common import Paper, build_date, layout, page_rules, paper, render_template, stylesheet
from compiler.print.pieces import Piece, Store, code_version, join, whole
from compiler.print.render import Images, PrintRenderer

L = TypeVar("L")

if TYPE_CHECKING:
    from weasyprint import Document


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


def render_html(course: Course, options: Options, diags: Diagnostics | None = None, dated: bool = True) -> str:
    """The cheat sheet of ``course`` (as given: no budget) as one HTML document; problems go to ``diags``.

    ``dated=False`` leaves the date out (the PDF gets it when it is joined, see :mod:`compiler.print.pieces`).
    """
    size = paper(course, options)
    return render_template(
        "cheatsheet.html.j2",
        course=course,
        fmt=PrintRenderer(Images(course, options.source_root), diags if diags is not None else Diagnostics()),
        is_paragraphs=is_paragraphs,
        groups=lambda blocks: groups(blocks, size),
        domains={d.id: d for d in course.domains},
        date=build_date(course) if dated else None,
        css=stylesheet("base.css", "cheatsheet.css"),
        page_css=page_rules(course, size, "Cheat sheet"),
    )


def budgeted(
    course: Course,
    options: Options,
    diags: Diagnostics,
    lay: Callable[[str], L] | None = None,
) -> tuple[Course, str, L | Document]:
    """The cheat sheet cut to ``options.cheatsheet_pages``: the course it kept, its HTML and its layout.

    ``lay`` lays out an HTML document (default: WeasyPrint, with the date in the HTML; the
    build passes a cached layout of the undated HTML). What was left out is reported at info level.
    """
    size = paper(course, options)
    pages = options.cheatsheet_pages
    selections: list[budget.Selection] = []

    def choose(space: float) -> Course:
        selection = budget.select(course, space, size)
        selections.append(selection)
        return course if selection.cut_level is None else budget.prune(course, selection.kept)

    sheet_diags = Diagnostics()

    def html(chosen: Course) -> str:
        return render_html(chosen, options, sheet_diags, dated=lay is None)

    # looked up at call time, so a test may stand in for WeasyPrint
    chosen, document, laid = budget.fit(pages, size, choose, html, lay or (lambda text: layout(text)))
    diags.items.extend(dict.fromkeys(sheet_diags.items))  # several layouts report the same formula once
    last = selections[-1]
    if last.cards_left_out:
        total = last.cards_total
        diags.add(
            Code.PRINT_LEFT_OUT,
            "course.md",
            1,
            f"cheat sheet: {last.cards_left_out:,} of {total:,} cards left out to fit {pages} page"
            f"{'s' if pages != 1 else ''} (the budget ran out at {budget.LEVEL_NAMES[last.cut_level or 0]}); "
            "raise cheatsheet.pages or mark key cards with {.key}",
        )
    return chosen, document, laid


@dataclass(frozen=True)
class _Laid:
    """A cached layout, as :func:`budget.fit` counts pages."""

    piece: Piece

    @property
    def pages(self) -> range:
        return range(self.piece.pages)


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-cheatsheet.html`` and ``<slug>-cheatsheet.pdf``, plus ``<slug>-weak-spots.pdf`` with a collection.

    The layout is cached by its HTML, so an edit that leaves the sheet as it was lays out nothing.
    """
    store = Store(options.cache_dir, "cheatsheet")
    version = code_version("cheatsheet.py", "budget.py", "render.py")
    chosen, _, laid = budgeted(course, options, diags, lambda text: _Laid(whole(store, version, text)))
    store.prune()
    assert isinstance(laid, _Laid)
    document = render_html(chosen, options, Diagnostics())  # the dated HTML file; its problems were reported
    outputs = [
        Output(f"{course.slug}-cheatsheet.html", document.encode("utf-8")),
        Output(f"{course.slug}-cheatsheet.pdf", join([laid.piece], build_date(course))),
    ]
    if options.weak_spots is not None:
        from compiler.print import weakspots

        outputs.extend(weakspots.render(course, options, diags))
    return outputs
