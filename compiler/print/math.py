"""TeX math typeset as inline SVG for the printables, with ziamath (pure Python, no browser).

TeX goes to MathML with latex2mathml (through ziamath), a few known defects of
that MathML are mended on the parsed tree, and ziamath lays it out with the
STIX Two Math font it bundles into SVG paths. :func:`tex_svg` returns an HTML
fragment sized in em, so a formula scales with the text around it: an inline
formula sits on the text baseline (``vertical-align`` in em) and a long one is
cut after its top-level ``=``, ``+``, ``,`` … so it can wrap in a narrow
column; a display formula is a centred block (``span.math-display``, see
``templates/print/base.css``).

Output is deterministic: SVG 2 is switched off, so every glyph is a plain
``<path>`` (no ``<symbol>``/``<use>`` and no ids) and the same TeX always gives
the same bytes. Bad TeX raises :class:`TexMathError` with a reason a note
author can act on; :func:`tex_fallback` shows the source instead.

ziamath is imported on the first formula, so a course without math never
loads it.
"""

from __future__ import annotations

import html
import re
import warnings
import xml.etree.ElementTree as ET
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ziamath.zmath import Math

#: SVG user units per em: ziamath lays out at this font size, so units / 100 = em.
_EM = 100.0
#: Padding around the ink box in em, so antialiased edges are not clipped.
_PAD = 0.04
#: Math size relative to the text: STIX Two's x-height is 0.48 em, DejaVu Sans' 0.55 em.
_SCALE = 1.1
#: Longest TeX source accepted (bounds the cost of pathological input).
MAX_TEX_CHARS = 2000
#: Only inline formulas wider than this (em) are cut into pieces that may wrap.
WRAP_MIN_EM = 6.0
#: A piece wider than this (em) is cut again, inside brackets and ``\left…\right``.
MAX_PIECE_EM = 10.0


class TexMathError(ValueError):
    """The TeX cannot be typeset; ``reason`` says why in words for the note author."""

    def __init__(self, tex: str, reason: str) -> None:
        super().__init__(f"cannot typeset TeX {tex[:80]!r}: {reason}")
        self.tex = tex
        self.reason = reason


@lru_cache(maxsize=1)
def _configure() -> None:
    """Import ziamath and switch it to SVG 1.1 paths (no ids); process-wide, done once."""
    with warnings.catch_warnings():  # ziamath 0.13 loads its font with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        from ziamath.config import config

    config.svg2 = False
    config.precision = 2


# -- TeX source --------------------------------------------------------------------------------

# Inside \text{…} latex2mathml keeps escapes verbatim (\_ would print as "\_") and copies
# < > & unescaped into the MathML; those three travel as private-use placeholders instead.
_TEXT_ESCAPES = {
    r"\_": "_", r"\%": "%", r"\&": "\ue001", r"\#": "#", r"\$": "$", r"\{": "{", r"\}": "}", r"\ ": " ",
    "~": "\u00a0", "<": "\ue002", ">": "\ue003",
}  # fmt: skip
_PLACEHOLDERS = {"\ue001": "&", "\ue002": "<", "\ue003": ">"}
_TEXT_CMD = re.compile(r"\\(?:text|textrm|textit|textbf|textsf|texttt|mbox)\s*\{")
_TEXT_ESCAPE = re.compile(r"\\[_%&#${} ]|~|[<>]")


def _group_end(tex: str, start: int) -> int:
    """Index just past the ``}`` closing the group opened before ``start``; -1 if it never closes."""
    depth, j = 1, start
    while j < len(tex) and depth:
        if tex[j] == "\\":
            j += 2
            continue
        depth += {"{": 1, "}": -1}.get(tex[j], 0)
        j += 1
    return -1 if depth else j


def _fix_text_args(tex: str) -> str:
    r"""Unescape ``\_``, ``\%``, ``~`` … inside ``\text{…}`` arguments, where TeX prints them as characters."""
    out, i = [], 0
    for match in _TEXT_CMD.finditer(tex):
        if match.start() < i:
            continue
        end = _group_end(tex, match.end())
        if end < 0:  # unbalanced: latex2mathml reports it
            break
        body = _TEXT_ESCAPE.sub(lambda k: _TEXT_ESCAPES[k.group(0)], tex[match.end() : end - 1])
        out.append(tex[i : match.end()] + body + "}")
        i = end
    out.append(tex[i:])
    return "".join(out)


