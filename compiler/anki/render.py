"""The typed text tree → Anki field HTML.

Anki reads cloze syntax from the raw field HTML: in text, inside ``<code>``, in
attribute values and inside math alike. A deletion opens only at
``{{c<digits>::`` and closes at the first ``}}``; the first ``::`` inside an open
deletion starts its hint (Anki's ``rslib/src/cloze.rs``). HTML character
references (``&#123;``) are never read as syntax, and the browser shows the real
character. So this renderer writes the cloze syntax itself, from
:class:`~compiler.model.doc.Cloze` nodes, and encodes the author's text so that
nothing in it can open, end or split a deletion.

The encoding rules (each proven against Anki's own backend by
``tests/test_anki_oracle.py``):

* **Text** (``Str``, inline code, code blocks, link URLs and other attribute
  values, hints, raw HTML text) in a cloze field: a ``{``, ``}`` or ``:`` becomes
  a character reference when its neighbour is the same character, or when it is
  the first or last character of the fragment. Adjacent fragments, and a
  fragment next to ``{{c1::``, ``::`` or ``}}``, can therefore never form
  ``{{``, ``}}`` or ``::``. Attribute values encode every ``{``, ``}``, ``:``.
* **Backslashes** before ``(``, ``)``, ``[``, ``]`` (and at the end of a
  fragment) in text or code, in every field: ``&#92;`` followed by an empty
  ``<span></span>``. Anki's math handling (a pattern over the raw HTML) no longer
  sees ``\\(``, and neither does MathJax in the reviewer, whose text runs end at
  an element.
* **Math** is ``\\(…\\)`` or ``\\[…\\]`` with HTML-escaped TeX and never any tag
  inside (Anki strips tags between math delimiters). In a cloze field ``{{``,
  ``}}`` and ``::`` in the TeX are split by a space (``} }``; MathJax renders it
  the same, as Anki's manual advises), a leading ``{``/``:`` or trailing
  ``}``/``:`` is padded with a space, and ``\\\\`` before ``)``/``]`` is split so
  it cannot read as ``\\)``. In every field a TeX control symbol ``\\(``, ``\\)``,
  ``\\[`` or ``\\]`` is wrapped in braces, where MathJax never ends the formula.
* **Deletions** are ``{{cN::content::hint}}`` from ``Cloze`` nodes (nested ones
  too); a deletion whose content could start ``image-occlusion:`` has its first
  letter encoded (Anki would draw an occlusion shape).
* **Images** are ``<img src="MEDIA">`` with the content-hash media name.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from compiler.model.doc import (
    Cloze,
    CodeBlock,
    Media,
    Para,
    RawBlock,
    RawInline,
    Text,
    text_inlines,
)
from compiler.text.highlight import lexer as highlight_lexer
from compiler.text.html import HtmlRenderer

#: Characters that form cloze syntax when doubled, and their character references.
_PAIR_CHARS = {"{": "&#123;", "}": "&#125;", ":": "&#58;"}
#: A backslash that could start or end MathJax: encoded, and the DOM text run broken by an empty element.
_BACKSLASH = "&#92;<span></span>"
_MATH_BRACKETS = "()[]"
_OCCLUSION = "image-occlusion:"
#: Characters that may need more than HTML escaping in a cloze field.
_CLOZE_RISKY = "{}:\\"
#: The whitespace a rendered field or item is stripped of (:class:`HtmlRenderer` and ``content``).
_STRIPPED = " \t\n\r\f"


def cloze_safe_text(s: str) -> str:
    """Author text → HTML that shows exactly ``s`` and holds no cloze syntax, alone or next to any other fragment."""
    if not any(ch in s for ch in _CLOZE_RISKY) and not _OCCLUSION.startswith(s.lstrip(_STRIPPED)[:16]):
        return html.escape(s, quote=False)  # the common case, without the per-character walk
    out: list[str] = []
    # A field or list item is stripped of its outer whitespace after rendering, so a character
    # with only whitespace beyond it may end up next to the deletion's own "}}": it counts as an edge.
    first = len(s) - len(s.lstrip(_STRIPPED))
    last = len(s.rstrip(_STRIPPED)) - 1
    for i, ch in enumerate(s):
        if ch in _PAIR_CHARS:
            if i <= first or i >= last or s[i - 1] == ch or s[i + 1] == ch:
                out.append(_PAIR_CHARS[ch])
            else:
                out.append(ch)
        elif ch == "\\":
            out.append(_BACKSLASH if i >= last or s[i + 1] in _MATH_BRACKETS else ch)
        else:
            out.append(html.escape(ch, quote=False))
    shown = s[first:]
    if shown and (_OCCLUSION.startswith(shown) or shown.startswith(_OCCLUSION)):
        out[first] = f"&#{ord(shown[0])};"
    return "".join(out)


def mathjax_safe_text(s: str) -> str:
    """Author text → HTML that shows exactly ``s``, where MathJax finds no math delimiter (for basic-note fields)."""
    if "\\" not in s:
        return html.escape(s, quote=False)  # the common case, without the per-character walk
    parts = s.split("\\")
    out = [html.escape(parts[0], quote=False)]
    last = len(parts) - 1
    for i, part in enumerate(parts[1:], start=1):
        # a backslash before a bracket, or at the very end, could open or close MathJax
        risky = part[:1] in tuple(_MATH_BRACKETS) if part else i == last
        out.append((_BACKSLASH if risky else "\\") + html.escape(part, quote=False))
    return "".join(out)


def cloze_safe_attr(s: str) -> str:
    """An attribute value (written in double quotes) with every ``{``, ``}``, ``:`` and backslash as a reference."""
    escaped = html.escape(s, quote=True)
    return "".join(_PAIR_CHARS.get(ch, "&#92;" if ch == "\\" else ch) for ch in escaped)


def brace_control_symbols(tex: str) -> str:
    """Wrap each TeX control symbol ``\\(``, ``\\)``, ``\\[``, ``\\]`` in braces: no delimiter ends the formula early.

    A backslash that ends the TeX becomes ``\\ `` (a control space), so it cannot pair with the closing delimiter.
    """
    out: list[str] = []
    i, n = 0, len(tex)
    while i < n:
        ch = tex[i]
        if ch == "\\" and i + 1 < n:
            pair = tex[i : i + 2]
            out.append("{" + pair + "}" if pair[1] in _MATH_BRACKETS else pair)
            i += 2
        else:
            # a lone backslash at the very end would swallow the closing delimiter: make it a control space
            out.append("\\ " if ch == "\\" else ch)
            i += 1
    return "".join(out)


def _separate(tex: str, ch: str, sep: str) -> str:
    # twice, so that runs such as "}}}" are split everywhere
    return tex.replace(ch + ch, ch + sep + ch).replace(ch + ch, ch + sep + ch)


def cloze_safe_tex(tex: str, sep: str = " ") -> str:
    """TeX → what goes between ``\\(`` and ``\\)`` in a cloze field, inside a deletion or not."""
    t = html.escape(brace_control_symbols(tex), quote=False)
    for ch in "{}:":
        t = _separate(t, ch, sep)
    t = t.replace("\\\\)", "\\\\" + sep + ")").replace("\\\\]", "\\\\" + sep + "]")
    if t[:1] in ("{", ":"):
        t = sep + t
    if t[-1:] in ("}", ":"):
        t = t + sep
    return t


def plain_tex(tex: str) -> str:
    """TeX → what goes between math delimiters in a field that Anki does not read as cloze text."""
    return html.escape(brace_control_symbols(tex), quote=False)


# -- code highlighting with per-token escaping -------------------------------------------------


@lru_cache(maxsize=256)
def _css_class(ttype: Any) -> str:
    """Pygments' short CSS class for a token type (as its HtmlFormatter names it)."""
    from pygments.token import STANDARD_TYPES

    suffix = ""
    while (name := STANDARD_TYPES.get(ttype)) is None:
        suffix = "-" + ttype[-1] + suffix
        ttype = ttype.parent
    return str(name) + suffix


