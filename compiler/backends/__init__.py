"""Backend registry. A backend is a module with ``render(course, options) -> list[Output]``.

Adding a format is one module, one line here, and one golden test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from compiler.errors import UsageError

if TYPE_CHECKING:
    # kept out of the runtime imports: the CLI reads REGISTRY before it needs pydantic
    from compiler.identity import Plan
    from compiler.ir import Course


@dataclass(frozen=True)
class Output:
    """One file a backend produced, not yet written."""

    name: str
    """File name relative to the output folder."""
    data: bytes
    """The file's bytes."""


@dataclass(frozen=True)
class Options:
    """Settings every backend may read."""

    source_root: Path
    paper: Literal["a4", "letter"] | None = None
    deck_depth: int = 2
    extra: dict[str, str] = field(default_factory=dict)
    identity: Plan | None = None
    """Card identities from ``studyc.lock`` (set by the pipeline; the Anki backend reads it)."""
    build_time: int | None = None
    """Fixed Unix time for outputs that embed a date, so rebuilds are byte-identical."""


Render = Callable[["Course", Options], list[Output]]

#: name → module; loaded lazily so ``studyc --help`` stays fast.
REGISTRY: dict[str, str] = {
    "json": "compiler.backends.json_backend",
    "csv": "compiler.backends.csv_backend",
    "cheatsheet": "compiler.backends.cheatsheet",
    "guide": "compiler.backends.guide",
    "flashcards": "compiler.backends.flashcards",
    "anki": "compiler.backends.anki",
}


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
