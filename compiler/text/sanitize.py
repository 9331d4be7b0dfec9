"""The raw-HTML allow-list: whole fragments go through nh3, single inline tags through :func:`sanitize_tag`.

Both paths share one allow-list, so a tag the author writes inside a paragraph and
the same tag in an HTML block are kept or dropped alike. Nothing here runs a
regular expression over HTML: tags are read with :mod:`html.parser`; the few
patterns below only look at one attribute value (a URL scheme, a media name).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, Literal

import nh3

from compiler.model.doc import AnyInline, Inline, RawInline

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
VOID_TAGS = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: What nh3 puts on every link; single tags get the same so both paths agree.
LINK_REL = "noopener noreferrer"
_TEXT_ALIGN = {"left", "center", "right", "justify", "start", "end"}

#: Deeper HTML overflows the PDF renderer's stack (WeasyPrint recursed at about 300 levels).
MAX_HTML_DEPTH = 200


def url_scheme(url: str) -> str | None:
    """The lower-cased scheme a browser would see in a URL (control characters and spaces ignored), or None."""
    match = _SCHEME_RE.match(_URL_JUNK_RE.sub("", url))
    return match.group(1).lower() if match else None


def url_allowed(url: str) -> bool:
    """True for relative URLs and the schemes in :data:`URL_SCHEMES`."""
    scheme = url_scheme(url)
    return scheme is None or scheme in URL_SCHEMES


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
        link_rel=LINK_REL,
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
                scheme = url_scheme(value)
                if scheme and scheme not in URL_SCHEMES:
                    self._note(f"{scheme}: URL")
                elif tag == "img" and name == "src" and not MEDIA_NAME_RE.match(value):
                    self._note("<img src> (use ![alt](path) so studyc checks the file)")

    handle_startendtag = handle_starttag


def unsafe_parts(fragment: str) -> list[str]:
    """What in a raw HTML fragment is unsafe and gets removed (empty when it is clean)."""
    finder = _UnsafeFinder()
    finder.feed(fragment)
    finder.close()
    return finder.found


# -- reading tags with html.parser -------------------------------------------------------------

TagEvent = tuple[Literal["start", "end", "startend"], str, list[tuple[str, str | None]]]


class _TagReader(HTMLParser):
    """Records every tag in order; anything else (text, comments, declarations) counts as ``other``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[TagEvent] = []
        self.other = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("startend", tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag, []))

    def handle_data(self, data: str) -> None:
        self.other = True

    def handle_comment(self, data: str) -> None:
        self.other = True

    def handle_decl(self, decl: str) -> None:
        self.other = True

    def handle_pi(self, data: str) -> None:
        self.other = True

    def unknown_decl(self, data: str) -> None:
        self.other = True


def _read(fragment: str) -> _TagReader:
    reader = _TagReader()
    reader.feed(fragment)
    reader.close()
    return reader


def html_depth(fragment: str) -> int:
    """How deeply elements nest in well-formed (sanitized) HTML."""
    depth = deepest = 0
    for kind, tag, _attrs in _read(fragment).events:
        if kind == "startend" or tag in VOID_TAGS:
            continue
        depth = depth + 1 if kind == "start" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


# -- one inline tag ----------------------------------------------------------------------------


def _style(value: str) -> str | None:
    """Only a plain ``text-align`` survives, as nh3 keeps it; anything odd drops the attribute."""
    for declaration in value.split(";"):
        name, colon, setting = declaration.partition(":")
        if colon and name.strip().lower() == "text-align" and setting.strip().lower() in _TEXT_ALIGN:
            return "text-align:" + setting.strip().lower()
    return None


def _attribute(tag: str, name: str, value: str | None) -> str | None:
    """The attribute's value when the allow-list keeps it, else None."""
    if name not in ALLOWED_ATTRIBUTES["*"] and name not in ALLOWED_ATTRIBUTES.get(tag, set()):
        return None
    value = value or ""
    if name in URL_ATTRS and not url_allowed(value):
        return None
    if name == "style":
        return _style(value)
    return _keep_attribute(tag, name, value)


@lru_cache(maxsize=1024)
def sanitize_tag(tag: str) -> str | None:
    """One raw inline tag (a markdown-it ``html_inline`` token) as a normalized safe tag, or None to drop it.

    ``<br/>`` becomes ``<br>``, attribute names are lower-cased and values re-quoted;
    comments, declarations, dropped or unknown tags and anything that is not exactly
    one tag give None.
    """
    reader = _read(tag)
    if reader.other or len(reader.events) != 1:
        return None
    kind, name, attrs = reader.events[0]
    if name not in ALLOWED_TAGS:
        return None
    if kind == "end":
        return None if name in VOID_TAGS else f"</{name}>"
    parts = [name]
    seen: set[str] = set()
    for attr, raw in attrs:
        if attr in seen:  # a browser keeps the first of duplicate attributes
            continue
        seen.add(attr)
        value = _attribute(name, attr, raw)
        if value is not None:
            parts.append(f'{attr}="{html.escape(value, quote=True)}"')
    if name == "a":
        parts.append(f'rel="{LINK_REL}"')
    # "<kbd/>" opens a <kbd> in HTML; balance() closes it
    return "<" + " ".join(parts) + ">"


# -- keeping raw inline tags balanced ----------------------------------------------------------

TagShape = tuple[Literal["open", "close", "neutral", "broken"], str]


@lru_cache(maxsize=1024)
def tag_shape(fragment: str) -> TagShape:
    """What a raw inline piece does to the open-element stack.

    ``open``/``close`` with the tag name for a single non-void tag; ``neutral`` for
    void tags, text and self-contained fragments; ``broken`` for anything else.
    """
    events = _read(fragment).events
    if len(events) == 1 and events[0][0] != "startend" and events[0][1] not in VOID_TAGS:
        kind, name, _attrs = events[0]
        return ("open" if kind == "start" else "close", name)
    stack: list[str] = []
    for kind, name, _attrs in events:
        if kind == "startend" or name in VOID_TAGS:
            continue
        if kind == "start":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return ("broken", name)
    return ("neutral", "") if not stack else ("broken", stack[-1])


def balance(nodes: Sequence[AnyInline] | Sequence[Inline]) -> tuple[AnyInline, ...]:
    """One run of inlines with its raw tags balanced: stray closers dropped, open tags closed at the end.

    Works on one level only (the content of a paragraph, an emphasis, a cloze…), so
    tags never straddle a node boundary; :class:`~compiler.text.html.HtmlRenderer`
    applies it to every run it renders.
    """
    if not any(isinstance(node, RawInline) for node in nodes):
        return tuple(nodes)
    out: list[AnyInline] = []
    stack: list[str] = []
    for node in nodes:
        if not isinstance(node, RawInline):
            out.append(node)
            continue
        shape, name = tag_shape(node.html)
        if shape == "open":
            stack.append(name)
        elif shape == "close":
            if name not in stack:
                continue
            # close what was opened inside it first, as a browser does
            while stack[-1] != name:
                out.append(RawInline(html=f"</{stack.pop()}>"))
            stack.pop()
        elif shape == "broken":
            continue
        out.append(node)
    out.extend(RawInline(html=f"</{name}>") for name in reversed(stack))
    return tuple(out)
