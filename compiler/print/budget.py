"""The cheat sheet's page budget: which blocks make it onto N pages, chosen on the IR before layout.

Every printed block is an *item* with a priority level and an estimated height
in millimetres of column. Levels fill in order (tips, tables with scenario
tables first, comparisons and definitions, key cards, cards that cover tips,
the rest), each in course order; an item that does not fit is left out whole,
and after the first level that did not fit completely nothing of a lower level
is taken. Heights are estimates from text lengths, so the backends check them
against a real layout: the cheat sheet cuts what stays into pages
(:func:`paginate`) and gives a page that ran over less room; the weak-spots
sheet is laid out whole and, if it ran over, selected again on a smaller
budget (:func:`fit`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, assert_never

from compiler.model.doc import DefinitionList, Image, Math, MathBlock, Para, Text, text_inlines
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    Block,
    Chapter,
    ClozeCard,
    Course,
    DefinitionCard,
    ExamTip,
    ListCard,
    Prose,
    Question,
    Section,
    Table,
    TableRowCard,
    iter_cards,
)
from compiler.print.common import PAPER_MM, Paper, layout
from compiler.text.plain import plain

if TYPE_CHECKING:
    from weasyprint import Document

T = TypeVar("T")
#: Layouts tried at most before a sheet is accepted as it is (each retry shrinks the budget).
MAX_LAYOUTS = 4

# -- priority levels (lower comes first) ----------------------------------------------------
TIP, SCENARIO_TABLE, TABLE, COMPARISON, KEY, COVERING, REST = range(7)
LEVEL_NAMES = ("exam tips", "scenario tables", "tables", "comparisons and definitions", "key cards",
               "cards that cover tips", "other cards")  # fmt: skip
#: Words in a prompt that make a Q/A a comparison.
COMPARE_WORDS = (" vs ", " vs. ", " versus ", "differ", "compare", "comparison")

# -- geometry of templates/print/cheatsheet.css, in millimetres ----------------------------------
MARGIN_V, MARGIN_H, COLUMN_GAP, COLUMNS = 18.0, 14.0, 3.0, 3
LINE = 3.25  # 8 pt × 1.15
QA_LINE = 3.1  # 7.6 pt × 1.15, plus the gap between facts
TABLE_LINE = 2.9  # 7 pt × 1.15
CHAR = 1.23  # mean advance of DejaVu Sans Condensed at 7.6–8 pt, measured on the shipped course
HEAD = 17.0  # title, exam line and domain weights above the columns on page 1
CHAPTER_HEAD, BOX_HEAD, SUB_HEAD = 6.5, 6.0, 4.0
#: Share of a column that ends up used: items never straddle columns, so column ends stay empty.
FILL = 0.93
#: A Q/A whose text is at most this share of a line packs with its neighbours (``.qa-run``).
SHORT = 0.6


def column_width(paper: Paper) -> float:
    """Width of one of the three columns in millimetres."""
    return (PAPER_MM[paper][0] - MARGIN_H - COLUMN_GAP * (COLUMNS - 1)) / COLUMNS


def capacity(pages: int, paper: Paper) -> float:
    """Millimetres of column the sheet holds on ``pages`` pages."""
    column = PAPER_MM[paper][1] - MARGIN_V
    return (COLUMNS * column * pages - COLUMNS * HEAD) * FILL


def _lines(chars: int, per_line: float) -> int:
    return max(1, math.ceil(chars / max(per_line, 1.0)))


def is_paragraphs(block: Prose) -> bool:
    """Whether a prose block is only plain paragraphs: no lists, tables, code, images or math (left off the sheet)."""
    return all(isinstance(b, Para) for b in block.text.blocks) and not any(
        isinstance(node, Image | Math) for node in text_inlines(block.text)
    )


def qa_text(card: AnyCard) -> str | None:
    """The one-line text a card prints as on the sheet; None for kinds whose list or table is printed instead."""
    match card:
        case BasicCard():
            return f"{plain(card.front)} → {plain(card.back)}"
        case ListCard():
            return f"{plain(card.front)} → {' · '.join(plain(i) for i in card.items)}"
        case ClozeCard():
            return plain(card.text)
        case DefinitionCard() | TableRowCard():
            return None
        case _:
            assert_never(card)


def is_short(card: AnyCard, paper: Paper) -> bool:
    """Whether a Q/A is short enough to share a line with its neighbours."""
    text = qa_text(card)
    return text is not None and "\n" not in text and len(text) * CHAR <= column_width(paper) * SHORT


def _text_height(text: Text, width: float) -> float:
    lines = plain(text, lines=True).split("\n")
    height = sum(_lines(len(line), width / CHAR) * LINE for line in lines)
    height += sum(30.0 for node in text_inlines(text) if isinstance(node, Image))
    return height + sum(8.0 for b in text.blocks if isinstance(b, MathBlock)) + 0.8


def _table_height(table: Table, width: float) -> float:
    cols = max(1, len(table.header))
    per_cell = width / cols / (CHAR * 0.92) - 1  # 7 pt is 92 % of 7.6 pt
    height = 1.2
    for row in (table.header, *table.rows):
        height += max(_lines(len(plain(cell)), per_cell) for cell in row) * TABLE_LINE + 0.4
    return height


def height(block: Block, paper: Paper) -> float:
    """Estimated height of a printed block in millimetres of column (0: not printed)."""
    width = column_width(paper) - 3.0  # box border and padding
    if isinstance(block, ExamTip):
        return _lines(len(plain(block.text)) + 5, (width - 3) / CHAR) * LINE + 1.4
    if isinstance(block, Table):
        return _table_height(block, width)
    if isinstance(block, Prose):
        return 0.0 if is_paragraphs(block) else _text_height(block.text, width)
    if isinstance(block, Question):  # exam questions go to the quiz and the mock exam, not the cheat sheet
        return 0.0
    text = qa_text(block)
    if text is None:
        return 0.0
    if is_short(block, paper):  # shares its line with neighbours that fit beside it
        return min(1.0, (len(text) * CHAR + 2.5) / width + 0.15) * QA_LINE
    return _lines(len(text), (width - 2) / CHAR) * QA_LINE + 0.3


@dataclass(frozen=True, slots=True)
class Item:
    """One printable block with where it sits and what it costs."""

    order: int
    """Position in course order."""
    block: Block
    level: int
    height: float
    heads: tuple[tuple[str, float], ...]
    """(key, height) of the chapter and section headings the item needs printed; a key is the
    chapter's id, then ``/`` and each section's id."""
    cards: tuple[int, ...] = ()
    """Course-order numbers of the cards it puts on the sheet (itself, or its list's or table's cards)."""


def _level(block: Block, scenario: bool) -> int:
    if isinstance(block, ExamTip):
        return TIP
    if isinstance(block, Table):
        return SCENARIO_TABLE if scenario else TABLE
    if isinstance(block, Prose):
        return COMPARISON if any(isinstance(b, DefinitionList) for b in block.text.blocks) else REST
    if isinstance(block, BasicCard | ListCard) and any(w in f" {plain(block.front).lower()} " for w in COMPARE_WORDS):
        return COMPARISON
    if isinstance(block, Question):
        return REST
    if block.key:
        return KEY
    return COVERING if block.covers else REST


def _container_items(
    blocks: tuple[Block, ...], heads: tuple[tuple[str, float], ...], paper: Paper, counter: Iterator[int]
) -> Iterator[Item]:
    """The printable blocks of one chapter or section body; list and table cards go to their source block."""
    pending: list[Item] = []
    source = -1  # index in pending of the last prose or table block, which a list's or table's cards belong to
    for index, block in enumerate(blocks):
        order = next(counter)
        if isinstance(block, DefinitionCard | TableRowCard):
            owner = Prose if isinstance(block, DefinitionCard) else Table
            if source >= 0 and isinstance(pending[source].block, owner):
                pending[source] = _with_card(pending[source], order)
            continue
        size = height(block, paper)
        if size <= 0:
            continue
        scenario = isinstance(block, Table) and _scenario(blocks[index + 1 :])
        cards = (order,) if block.kind in ("basic", "list", "cloze") else ()
        pending.append(Item(order, block, _level(block, scenario), size, heads, cards))
        if isinstance(block, Prose | Table):
            source = len(pending) - 1
    yield from pending


def _with_card(item: Item, order: int) -> Item:
    return Item(item.order, item.block, item.level, item.height, item.heads, (*item.cards, order))


def _scenario(after: tuple[Block, ...]) -> bool:
    """Whether a table's row cards (right after it) carry the ``scenario`` tag."""
    for block in after:
        if not isinstance(block, TableRowCard):
            return False
        if "scenario" in block.tags:
            return True
    return False


