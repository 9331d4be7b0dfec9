"""HTML for the typed text tree: one method per node kind, so each target overrides only what differs.

The markup matches what markdown-it (after nh3) produced before the tree existed,
newlines included, so stylesheets and golden files carry over. Anki and print
subclass :class:`HtmlRenderer` for cloze syntax, escaping, math and images.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import assert_never

from compiler.model.doc import (
    AnyBlock,
    AnyInline,
    Blocks,
    BulletList,
    Cell,
    Cloze,
    Code,
    CodeBlock,
    Definition,
    DefinitionList,
    Emph,
    Grid,
    Heading,
    Image,
    Inlines,
    LineBreak,
    Link,
    ListItem,
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
from compiler.text.highlight import highlight
from compiler.text.sanitize import LINK_REL, balance, url_allowed

_WHITESPACE = " \t\n\r\f"


class HtmlRenderer:
    """Renders a :class:`Text` to well-formed HTML; every element is closed (void elements as ``<br>``)."""

    # -- entry points ----------------------------------------------------------------------

    def text(self, t: Text) -> str:
        """The whole text; an inline text is its paragraph's inlines without ``<p>``."""
        if t.inline and len(t.blocks) == 1 and isinstance(t.blocks[0], Para):
            out = self.inlines(t.blocks[0].content)
        else:
            out = self.blocks(t.blocks)
        return out.strip(_WHITESPACE)

    def blocks(self, blocks: Blocks) -> str:
        """Blocks, each ending in a newline."""
        return "".join(self.block(block) for block in blocks)

    def inlines(self, inlines: Inlines) -> str:
        """A run of inlines; raw tags in it are balanced first, so the run is always well formed."""
        return "".join(self.inline(node) for node in balance(inlines))

    # -- escaping --------------------------------------------------------------------------

    def text_escape(self, s: str) -> str:
        """Escape character data (text, code, TeX)."""
        return html.escape(s, quote=False)

    def attr_escape(self, s: str) -> str:
        """Escape an attribute value (always written in double quotes)."""
        return html.escape(s, quote=True)

    def tex(self, tex: str) -> str:
        """TeX as it goes between math delimiters."""
        return self.text_escape(tex)

    # -- blocks ----------------------------------------------------------------------------

    def block(self, node: AnyBlock) -> str:
        """Dispatch on the block kind."""
        match node:
            case Para():
                return self.para(node)
            case Heading():
                return self.heading(node)
            case BulletList():
                return self.bullet_list(node)
            case OrderedList():
                return self.ordered_list(node)
            case CodeBlock():
                return self.code_block(node)
            case Quote():
                return self.quote(node)
            case DefinitionList():
                return self.definition_list(node)
            case Grid():
                return self.grid(node)
            case MathBlock():
                return self.math_block(node)
            case Rule():
                return self.rule(node)
            case RawBlock():
                return self.raw_block(node)
            case _:
                assert_never(node)

    def para(self, node: Para) -> str:
        return f"<p>{self.inlines(node.content)}</p>\n"

    def heading(self, node: Heading) -> str:
        return f"<h{node.level}>{self.inlines(node.content)}</h{node.level}>\n"

    def bullet_list(self, node: BulletList) -> str:
        items = "".join(self.list_item(item, node.tight) for item in node.items)
        return f"<ul>\n{items}</ul>\n"

    def ordered_list(self, node: OrderedList) -> str:
        start = "" if node.start == 1 else f' start="{node.start}"'
        items = "".join(self.list_item(item, node.tight) for item in node.items)
        return f"<ol{start}>\n{items}</ol>\n"

    def list_item(self, item: ListItem, tight: bool) -> str:
        return f"<li>{self.item_body(item.blocks, tight)}</li>\n"

    def item_body(self, blocks: Blocks, tight: bool) -> str:
        """The inside of ``<li>`` or ``<dd>``; tight, paragraphs lose their ``<p>`` (markdown-it's hidden ones)."""
        if not tight:
            return "\n" + self.blocks(blocks)
        parts: list[str] = []
        for i, block in enumerate(blocks):
            if isinstance(block, Para):
                parts.append(self.inlines(block.content))
                if i + 1 < len(blocks):
                    parts.append("\n")
            else:
                parts.append(("\n" if i == 0 else "") + self.block(block))
        return "".join(parts)

    def code_block(self, node: CodeBlock) -> str:
        if node.lang:
            highlighted = highlight(node.code, node.lang, "")
            if highlighted:
                return highlighted
            lang = f' class="language-{self.attr_escape(node.lang)}"'
        else:
            lang = ""
        return f"<pre><code{lang}>{self.text_escape(node.code)}</code></pre>\n"

    def quote(self, node: Quote) -> str:
        return f"<blockquote>\n{self.blocks(node.blocks)}</blockquote>\n"

    def definition_list(self, node: DefinitionList) -> str:
        return "<dl>\n" + "".join(self.definition(item) for item in node.items) + "</dl>\n"

    def definition(self, item: Definition) -> str:
        """A term and its definitions; a definition that is one paragraph renders tight (no ``<p>``)."""
        out = [f"<dt>{self.inlines(item.term)}</dt>\n"]
        for blocks in item.definitions:
            tight = len(blocks) == 1 and isinstance(blocks[0], Para)
            out.append(f"<dd>{self.item_body(blocks, tight)}</dd>\n")
        return "".join(out)

    def grid(self, node: Grid) -> str:
        out = ["<table>\n<thead>\n", self.grid_row(node.header, "th"), "</thead>\n"]
        if node.rows:
            out.append("<tbody>\n")
            out.extend(self.grid_row(row, "td") for row in node.rows)
            out.append("</tbody>\n")
        out.append("</table>\n")
        return "".join(out)

    def grid_row(self, cells: Sequence[Cell], tag: str) -> str:
        return "<tr>\n" + "".join(self.grid_cell(cell, tag) for cell in cells) + "</tr>\n"

    def grid_cell(self, cell: Cell, tag: str) -> str:
        style = f' style="text-align:{cell.align}"' if cell.align else ""
        return f"<{tag}{style}>{self.inlines(cell.content)}</{tag}>\n"

    def math_block(self, node: MathBlock) -> str:
        return f'<div class="math">\\[{self.tex(node.tex)}\\]</div>\n'

    def rule(self, node: Rule) -> str:
        return "<hr>\n"

    def raw_block(self, node: RawBlock) -> str:
        return node.html if node.html.endswith("\n") else node.html + "\n"

    # -- inlines ---------------------------------------------------------------------------

    def inline(self, node: AnyInline) -> str:
        """Dispatch on the inline kind."""
        match node:
            case Str():
                return self.str_(node)
            case SoftBreak():
                return self.soft_break(node)
            case LineBreak():
                return self.line_break(node)
            case Code():
                return self.code(node)
            case Emph():
                return self.emph(node)
            case Strong():
                return self.strong(node)
            case Strike():
                return self.strike(node)
            case Link():
                return self.link(node)
            case Image():
                return self.image(node)
            case Media():
                return self.media(node)
            case Math():
                return self.math(node)
            case Cloze():
                return self.cloze(node)
            case RawInline():
                return self.raw_inline(node)
            case _:
                assert_never(node)

    def str_(self, node: Str) -> str:
        return self.text_escape(node.text)

    def soft_break(self, node: SoftBreak) -> str:
        return "\n"

    def line_break(self, node: LineBreak) -> str:
        return "<br>\n"

    def code(self, node: Code) -> str:
        return f"<code>{self.text_escape(node.text)}</code>"

    def emph(self, node: Emph) -> str:
        return f"<em>{self.inlines(node.content)}</em>"

    def strong(self, node: Strong) -> str:
        return f"<strong>{self.inlines(node.content)}</strong>"

    def strike(self, node: Strike) -> str:
        return f"<s>{self.inlines(node.content)}</s>"

    def link(self, node: Link) -> str:
        """A link; one whose URL has a scheme outside the allow-list keeps its text and loses the anchor."""
        if not url_allowed(node.url):
            return self.inlines(node.content)
        title = f' title="{self.attr_escape(node.title)}"' if node.title else ""
        return f'<a href="{self.attr_escape(node.url)}"{title} rel="{LINK_REL}">{self.inlines(node.content)}</a>'

    def image(self, node: Image) -> str:
        if node.media is None:
            return self.missing_image(node)
        title = f' title="{self.attr_escape(node.title)}"' if node.title else ""
        return f'<img src="{self.attr_escape(node.media)}" alt="{self.attr_escape(node.alt)}"{title}>'

    def media(self, node: Media) -> str:
        """Audio or video as a link to its file (a page cannot play it; Anki renders ``[sound:…]``)."""
        label = self.text_escape(f"[{node.medium}: {node.label}]")
        return f'<a class="media" href="{self.attr_escape(node.src)}" rel="{LINK_REL}">{label}</a>'

    def missing_image(self, node: Image) -> str:
        return f'<span class="missing-image">[image: {self.text_escape(node.alt)}]</span>'

    def math(self, node: Math) -> str:
        tex = self.tex(node.tex)
        body = f"\\[{tex}\\]" if node.display else f"\\({tex}\\)"
        return f'<span class="math">{body}</span>'

    def cloze(self, node: Cloze) -> str:
        """The answer, marked; Anki writes ``{{cN::…}}`` instead, print a gap on the front."""
        return f'<span class="cloze">{self.inlines(node.content)}</span>'

    def raw_inline(self, node: RawInline) -> str:
        return node.html
