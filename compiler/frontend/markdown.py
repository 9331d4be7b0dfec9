"""The Markdown parser of the notes format: markdown-it-py plus its plugins and studyc's own rules.

mdit-py-plugins supply front matter, definition lists, attribute lines,
containers and ``$`` math; studyc adds ``\\( \\)`` / ``\\[ \\]`` math (linear
time, unlike texmath's) and Anki's cloze deletions, all through markdown-it's
public ``Ruler`` API. Turning the tokens into the IR's text tree is
``compiler.frontend.tree``; nothing here renders HTML.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

#: Container name used for every ``:::`` directive; the lowering checks names.
DIRECTIVE = "directive"


def make_parser() -> MarkdownIt:
    """A parser with every syntax the notes format uses."""
    md = MarkdownIt("commonmark", {"html": True, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(deflist_plugin)
    md.use(attrs_block_plugin)
    md.use(container_plugin, name=DIRECTIVE, validate=lambda params, markup: True)
    # before the container rule: `::: covers …` … `:::` marks a region, so a `::: extra` may nest in it
    md.block.ruler.before(f"container_{DIRECTIVE}", "covers_region", _covers_region, {"alt": _REGION_ALT})
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    md.inline.ruler.before("math_inline", "price", _price)
    inline_closers, block_closers = _Closers("\\)"), _Closers("\\]")
    md.inline.ruler.after("math_inline", "math_bracket", _bracket_inline(inline_closers))
    md.block.ruler.before("fence", "math_bracket_eqno", _bracket_block(_EQNO_RE, "math_block_eqno", block_closers))
    md.block.ruler.before("fence", "math_bracket", _bracket_block(_BLOCK_RE, "math_block", block_closers))
    md.inline.ruler.before("emphasis", "cloze", _cloze_rule(_Closers("}}")))
    md.inline.ruler.before("link", "sound", _sound)
    md.core.ruler.push("qa_split", _split_qa)
    return md


def prepare(text: str) -> str:
    """The source as markdown-it should see it: ``\\n`` line ends and a final newline.

    The container plugin indexes past the end when a blockquote's last ``>`` line has no newline.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") or not text else text + "\n"


def plain_text(md: MarkdownIt, inline: Token) -> str:
    """An inline token as plain text (for titles and column names)."""
    return str(md.renderer.renderInlineAsText(inline.children or [], md.options, {}))  # type: ignore[attr-defined]


#: Token types of the two ``::: covers`` region markers (flat tokens: the cards between stay top-level).
COVERS_OPEN, COVERS_CLOSE = "covers_region", "covers_end"
_REGION_ALT = ["paragraph", "reference", "blockquote", "list"]
_COVERS_RE = re.compile(r"^:{3}[ \t]*covers(?:[ \t]+(.*?))?[ \t]*$")
_CLOSE_RE = re.compile(r"^:{3}[ \t]*$")