def items(course: Course, paper: Paper) -> list[Item]:
    """Every printable block of the course, in course order."""
    counter = iter(range(1 << 62))
    out: list[Item] = []

    def walk(node: Chapter | Section, heads: tuple[tuple[str, float], ...], key: str) -> None:
        out.extend(_container_items(node.blocks, heads, paper, counter))
        for sub in node.sections:
            size = BOX_HEAD if isinstance(node, Chapter) else SUB_HEAD
            walk(sub, (*heads, (f"{key}/{sub.id}", size)), f"{key}/{sub.id}")

    for chapter in course.chapters:
        walk(chapter, ((chapter.id, CHAPTER_HEAD),), chapter.id)
    return out


def page_space(paper: Paper, first: bool) -> float:
    """Millimetres of column one page holds; the first page also holds the sheet's title."""
    column = PAPER_MM[paper][1] - MARGIN_V
    return (COLUMNS * column - (COLUMNS * HEAD if first else 0.0)) * FILL


def page_height(page: list[Item]) -> float:
    """Estimated millimetres of column a page's items take, with the headings they need once each."""
    heads = {key: size for item in page for key, size in item.heads}
    return sum(item.height for item in page) + sum(heads.values())


def paginate(kept: list[Item], room: Callable[[int], float]) -> list[list[Item]]:
    """``kept`` (in course order) cut into pages of at most ``room(page index)`` millimetres each.

    An item that does not fit goes whole to the next page, which prints again the headings
    its item needs (the chapter, the section box): a page is laid out on its own.
    """
    pages: list[list[Item]] = [[]]
    used, heads = 0.0, set[str]()
    for item in kept:
        cost = item.height + sum(size for key, size in item.heads if key not in heads)
        if pages[-1] and used + cost > room(len(pages) - 1):
            pages.append([])
            used, heads = 0.0, set()
            cost = item.height + sum(size for _, size in item.heads)
        pages[-1].append(item)
        used += cost
        heads.update(key for key, _ in item.heads)
    return pages


