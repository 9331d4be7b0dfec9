"""``studyc init``: a new notes project that builds at once.

The files live in ``files/`` as package data. Dotfiles are stored without the
dot (packaging tools and some editors skip dotfiles) and renamed on copy.
"""

from __future__ import annotations

import json
import string
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from compiler.model.errors import UsageError

#: Package file → project path.
FILES = {
    "course.md": "course.md",
    "01-example.md": "01-example.md",
    "images/example.svg": "images/example.svg",
    "studyc.toml": "studyc.toml",
    "gitignore": ".gitignore",
    "pre-commit-config.yaml": ".pre-commit-config.yaml",
}
#: Files with ``$title``-style placeholders.
TEMPLATED = {"course.md"}


def _slug(text: str) -> str:
    from compiler.model.slug import slugify

    return slugify(text) or "course"


def _source(name: str) -> Traversable:
    node = resources.files(__package__).joinpath("files")
    for part in name.split("/"):
        node = node.joinpath(part)
    return node


def create(target: Path, title: str | None = None) -> list[Path]:
    """Write the scaffold into ``target`` (new or empty); return the created paths."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"'{target}' exists and is not a folder")
    if target.is_dir() and any(target.iterdir()):
        raise UsageError(f"'{target}' is not empty; studyc init only fills a new or empty folder")
    name = title or target.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "My Course"
    # JSON strings are valid YAML scalars, so any title is quoted safely.
    values = {"title": json.dumps(name), "exam": json.dumps(f"{name} exam"), "deck": json.dumps(name)}
    values["slug"] = _slug(name)
    written = []
    for package_name, rel in FILES.items():
        data = _source(package_name).read_bytes()
        if package_name in TEMPLATED:
            data = string.Template(data.decode("utf-8")).substitute(values).encode("utf-8")
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