def _covers_region(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``::: covers tip-a tip-b`` opens a covers region; a bare ``:::`` closes the innermost open one.

    A region is two marker tokens, not a container: the container rule closes at the first
    ``:::`` line, so a ``::: extra`` inside one would end it early.
    """
    if state.sCount[start] - state.blkIndent >= 4 or state.level != 0:
        return False  # regions live at the top level only (not in lists or quotes)
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    opens = _COVERS_RE.match(line)
    depth: int = state.env.get("covers_depth", 0)
    if opens is None and not (depth and _CLOSE_RE.match(line)):
        return False
    if silent:
        return True
    token = state.push(COVERS_OPEN if opens else COVERS_CLOSE, "", 0)
    token.map = [start, start + 1]
    token.info = (opens.group(1) or "") if opens else ""
    state.env["covers_depth"] = depth + 1 if opens else depth - 1
    state.line = start + 1
    return True


def _split_qa(state: Any) -> None:
    """``Q: …`` with ``A: …`` on the very next line is two paragraphs, as if a blank line were between."""
    tokens: list[Token] = state.tokens
    i = 0
    while i + 2 < len(tokens):
        head, inline = tokens[i], tokens[i + 1]
        if head.type == "paragraph_open" and inline.type == "inline" and inline.content.startswith("Q:"):
            split = _answer_break(inline)
            if split is not None:
                tokens[i : i + 3] = _two_paragraphs(head, inline, tokens[i + 2], split)
                i += 3
        i += 1


def _answer_break(inline: Token) -> int | None:
    """Index of the line break child that an ``A:`` line follows, if any."""
    children = inline.children or []
    for k, child in enumerate(children[:-1]):
        nxt = children[k + 1]
        if child.type in ("softbreak", "hardbreak") and nxt.type == "text" and nxt.content.startswith("A:"):
            return k
    return None


def _two_paragraphs(head: Token, inline: Token, close: Token, k: int) -> list[Token]:
    children = inline.children or []
    q_lines = sum(1 for c in children[:k] if c.type in ("softbreak", "hardbreak")) + 1
    start, end = head.map or [0, 0]
    q_text, _, a_text = inline.content.partition("\nA:")
    out: list[Token] = []
    for text, kids, span in (
        (q_text, children[:k], [start, start + q_lines]),
        ("A:" + a_text, children[k + 1 :], [start + q_lines, end]),
    ):
        p_open = Token("paragraph_open", "p", 1, map=span, block=True, attrs=dict(head.attrs) if not out else {})
        body = Token("inline", "", 0, map=span, content=text, children=kids, block=True)
        p_close = Token("paragraph_close", "p", -1, block=True)
        p_open.level, body.level, p_close.level = head.level, inline.level, head.level
        out += [p_open, body, p_close]
    return out


_SOUND_RE = re.compile(r"\[sound:([^\]\n]+)\]")


def _sound(state: StateInline, silent: bool) -> bool:
    """Anki's own ``[sound:clip.mp3]``: a media reference like ``![](clip.mp3)``, checked and packed the same way."""
    if not state.src.startswith("[sound:", state.pos):
        return False
    m = _SOUND_RE.match(state.src, state.pos)
    if m is None or m.end() > state.posMax:
        return False
    if not silent:
        token = state.push("sound", "", 0)
        token.attrs = {"src": m.group(1).strip()}
        token.children = []
        token.content = m.group(0)
    state.pos = m.end()
    return True


def _price(state: StateInline, silent: bool) -> bool:
    """A ``$`` right before a digit is a price, never the start of a formula (``$5 and $10``)."""
    pos = state.pos
    if state.src.startswith("$", pos) and pos + 1 < state.posMax and state.src[pos + 1].isdigit():
        if not silent:
            state.pending += "$"
        state.pos = pos + 1
        return True
    return False


# -- \( \) and \[ \] math in linear time -------------------------------------------------------

_EQNO_RE = re.compile(r"\\\[(((?!\\\]|\\\[)[\s\S])+?)\\\]\s*?\(([^)$\r\n]+?)\)")
_BLOCK_RE = re.compile(r"\\\[([\s\S]+?)\\\]")


class _Closers:
    """Sorted positions of a two-character closer in the last source searched (one scan per source).

    texmath's rules slice the rest of the source and regex-scan it for every ``\\(``
    or ``\\[`` (quadratic: minutes for a 200 KB paragraph).
    """

    def __init__(self, closer: str) -> None:
        self.closer = closer
        self.src: str | None = None
        self.positions: list[int] = []
        self.budget = 0
        """Characters the cloze rule may still scan in this source (nested openers could go quadratic)."""

    def first_at_or_after(self, src: str, pos: int) -> int:
        if src is not self.src:
            self.src = src
            self.positions = [m.start() for m in re.finditer(re.escape(self.closer), src)]
            self.budget = 64 * len(src) + 4096
        i = bisect.bisect_left(self.positions, pos)
        return self.positions[i] if i < len(self.positions) else -1


def _bracket_inline(closers: _Closers) -> Any:
    def rule(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if not src.startswith("\\(", pos):
            return False
        close = closers.first_at_or_after(src, pos + 3)  # an empty \(\) is text, as in texmath
        if close < 0 or close >= state.posMax:
            return False
        if not silent:
            token = state.push("math_inline", "math", 0)
            token.content = src[pos + 2 : close]
            token.markup = "\\("
        state.pos = close + 2
        return True

    return rule


def _bracket_block(pattern: re.Pattern[str], name: str, closers: _Closers) -> Any:
    def rule(state: StateBlock, begLine: int, endLine: int, silent: bool) -> bool:
        begin = state.bMarks[begLine] + state.tShift[begLine]
        src = state.src
        if not src.startswith("\\[", begin):
            return False
        close = closers.first_at_or_after(src, begin + 3)
        if close < 0 or close + 1 > state.eMarks[endLine - 1]:
            return False  # no closer in this block: the regex would fail after a full scan
        res = pattern.match(src, begin)
        if res is None:
            return False
        endpos = res.end() - 1
        line = begLine
        while line < endLine and endpos > state.eMarks[line]:
            line += 1
        if line >= endLine or endpos < state.bMarks[line]:
            return False
        if not silent:
            token = state.push(name, "math", 0)
            token.block = True
            token.content = res[1]
            token.info = res[len(res.groups())]
            token.markup = "\\["
        state.line = line + 1
        return True

    return rule


# -- cloze deletions ---------------------------------------------------------------------------

_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")


def _cloze_rule(closers: _Closers) -> Any:
    def rule(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if not src.startswith("{{c", pos):
            return False
        opener = _CLOZE_OPEN.match(src, pos, state.posMax)
        if opener is None:
            return False
        close = closers.first_at_or_after(src, opener.end())
        if close < 0 or close >= state.posMax:  # a run of unclosed openers stays linear
            return False
        found = _cloze_end(state, opener.end(), closers)
        if found is None:
            return False
        _push_cloze(state, opener, found, silent)
        return True

    return rule


def _push_cloze(state: StateInline, opener: re.Match[str], found: tuple[int, int], silent: bool) -> None:
    """``{{cN::content::hint}}`` as ``cloze_open`` … ``cloze_close`` around the parsed content.

    The end is found the way links find theirs: other rules skip over code spans,
    math and escapes, so a ``}}`` or ``::`` inside them belongs to the content.
    """
    src = state.src
    hint_at, end = found
    if not silent:
        content_end = hint_at if hint_at >= 0 else end
        hint = src[hint_at + 2 : end] if hint_at >= 0 else None
        token = state.push("cloze_open", "", 1)
        token.markup = opener.group(0)
        token.meta = {
            "number": opener.group(1),
            "hint": hint,
            "open": opener.group(0),
            "close": src[content_end : end + 2],
        }
        old_max = state.posMax
        state.pos, state.posMax = opener.end(), content_end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("cloze_close", "", -1)
    state.pos = end + 2


def _cloze_end(state: StateInline, start: int, closers: _Closers) -> tuple[int, int] | None:
    """(position of the hint's ``::`` or -1, position of the closing ``}}``), or None when unclosed."""
    src, old_pos, hint_at = state.src, state.pos, -1
    pos = start
    state.level += 1  # bounds nested deletions by markdown-it's nesting limit
    try:
        while pos < state.posMax:
            closers.budget -= 1
            if closers.budget < 0:  # thousands of nested openers: the rest stays text
                return None
            if src.startswith("}}", pos):
                return hint_at, pos
            if hint_at >= 0:  # the hint is plain text up to the closer
                pos += 1
                continue
            if src.startswith("::", pos):
                hint_at = pos
                pos += 2
                continue
            state.pos = pos
            state.md.inline.skipToken(state)
            pos = state.pos
        return None
    finally:
        state.level -= 1
        state.pos = old_pos