@dataclass
class Selection:
    """What the budget kept."""

    kept: set[int] = field(default_factory=set)
    """Course-order numbers of the kept blocks."""
    cards_total: int = 0
    cards_kept: int = 0
    cut_level: int | None = None
    """The first level that did not fit whole, if any."""
    too_tall: list[Item] = field(default_factory=list)
    """Items left out because no page could hold them whole (tips excepted: they are always kept)."""

    @property
    def cards_left_out(self) -> int:
        """Cards of the course whose fact is not on the sheet."""
        return self.cards_total - self.cards_kept


def select(course: Course, budget: float, paper: Paper, found: list[Item] | None = None) -> Selection:
    """Fill ``budget`` millimetres of column in priority order; every tip is kept whatever it costs.

    ``found``: the course's :func:`items`, when the caller has them already.
    """
    found = items(course, paper) if found is None else found
    result = Selection(cards_total=sum(1 for _ in iter_cards(course)))
    used, heads = 0.0, set[str]()
    page = page_space(paper, first=False)
    for level in range(TIP, REST + 1):
        missed = False
        for item in found:
            if item.level != level:
                continue
            if level != TIP and page_height([item]) > page:
                # kept whole, it would run over its page into pages past the budget; it stops no other item
                result.too_tall.append(item)
                continue
            cost = item.height + sum(size for key, size in item.heads if key not in heads)
            if level != TIP and used + cost > budget:
                missed = True
                continue
            used += cost
            heads.update(key for key, _ in item.heads)
            result.kept.add(item.order)
            result.cards_kept += len(item.cards)
        if missed:
            result.cut_level = level
            break
    return result


def prune(course: Course, kept: set[int]) -> Course:
    """The course with only the kept blocks; sections and chapters left empty are dropped."""
    counter = iter(range(1 << 62))

    def blocks(node: Chapter | Section) -> tuple[Block, ...]:
        return tuple(b for b in node.blocks if next(counter) in kept)

    def section(node: Section) -> Section | None:
        own = blocks(node)
        subs = tuple(s for s in (section(x) for x in node.sections) if s is not None)
        return node.model_copy(update={"blocks": own, "sections": subs}) if own or subs else None

    chapters = []
    for chapter in course.chapters:
        own = blocks(chapter)
        subs = tuple(s for s in (section(x) for x in chapter.sections) if s is not None)
        if own or subs:
            chapters.append(chapter.model_copy(update={"blocks": own, "sections": subs}))
    return course.model_copy(update={"chapters": tuple(chapters)})


def card_text(card: AnyCard) -> str:
    """A card as one "prompt → answer" line of plain text, whatever its kind (for the weak-spots sheet)."""
    match card:
        case DefinitionCard():
            return f"{plain(card.term)} → {plain(card.definition)}"
        case TableRowCard():
            cells = " ".join(plain(c.text) for c in card.prompt), " ".join(plain(c.text) for c in card.answer)
            return f"{cells[0]} {card.ask or ''} → {cells[1]}"
        case BasicCard() | ListCard() | ClozeCard():
            return qa_text(card) or ""
        case _:
            assert_never(card)


def line_height(text: str, paper: Paper) -> float:
    """Estimated height of a one-fact line (``.qa``) in millimetres."""
    return _lines(len(text), (column_width(paper) - 5) / CHAR) * QA_LINE + 0.3


def fit(
    pages: int,
    paper: Paper,
    choose: Callable[[float], T],
    html: Callable[[T], str],
    lay: Callable[[str], Document] = layout,
) -> tuple[T, str, Document]:
    """Lay out (with ``lay``) ``choose(budget)``; while it runs over ``pages``, choose again on a smaller budget.

    The estimate usually holds, so this is one layout; each retry shrinks the budget by the share it ran over.
    """
    space = capacity(pages, paper)
    for attempt in range(MAX_LAYOUTS):
        chosen = choose(space)
        document = html(chosen)
        laid = lay(document)
        if len(laid.pages) <= pages or attempt == MAX_LAYOUTS - 1:
            return chosen, document, laid
        over = (len(laid.pages) - pages) / len(laid.pages)
        space *= max(0.5, min(0.95, 1.0 - over - 0.02))
    raise AssertionError("unreachable")