def _check_source(tex: str) -> str:
    """The TeX ready for latex2mathml, or TexMathError for input it cannot or should not take."""
    src = tex.strip()
    if any(ch in src for ch in _PLACEHOLDERS):
        raise TexMathError(tex, "private-use characters are not allowed")
    if not src:
        raise TexMathError(tex, "empty formula")
    if len(src) > MAX_TEX_CHARS:
        raise TexMathError(tex, f"longer than {MAX_TEX_CHARS} characters")
    if r"\tag" in src:
        raise TexMathError(tex, r"\tag is not supported")
    return _fix_text_args(src)


# -- MathML ------------------------------------------------------------------------------------


def _why(exc: BaseException) -> str:
    detail = f": {exc}" if str(exc) else ""
    return f"malformed formula ({type(exc).__name__}{detail})"


def _convert(src: str, tex: str, display: bool) -> str:
    """latex2mathml's MathML (as ziamath preprocesses it); its exceptions become TexMathError."""
    from latex2mathml import exceptions as bad
    from ziamath.tex import tex2mml

    reasons: tuple[tuple[type[Exception] | tuple[type[Exception], ...], str], ...] = (
        (bad.NoAvailableTokensError, "unexpected end of formula (missing argument or brace?)"),
        (bad.MissingSuperScriptOrSubscriptError, "^ or _ without an argument"),
        (bad.ExtraLeftOrMissingRightError, r"\left without matching \right"),
        (bad.MissingEndError, r"\begin without matching \end"),
        ((bad.DenominatorNotFoundError, bad.NumeratorNotFoundError), r"\frac/\over without numerator or denominator"),
    )
    try:
        return tex2mml(src, inline=not display)
    except Exception as exc:  # latex2mathml also fails with AssertionError, IndexError …
        reason = next((why for kinds, why in reasons if isinstance(exc, kinds)), _why(exc))
        raise TexMathError(tex, reason) from exc


def _parse(mathml: str, tex: str) -> ET.Element:
    """The MathML as a tree with namespaces dropped and the ``\\text`` placeholders restored."""
    from ziamath.escapes import unescape  # named MathML entities, as ziamath reads its input

    try:
        root = ET.fromstring(unescape(mathml))
    except ET.ParseError as exc:  # e.g. a bare & that latex2mathml did not escape
        raise TexMathError(tex, "invalid character for math (bare & outside an environment?)") from exc
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        if element.text and any(ch in element.text for ch in _PLACEHOLDERS):
            element.text = "".join(_PLACEHOLDERS.get(ch, ch) for ch in element.text)
    return root


_TOKENS = {"mi", "mo", "mn", "mtext"}
_UNKNOWN = re.compile(r"\s*\\([A-Za-z]+)")  # over a token's text: latex2mathml copies unknown commands
_SIGNS = {"\u2212", "+", "\u00b1"}
_CLOSERS = {")", "]", "}", "|", "\u2016"}
_OPENERS = {"(", "["}


def _word(text: str) -> bool:
    """Whether a token's text is ASCII letters only (a function name such as ``log``)."""
    return text.isascii() and text.isalpha()


def _opens(element: ET.Element | None) -> bool:
    """Whether an element is a plain ``(`` or ``[`` operator."""
    return (
        element is not None
        and element.tag == "mo"
        and (element.text or "") in _OPENERS
        and set(element.attrib.items()) <= {("stretchy", "false")}
    )