def _highlighted(code: str, lang: str, escape: Any) -> str | None:
    """Pygments' markup (``<span class="k">…``) with every token escaped by ``escape``; None for an unknown language."""
    lexer = highlight_lexer(lang)
    if lexer is None:
        return None
    runs: list[tuple[str, str]] = []
    for ttype, value in lexer.get_tokens(code):
        css = _css_class(ttype)
        if runs and runs[-1][0] == css:
            runs[-1] = (css, runs[-1][1] + value)
        else:
            runs.append((css, value))
    body = "".join(f'<span class="{css}">{escape(v)}</span>' if css else escape(v) for css, v in runs)
    return f'<pre class="highlight"><code class="language-{cloze_safe_attr(lang)}">{body}</code></pre>\n'


# -- raw HTML ------------------------------------------------------------------------------------


class _Neutraliser(HTMLParser):
    """Re-emits sanitized HTML with cloze-safe text and attribute values; drops comments and declarations."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> str:
        parts = [tag] + [name if value is None else f'{name}="{cloze_safe_attr(value)}"' for name, value in attrs]
        return "<" + " ".join(parts) + ">"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self._tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(cloze_safe_text(data))


def cloze_safe_html(fragment: str) -> str:
    """Sanitized HTML → the same markup with no cloze syntax or math delimiter in its text or attributes."""
    parser = _Neutraliser()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.out)


# -- the renderer --------------------------------------------------------------------------------


class AnkiRenderer(HtmlRenderer):
    """Field HTML for Anki.

    ``cloze_field`` is for the Text field of a cloze note: every piece of author
    text is neutralised, and (with ``deletions``) :class:`Cloze` nodes become
    ``{{cN::…::hint}}``. Without ``cloze_field`` (basic-note fields, Extra,
    Source) text is only HTML-escaped and kept away from MathJax.
    """

    def __init__(self, *, cloze_field: bool = False, deletions: bool = False) -> None:
        self.cloze_field = cloze_field
        self.deletions = deletions and cloze_field

    # -- escaping --------------------------------------------------------------------------

    def text_escape(self, s: str) -> str:
        return cloze_safe_text(s) if self.cloze_field else mathjax_safe_text(s)

    def attr_escape(self, s: str) -> str:
        return cloze_safe_attr(s) if self.cloze_field else html.escape(s, quote=True)

    def tex(self, tex: str) -> str:
        """TeX for between math delimiters."""
        return cloze_safe_tex(tex) if self.cloze_field else plain_tex(tex)

    # -- nodes -----------------------------------------------------------------------------

    def code_block(self, node: CodeBlock) -> str:
        if node.lang:
            highlighted = _highlighted(node.code, node.lang, self.text_escape)
            if highlighted is not None:
                return highlighted
            lang = f' class="language-{self.attr_escape(node.lang)}"'
        else:
            lang = ""
        return f"<pre><code{lang}>{self.text_escape(node.code)}</code></pre>\n"

    def cloze(self, node: Cloze) -> str:
        content = self.inlines(node.content)
        if not self.deletions:
            return content
        hint = f"::{self.text_escape(node.hint)}" if node.hint else ""
        return f"{{{{c{node.number}::{content}{hint}}}}}"

    def media(self, node: Media) -> str:
        """Anki plays audio and video alike from ``[sound:name]`` (a name the media folder holds)."""
        return f"[sound:{node.media}]" if node.media is not None else super().media(node)

    def raw_inline(self, node: RawInline) -> str:
        return cloze_safe_html(node.html) if self.cloze_field else node.html

    def raw_block(self, node: RawBlock) -> str:
        out = cloze_safe_html(node.html) if self.cloze_field else node.html
        return out if out.endswith("\n") else out + "\n"

    # -- whole fields ----------------------------------------------------------------------

    def content(self, t: Text) -> str:
        """A text that sits inside an element (a list item, a cell): a single paragraph loses its ``<p>``."""
        if len(t.blocks) == 1 and isinstance(t.blocks[0], Para):
            return self.inlines(t.blocks[0].content).strip(" \t\n")
        return self.text(t)


#: Basic-note fields, Extra and Source.
FIELD = AnkiRenderer()
#: The Text field of a ``C:`` card: deletions as cloze syntax, everything else neutralised.
CLOZE_TEXT = AnkiRenderer(cloze_field=True, deletions=True)
#: Author text in a cloze field that must hold no deletion of its own (list-card question and items).
CLOZE_INERT = AnkiRenderer(cloze_field=True)


def deletion_numbers(t: Text) -> tuple[int, ...]:
    """Sorted distinct cloze numbers in a text's tree."""
    return tuple(sorted({n.number for n in text_inlines(t) if isinstance(n, Cloze)}))


def list_field(front: Text, items: Sequence[Text], ordered: bool) -> str:
    """A list card's Text field: the question, then each item as its own deletion ``{{cN::item}}``."""
    tag = "ol" if ordered else "ul"
    body = "".join(f"<li>{{{{c{n}::{CLOZE_INERT.content(item)}}}}}</li>" for n, item in enumerate(items, start=1))
    return f'{CLOZE_INERT.text(front)}<{tag} class="items">{body}</{tag}>'
