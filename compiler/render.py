"""The one Markdown renderer shared by every backend.

markdown-it-py parses; mdit-py-plugins supply front matter, definition lists,
attribute lines, containers and math; pygments highlights code; nh3 sanitizes.
Anki, HTML and PDF all receive the same sanitized HTML from here.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.texmath import texmath_plugin

#: Container name used for every ``:::`` directive; the lowering checks names.
DIRECTIVE = "directive"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "u", "ul", "var",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
}
#: Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
#: Tags whose presence in raw HTML earns an ``html.unsafe`` warning (they are removed).
UNSAFE_TAGS = DROPPED_WITH_CONTENT | {"frame", "frameset", "applet", "base", "meta", "link", "form", "svg", "math"}
URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
#: The only image sources kept: media names the image resolver gave to checked local files.
MEDIA_NAME_RE = re.compile(r"^studyc-[0-9a-f]{20}(\.[A-Za-z0-9]{1,8})?$")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_URL_JUNK_RE = re.compile(r"[\x00-\x20\x7f]+")


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    # A raw-HTML <img> could point at any local file or URL a PDF renderer would fetch.
    if element == "img" and attribute == "src" and not MEDIA_NAME_RE.match(value):
        return None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    # built once: nh3.clean converts the allow-lists on every call, which cost more than the cleaning
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def sanitize(fragment: str) -> str:
    """Clean an HTML fragment with the study-notes allow-list."""
    return str(_cleaner().clean(fragment))


class _UnsafeFinder(HTMLParser):
    """Names the parts of a raw HTML fragment that :func:`sanitize` removes for safety."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def _note(self, what: str) -> None:
        if what not in self.found:
            self.found.append(what)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSAFE_TAGS:
            self._note(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self._note(f"{name}= handler")
            elif name == "srcdoc":
                self._note("srcdoc= attribute")
            elif name in URL_ATTRS and value:
                scheme = _SCHEME_RE.match(_URL_JUNK_RE.sub("", value))
                if scheme and scheme.group(1).lower() not in URL_SCHEMES:
                    self._note(f"{scheme.group(1).lower()}: URL")
                elif tag == "img" and name == "src" and not MEDIA_NAME_RE.match(value):
                    self._note("<img src> (use ![alt](path) so studyc checks the file)")

    handle_startendtag = handle_starttag


_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


#: Deeper HTML overflows the PDF renderer's stack (WeasyPrint recursed at about 300 levels).
MAX_HTML_DEPTH = 200


def html_depth(fragment: str) -> int:
    """How deeply elements nest in well-formed (sanitized) HTML."""
    depth = deepest = 0
    for m in _TAG_RE.finditer(fragment):
        if m.group(2).lower() in VOID_TAGS or m.group(3):
            continue
        depth += -1 if m.group(1) else 1
        deepest = max(deepest, depth)
    return deepest


def unsafe_parts(fragment: str) -> list[str]:
    """What in a raw HTML fragment is unsafe and gets removed (empty when it is clean)."""
    finder = _UnsafeFinder()
    finder.feed(fragment)
    finder.close()
    return finder.found


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass="highlight", nowrap=True)


