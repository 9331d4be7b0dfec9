"""Anki text-import backend: ``<slug>.csv`` for Anki's File › Import (2.1.54+).

The notes are exactly the ``.apkg`` backend's (:func:`compiler.anki.backend.notes`):
same note types, fields, decks, tags and GUIDs. Header lines tell Anki which
column holds what, so a plain import needs no mapping and updates notes by
GUID instead of duplicating them. Note types and images are not in a text file:
import the ``.apkg`` once first (see docs/csv.md).
"""

from __future__ import annotations

import csv
import io

from compiler.anki.backend import notes
from compiler.anki.models import NOTE_TYPES
from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import Course

#: Leading columns before the note type's fields (1-based in the header lines).
META_COLUMNS = ("guid", "notetype", "deck", "tags")


def header(width: int) -> list[str]:
    """Anki's file headers; ``#columns`` names every column for people reading the file."""
    fields = [f"Field {i}" for i in range(1, width - len(META_COLUMNS) + 1)]
    names = [*META_COLUMNS, *fields]
    return [
        "#separator:tab",
        "#html:true",
        f"#guid column:{names.index('guid') + 1}",
        f"#notetype column:{names.index('notetype') + 1}",
        f"#deck column:{names.index('deck') + 1}",
        f"#tags column:{names.index('tags') + 1}",
        "#columns:" + "\t".join(names),
    ]


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>.csv``: one tab-separated row per note, fields as HTML."""
    specs = notes(course, options, diags)
    width = len(META_COLUMNS) + max(len(nt.fields) for nt in NOTE_TYPES)
    buf = io.StringIO()
    buf.write("\n".join(header(width)) + "\n")
    # Fields are HTML and may hold tabs, quotes and newlines: quote those cells.
    writer = csv.writer(buf, delimiter="\t", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    for spec in specs:
        row = [spec.guid, spec.note_type.name, spec.deck, " ".join(spec.tags), *spec.fields]
        writer.writerow(row + [""] * (width - len(row)))
    return [Output(f"{course.slug}.csv", buf.getvalue().encode("utf-8"))]