def _mend_pair(parent: ET.Element, index: int, node: ET.Element, after: ET.Element | None) -> None:
    """Mend one node given the sibling after it (see :func:`_mend`)."""
    text = node.text or ""
    if node.tag == "mi" and not node.attrib and len(text) > 1 and _word(text) and _opens(after):
        # \log(x): ziamath pads multi-letter identifiers; TeX sets them tight before a bracket
        node.tag = "mtext"
        node.text = text if index == 0 and parent.tag == "mrow" else "\u2009" + text
    elif node.tag == "mo" and not node.attrib and len(text) > 1 and _word(text) and _opens(after):
        node.set("rspace", "0")  # \max(x), \operatorname{f}(x): no operator space before the bracket
    elif node.tag == "mo" and after is not None and after.tag == "mo" and not after.attrib:
        # a sign after a relation, comma or opening bracket is unary in TeX ("= -1"), infix in ziamath
        if (after.text or "") in _SIGNS and text not in _CLOSERS and not _word(text):
            after.set("form", "prefix")
    elif node.tag == "mtable" and not node.attrib:
        # latex2mathml sets no column gap: cases get TeX's quad, matrices a little less
        before = parent[index - 1] if index else None
        brace = before is not None and before.tag == "mo" and before.text == "{"
        node.set("columnspacing", "1em" if brace else "0.8em")


def _mend(root: ET.Element, tex: str) -> None:
    """Mend latex2mathml's MathML for ziamath in place; unknown commands raise TexMathError."""
    for parent in list(root.iter()):
        children = list(parent)
        for index, node in enumerate(children):
            after = children[index + 1] if index + 1 < len(children) else None
            _mend_pair(parent, index, node, after)
        if parent.tag in _TOKENS and (unknown := _UNKNOWN.match(parent.text or "")):
            raise TexMathError(tex, f"unknown command \\{unknown.group(1)}")
        _mend_accent(parent)


def _mend_accent(node: ET.Element) -> None:
    r"""``\hat``: the stretchy combining U+0302 sticks out to the left of its base; the spacing U+02C6 does not."""
    last = node[-1] if len(node) else None
    if node.tag != "mover" or node.get("accent") != "true" or last is None:
        return
    if last.tag == "mo" and not last.attrib and last.text == "\u0302":
        last.text = "\u02c6"
        last.set("stretchy", "false")


def _layout(src: str, tex: str, display: bool) -> Math:
    """The formula laid out by ziamath."""
    _configure()
    from ziamath.zmath import Math

    root = _parse(_convert(src, tex, display), tex)
    _mend(root, tex)
    try:
        return Math(root, size=_EM, margin=_PAD * _EM)
    except Exception as exc:  # ziamath fails on MathML it does not support
        raise TexMathError(tex, _why(exc)) from exc


# -- SVG ---------------------------------------------------------------------------------------


def _svg(src: str, tex: str, display: bool) -> tuple[str, float]:
    """One ``<svg>`` sized in em with its baseline on the text's; returns the markup and its width in em."""
    laid = _layout(src, tex, display)
    try:
        svg = laid.svgxml()
    except Exception as exc:
        raise TexMathError(tex, _why(exc)) from exc
    box = laid.node.bbox
    if not (box.xmax > box.xmin and box.ymax > box.ymin):
        raise TexMathError(tex, "formula has no visible content")
    pad = _PAD * _EM
    width = (box.xmax - box.xmin + 2 * pad) / _EM * _SCALE
    height = (box.ymax - box.ymin + 2 * pad) / _EM * _SCALE
    depth = (pad - box.ymin) / _EM * _SCALE  # how far the formula reaches below its baseline
    svg.set("width", f"{width:.3f}em")
    svg.set("height", f"{height:.3f}em")
    svg.set("class", "math")
    style = f"width:{width:.3f}em;height:{height:.3f}em"
    if not display:  # vertical-align moves the bottom edge: put it `depth` below the text baseline
        style += f";vertical-align:{-depth:.3f}em"
    svg.set("style", style)
    return ET.tostring(svg, encoding="unicode"), width


# TeX allows a line break after these top-level relations and binary operators.
_BREAK_AFTER = {
    "=", "<", ">", "+", "-", ",", r"\le", r"\leq", r"\ge", r"\geq", r"\ne", r"\neq", r"\approx", r"\sim",
    r"\simeq", r"\equiv", r"\to", r"\rightarrow", r"\Rightarrow", r"\mapsto", r"\in", r"\subset", r"\subseteq",
    r"\propto", r"\pm", r"\mp", r"\cdot", r"\times", r"\coloneqq", r"\leftarrow", r"\gets", r"\iff", r"\implies",
}  # fmt: skip
# Commands whose effect reaches past a cut, so a formula using them is never cut.
_NO_SPLIT = re.compile(
    r"\\(over|atop|choose|brace|brack|displaystyle|textstyle|scriptstyle|scriptscriptstyle|color|rm|bf|it|sf|tt|"
    r"cal|big|Big|bigg|Bigg|middle)(?![A-Za-z])"
)
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.DOTALL)


