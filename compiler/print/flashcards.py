"""Double-sided flashcards: ``<slug>-flashcards.pdf``.

Each card is one cell of a cols × rows grid (2 × 4 by default). Sheets come in
pairs: an odd page with fronts, then an even page with the backs of the same
cards, mirrored left-right so that long-edge duplex printing puts each back
behind its front (the back of the cell at row r, col c sits at row r,
col cols-1-c). Cloze cards show their gaps on the front and the filled-in
text on the back; a list card prints the whole list on one back; a reversible
card prints once (flip it to ask the other way).

Text that does not fit a cell shrinks: a first font size comes from the text
length, then the laid-out sheets are measured and overflowing cells step
down a size and the sheets are laid out again. The document is laid out in
pieces of a few sheets (:mod:`compiler.print.pieces`), so an edit lays out
only the sheets it changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.doc import Text
from compiler.model.ir import AnyCard, BasicCard, ClozeCard, Course, DefinitionCard, ListCard, TableRowCard
from compiler.print.common import (
    PAPER_MM,
    Paper,
    build_date,
    iter_boxes,
    layout,
    paper,
    render_template,
    stylesheet,
)
from compiler.print.pieces import Piece, Store, cached, code_version, from_document, join, piece_key
from compiler.print.render import CardView, Images, PrintRenderer, card_views
from compiler.text.plain import plain

if TYPE_CHECKING:
    from weasyprint import Document

#: Font sizes in points, largest first; a cell steps down until its text fits.
FONT_SIZES = (13.0, 11.5, 10.0, 9.0, 8.0, 7.0, 6.0, 5.2)
#: Text length (characters) up to which each size is tried first.
_FIRST_GUESS = (110, 180, 260, 360, 500, 700, 950)
_MAX_PASSES = 4
#: Sheet pairs (fronts, then backs) per piece: an edited card lays out this many pairs again.
PIECE_BATCHES = 1


@dataclass(frozen=True)
class Grid:
    """Where cells sit on a sheet, in millimetres."""

    width: float
    height: float
    cols: int = 2
    rows: int = 4
    margin_x: float = 12.0
    margin_y: float = 12.0

    @property
    def per_sheet(self) -> int:
        """Cards per sheet."""
        return self.cols * self.rows

    @property
    def cell_width(self) -> float:
        """Width of one cell."""
        return round((self.width - 2 * self.margin_x) / self.cols, 3)

    @property
    def cell_height(self) -> float:
        """Height of one cell."""
        return round((self.height - 2 * self.margin_y) / self.rows, 3)

    def position(self, index: int, back: bool) -> tuple[int, int]:
        """(row, col) of the ``index``-th card of a sheet; backs are mirrored left-right."""
        row, col = divmod(index, self.cols)
        return row, (self.cols - 1 - col) if back else col

    def origin(self, row: int, col: int) -> tuple[float, float]:
        """Top-left corner of a cell."""
        return round(self.margin_x + col * self.cell_width, 3), round(self.margin_y + row * self.cell_height, 3)

    def cut_marks(self) -> list[tuple[float, float, float, float]]:
        """(left, top, width, height) of short lines in the margins, on every cell edge."""
        line, gap, edge = 0.25, 1.5, 3.0  # 0.25 mm thick; start 3 mm in from the paper edge
        marks: list[tuple[float, float, float, float]] = []
        for col in range(self.cols + 1):
            x = round(self.margin_x + col * self.cell_width - line / 2, 3)
            marks.append((x, edge, line, self.margin_y - gap - edge))
            marks.append((x, self.height - self.margin_y + gap, line, self.margin_y - gap - edge))
        for row in range(self.rows + 1):
            y = round(self.margin_y + row * self.cell_height - line / 2, 3)
            marks.append((edge, y, self.margin_x - gap - edge, line))
            marks.append((self.width - self.margin_x + gap, y, self.margin_x - gap - edge, line))
        return marks


def grid_for(size: Paper) -> Grid:
    """The 2 × 4 grid on A4 or Letter, portrait."""
    width, height = PAPER_MM[size]
    return Grid(width=width, height=height)


@dataclass(frozen=True)
class Slot:
    """One card side placed in a cell."""

    view: CardView
    left: float
    top: float
    font_size: float


@dataclass(frozen=True)
class Sheet:
    """One page: fronts or backs of up to ``per_sheet`` cards."""

    side: str
    first: int
    last: int
    slots: tuple[Slot, ...]


def side_length(card: AnyCard, side: str) -> int:
    """Characters of plain text on one side of a printed card (column labels, ask line and extra note included)."""
    labels = 0
    if isinstance(card, TableRowCard):
        cells = card.prompt if side == "front" else card.answer
        labels = sum(len(c.column) + 2 for c in cells) + (len(card.ask or "") if side == "front" else 0)
        texts = [c.text for c in cells]
    else:
        texts = _front_texts(card) if side == "front" else _back_texts(card)
    if side == "back" and card.extra is not None:
        texts.append(card.extra)
    return labels + sum(len(plain(t)) for t in texts)


def _front_texts(card: BasicCard | DefinitionCard | ClozeCard | ListCard) -> list[Text]:
    if isinstance(card, DefinitionCard):
        return [card.term]
    return [card.text] if isinstance(card, ClozeCard) else [card.front]


def _back_texts(card: BasicCard | DefinitionCard | ClozeCard | ListCard) -> list[Text]:
    if isinstance(card, DefinitionCard):
        return [card.definition]
    if isinstance(card, ClozeCard):
        return [card.text]
    return list(card.items) if isinstance(card, ListCard) else [card.back]


def first_size(length: int) -> int:
    """Index into FONT_SIZES to try first for a text of this length."""
    return next((i for i, limit in enumerate(_FIRST_GUESS) if length <= limit), len(_FIRST_GUESS))


def sheets(views: list[CardView], grid: Grid, sizes: dict[tuple[int, str], int]) -> list[Sheet]:
    """Front and back sheets, alternating, with each side's font size."""
    out: list[Sheet] = []
    for start in range(0, len(views), grid.per_sheet):
        batch = views[start : start + grid.per_sheet]
        for side in ("front", "back"):
            slots = []
            for index, view in enumerate(batch):
                left, top = grid.origin(*grid.position(index, back=side == "back"))
                slots.append(Slot(view, left, top, FONT_SIZES[sizes[(view.number, side)]]))
            out.append(Sheet(side, batch[0].number, batch[-1].number, tuple(slots)))
    return out


