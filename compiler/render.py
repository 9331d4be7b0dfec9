"""The one Markdown renderer shared by every backend.

markdown-it-py parses; mdit-py-plugins supply front matter, definition lists,
attribute lines, containers and math; pygments highlights code; nh3 sanitizes.
Anki, HTML and PDF all receive the same sanitized HTML from here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
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


def sanitize(fragment: str) -> str:
    """Clean an HTML fragment with the study-notes allow-list."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass="highlight", nowrap=True)


def highlight(code: str, lang: str, _attrs: str) -> str:
    """Highlight a fenced code block into pygments classes (CSS is separate)."""
    from pygments import highlight as run
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    if not lang:
        return ""
    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
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
    return md


def render_tokens(md: MarkdownIt, tokens: Sequence[Token], env: dict[str, Any]) -> str:
    """Render a slice of block tokens to sanitized HTML."""
    return sanitize(md.renderer.render(list(tokens), md.options, env)).strip()


def plain_text(md: MarkdownIt, inline: Token) -> str:
    """An inline token as plain text (for titles and column names)."""
    return str(md.renderer.renderInlineAsText(inline.children or [], md.options, {}))  # type: ignore[attr-defined]