@lru_cache(maxsize=64)
def _lexer(lang: str) -> Any:
    """The lexer for a language name, or None; looking it up scans pygments' registry, so once per name."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang)
    except ClassNotFound:
        return None


def highlight(code: str, lang: str, _attrs: str) -> str:
    """Highlight a fenced code block into pygments classes (CSS is separate)."""
    from pygments import highlight as run

    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return ""
    # markdown-it keeps output that starts with "<pre" as is
    body = str(run(code, lexer, _formatter()))
    return f'<pre class="highlight"><code class="language-{html.escape(lang)}">{body}</code></pre>\n'


def pygments_css(selector: str = ".highlight") -> str:
    """CSS for the highlight classes, light theme."""
    return str(_formatter().get_style_defs(selector))


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<span class="math">\\(' + html.escape(tokens[idx].content) + "\\)</span>"


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return '<div class="math">\\[' + html.escape(tokens[idx].content) + "\\]</div>\n"


ImageResolver = Callable[[Token], "str | None"]


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    resolver: ImageResolver | None = env.get("resolve_image") if env else None
    if resolver is not None:
        name = resolver(token)
        if name is None:
            alt = self.renderInlineAsText(token.children or [], options, env)
            return '<span class="missing-image">[image: ' + html.escape(alt) + "]</span>"
        token.attrSet("src", name)
    return str(self.image(tokens, idx, options, env))


def make_parser() -> MarkdownIt:
    """A parser with every syntax the notes format uses."""
    md = MarkdownIt("commonmark", {"html": True, "highlight": highlight, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin)
    md.use(deflist_plugin)
    md.use(attrs_block_plugin)
    md.use(container_plugin, name=DIRECTIVE, validate=lambda params, markup: True)
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    md.use(texmath_plugin, delimiters="brackets")
    for name in ("math_inline", "math_inline_double"):
        md.add_render_rule(name, _math_inline)
    for name in ("math_block", "math_block_eqno", "math_block_label"):
        md.add_render_rule(name, _math_block)
    md.add_render_rule("image", _image)
    _harden(md)
    return md


# -- guards around plugin rules that crash or go quadratic on hostile input -------------------

_TEXMATH = "mdit_py_plugins.texmath.index"
_EQNO_RE = re.compile(r"\\\[(((?!\\\]|\\\[)[\s\S])+?)\\\]\s*?\(([^)$\r\n]+?)\)")
_BLOCK_RE = re.compile(r"\\\[([\s\S]+?)\\\]")


class _Closers:
    """Sorted positions of a two-character closer in the last source searched (one scan per source)."""

    def __init__(self, closer: str) -> None:
        self.closer = closer
        self.src: str | None = None
        self.positions: list[int] = []

    def first_at_or_after(self, src: str, pos: int) -> int:
        if src is not self.src:
            self.src = src
            self.positions = [m.start() for m in re.finditer(re.escape(self.closer), src)]
        i = bisect.bisect_left(self.positions, pos)
        return self.positions[i] if i < len(self.positions) else -1


def _harden(md: MarkdownIt) -> None:
    """Same tokens as the plugins produce, without their failure modes.

    texmath's bracket rules slice the rest of the source and regex-scan it for every
    ``\\(`` or ``\\[`` (quadratic: minutes for a 200 KB paragraph); the container
    rule indexes past the end when a blockquote ends in an empty ``>`` line.
    """
    inline_closers, block_closers = _Closers("\\)"), _Closers("\\]")

    def bracket_inline(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if not src.startswith("\\(", pos):
            return False
        close = inline_closers.first_at_or_after(src, pos + 3)  # texmath reads past posMax too
        if close < 0:
            return False
        if not silent:
            token = state.push("math_inline", "math", 0)
            token.content = src[pos + 2 : close]
            token.markup = "\\("
        state.pos = close + 2
        return True

    def bracket_block(pattern: re.Pattern[str], name: str) -> Any:
        def rule(state: StateBlock, begLine: int, endLine: int, silent: bool) -> bool:
            begin = state.bMarks[begLine] + state.tShift[begLine]
            src = state.src
            if not src.startswith("\\[", begin):
                return False
            close = block_closers.first_at_or_after(src, begin + 3)
            if close < 0 or close + 1 > state.eMarks[endLine - 1]:
                return False  # no closer in this block: the plugin's regex would fail after a full scan
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

    for irule in md.inline.ruler.__rules__:
        if irule.name == "math_inline" and irule.fn.__module__ == _TEXMATH:
            irule.fn = bracket_inline
    for brule in md.block.ruler.__rules__:
        if brule.fn.__module__ == _TEXMATH:
            brule.fn = bracket_block(_EQNO_RE if brule.name == "math_block_eqno" else _BLOCK_RE, brule.name)
        elif brule.name == f"container_{DIRECTIVE}":
            brule.fn = _guard_container(brule.fn)
    md.inline.ruler.__cache__ = None
    md.block.ruler.__cache__ = None


def _guard_container(container: Any) -> Any:
    def rule(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        pushed = len(state.tokens)
        try:
            return bool(container(state, startLine, endLine, silent))
        except IndexError:
            if len(state.tokens) != pushed:  # it had started building tokens: a different bug
                raise
            return False

    return rule


def render_tokens(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """Render a slice of block tokens to sanitized HTML."""
    return sanitize(md.renderer.render(list(tokens), md.options, env)).strip()


def plain_text(md: MarkdownIt, inline: Token) -> str:
    """An inline token as plain text (for titles and column names)."""
    return str(md.renderer.renderInlineAsText(inline.children or [], md.options, {}))  # type: ignore[attr-defined]
