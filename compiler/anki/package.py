"""Write an ``.apkg`` byte for byte reproducibly.

genanki stamps every note with one timestamp and zips a temp file with its
current mtime, so its packages differ on every build. Here genanki supplies only
the legacy collection schema and the note-type JSON; notes and cards are
inserted with their own modified times and ids derived from the lock, the
sqlite file is vacuumed, and the zip has fixed dates and a fixed entry order.
"""

from __future__ import annotations

import hashlib
import html
import io
import itertools
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from compiler.anki.notes import NoteSpec

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: genanki's legacy deck JSON carries a fixed mod time; ours does too.
_DECK_MOD = 0
#: Elements whose media file name Anki keeps when it strips a field's HTML, and the attribute naming it.
_MEDIA_ATTRS = {"img": "src", "audio": "src", "source": "src", "object": "data"}


class _Stripper(HTMLParser):
    """Anki's ``strip_html_preserving_media_filenames``: text with entities decoded, tags and comments dropped,
    and each media element replaced by `` name ``; ``&nbsp;`` reads as a space."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = _MEDIA_ATTRS.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.out.append(f" {value} ")
                break

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(" " if name == "nbsp" else html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.out.append(html.unescape(f"&#{name};"))


def strip_html(field: str) -> str:
    """A field's text as Anki sorts and checksums it (media file names kept)."""
    parser = _Stripper()
    parser.feed(field)
    parser.close()
    return "".join(parser.out)


def checksum(first_field: str) -> int:
    """Anki's ``csum``: the first 8 hex digits of the SHA-1 of the stripped first field."""
    plain = strip_html(first_field)
    return int(hashlib.sha1(plain.encode("utf-8")).hexdigest()[:8], 16)


def _deck_json(deck_id: int, name: str) -> dict[str, Any]:
    import genanki

    data: dict[str, Any] = genanki.Deck(deck_id, name).to_json()
    data["mod"] = _DECK_MOD
    return data


def _card_ids(notes: Sequence[NoteSpec]) -> dict[tuple[int, int], int]:
    """Card ids near their note's id, unique in the package (Anki keeps existing cards by note and ord)."""
    ids: dict[tuple[int, int], int] = {}
    cursor = 0
    for note in sorted(notes, key=lambda n: n.nid):
        for ord_ in note.ords:
            cursor = max(cursor + 1, note.nid)
            ids[(note.nid, ord_)] = cursor
    return ids


def _sqlite(decks: dict[str, int], models: Sequence[dict[str, Any]], notes: Sequence[NoteSpec], workdir: Path) -> bytes:
    import genanki

    path = workdir / "collection.anki2"
    conn = sqlite3.connect(path)
    try:
        # a scratch file in a temporary folder: nothing to recover after a crash, so no journal and
        # no waiting for the disk (the file format, and so the bytes, do not depend on either)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        cur = conn.cursor()
        # genanki's public way to the legacy schema and the default ``col`` row: a package without decks
        # writes exactly those two scripts (its notes would carry one shared timestamp, so ours are ours)
        genanki.Package([]).write_to_db(cur, 0, itertools.count())
        deck_json = json.loads(cur.execute("SELECT decks FROM col").fetchone()[0])
        for name, deck_id in sorted(decks.items()):
            deck_json[str(deck_id)] = _deck_json(deck_id, name)
        model_json = {str(m["id"]): m for m in models}
        cur.execute(
            "UPDATE col SET decks = ?, models = ?",
            (json.dumps(deck_json, sort_keys=True), json.dumps(model_json, sort_keys=True)),
        )
        card_ids = _card_ids(notes)
        for position, note in enumerate(notes, start=1):
            note_id = note.nid
            tags = " " + " ".join(note.tags) + " " if note.tags else ""
            cur.execute(
                "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                (
                    note_id,
                    note.guid,
                    note.note_type.id,
                    note.modified,
                    -1,
                    tags,
                    "\x1f".join(note.fields),
                    strip_html(note.fields[0]),
                    checksum(note.fields[0]),
                    0,
                    "",
                ),
            )
            for ord_ in note.ords:
                cur.execute(
                    "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (card_ids[(note_id, ord_)], note_id, decks[note.deck], ord_, note.modified, -1, 0, 0, position)
                    + (0,) * 8
                    + ("",),
                )
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    return path.read_bytes()


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever the build machine is
    return info


def package(
    decks: dict[str, int],
    models: Sequence[dict[str, Any]],
    notes: Sequence[NoteSpec],
    media: Sequence[tuple[str, bytes]],
) -> bytes:
    """The ``.apkg`` bytes: ``collection.anki2``, ``media`` map, then numbered media files."""
    with tempfile.TemporaryDirectory(prefix="studyc-apkg-") as tmp:
        db = _sqlite(decks, models, notes, Path(tmp))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(_entry("collection.anki2"), db)
        media_map = {str(i): name for i, (name, _) in enumerate(media)}
        zf.writestr(_entry("media"), json.dumps(media_map, sort_keys=True))
        for i, (_, data) in enumerate(media):
            zf.writestr(_entry(str(i)), data)
    return buf.getvalue()
