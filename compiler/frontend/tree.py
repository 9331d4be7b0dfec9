"""markdown-it tokens → the IR's typed text tree (``compiler.model.doc``).

This is the only place that knows markdown-it's token types for text. Raw
HTML is sanitized here, tag by tag, so every tree is safe to render as is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote

from markdown_it.token import Token

from compiler.model import doc
from compiler.model.media import medium
from compiler.text.sanitize import (
    DROPPED_WITH_CONTENT,
    balance,
    html_depth,
    sanitize,
    sanitize_tag,
    tag_shape,
    url_allowed,
)

ImageResolver = Callable[[Token], "str | None"]

_ALIGN: dict[str, Literal["left", "center", "right"]] = {
    "text-align:left": "left",
    "text-align:center": "center",
    "text-align:right": "right",
}
_WRAPPERS = {"em_open": "em", "strong_open": "strong", "s_open": "s", "link_open": "link", "cloze_open": "cloze"}
_MATH_BLOCKS = {"math_block", "math_block_eqno", "math_block_label"}
#: Dropped tags that may hold one of their own kind (a script's or a style's content is text to HTML)
_NESTING_DROPPED = {"object", "template"}


@dataclass
class TreeContext:
    """What lowering one text needs and what it found."""

    resolve_image: ImageResolver | None = None
    """Media name for an image token (reports missing files itself); None keeps images unresolved."""
    allow_cloze: bool = False
    """Cloze deletions become :class:`~compiler.model.doc.Cloze` nodes; elsewhere they stay literal text."""
    cloze_numbers: list[str] = field(default_factory=list)
    """The number of every deletion met, as written (``0`` and ``1000`` are reported by the caller)."""
    literal_clozes: int = 0
    """Deletions kept as literal text because clozes are not allowed here."""
    depth: int = 0
    """Deepest node nesting met (lists, quotes, emphasis and raw tags)."""
    line: int | None = None
    """1-based line of the block being lowered, so a missing image is reported at its own block."""


@dataclass
class _Frame:
    """An inline wrapper (emphasis, link, cloze) whose content is being collected."""

    kind: str
    token: Token | None
    content: list[doc.AnyInline] = field(default_factory=list)


def blocks(tokens: Sequence[Token], ctx: TreeContext, level: int = 0) -> tuple[doc.AnyBlock, ...]:
    """Block tokens (any slice with balanced open/close pairs) → block nodes."""
    out: list[doc.AnyBlock] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok.map:
            ctx.line = tok.map[0] + 1
        if tok.nesting == 1:
            j = _closing(tokens, i)
            out.extend(_container(tokens[i : j + 1], ctx, level + 1))
            i = j + 1
            continue
        node = _leaf(tok, ctx)
        if node is not None:
            out.append(node)
        i += 1
    ctx.depth = max(ctx.depth, level)
    return tuple(out)


def _closing(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _leaf(tok: Token, ctx: TreeContext) -> doc.AnyBlock | None:
    if tok.type == "fence":
        lang = tok.info.strip().split(maxsplit=1)[0] if tok.info.strip() else None
        return doc.CodeBlock(code=tok.content, lang=lang)
    if tok.type == "code_block":
        return doc.CodeBlock(code=tok.content, lang=None)
    if tok.type in _MATH_BLOCKS:
        return doc.MathBlock(tex=tok.content)
    if tok.type == "hr":
        return doc.Rule()
    if tok.type == "html_block":
        clean = sanitize(tok.content).strip()
        ctx.depth = max(ctx.depth, html_depth(clean))
        return doc.RawBlock(html=clean) if clean else None
    if tok.type == "inline":  # an inline outside a paragraph (a stray term): keep its text
        return doc.Para(content=inlines(tok, ctx))
    return None  # front matter, attribute lines


def _container(toks: Sequence[Token], ctx: TreeContext, level: int) -> list[doc.AnyBlock]:
    head, inner = toks[0], toks[1:-1]
    kind = head.type.removesuffix("_open")
    if kind == "paragraph":
        return [doc.Para(content=_first_inline(inner, ctx))]
    if kind == "heading":
        return [doc.Heading(level=int(head.tag[1]), content=_first_inline(inner, ctx))]
    if kind in ("bullet_list", "ordered_list"):
        return [_list(kind, head, inner, ctx, level)]
    if kind == "blockquote":
        return [doc.Quote(blocks=blocks(inner, ctx, level))]
    if kind == "table":
        return [_grid(inner, ctx)]
    if kind == "dl":
        return [_definitions(inner, ctx, level)]
    # containers (``:::``) and anything unknown inside a text: keep their content
    return list(blocks(inner, ctx, level))


def _first_inline(toks: Sequence[Token], ctx: TreeContext) -> tuple[doc.AnyInline, ...]:
    for tok in toks:
        if tok.type == "inline":
            return inlines(tok, ctx)
    return ()


def _list(kind: str, head: Token, inner: Sequence[Token], ctx: TreeContext, level: int) -> doc.AnyBlock:
    items: list[doc.ListItem] = []
    tight = True
    i = 0
    while i < len(inner):
        j = _closing(inner, i)
        body = inner[i + 1 : j]
        if any(t.type == "paragraph_open" and not t.hidden and t.level == head.level + 2 for t in body):
            tight = False
        items.append(doc.ListItem(blocks=blocks(body, ctx, level + 1)))
        i = j + 1
    if kind == "bullet_list":
        return doc.BulletList(tight=tight, items=tuple(items))
    start = head.attrGet("start")
    return doc.OrderedList(start=int(start) if start is not None else 1, tight=tight, items=tuple(items))


def _grid(inner: Sequence[Token], ctx: TreeContext) -> doc.Grid:
    header: list[doc.Cell] = []
    rows: list[tuple[doc.Cell, ...]] = []
    row: list[doc.Cell] = []
    align: Literal["left", "center", "right"] | None = None
    in_head = False
    for tok in inner:
        if tok.type in ("thead_open", "thead_close"):
            in_head = tok.type == "thead_open"
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and not in_head:
            rows.append(tuple(row))
        elif tok.type in ("th_open", "td_open"):
            align = _ALIGN.get(str(tok.attrGet("style") or ""))
        elif tok.type == "inline":
            cell = doc.Cell(align=align, content=inlines(tok, ctx))
            (header if in_head else row).append(cell)
    return doc.Grid(header=tuple(header), rows=tuple(rows))


def _definitions(inner: Sequence[Token], ctx: TreeContext, level: int) -> doc.DefinitionList:
    items: list[doc.Definition] = []
    term: tuple[doc.AnyInline, ...] = ()
    defs: list[tuple[doc.AnyBlock, ...]] = []
    i = 0
    while i < len(inner):
        tok = inner[i]
        j = _closing(inner, i) if tok.nesting == 1 else i
        if tok.type == "dt_open":
            if term or defs:
                items.append(doc.Definition(term=term, definitions=tuple(defs)))
            term, defs = _first_inline(inner[i + 1 : j], ctx), []
        elif tok.type == "dd_open":
            defs.append(blocks(inner[i + 1 : j], ctx, level + 1))
        i = j + 1
    if term or defs:
        items.append(doc.Definition(term=term, definitions=tuple(defs)))
    return doc.DefinitionList(items=tuple(items))


# -- inlines -----------------------------------------------------------------------------------


def newlines(tok: Token) -> int:
    """How many line ends of the source an inline token spans (raw HTML and an image's alt text can hold some)."""
    return 1 if tok.type in ("softbreak", "hardbreak") else tok.content.count("\n")


def _on_their_lines(children: Sequence[Token], ctx: TreeContext) -> Iterator[Token]:
    """The children in order, with ``ctx.line`` at each one's own line (a paragraph spans several).

    The next block sets ``ctx.line`` from its own map, so the line need not be put back.
    """
    for tok in children:
        yield tok
        if ctx.line is not None:
            ctx.line += newlines(tok)


def inlines(inline: Token, ctx: TreeContext) -> tuple[doc.AnyInline, ...]:
    """An ``inline`` token's children → inline nodes."""
    stack = [_Frame("root", None)]
    dropping: str | None = None  # inside <script>…</script>: the content goes too, as nh3 drops it
    nested = 0  # an <object> inside the <object> being dropped: the first closer is the inner one's
    for tok in _on_their_lines(inline.children or [], ctx):
        if tok.type == "html_inline":
            shape, name = tag_shape(tok.content)
            if dropping is None and shape == "open" and name in DROPPED_WITH_CONTENT:
                dropping = name
            elif dropping is not None and shape == "open" and name == dropping and name in _NESTING_DROPPED:
                nested += 1
            elif dropping is not None and shape == "close" and name == dropping:
                if nested:
                    nested -= 1
                else:
                    dropping = None
                continue
        if dropping is not None:
            continue
        top = stack[-1]
        wrapper = _WRAPPERS.get(tok.type)
        if wrapper is not None:
            stack.append(_Frame(wrapper, tok))
            ctx.depth = max(ctx.depth, len(stack))
        elif tok.nesting == -1:
            if len(stack) == 1 or _WRAPPERS.get(tok.type.replace("_close", "_open")) != top.kind:
                continue  # its opener was dropped with a <script>'s content
            stack.pop()
            _close(top, stack[-1].content, ctx, len(stack) + 1)
        else:
            node = _atom(tok, ctx)
            if node is not None:
                _append(top.content, node)
    while len(stack) > 1:  # markdown-it always closes what it opens; be safe anyway
        top = stack.pop()
        _close(top, stack[-1].content, ctx, len(stack) + 1)
    return _balanced(stack[0].content, ctx, 1)


def _balanced(nodes: list[doc.AnyInline], ctx: TreeContext, level: int) -> tuple[doc.AnyInline, ...]:
    """Raw tags balanced, and the depth they reach recorded (it nests in the rendered HTML too)."""
    out = balance(nodes)
    open_tags = deepest = 0
    for node in out:
        if isinstance(node, doc.RawInline):
            shape = tag_shape(node.html)[0]
            open_tags += 1 if shape == "open" else -1 if shape == "close" else 0
            deepest = max(deepest, open_tags)
    ctx.depth = max(ctx.depth, level + deepest)
    return out


def _append(content: list[doc.AnyInline], node: doc.AnyInline) -> None:
    # markdown-it splits text at every character a rule might start at; readers want whole runs
    if isinstance(node, doc.Str) and content and isinstance(content[-1], doc.Str):
        content[-1] = doc.Str(text=content[-1].text + node.text)
    else:
        content.append(node)


def _close(frame: _Frame, parent: list[doc.AnyInline], ctx: TreeContext, level: int) -> None:
    content = _balanced(frame.content, ctx, level)
    tok = frame.token
    assert tok is not None
    if frame.kind == "em":
        _append(parent, doc.Emph(content=content))
    elif frame.kind == "strong":
        _append(parent, doc.Strong(content=content))
    elif frame.kind == "s":
        _append(parent, doc.Strike(content=content))
    elif frame.kind == "link":
        url = str(tok.attrGet("href") or "")
        if url_allowed(url):
            title = tok.attrGet("title")
            _append(parent, doc.Link(url=url, title=str(title) if title else None, content=content))
        else:
            for node in content:
                _append(parent, node)
    else:
        _cloze(tok, content, parent, ctx)


def _cloze(tok: Token, content: tuple[doc.AnyInline, ...], parent: list[doc.AnyInline], ctx: TreeContext) -> None:
    meta: dict[str, Any] = tok.meta
    number, hint = str(meta["number"]), meta["hint"]
    ctx.cloze_numbers.append(number)
    valid = len(number) <= 3 and int(number) > 0
    if ctx.allow_cloze and valid:
        _append(parent, doc.Cloze(number=int(number), content=content, hint=hint))
        return
    if not ctx.allow_cloze:  # a bad number in a cloze card is reported as such by the caller
        ctx.literal_clozes += 1
    _append(parent, doc.Str(text=str(meta["open"])))
    for node in content:
        _append(parent, node)
    _append(parent, doc.Str(text=str(meta["close"])))


def _atom(tok: Token, ctx: TreeContext) -> doc.AnyInline | None:
    kind = tok.type
    if kind == "text":
        return doc.Str(text=tok.content) if tok.content else None
    if kind == "softbreak":
        return doc.SoftBreak()
    if kind == "hardbreak":
        return doc.LineBreak()
    if kind == "code_inline":
        return doc.Code(text=tok.content)
    if kind in ("math_inline", "math_inline_double"):
        return doc.Math(tex=tok.content, display=kind == "math_inline_double")
    if kind in ("image", "sound"):
        return _image(tok, ctx)
    if kind == "html_inline":
        tag = sanitize_tag(tok.content)
        return doc.RawInline(html=tag) if tag else None
    return doc.Str(text=tok.content) if tok.content else None  # e.g. an entity markdown-it decoded


def _image(tok: Token, ctx: TreeContext) -> doc.Image | doc.Media:
    """``![alt](file)``: an image, or audio/video by the file's extension (``[sound:file]`` too)."""
    src = unquote(str(tok.attrGet("src") or ""))
    if ctx.line is not None:
        tok.meta["line"] = ctx.line
    media = ctx.resolve_image(tok) if ctx.resolve_image is not None else None
    title = tok.attrGet("title")
    alt = "".join(child.content for child in tok.children or [] if child.type in ("text", "code_inline"))
    kind = medium(src)
    if kind == "audio" or kind == "video":
        return doc.Media(src=src, media=media, medium=kind, label=alt or PurePosixPath(src).name)
    return doc.Image(src=src, media=media, alt=alt, title=str(title) if title else None)


def is_empty(text: doc.Text) -> bool:
    """True when a text holds nothing a reader would see (no blocks, or only empty paragraphs)."""
    return all(isinstance(block, doc.Para) and not block.content for block in text.blocks)


def is_blank(text: doc.Text) -> bool:
    """True when a text was written empty, or holds nothing a reader would see."""
    return not text.markdown.strip() or is_empty(text)
