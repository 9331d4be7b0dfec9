"""The typed intermediate representation every backend reads.

Readers (``compiler.frontend``) produce a :class:`Course`; backends consume it
and never see markdown-it tokens. All nodes are frozen pydantic models with a
``kind`` discriminator so the JSON form is self-describing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal, assert_never

from pydantic import Field

from compiler.model.doc import Node, Text
from compiler.model.question import Option, Question, Span

__all__ = ["Node", "Option", "Question", "Span", "Text"]  # re-exported: the IR's nodes, one import away

#: Bumped on any incompatible change to the JSON form of the IR.
SCHEMA_VERSION = "2.1"


class Asset(Node):
    """A local image referenced by the notes."""

    kind: Literal["asset"] = "asset"
    """Discriminator."""
    source_path: str
    """Path of the file relative to the source root."""
    media_name: str
    """Content-hash file name used in HTML and in the Anki package."""
    mime: str
    """MIME type guessed from the file name."""
    span: Span
    """First place the image is referenced."""


class Domain(Node):
    """An exam domain and its weight in the exam."""

    kind: Literal["domain"] = "domain"
    """Discriminator."""
    id: str
    """Stable identifier used by chapter front matter."""
    name: str
    """Display name, e.g. ``Data Engineering``."""
    weight: int = Field(ge=0, le=100)
    """Share of the exam in percent."""
    span: Span
    """Where the domain is declared."""


class Prose(Node):
    """Any block that is not a card or tip: paragraphs, lists, code, math."""

    kind: Literal["prose"] = "prose"
    """Discriminator."""
    span: Span
    """Source location."""
    text: Text
    """The block's Markdown and HTML."""


class Table(Node):
    """A GFM table kept as rows of cells, whether or not it makes cards."""

    kind: Literal["table"] = "table"
    """Discriminator."""
    span: Span
    """Source location."""
    header: tuple[Text, ...]
    """Header cells."""
    rows: tuple[tuple[Text, ...], ...]
    """Body rows; each row has as many cells as the header."""
    makes_cards: bool
    """True when the table carries the ``.cards`` directive."""


class ExamTip(Node):
    """An exam tip: something the exam expects you to know."""

    kind: Literal["tip"] = "tip"
    """Discriminator."""
    id: str
    """Stable id: explicit ``{#id}`` or derived from the text."""
    explicit_id: bool
    """Whether the author wrote the id."""
    span: Span
    """Source location."""
    text: Text
    """The tip's text."""


class CardBase(Node):
    """Fields shared by every card kind."""

    id: str
    """Explicit ``{#id}`` or a key derived from the prompt."""
    explicit_id: bool
    """Whether the author wrote the id."""
    span: Span
    """Source location of the card's first line."""
    covers: tuple[str, ...]
    """Ids of the exam tips this card covers (card and enclosing sections)."""
    tags: tuple[str, ...]
    """Tags written on the card itself."""
    extra: Text | None
    """Optional context shown on the back (``::: extra``)."""
    allow: tuple[str, ...] = ()
    """Quality-check codes the author silenced on this card (``{allow="quality.yes-no"}``)."""
    key: bool = False
    """The author marked the card as key (``{.key}``): the cheat sheet keeps it before other cards."""


class BasicCard(CardBase):
    """A question and its answer (``Q:`` / ``A:``)."""

    kind: Literal["basic"] = "basic"
    """Discriminator."""
    front: Text
    """The question."""
    back: Text
    """The answer; may span several blocks."""
    reverse: bool
    """Also ask the answer → question direction."""


class DefinitionCard(CardBase):
    """A term and its definition from a Markdown definition list."""

    kind: Literal["definition"] = "definition"
    """Discriminator."""
    term: Text
    """The defined term (front)."""
    definition: Text
    """The definition (back)."""
    reverse: bool
    """Also ask definition → term."""


class ClozeCard(CardBase):
    """Text with Anki cloze deletions ``{{c1::text::hint}}``."""

    kind: Literal["cloze"] = "cloze"
    """Discriminator."""
    text: Text
    """The text with deletions left in Anki syntax."""
    deletions: tuple[int, ...]
    """Sorted distinct cloze numbers; each makes one Anki card."""


class ListCard(CardBase):
    """A question answered by an enumeration; each item is asked on its own."""

    kind: Literal["list"] = "list"
    """Discriminator."""
    front: Text
    """The question."""
    items: tuple[Text, ...]
    """The list items, in order."""
    ordered: bool
    """Whether the list is numbered."""


class TableCell(Node):
    """One labelled cell of a table-row card."""

    kind: Literal["cell"] = "cell"
    """Discriminator."""
    column: str
    """The column header as plain text."""
    text: Text
    """The cell content."""


class TableRowCard(CardBase):
    """One row of a table marked ``.cards``: prompt columns → answer columns."""

    kind: Literal["table_row"] = "table_row"
    """Discriminator."""
    prompt: tuple[TableCell, ...]
    """Cells shown on the front."""
    ask: str | None
    """Question printed under the prompt, e.g. "Which service, and why?"."""
    answer: tuple[TableCell, ...]
    """Cells shown on the back."""


Card = Annotated[
    BasicCard | DefinitionCard | ClozeCard | ListCard | TableRowCard,
    Field(discriminator="kind"),
]
"""Any card."""

Block = Annotated[
    Prose | Table | ExamTip | BasicCard | DefinitionCard | ClozeCard | ListCard | TableRowCard | Question,
    Field(discriminator="kind"),
]
"""Anything that can stand in a section's body, in source order."""

CARD_KINDS = ("basic", "definition", "cloze", "list", "table_row")


