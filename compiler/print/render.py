"""The IR's text trees as print HTML: math typeset, images embedded, cloze deletions as gaps or answers.

:class:`PrintRenderer` is the shared :class:`~compiler.text.html.HtmlRenderer`
with the few node kinds print does differently: a formula becomes SVG
(:mod:`compiler.print.math`), an image a ``data:`` URI, and a cloze deletion a
``[hint]`` gap on a card's front or the highlighted answer everywhere else.
Every text is rendered together with the span it was written at, so a formula
that cannot be typeset is reported at its card's or block's ``file:line``.
The result is marked safe for the templates: the tree holds only sanitized raw
HTML, and everything else is escaped here.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, assert_never

from markupsafe import Markup

from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.doc import Cloze, Image, Math, MathBlock, Text
from compiler.model.errors import OutputError
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    Span,
    TableRowCard,
    iter_cards,
)
from compiler.print.math import TexMathError, tex_fallback, tex_svg
from compiler.text.html import HtmlRenderer

# -- cloze deletions inside a formula (Anki allows {{c1::\frac{a}{b}::hint}} in MathJax) ------------------
_CLOZE_OPEN = re.compile(r"\{\{c\d+::")
#: Colours of a gap and of a revealed answer, as in the print CSS (``.gap``, ``mark.cloze``).
GAP_COLOR, ANSWER_COLOR = "#0b63c4", "#0b4f9c"
#: A hint is plain text: escaped for ``\text{…}``, and characters that cannot be escaped there dropped.
_HINT_CHARS = {
    "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "{": "", "}": "", "\\": "", "~": " ", "^": "",
}  # fmt: skip


def _cloze_parts(tex: str, start: int) -> tuple[int, int] | None:
    """(where the hint's ``::`` starts or -1, where the closing ``}}`` starts) of a deletion whose body starts at
    ``start``; braces in the body are balanced, so ``}}`` that close TeX groups do not end it."""
    depth, j, hint = 0, start, -1
    while j < len(tex):
        if tex[j] == "\\":
            j += 2
            continue
        if depth == 0 and tex.startswith("}}", j):
            return hint, j
        if depth == 0 and hint < 0 and tex.startswith("::", j):
            hint, j = j, j + 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        j += 1
    return None


def cloze_tex(tex: str, *, gaps: bool) -> str:
    r"""TeX with its cloze deletions as gaps ``[hint]``/``[...]`` (``gaps``) or as the coloured answer."""
    out, i = [], 0
    while match := _CLOZE_OPEN.search(tex, i):
        parts = _cloze_parts(tex, match.end())
        if parts is None:
            break
        hint, end = parts
        body = tex[match.end() : hint if hint >= 0 else end]
        if gaps:
            label = "".join(_HINT_CHARS.get(ch, ch) for ch in tex[hint + 2 : end]) if hint >= 0 else ""
            shown = f"{{\\color{{{GAP_COLOR}}}{{\\textbf{{[{label or '...'}]}}}}}}"
        else:
            shown = f"{{\\color{{{ANSWER_COLOR}}}{{{body}}}}}"
        out.append(tex[i : match.start()] + shown)
        i = end + 2
    out.append(tex[i:])
    return "".join(out)


_REMOTE = ("http://", "https://")
Side = Literal["front", "back"]


class Images:
    """Media names → ``data:`` URIs, each file read once per build."""

    def __init__(self, course: Course, source_root: Path) -> None:
        self._assets = {a.media_name: a for a in course.assets}
        self._root = source_root
        self._cache: dict[str, str] = {}

    def data_uri(self, media_name: str) -> str | None:
        """The image as a ``data:`` URI, or None if the name is not a course asset."""
        asset = self._assets.get(media_name)
        if asset is None:
            return None
        if media_name not in self._cache:
            path = self._root / asset.source_path
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise OutputError(f"cannot read image {path}: {exc.strerror or exc}") from exc
            self._cache[media_name] = f"data:{asset.mime};base64,{base64.b64encode(data).decode('ascii')}"
        return self._cache[media_name]


class PrintRenderer(HtmlRenderer):
    """Text trees → safe print HTML; reports formulas it cannot typeset to ``diags``."""

    def __init__(self, images: Images, diags: Diagnostics) -> None:
        self.images = images
        self.diags = diags
        self._span: Span | None = None
        self._cloze: Side | None = None
        self._reported: set[tuple[str, int, str]] = set()

    def html(self, text: Text, span: Span, *, cloze: Side | None = None) -> Markup:
        """``text`` as print HTML; ``span`` is where it was written, ``cloze`` the side of a cloze card it is on.

        On the front every cloze deletion is a gap, also inside a formula; on the back, the answer highlighted.
        """
        with self._at(span, cloze):
            return Markup(self.text(text))

    def item(self, text: Text, span: Span) -> Markup:
        """A list item or definition as in a tight list: a lone paragraph without its ``<p>``."""
        with self._at(span, None):
            return Markup(self.item_body(text.blocks, True).strip())

    @contextmanager
    def _at(self, span: Span, cloze: Side | None) -> Iterator[None]:
        self._span, self._cloze = span, cloze
        try:
            yield
        finally:
            self._span, self._cloze = None, None

    # -- node kinds print renders differently -----------------------------------------------

    def math(self, node: Math) -> str:
        return self._typeset(node.tex, node.display)

    def math_block(self, node: MathBlock) -> str:
        return f'<div class="math-block">{self._typeset(node.tex, True)}</div>\n'

    def _typeset(self, tex: str, display: bool) -> str:
        if self._cloze is not None and "{{c" in tex:  # Anki allows deletions inside a formula
            tex = cloze_tex(tex, gaps=self._cloze == "front")
        try:
            return tex_svg(tex, display=display)
        except TexMathError as exc:
            self._report(exc)
            return tex_fallback(tex, display=display)

    def image(self, node: Image) -> str:
        """Local images inline as ``data:`` URIs; a remote one becomes a link, so nothing is fetched."""
        uri = self.images.data_uri(node.media) if node.media else None
        alt = self.attr_escape(node.alt)
        if uri is not None:
            title = f' title="{self.attr_escape(node.title)}"' if node.title else ""
            return f'<img src="{uri}" alt="{alt}"{title}>'
        if node.src.startswith(_REMOTE):
            label = self.text_escape(node.alt)
            return f'<a class="remote-image" href="{self.attr_escape(node.src)}">[image: {label}]</a>'
        return self.missing_image(node)

    def cloze(self, node: Cloze) -> str:
        """A gap ``[hint]`` or ``[...]`` on a card's front; the answer, highlighted, elsewhere."""
        if self._cloze == "front":
            return f'<span class="gap">[{self.text_escape(node.hint or "...")}]</span>'
        return f'<mark class="cloze">{self.inlines(node.content)}</mark>'

    def _report(self, exc: TexMathError) -> None:
        """One ``math.invalid`` warning per formula and place, however often the text is printed."""
        span = self._span
        if span is None or (span.path, span.line, exc.tex) in self._reported:
            return
        self._reported.add((span.path, span.line, exc.tex))
        shown = " ".join(exc.tex.split())
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        message = f"cannot typeset the formula `{shown}` for print: {exc.reason}; the PDFs show its TeX source"
        self.diags.add(Code.MATH_INVALID, span.path, span.line, message)

    # -- card sides ---------------------------------------------------------------------------

    def front(self, card: AnyCard) -> Markup:
        """What the front of a printed card shows (a cloze card's deletions all as gaps)."""
        match card:
            case BasicCard() | ListCard():
                return self.html(card.front, card.span)
            case DefinitionCard():
                return Markup('<p class="term">{}</p>').format(self.html(card.term, card.span))
            case ClozeCard():
                return self.html(card.text, card.span, cloze="front")
            case TableRowCard():
                cells = Markup("").join(_cell(c.column, self.html(c.text, card.span)) for c in card.prompt)
                ask = Markup('<p class="ask">{}</p>').format(card.ask) if card.ask else Markup("")
                return cells + ask
            case _:
                assert_never(card)

    def back(self, card: AnyCard) -> Markup:
        """What the back of a printed card shows (a whole list card on one back)."""
        match card:
            case BasicCard():
                return self.html(card.back, card.span)
            case DefinitionCard():  # tight, as in the definition list it came from
                return self.item(card.definition, card.span)
            case ClozeCard():
                return self.html(card.text, card.span, cloze="back")
            case ListCard():
                tag = Markup("ol") if card.ordered else Markup("ul")
                items = Markup("").join(Markup("<li>{}</li>").format(self.item(i, card.span)) for i in card.items)
                return Markup("<{0}>{1}</{0}>").format(tag, items)
            case TableRowCard():
                return Markup("").join(_cell(c.column, self.html(c.text, card.span)) for c in card.answer)
            case _:
                assert_never(card)

    def extra(self, card: AnyCard) -> Markup | None:
        """The card's ``::: extra`` note, if any."""
        return self.html(card.extra, card.span) if card.extra else None


def _cell(column: str, value: Markup) -> Markup:
    return Markup('<p class="cell"><span class="col">{}:</span> {}</p>').format(column, value)


@dataclass(frozen=True, slots=True)
class CardView:
    """One card ready for print: numbered, with front and back HTML."""

    number: int
    """1-based position in reading order; the same number in every printable."""
    card: AnyCard
    anchor: str
    """HTML id, unique in the document."""
    breadcrumb: tuple[str, ...]
    front: Markup
    back: Markup
    extra: Markup | None


def card_views(course: Course, fmt: PrintRenderer) -> list[CardView]:
    """Every card with its number and print HTML, in reading order."""
    return [
        CardView(
            number=n,
            card=ctx.card,
            anchor=f"card-{n}",
            breadcrumb=ctx.breadcrumb,
            front=fmt.front(ctx.card),
            back=fmt.back(ctx.card),
            extra=fmt.extra(ctx.card),
        )
        for n, ctx in enumerate(iter_cards(course), start=1)
    ]
