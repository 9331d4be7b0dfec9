"""Shared parts of the printable backends (cheat sheet, guide, flashcards).

The jinja2 environment (autoescape on; only :mod:`compiler.print.render`'s
output is marked safe), the print CSS, page rules, the content-derived PDF
date and the WeasyPrint call. WeasyPrint is imported lazily so the CLI starts
fast.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import jinja2
from markupsafe import Markup

from compiler.model.backend import Options
from compiler.model.ir import Course
from compiler.model.resources import templates_dir
from compiler.text.highlight import pygments_css

if TYPE_CHECKING:
    from weasyprint import Document

TEMPLATES = templates_dir()
PRINT_CSS = TEMPLATES / "print"

Paper = Literal["a4", "letter"]
#: Page sizes in millimetres (width, height), portrait.
PAPER_MM: dict[Paper, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}


def paper(course: Course, options: Options) -> Paper:
    """``--paper`` wins over the course's default."""
    return options.paper or course.paper


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