def overflowing(pages: Iterable[object]) -> dict[tuple[int, str], float]:
    """(card number, side) → how many times too tall, for every cell whose text does not fit."""
    found: dict[tuple[int, str], float] = {}
    for page in pages:
        for box in iter_boxes(getattr(page, "_page_box", None)):
            element = getattr(box, "element", None)
            if element is None or getattr(box, "element_tag", "") != "div" or element.get("data-n") is None:
                continue
            if "body" not in (element.get("class") or "").split() or not box.children:
                continue
            content = box.children[0]
            if content.margin_height() > box.height + 0.5 or content.margin_width() > box.width + 0.5:
                ratio = max(content.margin_height() / box.height, content.margin_width() / box.width)
                found[(int(element.get("data-n")), element.get("data-side"))] = ratio
    return found


def smaller(index: int, ratio: float) -> int:
    """The next size index that should fit text ``ratio`` times too tall (text area grows with size²)."""
    target = FONT_SIZES[index] / ratio**0.5
    fits = [i for i in range(index + 1, len(FONT_SIZES)) if FONT_SIZES[i] <= target]
    return fits[0] if fits else min(index + 1, len(FONT_SIZES) - 1)


def fit(
    views: list[CardView], grid: Grid, sizes: dict[tuple[int, str], int], context: dict[str, object]
) -> tuple[str, Document, dict[tuple[int, str], int], dict[tuple[int, str], float]]:
    """Lay out sheets of ``views``, stepping overflowing cells down a size and laying out again.

    Returns the last HTML and layout, the sizes it used and the cells that still overflow.
    """
    sizes = dict(sizes)
    for _ in range(_MAX_PASSES):
        html = render_template("flashcards.html.j2", sheets=sheets(views, grid, sizes), **context)
        document = layout(html)
        too_big = overflowing(document.pages)
        shrinkable = {key: ratio for key, ratio in too_big.items() if sizes[key] < len(FONT_SIZES) - 1}
        if not shrinkable:
            break
        for key, ratio in shrinkable.items():
            sizes[key] = smaller(sizes[key], ratio)
    return html, document, sizes, too_big


