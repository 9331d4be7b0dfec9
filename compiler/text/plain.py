"""Plain text of the typed text tree: what a reader sees, for CSV previews, stats and fingerprints.

Deterministic by construction: the words of every block, whitespace collapsed to
single spaces; blocks are joined by a space, or one per line with ``lines=True``.
List markers and rules print nothing (they are not text); formulas print their TeX.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import assert_never

from compiler.model.doc import (
    AnyBlock,
    AnyInline,
    Blocks,
    BulletList,
    Cloze,
    Code,
    CodeBlock,
    DefinitionList,
    Emph,
    Grid,
    Heading,
    Image,
    Inlines,
    LineBreak,
    Link,
    Math,
    MathBlock,
    Media,
    OrderedList,
    Para,
    Quote,
    RawBlock,
    RawInline,
    Rule,
    SoftBreak,
    Str,
    Strike,
    Strong,
    Text,
)

#: Elements that flow within a line; every other element starts a new line of raw-HTML text.
INLINE_TAGS = {
    "a", "abbr", "b", "code", "del", "em", "i", "img", "ins", "kbd", "mark", "q", "s",
    "samp", "small", "span", "strong", "sub", "sup", "u", "var",
}  # fmt: skip
_HIDDEN_TAGS = {"script", "style", "template", "noscript"}
#: What Anki shows in a cloze gap without a hint.
GAP = "[...]"


def collapse(s: str) -> str:
    """Whitespace runs to single spaces, none at the ends."""
    return " ".join(s.split())


class _TextExtractor(HTMLParser):
    """The text content of an HTML fragment, with a newline wherever a block element starts or ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag not in INLINE_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in INLINE_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(self.hidden - 1, 0)
        elif tag not in INLINE_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _breaks_line(fragment: str) -> bool:
    """Whether a raw tag breaks the line it stands in (``<br>``, a block element), so words either side stay apart."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return "\n" in extractor.parts


def html_text(fragment: str) -> list[str]:
    """The lines of text in an HTML fragment, collapsed, without empty ones."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return [line for line in (collapse(s) for s in "".join(extractor.parts).split("\n")) if line]


class PlainRenderer:
    """Plain text of a :class:`Text`.

    ``front_of=N`` renders the front of cloze card N: deletions numbered N become
    ``[hint]`` or ``[...]``, the others show their answer. ``lines=True`` keeps one
    line per block, list item, table row and code line.
    """

    def __init__(self, *, front_of: int | None = None, lines: bool = False) -> None:
        self.front_of = front_of
        self.lines = lines

    # -- entry points ----------------------------------------------------------------------

    def text(self, t: Text) -> str:
        return self.blocks(t.blocks)

    def blocks(self, blocks: Blocks) -> str:
        lines = [line for line in (collapse(s) for s in self.block_lines(blocks)) if line]
        return "\n".join(lines) if self.lines else " ".join(lines)

    def inlines(self, inlines: Inlines) -> str:
        return collapse(self.inline_run(inlines))

    # -- blocks: each gives its lines, not yet collapsed ----------------------------------

    def block_lines(self, blocks: Blocks) -> list[str]:
        return [line for block in blocks for line in self.block(block)]

    def block(self, node: AnyBlock) -> list[str]:
        """Dispatch on the block kind."""
        match node:
            case Para() | Heading():
                return [self.inline_run(node.content)]
            case BulletList() | OrderedList():
                return [line for item in node.items for line in self.block_lines(item.blocks)]
            case CodeBlock():
                return self.code_block(node)
            case Quote():
                return self.block_lines(node.blocks)
            case DefinitionList():
                return self.definition_list(node)
            case Grid():
                return self.grid(node)
            case MathBlock():
                return [node.tex]
            case Rule():
                return []
            case RawBlock():
                return html_text(node.html)
            case _:
                assert_never(node)

    def code_block(self, node: CodeBlock) -> list[str]:
        return node.code.split("\n") if self.lines else [node.code]

    def definition_list(self, node: DefinitionList) -> list[str]:
        out: list[str] = []
        for item in node.items:
            out.append(self.inline_run(item.term))
            for definition in item.definitions:
                out.extend(self.block_lines(definition))
        return out

    def grid(self, node: Grid) -> list[str]:
        rows = (node.header, *node.rows)
        return [" ".join(self.inline_run(cell.content) for cell in row) for row in rows]

    # -- inlines: raw text, collapsed by the caller ---------------------------------------

    def inline_run(self, inlines: Inlines) -> str:
        return "".join(self.inline(node) for node in inlines)

    def inline(self, node: AnyInline) -> str:
        """Dispatch on the inline kind."""
        match node:
            case Str() | Code():
                return node.text
            case SoftBreak() | LineBreak():
                return " "
            case Emph() | Strong() | Strike() | Link():
                return self.inline_run(node.content)
            case Image():
                # an image outside the deck and the pages (remote, missing) shows as the HTML's placeholder
                return node.alt if node.media is not None else f"[image: {node.alt}]"
            case Media():
                return f"[{node.medium}: {node.label}]"
            case Math():
                return node.tex
            case Cloze():
                return self.cloze(node)
            case RawInline():
                return " " if _breaks_line(node.html) else ""
            case _:
                assert_never(node)

    def cloze(self, node: Cloze) -> str:
        """The answer, or the gap on the front of the deletion's own card."""
        if self.front_of == node.number:
            return self.gap(node)
        return self.inline_run(node.content)

    def gap(self, node: Cloze) -> str:
        """What Anki shows in place of a hidden deletion."""
        return f"[{node.hint}]" if node.hint else GAP


def plain(t: Text, *, front_of: int | None = None, lines: bool = False) -> str:
    """The plain text of ``t`` (see :class:`PlainRenderer`)."""
    return PlainRenderer(front_of=front_of, lines=lines).text(t)
