"""Shared helpers of the printable backends (cheat sheet, guide, flashcards).

The IR already holds sanitized HTML for every text, so templates mark only
that HTML as safe (autoescape stays on for everything else). Here it gets the
few print-specific rewrites: math as readable text, images as data URIs and
cloze deletions as gaps or answers. WeasyPrint is imported lazily so the CLI
starts fast.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2
from markupsafe import Markup

from compiler.backends import Options
from compiler.errors import OutputError
from compiler.ir import AnyCard, Course, Text, iter_cards
from compiler.render import pygments_css
from compiler.resources import templates_dir

if TYPE_CHECKING:
    from weasyprint import Document

TEMPLATES = templates_dir()
PRINT_CSS = TEMPLATES / "print"

Paper = Literal["a4", "letter"]
#: Page sizes in millimetres (width, height), portrait.
PAPER_MM: dict[Paper, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}

# Anki's own cloze pattern: {{cN::answer}} or {{cN::answer::hint}}.
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_MATH = re.compile(r'<(span|div) class="math">\\[(\[](.*?)\\[)\]]</\1>', re.DOTALL)
_IMG = re.compile(r"<img\b([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def paper(course: Course, options: Options) -> Paper:
    """``--paper`` wins over the course's default."""
    return options.paper or course.paper


# --- math ---------------------------------------------------------------------------------

_TEX_SYMBOLS = {
    "times": "×", "cdot": "·", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠",
    "approx": "≈", "pm": "±", "infty": "∞", "sum": "Σ", "prod": "Π", "rightarrow": "→", "to": "→",
    "leftarrow": "←", "Rightarrow": "⇒", "in": "∈", "alpha": "α", "beta": "β", "gamma": "γ",
    "delta": "δ", "Delta": "Δ", "epsilon": "ε", "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "Sigma": "Σ", "tau": "τ", "phi": "φ", "omega": "ω",
    "log": "log", "ln": "ln", "exp": "exp", "min": "min", "max": "max", "%": "%", ",": "\u2009",
    ";": " ", " ": " ", "quad": " ", "ldots": "…", "dots": "…", "{": "{", "}": "}",
}  # fmt: skip
_TEX_CMD = re.compile(r"\\([A-Za-z]+|[%,; {}])")
_TEX_GROUP = r"\{([^{}]*)\}"


def tex_to_html(tex: str) -> str:
    """Common TeX as readable text with <sup>/<sub>; ``tex`` is already HTML-escaped."""
    out = re.sub(r"\\(?:text|mathrm|mathbf|mathit|operatorname)" + _TEX_GROUP, r"\1", tex)
    out = re.sub(r"\\(?:left|right)\b", "", out)
    for _ in range(3):  # a few levels of nesting are plenty for study notes
        out = re.sub(r"\\frac" + _TEX_GROUP + _TEX_GROUP, r"(\1)/(\2)", out)
        out = re.sub(r"\\sqrt" + _TEX_GROUP, r"√(\1)", out)
    out = _TEX_CMD.sub(lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)), out)
    out = re.sub(r"\^" + _TEX_GROUP + r"|\^(\S)", lambda m: f"<sup>{m.group(1) or m.group(2)}</sup>", out)
    out = re.sub(r"_" + _TEX_GROUP + r"|_(\S)", lambda m: f"<sub>{m.group(1) or m.group(2)}</sub>", out)
    out = re.sub(r"\(([^()/]+)\)/\(([^()/]+)\)", lambda m: _simple_frac(m.group(1), m.group(2)), out)
    return out.replace("{", "").replace("}", "").strip()


def _simple_frac(num: str, den: str) -> str:
    """``(a)/(b)`` → ``a/b`` when both sides are single tokens."""

    def wrap(side: str) -> str:
        return side if re.fullmatch(r"[\w.]+", side) else f"({side})"

    return f"{wrap(num)}/{wrap(den)}"


def _math(match: re.Match[str]) -> str:
    tag, body = match.group(1), match.group(2)
    return f'<{tag} class="math">{tex_to_html(body)}</{tag}>'


# --- cloze --------------------------------------------------------------------------------


def cloze_front(fragment: str) -> str:
    """Every deletion becomes a gap: ``[hint]`` or ``[...]``."""
    return _CLOZE.sub(lambda m: f'<span class="gap">[{m.group(3) or "..."}]</span>', fragment)


def cloze_back(fragment: str) -> str:
    """Every deletion shows its answer, highlighted."""
    return _CLOZE.sub(lambda m: f'<mark class="cloze">{m.group(2)}</mark>', fragment)


# --- images -------------------------------------------------------------------------------


class Images:
    """Media names → data URIs, read once per build."""

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

    def rewrite(self, fragment: str) -> str:
        """Local images inline; anything else becomes a link, so nothing is fetched."""

        def one(match: re.Match[str]) -> str:
            attrs = dict(_ATTR.findall(match.group(1)))
            src = html.unescape(attrs.get("src", ""))
            uri = self.data_uri(src)
            alt = attrs.get("alt", "")
            if uri is not None:
                return f'<img src="{uri}" alt="{alt}">'
            if src.startswith(("http://", "https://")):
                return f'<a class="remote-image" href="{html.escape(src)}">[image: {alt}]</a>'
            return f'<span class="missing-image">[image: {alt}]</span>'

        return _IMG.sub(one, fragment)