class Section(Node):
    """A heading and everything under it up to the next heading of its level."""

    kind: Literal["section"] = "section"
    """Discriminator."""
    id: str
    """Slug of the title, unique within the chapter."""
    title: str
    """Heading text as plain text."""
    level: int = Field(ge=2, le=6)
    """Markdown heading level."""
    span: Span
    """Source location of the heading."""
    covers: tuple[str, ...]
    """Tip ids declared on the heading; cards below inherit them."""
    blocks: tuple[Block, ...]
    """Blocks before the first subsection."""
    sections: tuple[Section, ...]
    """Nested subsections."""


class Chapter(Node):
    """One note file."""

    kind: Literal["chapter"] = "chapter"
    """Discriminator."""
    id: str
    """Slug of the file name without its numeric prefix."""
    title: str
    """From front matter ``title`` or the first ``#`` heading."""
    domain: str | None
    """Exam domain id, if any."""
    tags: tuple[str, ...]
    """Tags from front matter."""
    span: Span
    """The file (line 1)."""
    blocks: tuple[Block, ...]
    """Blocks before the first section."""
    sections: tuple[Section, ...]
    """Top-level sections."""


class ExamFormat(Node):
    """How the exam is run and scored, from ``course.md`` (the quiz page and the mock exam follow it)."""

    kind: Literal["exam_format"] = "exam_format"
    """Discriminator."""
    questions: int | None = None
    """Questions on the real exam (``None``: the practice exam draws every question)."""
    duration_minutes: int | None = None
    """Time for the real exam (``None``: the practice exam is not timed)."""
    scale: tuple[int, int] = (0, 100)
    """Lowest and highest score of the exam's reported scale."""
    passing_score: int | None = None
    """Pass mark on ``scale`` (``None``: no pass mark shown)."""


class Course(Node):
    """The whole course: metadata plus chapters in file-name order."""

    kind: Literal["course"] = "course"
    """Discriminator."""
    schema_version: str = SCHEMA_VERSION
    """Version of this JSON form; see ``SCHEMA_VERSION``."""
    slug: str
    """File-name stem for outputs, e.g. ``aws-ml-specialty``."""
    title: str
    """Course title."""
    exam: str
    """Exam name."""
    deck: str
    """Top-level Anki deck name."""
    paper: Literal["a4", "letter"]
    """Default paper size for PDFs."""
    description: Text | None
    """Body of ``course.md``, if any."""
    domains: tuple[Domain, ...]
    """Exam domains with weights."""
    exam_format: ExamFormat = ExamFormat()
    """Number of questions, time, score scale and pass mark of the exam."""
    chapters: tuple[Chapter, ...]
    """Chapters in order."""
    assets: tuple[Asset, ...]
    """Local images, sorted by media name."""


AnyCard = BasicCard | DefinitionCard | ClozeCard | ListCard | TableRowCard
Container = Chapter | Section


def review_cards(card: AnyCard) -> int:
    """How many cards a learner reviews for this note: one per direction, cloze deletion or list item.

    The Anki backend makes exactly these (a note per IR card, a card per ``ord``).
    """
    match card:
        case BasicCard() | DefinitionCard():
            return 2 if card.reverse else 1
        case ClozeCard():
            return len(card.deletions)
        case ListCard():
            return len(card.items)
        case TableRowCard():
            return 1
        case _:
            assert_never(card)


@dataclass(frozen=True, slots=True)
class CardContext:
    """Where a card sits: its chapter and the chain of enclosing sections."""

    chapter: Chapter
    """The chapter."""
    sections: tuple[Section, ...]
    """Enclosing sections, outermost first."""
    card: AnyCard
    """The card."""

    @property
    def breadcrumb(self) -> tuple[str, ...]:
        """Chapter title then section titles."""
        return (self.chapter.title, *(s.title for s in self.sections))


def _walk(chapter: Chapter, node: Container, trail: tuple[Section, ...]) -> Iterator[tuple[tuple[Section, ...], Block]]:
    for block in node.blocks:
        yield trail, block
    for sub in node.sections:
        yield from _walk(chapter, sub, (*trail, sub))


def iter_blocks(course: Course) -> Iterator[tuple[Chapter, tuple[Section, ...], Block]]:
    """Every block of the course in reading order, with its location."""
    for chapter in course.chapters:
        for trail, block in _walk(chapter, chapter, ()):
            yield chapter, trail, block


def iter_cards(course: Course) -> Iterator[CardContext]:
    """Every card of the course in reading order."""
    for chapter, trail, block in iter_blocks(course):
        if block.kind in CARD_KINDS:
            yield CardContext(chapter=chapter, sections=trail, card=block)  # type: ignore[arg-type]


def iter_tips(course: Course) -> Iterator[tuple[Chapter, tuple[Section, ...], ExamTip]]:
    """Every exam tip in reading order."""
    for chapter, trail, block in iter_blocks(course):
        if isinstance(block, ExamTip):
            yield chapter, trail, block


def iter_questions(course: Course) -> Iterator[tuple[Chapter, tuple[Section, ...], Question]]:
    """Every exam question, authored and generated, in reading order."""
    for chapter, trail, block in iter_blocks(course):
        if isinstance(block, Question):
            yield chapter, trail, block


def question_domain(chapter: Chapter, question: Question) -> str | None:
    """The domain a question counts for: its own ``domain`` or else its chapter's."""
    return question.domain or chapter.domain


def iter_sections(course: Course) -> Iterator[tuple[Chapter, Section]]:
    """Every section, depth first."""

    def walk(node: Container) -> Iterator[Section]:
        for sub in node.sections:
            yield sub
            yield from walk(sub)

    for chapter in course.chapters:
        for section in walk(chapter):
            yield chapter, section
