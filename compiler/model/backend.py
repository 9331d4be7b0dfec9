"""Backend registry. A backend is a module with ``render(course, options, diagnostics) -> list[Output]``.

A backend reports problems in the notes (a formula it cannot typeset, a card
too long for its cell) as diagnostics at ``file:line`` through the collector
it is given, never as log lines; ``--strict`` counts them like any other.

Adding a format is one module, one line here, and one golden test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from compiler.model.errors import UsageError
from compiler.model.keys import not_in_key
from compiler.model.weak import WeakSpots

if TYPE_CHECKING:
    # kept out of the runtime imports: the CLI reads REGISTRY before it needs pydantic
    from compiler.model.diagnostics import Diagnostics
    from compiler.model.ir import Course


@dataclass(frozen=True)
class Output:
    """One file a backend produced, not yet written."""

    name: str
    """File name relative to the output folder."""
    data: bytes
    """The file's bytes."""


@dataclass(frozen=True)
class Options:
    """Settings every backend may read.

    The output cache keys on every field (compiler/model/keys.py) unless its declaration
    opts out with ``metadata=not_in_key("why")``: a new option cannot be forgotten.
    """

    source_root: Path
    """The notes folder (images are read from it; the Source link's ``{abs_path}``)."""
    paper: Literal["a4", "letter"] | None = None
    """Paper size of the PDFs; ``None``: the course's ``paper``."""
    deck_depth: int = 2
    """How many heading levels become Anki subdecks."""
    extra: dict[str, str] = field(default_factory=dict)
    """Free-form settings for a backend under development."""
    identity: object | None = None
    """Card identities from ``studyc.lock`` (set by the pipeline; the Anki backend reads it)."""
    build_time: int | None = None
    """Fixed Unix time for outputs that embed a date, so rebuilds are byte-identical."""
    source_url: str | None = None
    """``source_url`` from ``studyc.toml``: the Anki Source field links to the note through it."""
    cheatsheet_pages: int = 4
    """Page budget of the cheat sheet and the weak-spots sheet."""
    weak_spots: WeakSpots | None = None
    """The user's weakest notes, read from their Anki collection (``--collection``); None: no weak-spots sheet."""
    cache_dir: Path | None = field(
        default=None, metadata=not_in_key("only saves time: a build gives the same bytes with or without it")
    )
    """Where the printables keep laid-out pieces between builds (``build/.cache``); None: lay out everything.

    Only saves time: a build gives the same bytes with or without it."""


Render = Callable[["Course", Options, "Diagnostics"], list[Output]]

Kind = Literal["file", "pdf"]


@dataclass(frozen=True)
class Format:
    """One output format: its name on the command line, its module, and what kind of work it is."""

    name: str
    module: str
    """Module with the ``render`` function; imported only when the format is built."""
    kind: Kind
    """``file``: rendered in memory in a blink; ``pdf``: laid out by WeasyPrint (slow, may run in a worker)."""
    help: str
    """One line for ``--help`` and the docs."""


#: Every format, in the order they are built; loaded lazily so ``studyc --help`` stays fast.
FORMATS: tuple[Format, ...] = (
    Format("json", "compiler.export.json_backend", "file", "the course as JSON, plus its JSON Schema"),
    Format("csv", "compiler.anki.csv_backend", "file", "the notes for Anki's text import"),
    Format("cheatsheet", "compiler.print.cheatsheet", "pdf", "a dense cheat sheet (HTML and PDF)"),
    Format("guide", "compiler.print.guide", "pdf", "the study guide (HTML and PDF)"),
    Format("flashcards", "compiler.print.flashcards", "pdf", "double-sided printable flashcards (PDF)"),
    Format("anki", "compiler.anki.backend", "file", "the Anki deck (.apkg)"),
    Format("mock-exam", "compiler.print.mock_exam", "pdf", "a printable mock exam with an answer key (PDF)"),
    Format("quiz", "compiler.export.quiz", "file", "the practice-exam page, one offline HTML file"),
)
#: name → module.
REGISTRY: dict[str, str] = {f.name: f.module for f in FORMATS}
#: Formats laid out by WeasyPrint.
PDF_FORMATS: tuple[str, ...] = tuple(f.name for f in FORMATS if f.kind == "pdf")


def load(name: str) -> Render:
    """The render function of a registered backend."""
    module = importlib.import_module(REGISTRY[name])
    render: Render = module.render
    return render


def parse_formats(spec: str | None) -> list[str]:
    """``json,anki`` → validated list; ``None``/``all`` → every registered format."""
    if not spec or spec == "all":
        return list(REGISTRY)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UsageError(f"unknown format(s): {', '.join(unknown)}; choose from {', '.join(REGISTRY)}")
    return names
