"""The Anki note types: a compatibility contract.

Anki matches note types by id. If a released note type's fields or templates
change (name, count or order), Anki's importer creates a copy named "<name>+"
and refuses to update existing notes ("conflicting"). So field and template
names are pinned by ``tests/test_anki_models.py``; a future change needs a new
note type (new stable name → new id) and a migration note in ``docs/anki.md``.
Only the template *bodies* and the CSS may change; they are read from
``templates/anki/`` at build time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from compiler.model.errors import OutputError
from compiler.model.resources import templates_dir

#: Where the template bodies and CSS live (read at build time).
TEMPLATE_DIR = templates_dir() / "anki"

FRONT_BACK, CLOZE = 0, 1


def stable_id(name: str) -> int:
    """A 31-bit id in genanki's recommended range, derived from a stable name."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


@dataclass(frozen=True)
class NoteType:
    """One note type: its fixed schema plus the template files it reads."""

    key: str
    """Stable name the id is derived from; never reuse one for another schema."""
    name: str
    """Name shown in Anki."""
    kind: int
    """``FRONT_BACK`` or ``CLOZE``."""
    fields: tuple[str, ...]
    """Field names in order (pinned)."""
    templates: tuple[tuple[str, str, str], ...]
    """(template name, question file, answer file) in order (pinned)."""

    @property
    def id(self) -> int:
        """Fixed note-type id."""
        return stable_id(self.key)


BASIC = NoteType(
    key="studyc/note-type/basic/v1",
    name="studyc Basic (optional reverse)",
    kind=FRONT_BACK,
    fields=("Front", "Back", "Extra", "Source", "Reverse"),
    templates=(
        ("Card 1", "basic-front.html", "basic-back.html"),
        ("Card 2", "reverse-front.html", "reverse-back.html"),
    ),
)

CLOZE_TYPE = NoteType(
    key="studyc/note-type/cloze/v1",
    name="studyc Cloze",
    kind=CLOZE,
    fields=("Text", "Extra", "Source"),
    templates=(("Cloze", "cloze-front.html", "cloze-back.html"),),
)

NOTE_TYPES = (BASIC, CLOZE_TYPE)
CSS_FILE = "style.css"


def _read(name: str) -> str:
    path = TEMPLATE_DIR / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"cannot read Anki template {path}: {exc.strerror or exc}; restore templates/anki/ from the repository"
        ) from exc


def _code_css() -> str:
    """Pygments classes for light mode (shared renderer) and a dark palette for night mode."""
    from pygments.formatters import HtmlFormatter

    from compiler.text.highlight import pygments_css

    dark = str(HtmlFormatter(style="github-dark").get_style_defs(".nightMode .highlight"))
    dark += "\n" + str(HtmlFormatter(style="github-dark").get_style_defs(".night_mode .highlight"))
    # Anki's own background for pre is ours; drop pygments' block backgrounds.
    lines = [ln for ln in (pygments_css() + "\n" + dark).splitlines() if not ln.strip().startswith("pre {")]
    return "\n".join(lines)


def css() -> str:
    """The note-type CSS: ``style.css`` plus pygments classes."""
    return _read(CSS_FILE).rstrip() + "\n\n/* code highlighting (pygments) */\n" + _code_css() + "\n"


def model_json(note_type: NoteType, mod: int, deck_id: int) -> dict[str, Any]:
    """The note type as stored in a collection's ``col.models`` JSON."""
    import genanki

    model = genanki.Model(
        model_id=note_type.id,
        name=note_type.name,
        fields=[{"name": name} for name in note_type.fields],
        templates=[{"name": name, "qfmt": _read(q), "afmt": _read(a)} for name, q, a in note_type.templates],
        css=css(),
        model_type=note_type.kind,
        sort_field_index=0,
    )
    data: dict[str, Any] = model.to_json(mod, deck_id)
    return data


def model_hash(note_type: NoteType) -> str:
    """Hash of everything Anki stores for the type; its mod time rises only when this changes."""
    parts = [note_type.key, note_type.name, *note_type.fields, css()]
    for name, q, a in note_type.templates:
        parts += [name, _read(q), _read(a)]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]
