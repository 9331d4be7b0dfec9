"""Where the templates are: the repo's ``templates/`` or, once installed, ``compiler.templates``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    """The folder holding the jinja2 templates, ``anki/`` and ``print/``."""
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    # a wheel ships templates/ as the data-only package compiler.templates (see pyproject)
    return Path(str(resources.files("compiler") / "templates"))