def _drop_left_right(tokens: list[str]) -> list[str]:
    r"""The tokens without ``\left``/``\right`` (and their ``.`` delimiters): the brackets stop stretching."""
    out: list[str] = []
    after_size = False
    for token in tokens:
        if token in (r"\left", r"\right"):
            after_size = True
            continue
        if after_size and not token.isspace():
            after_size = False
            if token == ".":
                continue
        out.append(token)
    return out


def split_points(src: str, flatten: bool = False) -> list[str]:
    r"""TeX cut after its top-level relations and binary operators; ``[]`` when there is no cut.

    ``flatten`` is the second pass for a piece that is still too wide: ``\left``/``\right``
    are dropped and brackets no longer protect what is inside them.
    """
    if _NO_SPLIT.search(src):
        return []
    tokens = _TOKEN.findall(src)
    if flatten:
        tokens = _drop_left_right(tokens)
    opens = ("{", r"\begin") if flatten else ("{", "(", "[", r"\left", r"\begin")
    closes = ("}", r"\end") if flatten else ("}", ")", "]", r"\right", r"\end")
    pieces: list[str] = []
    current: list[str] = []
    depth, prev = 0, None
    for i, token in enumerate(tokens):
        current.append(token)
        if token.isspace():
            continue
        if token in opens:
            depth += 1
        elif token in closes:
            depth -= 1
        elif depth == 0 and token in _BREAK_AFTER and prev is not None and prev not in _BREAK_AFTER:
            rest = tokens[i + 1 :]
            if prev not in ("^", "_", "(", "[") and any(not t.isspace() and t not in "{}" for t in rest):
                pieces.append("".join(current).strip() + "{}")  # {} keeps the operator infix
                current = []
        prev = token
    if depth != 0 or not pieces:
        return []
    return [*pieces, "".join(current).strip()]


def _pieces(src: str, tex: str) -> list[str]:
    """SVGs for the pieces of a long inline formula (raises TexMathError if a piece cannot stand alone)."""
    parts: list[str] = []
    for piece in split_points(src):
        markup, width = _svg(piece, tex, False)
        finer = split_points(piece, flatten=True) if width > MAX_PIECE_EM else []
        if len(finer) > 1:
            parts.extend(_svg(p, tex, False)[0] for p in finer)
        else:
            parts.append(markup)
    return parts


@lru_cache(maxsize=4096)
def tex_svg(tex: str, *, display: bool) -> str:
    """TeX typeset as an HTML fragment sized in em; raises :class:`TexMathError` for TeX it cannot typeset.

    Inline: ``<span class="math math-inline">`` with one ``<svg>`` per piece (a long formula is
    cut after its top-level ``=``, ``+`` … with a zero-width space between pieces, so the line
    may wrap there). Display: ``<span class="math math-display">``, a centred block in CSS
    (a span, so it may stand inside a paragraph).
    """
    src = _check_source(tex)
    whole, width = _svg(src, tex, display)
    label = html.escape(tex, quote=True)
    kind = "display" if display else "inline"
    parts = [whole]
    if not display and width > WRAP_MIN_EM:
        try:
            parts = _pieces(src, tex) or [whole]
        except TexMathError:
            parts = [whole]  # a piece did not stand alone: keep the formula whole
    return f'<span class="math math-{kind}" role="img" aria-label="{label}">' + "\u200b".join(parts) + "</span>"


def tex_fallback(tex: str, *, display: bool) -> str:
    """What to print when :func:`tex_svg` fails: the TeX source in monospace."""
    kind = "display" if display else "inline"
    return f'<code class="math-fallback math-{kind}">{html.escape(tex, quote=False)}</code>'
