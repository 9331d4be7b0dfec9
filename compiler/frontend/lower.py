"""Lower one note file's markdown-it tokens to IR blocks and sections."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from compiler.frontend import cards, tables, tree
from compiler.frontend.blocks import (
    ALERT_RE,
    ID_RE,
    Block,
    attr_position,
    inner_tokens,
    make_span,
    source_slice,
    strip_alert,
    top_level_blocks,
)
from compiler.frontend.markdown import COVERS_CLOSE, COVERS_OPEN, DIRECTIVE, plain_text
from compiler.model import doc, ir
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.slug import slugify
from compiler.text.sanitize import MAX_HTML_DEPTH

KNOWN_DIRECTIVES = ("extra", "explain")
#: Codes a card's ``allow`` attribute may silence.
ALLOWABLE = (*(c.value for c in Code if c.value.startswith("quality.")), Code.CARD_RUNS_ON.value)
HEADING_ATTRS = {"covers"}
#: How a diagnostic names the block an attribute line configures.
OWNERS = {"a card": "card", "a table": "card table", "a definition list": "definition list"}


@dataclass
class SectionDraft:
    """A section while its blocks are still being collected."""

    title: str
    level: int
    id: str
    span: ir.Span
    covers: tuple[str, ...]
    blocks: list[Any] = field(default_factory=list)
    sections: list[SectionDraft] = field(default_factory=list)

    def freeze(self) -> ir.Section:
        return ir.Section(
            id=self.id,
            title=self.title,
            level=self.level,
            span=self.span,
            covers=self.covers,
            blocks=tuple(self.blocks),
            sections=tuple(s.freeze() for s in self.sections),
        )


@dataclass
class Lowered:
    """What lowering one file yields."""

    title: str | None
    blocks: list[Any]
    sections: list[ir.Section]


class Lowerer:
    """Walks the top-level blocks of one file; collects diagnostics, never raises."""

    def __init__(
        self,
        md: MarkdownIt,
        path: str,
        lines: list[str],
        chapter_id: str,
        env: dict[str, Any],
        diags: Diagnostics,
    ) -> None:
        self.md = md
        self.path = path
        self.lines = lines
        self.env = env
        self.diags = diags
        self.cards = cards.CardBuilder(self, chapter_id)
        self.title: str | None = None
        self.top: list[Any] = []
        self.stack: list[SectionDraft] = []
        self.roots: list[SectionDraft] = []
        self.section_ids: dict[str, int] = {}
        self.too_deep: set[int] = set()
        self.stray_clozes: set[int] = set()
        self.regions: list[tuple[tuple[str, ...], int]] = []
        """Open ``::: covers`` regions: their tip ids and line."""
        self.cover_refs: list[tuple[str, int, int, str]] = []
        """Every tip id an attribute line or container names: (id, line, column, what names it)."""

    # -- helpers used by the card builder -------------------------------------------------

    def span(self, token: Token) -> ir.Span:
        """Where ``token``'s block was written, without the blank lines markdown-it counts after a list."""
        span = make_span(self.path, token.map)
        end = self.written_end(span.end_line, span.line)
        return span if end == span.end_line else span.model_copy(update={"end_line": end})

    def written_end(self, end: int, start: int) -> int:
        """Line ``end`` (1-based), moved up past blank lines but not above ``start``.

        markdown-it's map of a list or definition list takes in the blank lines after it.
        """
        while end > start and not self.lines[end - 1].strip():
            end -= 1
        return end

    def line(self, token: Token) -> int:
        return self.span(token).line

    def context(self, allow_cloze: bool = False) -> tree.TreeContext:
        """A fresh context for lowering one text of this file."""
        return tree.TreeContext(resolve_image=self.env.get("resolve_image"), allow_cloze=allow_cloze)

    def text(self, blocks: list[Block], markdown: str | None = None, ctx: tree.TreeContext | None = None) -> ir.Text:
        tokens = [t for b in blocks for t in b.tokens]
        line = blocks[0].head.map[0] + 1 if blocks and blocks[0].head.map else int(self.env.get("line", 1))
        self.env["line"] = line
        md_src = markdown if markdown is not None else source_slice(self.lines, blocks)
        ctx = ctx or self.context()
        nodes = tree.blocks(tokens, ctx)
        self.check_depth(ctx, line)
        self.check_stray_cloze(ctx, line)
        # a tight definition's single paragraph has no <p> (markdown-it hides it), like an inline text
        hidden = bool(tokens) and tokens[0].type == "paragraph_open" and tokens[0].hidden
        inline = hidden and len(nodes) == 1 and isinstance(nodes[0], doc.Para)
        return ir.Text(markdown=md_src, blocks=nodes, inline=inline)

    def inline_text(self, inline: Token) -> ir.Text:
        ctx = self.context()
        self.env["line"] = ctx.line = self.line(inline)
        nodes = tree.inlines(inline, ctx)
        self.check_depth(ctx, self.line(inline))
        self.check_stray_cloze(ctx, self.line(inline))
        return ir.Text(markdown=inline.content, blocks=(doc.Para(content=nodes),), inline=True)

    def check_stray_cloze(self, ctx: tree.TreeContext, line: int) -> None:
        """Cloze syntax outside a ``C:`` card is text; say so once per line."""
        if ctx.literal_clozes and line not in self.stray_clozes:
            self.stray_clozes.add(line)
            self.diags.add(
                Code.CLOZE_STRAY,
                self.path,
                line,
                "cloze syntax outside a 'C:' card prints literally; start the paragraph with 'C:'",
            )

    def check_depth(self, ctx: tree.TreeContext, line: int) -> None:
        """Raw HTML and emphasis runs nest without markdown-it's limit; renderers recurse on it."""
        limit = min(2 * int(self.md.options["maxNesting"]), MAX_HTML_DEPTH)
        if ctx.depth > limit and line not in self.too_deep:
            self.too_deep.add(line)
            self.diags.add(
                Code.FILE_TOO_DEEP,
                self.path,
                line,
                f"HTML nests deeper than {limit} levels (raw HTML tags or runs of '*'/'_'); flatten it",
            )

    def plain(self, inline: Token | None) -> str:
        return plain_text(self.md, inline).strip() if inline is not None else ""

    def emit(self, node: Any) -> None:
        (self.stack[-1].blocks if self.stack else self.top).append(node)

    def inherited_covers(self) -> tuple[str, ...]:
        return (*(c for s in self.stack for c in s.covers), *(c for ids, _ in self.regions for c in ids))

    def check_attrs(
        self, block: Block, allowed: set[str] | frozenset[str], what: str, owner: str | None = None
    ) -> None:
        """Report attributes that mean nothing on ``what``, at the attribute line; note ``covers`` ids."""
        attrs = block.attrs()
        for key in attrs:
            if key not in allowed:
                line, col = attr_position(self.lines, block, key)
                close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.diags.add(
                    Code.ATTR_UNKNOWN, self.path, line, f"attribute '{key}' has no meaning on {what}{hint}", col
                )
        for name in attrs.get("allow", "").split() if "allow" in allowed else ():
            if name not in ALLOWABLE:
                close = difflib.get_close_matches(name, ALLOWABLE, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else f"; it may name {', '.join(ALLOWABLE)}"
                line, col = attr_position(self.lines, block, name)
                self.diags.add(Code.ATTR_UNKNOWN, self.path, line, f"allow names unknown check '{name}'{hint}", col)
        if "covers" in allowed:
            for tid in dict.fromkeys(attrs.get("covers", "").split()):
                line, col = attr_position(self.lines, block, tid)
                self.cover_refs.append((tid, line, col, owner or OWNERS.get(what, what)))
        ident = attrs.get("id")
        if ident is not None and not ID_RE.match(ident):
            line, col = attr_position(self.lines, block, ident)
            suggestion = slugify(ident)
            hint = f" (did you mean '{suggestion}'?)" if suggestion and ID_RE.match(suggestion) else ""
            self.diags.add(
                Code.ID_INVALID, self.path, line, f"id '{ident}' may only use letters, digits, '-' and '_'{hint}", col
            )

    # -- main walk -------------------------------------------------------------------------

    def run(self, tokens: list[Token]) -> Lowered:
        for block in top_level_blocks(tokens):
            self.visit(block)
        self.cards.finish()
        for _, line in self.regions:
            message = "'::: covers' region is never closed; add a ':::' line after its last card"
            self.diags.add(Code.DIRECTIVE_UNCLOSED, self.path, line, message)
        self.close_sections(0)
        return Lowered(self.title, self.top, [s.freeze() for s in self.roots])

    def visit(self, block: Block) -> None:
        kind = block.type
        if kind != f"container_{DIRECTIVE}":
            self.cards.after_group = None
        if kind == "front_matter":
            return
        if kind in ("heading", "hr"):
            self.cards.finish()
            self.cards.last = None  # a '::: extra' after a heading or a '---' follows no card
            if kind == "heading":
                self.heading(block)
            return
        if kind == f"container_{DIRECTIVE}":
            self.directive(block)
            return
        if kind in (COVERS_OPEN, COVERS_CLOSE):
            self.region(block)
            return
        if self.cards.take(block):
            return
        if kind == "paragraph":
            self.prose(block)
        elif kind == "table":
            self.table(block)
        elif kind == "dl":
            self.emit(ir.Prose(span=self.span(block.head), text=self.text([block])))
            self.cards.definitions(block)
        elif kind == "blockquote" and block.inline is not None and ALERT_RE.match(block.inline.content):
            self.alert(block)
        else:
            self.prose(block)

    def prose(self, block: Block) -> None:
        text = self.text([block])
        self.emit(ir.Prose(span=self.span(block.head), text=text))

    def heading(self, block: Block) -> None:
        level = int(block.head.tag[1])
        title = self.plain(block.inline)
        if level == 1 and self.title is None and not self.stack and not self.roots:
            self.title = title
            return
        level = max(level, 2)
        self.check_attrs(block, HEADING_ATTRS, "a heading", f"section '{title}'")
        parent_level = self.stack[-1].level if self.stack else 1
        if level > parent_level + 1:
            self.diags.add(
                Code.HEADING_SKIP,
                self.path,
                self.line(block.head),
                f"heading level {level} follows level {parent_level}; sections nest by level",
            )
        self.close_sections(level)
        base = slugify(title) or "section"
        count = self.section_ids.get(base, 0) + 1
        self.section_ids[base] = count
        draft = SectionDraft(
            title=title,
            level=level,
            id=base if count == 1 else f"{base}-{count}",
            span=self.span(block.head),
            covers=tuple(dict.fromkeys(block.attrs().get("covers", "").split())),
        )
        (self.stack[-1].sections if self.stack else self.roots).append(draft)
        self.stack.append(draft)

    def close_sections(self, level: int) -> None:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()

    def table(self, block: Block) -> None:
        header, rows = tables.table_cells(self, block)
        makes_cards = "cards" in block.classes()
        if makes_cards:
            self.check_attrs(block, {"class", "front", "back", "ask", "covers", "tags", "allow"}, "a table")
        self.emit(ir.Table(span=self.span(block.head), header=header, rows=rows, makes_cards=makes_cards))
        if makes_cards:
            self.cards.table_rows(block, header, rows)

    def alert(self, block: Block) -> None:
        kind = strip_alert(block)
        if kind != "TIP":
            self.emit(ir.Prose(span=self.span(block.head), text=self.text([block])))
            return
        self.check_attrs(block, {"id"}, "an exam tip")
        inner = inner_tokens(block)
        if len(inner) >= 3 and inner[1].type == "inline" and not inner[1].children:
            inner = inner[3:]  # the marker was a paragraph of its own ("> [!TIP]", then a ">" line)
        body = Block(inner)
        text = self.text([body] if body.tokens else [], markdown=_alert_markdown(self.lines, block))
        if tree.is_blank(text):
            self.diags.add(
                Code.TIP_EMPTY,
                self.path,
                self.line(block.head),
                "this exam tip is empty; write what to remember after '> [!TIP]'",
            )
            return
        explicit = block.attrs().get("id")
        words = re.sub(r"\s+", " ", self.plain(body.inline)).split(" ")[:8]
        ident = explicit or slugify(" ".join(words)) or f"tip-{self.line(block.head)}"  # words: not only math
        self.emit(ir.ExamTip(id=ident, explicit_id=explicit is not None, span=self.span(block.head), text=text))

    def region(self, block: Block) -> None:
        """``::: covers tip-id …`` … ``:::``: every card between covers these tips (plus its own)."""
        self.cards.finish()  # the card before the marker is outside (or inside) the region, whole
        line = self.line(block.head)
        if block.type == COVERS_CLOSE:
            self.regions.pop()
            return
        ids = tuple(dict.fromkeys(block.head.info.split()))
        if not ids:
            message = "'::: covers' names no exam tip; write '::: covers tip-id' (studyc tips lists the ids)"
            self.diags.add(Code.DIRECTIVE_UNKNOWN, self.path, line, message)
        text = self.lines[line - 1]
        start = text.find("covers") + len("covers")
        # each id at its own word (a plain find would land "label" inside an earlier "labels")
        cols = {m.group(): start + m.start() + 1 for m in reversed(list(re.finditer(r"\S+", text[start:])))}
        for tid in ids:
            self.cover_refs.append((tid, line, cols.get(tid, 1), "region"))
        self.regions.append((ids, line))

    def directive(self, block: Block) -> None:
        info = block.head.info.strip()
        name = info.split()[0] if info else ""
        line = self.line(block.head)
        end = block.head.map[1] if block.head.map else 0
        # markdown-it's map ends at the closing marker line when there is one
        closed = end < len(self.lines) and self.lines[end].strip().startswith(":::")
        if not closed:
            self.diags.add(
                Code.DIRECTIVE_UNCLOSED, self.path, line, f"directive '::: {name}' is never closed; add a ':::' line"
            )
        if name not in KNOWN_DIRECTIVES:
            self.diags.add(
                Code.DIRECTIVE_UNKNOWN,
                self.path,
                line,
                f"unknown directive '::: {name}'{_directive_hint(name)}",
            )
            return
        inner = inner_tokens(block)
        text = self.text([Block(inner)] if inner else [], markdown=_inner_markdown(self.lines, block))
        group = self.cards.after_group
        if name == "extra" and group is not None:
            # one Extra field for every card of the list or table would repeat it on each
            message = (
                f"'::: extra' cannot follow {group}: it makes one card per "
                f"{'term' if group == 'a definition list' else 'row'}, and an extra belongs to one card; "
                f"put the context into the {'definition' if group == 'a definition list' else 'answer columns'}, "
                "or into prose"
            )
            self.diags.add(Code.DIRECTIVE_MISPLACED, self.path, line, message)
        elif not self.cards.attach_extra(text, name):
            where = (
                "an exam question's options"
                if name == "explain"
                else "a card's answer (a Q/A, list or cloze card), with no prose between"
            )
            self.diags.add(Code.DIRECTIVE_MISPLACED, self.path, line, f"'::: {name}' must directly follow {where}")


def _directive_hint(name: str) -> str:
    known = [*KNOWN_DIRECTIVES, "covers"]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean '::: {close[0]}'?" if close else f"; known: {', '.join(known)}"


def _inner_markdown(lines: list[str], block: Block) -> str:
    start, end = block.head.map or (0, 0)
    body = lines[start + 1 : end]
    return "".join(body).strip("\n")


def _alert_markdown(lines: list[str], block: Block) -> str:
    start, end = block.head.map or (0, 0)
    text = "".join(re.sub(r"^\s*>\s?", "", ln) for ln in lines[start:end])
    return ALERT_RE.sub("", text.lstrip(), count=1).strip()
