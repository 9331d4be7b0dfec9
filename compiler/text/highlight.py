"""Code highlighting with pygments: HTML with CSS classes, and the CSS for them."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(cssclass="highlight", nowrap=True)


@lru_cache(maxsize=64)
def lexer(lang: str) -> Any:
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

    found = lexer(lang) if lang else None
    if found is None:
        return ""
    body = str(run(code, found, _formatter()))
    return f'<pre class="highlight"><code class="language-{html.escape(lang)}">{body}</code></pre>\n'


def pygments_css(selector: str = ".highlight") -> str:
    """CSS for the highlight classes, light theme."""
    return str(_formatter().get_style_defs(selector))
