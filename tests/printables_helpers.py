"""A course laid out into its three printables in this process, as tests/test_printables.py checks them.

The shipped course's layout is a session fixture of conftest.py (``shipped_printables``): its
pieces are kept in a cache folder, from which the docs tests' first build of ``source/``
(``built_source``) starts, so the session lays out the shipped course once, not twice.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from conftest import SAMPLE
from pypdf import PdfReader

from compiler.frontend import load_course
from compiler.model.backend import Options
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import Course
from compiler.print import cheatsheet, flashcards, guide, pieces
from compiler.print.common import layout, pdf_bytes


@dataclass
class Built:
    """One course laid out into all three printables."""

    course: Course
    html: dict[str, str] = field(default_factory=dict)
    docs: dict[str, Any] = field(default_factory=dict)
    pdf: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    diags: Diagnostics = field(default_factory=Diagnostics)
    source: Path = SAMPLE
    cache: Path | None = None
    """The folder the pieces were kept in (``Options.cache_dir``), if any."""
    _pages: dict[str, list[str]] = field(default_factory=dict)

    def pages(self, name: str) -> list[str]:
        """Text of each page of a PDF as pypdf extracts it (once: extraction takes seconds per PDF)."""
        if name not in self._pages:
            self._pages[name] = [page.extract_text() for page in PdfReader(io.BytesIO(self.pdf[name])).pages]
        return self._pages[name]

    def text(self, name: str) -> str:
        """Text of a PDF as pypdf extracts it."""
        return "\n".join(self.pages(name))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def lay_out(source: Path, cache: Path | None = None) -> Built:
    """The printables as the backends write them; the cheat sheet also laid out whole, to measure its boxes.

    ``cache``: where the pieces are kept (an empty folder: everything is laid out, here, so
    WeasyPrint's warnings reach the handler; a cache only saves time, the bytes are the same).
    """
    course, _ = load_course(source)
    assert course is not None
    built = Built(course, source=source, cache=cache)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        options = Options(source_root=source, cache_dir=cache)
        # laid out in this process, so that WeasyPrint's warnings reach the handler
        with mock.patch.object(pieces, "can_fork", lambda: False):
            for name, module in (("cheatsheet", cheatsheet), ("guide", guide), ("flashcards", flashcards)):
                for output in module.render(course, options, built.diags):
                    if output.name.endswith(".pdf"):
                        built.pdf[name] = output.data
                    else:
                        built.html[name] = output.data.decode("utf-8")
        built.html["cheatsheet"] = cheatsheet.render_html(course, options)  # the whole course, without a budget
        built.docs["cheatsheet"] = layout(built.html["cheatsheet"])
        built.pdf["cheatsheet-whole"] = pdf_bytes(built.docs["cheatsheet"])
        built.html["flashcards"] = flashcards.render_html(course, options)
    finally:
        logger.removeHandler(handler)
    built.warnings = handler.messages
    return built
