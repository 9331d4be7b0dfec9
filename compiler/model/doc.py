"""Text as a typed tree, in the spirit of pandoc's AST.

Every piece of card and prose text is a :class:`Text`: the author's Markdown
plus a tree of block and inline nodes. Backends never see HTML from the
frontend; each target (Anki, print, plain text) has its own renderer that
walks this tree, so a cloze deletion, a formula or an image is a node a
renderer handles, never a pattern it has to find in a string.

Raw HTML the author wrote is the one exception, and it is kept as small,
already sanitized pieces (:class:`RawInline`, :class:`RawBlock`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Node(BaseModel):
    """Base of every IR node: immutable and strict about unknown fields."""

    # Defaults such as ``kind`` are always emitted, so the schema marks them required.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


# -- inline nodes ------------------------------------------------------------------------------


class Str(Node):
    """Plain text, exactly as it reads (no escapes, no markup)."""

    kind: Literal["str"] = "str"
    """Discriminator."""
    text: str
    """The characters."""


class SoftBreak(Node):
    """A line break in the source inside a paragraph; reads as a space."""

    kind: Literal["softbreak"] = "softbreak"
    """Discriminator."""


class LineBreak(Node):
    """A hard line break (two trailing spaces or a backslash at the end of a line)."""

    kind: Literal["linebreak"] = "linebreak"
    """Discriminator."""


class Code(Node):
    """Inline code (a backtick span); shown verbatim."""

    kind: Literal["code"] = "code"
    """Discriminator."""
    text: str
    """The code, without the backticks."""


class Emph(Node):
    """Emphasis (``*text*``)."""

    kind: Literal["emph"] = "emph"
    """Discriminator."""
    content: tuple[Inline, ...]
    """The emphasised inlines."""


class Strong(Node):
    """Strong emphasis (``**text**``)."""

    kind: Literal["strong"] = "strong"
    """Discriminator."""
    content: tuple[Inline, ...]
    """The inlines."""


class Strike(Node):
    """Struck-through text (``~~text~~``)."""

    kind: Literal["strike"] = "strike"
    """Discriminator."""
    content: tuple[Inline, ...]
    """The inlines."""


class Link(Node):
    """A hyperlink."""

    kind: Literal["link"] = "link"
    """Discriminator."""
    url: str
    """The target; only http, https and mailto URLs (and in-page ``#`` links) are kept."""
    title: str | None
    """The optional link title."""
    content: tuple[Inline, ...]
    """The link text."""


class Image(Node):
    """An image the author referenced with ``![alt](path)``."""

    kind: Literal["image"] = "image"
    """Discriminator."""
    src: str
    """The path or URL as written."""
    media: str | None
    """Content-hash media name of the checked local file (see ``Course.assets``); None if it was not found."""
    alt: str
    """Alternative text, as plain text."""
    title: str | None
    """The optional title."""


class Media(Node):
    """Audio or video: ``![label](clip.mp3)`` or Anki's own ``[sound:clip.mp3]``."""

    kind: Literal["media"] = "media"
    """Discriminator."""
    src: str
    """The path as written."""
    media: str | None
    """Content-hash media name of the checked local file (see ``Course.assets``); None if it was not found."""
    medium: Literal["audio", "video"]
    """What the file holds, from its extension."""
    label: str
    """The author's label (the ``![label]`` text), or the file name."""


class Math(Node):
    """A TeX formula: inline (``$…$``, ``\\(…\\)``) or display (``$$…$$`` inside a paragraph)."""

    kind: Literal["math"] = "math"
    """Discriminator."""
    tex: str
    """The TeX source without delimiters."""
    display: bool
    """True for display style."""


class Cloze(Node):
    """An Anki cloze deletion ``{{cN::content::hint}}``; only in cloze cards."""

    kind: Literal["cloze"] = "cloze"
    """Discriminator."""
    number: int = Field(ge=1, le=999)
    """The cloze number N: deletions with the same number are hidden on the same card."""
    content: tuple[Inline, ...]
    """What the deletion hides, as inline nodes (may hold code, math, emphasis, even ``}}``)."""
    hint: str | None
    """The hint shown in the gap, as plain text; None when there is none."""


class RawInline(Node):
    """One tag of inline HTML the author wrote, already sanitized (e.g. ``<kbd>`` or ``</kbd>``)."""

    kind: Literal["raw_inline"] = "raw_inline"
    """Discriminator."""
    html: str
    """The sanitized tag."""


Inline = Annotated[
    Str | SoftBreak | LineBreak | Code | Emph | Strong | Strike | Link | Image | Media | Math | Cloze | RawInline,
    Field(discriminator="kind"),
]
"""Any inline node."""

AnyInline = (
    Str | SoftBreak | LineBreak | Code | Emph | Strong | Strike | Link | Image | Media | Math | Cloze | RawInline
)


# -- block nodes -------------------------------------------------------------------------------


class Para(Node):
    """A paragraph."""

    kind: Literal["para"] = "para"
    """Discriminator."""
    content: tuple[Inline, ...]
    """Its inlines."""


class Heading(Node):
    """A heading inside a text (e.g. in a quote); section headings are ``Section`` nodes instead."""

    kind: Literal["heading"] = "heading"
    """Discriminator."""
    level: int = Field(ge=1, le=6)
    """Heading level."""
    content: tuple[Inline, ...]
    """Its inlines."""


class ListItem(Node):
    """One item of a list."""

    kind: Literal["item"] = "item"
    """Discriminator."""
    blocks: tuple[Block, ...]
    """The item's blocks (a tight item is usually one paragraph)."""


class BulletList(Node):
    """An unordered list."""

    kind: Literal["bullet_list"] = "bullet_list"
    """Discriminator."""
    tight: bool
    """True when no blank lines separate the items (paragraphs render without spacing)."""
    items: tuple[ListItem, ...]
    """The items."""


class OrderedList(Node):
    """A numbered list."""

    kind: Literal["ordered_list"] = "ordered_list"
    """Discriminator."""
    start: int
    """The first number."""
    tight: bool
    """True when no blank lines separate the items."""
    items: tuple[ListItem, ...]
    """The items."""


class CodeBlock(Node):
    """A fenced or indented code block."""

    kind: Literal["code_block"] = "code_block"
    """Discriminator."""
    code: str
    """The code, ending in a newline."""
    lang: str | None
    """The language named after the fence, if any (used for highlighting)."""


class Quote(Node):
    """A block quote."""

    kind: Literal["quote"] = "quote"
    """Discriminator."""
    blocks: tuple[Block, ...]
    """Its blocks."""


class Definition(Node):
    """One term of a definition list with its definitions."""

    kind: Literal["definition_item"] = "definition_item"
    """Discriminator."""
    term: tuple[Inline, ...]
    """The term."""
    definitions: tuple[tuple[Block, ...], ...]
    """One or more definitions, each a sequence of blocks."""


class DefinitionList(Node):
    """A definition list (``Term`` then ``: definition``)."""

    kind: Literal["definition_list"] = "definition_list"
    """Discriminator."""
    items: tuple[Definition, ...]
    """The terms in order."""


class Cell(Node):
    """One cell of a table inside a text."""

    kind: Literal["grid_cell"] = "grid_cell"
    """Discriminator."""
    align: Literal["left", "center", "right"] | None
    """Column alignment from the delimiter row."""
    content: tuple[Inline, ...]
    """The cell's inlines."""


class Grid(Node):
    """A GFM table inside a text (tables that stand alone in a section are ``Table`` nodes)."""

    kind: Literal["grid"] = "grid"
    """Discriminator."""
    header: tuple[Cell, ...]
    """Header cells."""
    rows: tuple[tuple[Cell, ...], ...]
    """Body rows."""


class MathBlock(Node):
    """A display formula on its own lines (``$$…$$`` or ``\\[…\\]``)."""

    kind: Literal["math_block"] = "math_block"
    """Discriminator."""
    tex: str
    """The TeX source without delimiters."""


class Rule(Node):
    """A thematic break (``---``) inside a text."""

    kind: Literal["rule"] = "rule"
    """Discriminator."""


class RawBlock(Node):
    """A block of HTML the author wrote, already sanitized."""

    kind: Literal["raw_block"] = "raw_block"
    """Discriminator."""
    html: str
    """The sanitized HTML."""


Block = Annotated[
    Para | Heading | BulletList | OrderedList | CodeBlock | Quote | DefinitionList | Grid | MathBlock | Rule | RawBlock,
    Field(discriminator="kind"),
]
"""Any block node of a text."""

AnyBlock = (
    Para | Heading | BulletList | OrderedList | CodeBlock | Quote | DefinitionList | Grid | MathBlock | Rule | RawBlock
)


Blocks = Sequence[AnyBlock] | Sequence[Block]
"""A run of blocks, however it was typed."""
Inlines = Sequence[AnyInline] | Sequence[Inline]
"""A run of inlines, however it was typed."""


class Text(Node):
    """A piece of the author's Markdown together with its typed tree."""

    kind: Literal["text"] = "text"
    """Discriminator."""
    markdown: str
    """The Markdown source as written (card prefixes such as ``Q:`` removed)."""
    blocks: tuple[Block, ...]
    """The parsed text; an inline text (a term, a table cell) is one :class:`Para`."""
    inline: bool = False
    """True when the text came from an inline context: renderers print it without a paragraph wrapper."""

    @property
    def inlines(self) -> tuple[AnyInline, ...]:
        """The inlines of an inline text (its single paragraph); empty for other texts."""
        if len(self.blocks) == 1 and isinstance(self.blocks[0], Para):
            return self.blocks[0].content
        return ()


_RECURSIVE: list[type[Node]] = [Emph, Strong, Strike, Link, Cloze, Para, Heading, ListItem, BulletList]
_RECURSIVE += [OrderedList, Quote, Definition, DefinitionList, Cell, Grid, Text]
for _model in _RECURSIVE:
    _model.model_rebuild()


def walk_blocks(blocks: tuple[AnyBlock, ...] | tuple[Block, ...]) -> Iterator[AnyBlock]:
    """Every block, depth first, including blocks nested in lists, quotes and definitions."""
    for block in blocks:
        yield block
        if isinstance(block, BulletList | OrderedList):
            for item in block.items:
                yield from walk_blocks(item.blocks)
        elif isinstance(block, Quote):
            yield from walk_blocks(block.blocks)
        elif isinstance(block, DefinitionList):
            for entry in block.items:
                for definition in entry.definitions:
                    yield from walk_blocks(definition)


def _block_inlines(block: AnyBlock) -> Iterator[tuple[AnyInline, ...]]:
    if isinstance(block, Para | Heading):
        yield block.content
    elif isinstance(block, DefinitionList):
        for entry in block.items:
            yield entry.term
    elif isinstance(block, Grid):
        for cell in (*block.header, *(c for row in block.rows for c in row)):
            yield cell.content


def walk_inlines(inlines: tuple[AnyInline, ...] | tuple[Inline, ...]) -> Iterator[AnyInline]:
    """Every inline node, depth first, including those nested in emphasis, links and clozes."""
    for node in inlines:
        yield node
        if isinstance(node, Emph | Strong | Strike | Link | Cloze):
            yield from walk_inlines(node.content)


def text_inlines(text: Text) -> Iterator[AnyInline]:
    """Every inline node of a text, in reading order."""
    for block in walk_blocks(text.blocks):
        for run in _block_inlines(block):
            yield from walk_inlines(run)
