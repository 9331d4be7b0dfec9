"""Token plumbing: top-level block grouping, spans, and per-block helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from compiler.model.ir import Span

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PREFIX_RE = re.compile(r"^(Q|A|C):[ \t]*")
#: Attributes a card's attribute line may hold (an exam question adds ``domain``).
CARD_ATTRS = frozenset({"id", "class", "covers", "tags", "allow"})
ALERT_RE = re.compile(r"^\[!(TIP|NOTE|IMPORTANT|WARNING|CAUTION)\][ \t]*\n?", re.IGNORECASE)


def make_span(path: str, token_map: Sequence[int] | None, fallback_line: int = 1) -> Span:
    """The only place markdown-it's 0-based, end-exclusive ``map`` becomes a 1-based span."""
    if not token_map:
        return Span(path=path, line=fallback_line, end_line=fallback_line)
    start, end = token_map[0], token_map[1]
    return Span(path=path, line=start + 1, end_line=max(start + 1, end))


@dataclass
class Block:
    """One top-level block: its tokens, from opening to matching closing token."""

    tokens: list[Token]
    _attrs: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # Attribute lines configure studyc; they must not leak into the rendered HTML.
        if self.tokens:
            head = self.tokens[0]
            self._attrs = {k: str(v) for k, v in head.attrs.items()}
            head.attrs = {k: v for k, v in head.attrs.items() if k == "start" and head.type == "ordered_list_open"}

    @property
    def head(self) -> Token:
        """The opening (or only) token."""
        return self.tokens[0]

    @property
    def type(self) -> str:
        """Block type without the ``_open`` suffix."""
        return self.head.type.removesuffix("_open")

    @property
    def inline(self) -> Token | None:
        """The first inline token, for paragraphs and headings."""
        for tok in self.tokens:
            if tok.type == "inline":
                return tok
        return None

    def attrs(self) -> dict[str, str]:
        """Attributes set by an attribute line above the block."""
        return self._attrs

    def classes(self) -> set[str]:
        """The ``.class`` words of the attribute line."""
        return set(self.attrs().get("class", "").split())

    def prefix(self) -> str | None:
        """``Q``, ``A`` or ``C`` when the block is a paragraph starting with that prefix."""
        if self.type != "paragraph":
            return None
        inline = self.inline
        if inline is None:
            return None
        m = PREFIX_RE.match(inline.content)
        return m.group(1) if m else None


def top_level_blocks(tokens: list[Token]) -> Iterator[Block]:
    """Group a token stream into top-level blocks."""
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.nesting == 1:
            depth, j = 0, i
            while j < n:
                depth += tokens[j].nesting
                if depth == 0:
                    break
                j += 1
            yield Block(tokens[i : j + 1])
            i = j + 1
        else:
            yield Block([tok])
            i += 1


def strip_prefix(block: Block) -> None:
    """Remove a ``Q:``/``A:``/``C:`` prefix from a paragraph's inline token in place."""
    inline = block.inline
    if inline is None:
        return
    m = PREFIX_RE.match(inline.content)
    if not m:
        return
    inline.content = inline.content[m.end() :]
    children = inline.children or []
    if children and children[0].type == "text":
        first = children[0]
        first.content = PREFIX_RE.sub("", first.content, count=1)
        if not first.content:
            children.pop(0)
            while children and children[0].type == "softbreak":
                children.pop(0)


def strip_alert(block: Block) -> str | None:
    """Remove a GitHub alert marker (``[!TIP]``) from a blockquote; return its kind."""
    inline = block.inline
    if inline is None:
        return None
    m = ALERT_RE.match(inline.content)
    if not m:
        return None
    inline.content = inline.content[m.end() :]
    children = inline.children or []
    # The marker is parsed as text "[!TIP]", possibly split around "[" and "]", or joined with
    # text written after it on the same line ("[!TIP] Text"), which stays
    marker = m.group(0).strip()
    while children and children[0].type == "text" and marker:
        child = children[0]
        if marker.startswith(child.content):
            marker = marker[len(child.content) :]
            children.pop(0)
        elif child.content.startswith(marker):
            child.content = child.content[len(marker) :]
            marker = ""
        else:
            break
    if children and children[0].type == "text":
        children[0].content = children[0].content.lstrip(" \t")
        if not children[0].content:
            children.pop(0)
    while children and children[0].type in ("softbreak", "hardbreak"):
        children.pop(0)
    return m.group(1).upper()


def source_slice(lines: list[str], blocks: Sequence[Block]) -> str:
    """The Markdown source of consecutive blocks, as written."""
    maps = [b.head.map for b in blocks if b.head.map]
    if not maps:
        return ""
    start = min(m[0] for m in maps)
    end = max(m[1] for m in maps)
    return "".join(lines[start:end]).strip("\n")


def inner_tokens(block: Block) -> list[Token]:
    """Tokens inside a container block, without its own open/close pair."""
    return block.tokens[1:-1] if len(block.tokens) >= 2 and block.tokens[-1].nesting == -1 else []


def attr_position(lines: Sequence[str], block: Block, needle: str = "") -> tuple[int, int]:
    """1-based line and column of what a block's attribute line says (``needle``), not of the block.

    Attribute lines stand directly above their block (several may stack); the line
    holding ``needle`` wins, else the nearest one, else the block's own line.
    """
    start = block.head.map[0] if block.head.map else 0
    found: tuple[int, int] | None = None
    i = start - 1
    while i >= 0 and i < len(lines) and lines[i].strip().startswith("{") and lines[i].strip().endswith("}"):
        # the needle as a word of its own: tip "b" is not the "b" of "bogus" on a line above
        hit = re.search(rf"(?<![\w.-]){re.escape(needle)}(?![\w.-])", lines[i]) if needle else None
        if hit is not None:
            return i + 1, hit.start() + 1
        if found is None:
            found = (i + 1, len(lines[i]) - len(lines[i].lstrip()) + 1)
        i -= 1
    return found or (start + 1, 1)