# --- cards --------------------------------------------------------------------------------


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


def card_views(course: Course, fmt: Formatter) -> list[CardView]:
    """Every card with its number and print HTML, in reading order."""
    return [
        CardView(
            number=n,
            card=ctx.card,
            anchor=f"card-{n}",
            breadcrumb=ctx.breadcrumb,
            front=fmt.front(ctx.card),
            back=fmt.back(ctx.card),
            extra=fmt.html(ctx.card.extra) if ctx.card.extra else None,
        )
        for n, ctx in enumerate(iter_cards(course), start=1)
    ]


class Formatter:
    """IR text → safe print HTML (math, images, cloze)."""

    def __init__(self, images: Images) -> None:
        self.images = images

    def raw(self, fragment: str) -> Markup:
        """A sanitized IR fragment with the print rewrites applied."""
        return Markup(self.images.rewrite(_MATH.sub(_math, fragment)))

    def html(self, text: Text) -> Markup:
        """The IR's sanitized HTML of ``text``."""
        return self.raw(text.html)

    def front(self, card: AnyCard) -> Markup:
        """What the front of a printed card shows."""
        if card.kind == "basic" or card.kind == "list":
            return self.html(card.front)
        if card.kind == "definition":
            return Markup('<p class="term">') + self.html(card.term) + Markup("</p>")
        if card.kind == "cloze":
            return self.raw(cloze_front(card.text.html))
        cells = Markup("").join(_cell(c.column, self.html(c.text)) for c in card.prompt)
        ask = Markup('<p class="ask">{}</p>').format(card.ask) if card.ask else Markup("")
        return cells + ask

    def back(self, card: AnyCard) -> Markup:
        """What the back of a printed card shows (a whole list card on one back)."""
        if card.kind == "basic":
            return self.html(card.back)
        if card.kind == "definition":
            return self.html(card.definition)
        if card.kind == "cloze":
            return self.raw(cloze_back(card.text.html))
        if card.kind == "list":
            tag = Markup("ol") if card.ordered else Markup("ul")
            items = Markup("").join(Markup("<li>") + self.html(i) + Markup("</li>") for i in card.items)
            return Markup("<{0}>{1}</{0}>").format(tag, items)
        return Markup("").join(_cell(c.column, self.html(c.text)) for c in card.answer)


def _cell(column: str, value: Markup) -> Markup:
    return Markup('<p class="cell"><span class="col">{}:</span> {}</p>').format(column, value)


def plain(fragment: str) -> str:
    """HTML as plain text with collapsed whitespace (for lengths and tests)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --- jinja --------------------------------------------------------------------------------


def css_string(value: str) -> Markup:
    """A quoted CSS string; everything but letters, digits and spaces is escaped."""
    body = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in value)
    return Markup(f'"{body}"')


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The template environment: autoescape on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def stylesheet(*names: str) -> Markup:
    """Print CSS files from ``templates/print`` plus the code-highlight CSS, for a <style> block."""
    parts = [(PRINT_CSS / name).read_text(encoding="utf-8") for name in names]
    parts.append(pygments_css(".highlight"))
    return Markup("\n".join(parts))


def page_rules(course: Course, size: Paper, label: str) -> Markup:
    """@page size, course name top left, ``label`` top right, "Page x of y" bottom right.

    Margins and fonts of the margin boxes live in the static CSS.
    """
    width, height = PAPER_MM[size]
    return Markup(
        "@page {{ size: {w}mm {h}mm;\n"
        "  @top-left {{ content: {title}; }}\n"
        "  @top-right {{ content: {label}; }}\n"
        '  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); }} }}'
    ).format(w=width, h=height, title=css_string(course.title), label=css_string(label))


def render_template(name: str, **context: Any) -> str:
    """Render ``templates/<name>``."""
    return environment().get_template(name).render(**context)


# --- PDF ----------------------------------------------------------------------------------


def build_date(course: Course) -> str:
    """The date stamped into outputs: ``SOURCE_DATE_EPOCH`` or one derived from the content.

    Never the wall clock, so two builds of the same notes give identical bytes.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = datetime.fromtimestamp(int(epoch), tz=UTC)
    else:
        digest = hashlib.sha256(course.model_dump_json().encode("utf-8")).digest()
        # a fixed base plus up to ~20 years, picked by the content hash
        stamp = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=int.from_bytes(digest[:4]) % (20 * 365 * 86400))
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def layout(document_html: str) -> Document:
    """Lay out an HTML string with WeasyPrint."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Documents are self-contained: only data: URIs are read, nothing touches the network or disk.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=document_html, url_fetcher=fetcher).render()


def pdf_bytes(document: Document) -> bytes:
    """The PDF of a laid-out document (dates come from the document's meta tags)."""
    data: bytes = document.write_pdf()
    return data


def iter_boxes(box: Any) -> Iterator[Any]:
    """A WeasyPrint box and all its descendants."""
    yield box
    for child in getattr(box, "children", ()):
        yield from iter_boxes(child)