def lay_out_piece(
    views: list[CardView], grid: Grid, sizes: dict[tuple[int, str], int], context: dict[str, object]
) -> Piece:
    """A few sheets laid out to fit; the piece's data lists the cells that still overflow."""
    _, document, sizes, too_big = fit(views, grid, sizes, context)
    overflow = [[number, side, FONT_SIZES[sizes[number, side]]] for number, side in sorted(too_big)]
    return from_document(document, {"overflow": overflow})


def _setup(
    course: Course, options: Options, diags: Diagnostics
) -> tuple[list[CardView], Grid, dict[tuple[int, str], int], dict[str, object]]:
    grid = grid_for(paper(course, options))
    views = card_views(course, PrintRenderer(Images(course, options.source_root), diags))
    sizes = {(v.number, side): first_size(side_length(v.card, side)) for v in views for side in ("front", "back")}
    return views, grid, sizes, {"course": course, "grid": grid, "css": stylesheet("base.css", "flashcards.css")}


def render_html(course: Course, options: Options, diags: Diagnostics | None = None) -> str:
    """Every sheet as one HTML document, at the sizes first tried (before any cell is measured)."""
    views, grid, sizes, context = _setup(course, options, diags if diags is not None else Diagnostics())
    return render_template("flashcards.html.j2", sheets=sheets(views, grid, sizes), **context)


def render_document(course: Course, options: Options, diags: Diagnostics | None = None) -> tuple[str, Document]:
    """Every sheet laid out as one document (for inspection; the PDF is laid out in pieces by the same :func:`fit`)."""
    html, document, _, _ = fit(*_setup(course, options, diags if diags is not None else Diagnostics()))
    return html, document


def render_pieces(course: Course, options: Options, diags: Diagnostics) -> list[Piece]:
    """The flashcards as laid-out pieces of ``PIECE_BATCHES`` sheet pairs each, from the cache where unchanged.

    A cell that does not fit even at the smallest size is a ``print.overflow`` warning at its card.
    """
    views, grid, sizes, context = _setup(course, options, diags)
    version = code_version("flashcards.py", "render.py")
    step = grid.per_sheet * PIECE_BATCHES
    jobs = []
    for start in range(0, max(len(views), 1), step):
        batch = views[start : start + step]
        # the key is the piece's first layout: the sizes it tries first follow from its cards' text
        html = render_template("flashcards.html.j2", sheets=sheets(batch, grid, sizes), **context)
        jobs.append((piece_key(version, html), partial(lay_out_piece, batch, grid, sizes, context)))
    store = Store(options.cache_dir, "flashcards")
    pieces = cached(store, jobs)
    store.prune()
    by_number = {v.number: v for v in views}
    for piece in pieces:
        for number, side, size in piece.data["overflow"]:
            span = by_number[number].card.span
            message = (
                f"flashcard #{number} does not fit its printed cell ({side}) even at {size} pt; shorten it or split it"
            )
            diags.add(Code.PRINT_OVERFLOW, span.path, span.line, message)
    return pieces


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-flashcards.pdf``."""
    pieces = render_pieces(course, options, diags)
    return [Output(f"{course.slug}-flashcards.pdf", join(pieces, build_date(course)))]
