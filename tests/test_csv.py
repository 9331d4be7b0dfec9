"""CSV export through real Anki: lands like the .apkg, re-imports without duplicates, updates by GUID."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from anki.collection import Collection
from anki.import_export_pb2 import ImportCsvRequest
from anki_helpers import copy_course, import_apkg, new_collection
from conftest import SAMPLE

from compiler.anki.models import NOTE_TYPES
from compiler.build import pipeline
from compiler.model.backend import Options


def build(source: Path, out: Path) -> tuple[Path, Path]:
    """Build the .apkg and the .csv together, with the course's lock (as ``studyc build`` does)."""
    result = pipeline.build(source, out, ["anki", "csv"], Options(source_root=source), lock=source / "studyc.lock")
    assert result.course is not None and not result.failed(False)
    return out / f"{result.course.slug}.apkg", out / f"{result.course.slug}.csv"


def import_csv(col: Collection, path: Path) -> Any:
    """Anki's File › Import for a text file: the metadata comes from the file's header lines."""
    metadata = col.get_csv_metadata(str(path), None)
    return col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log


def snapshot(col: Collection) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """guid → (note type, fields, sorted tags, decks of its cards)."""
    out = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        decks = tuple(sorted({col.decks.name(card.did) for card in note.cards()}))
        out[note.guid] = (note.note_type()["name"], tuple(note.fields), tuple(sorted(note.tags)), decks)  # type: ignore[index]
    return out


def with_note_types_only(folder: Path, apkg: Path) -> Collection:
    """A collection that has studyc's note types (and media) but no notes: import the .apkg, delete its notes."""
    col = new_collection(folder)
    import_apkg(col, apkg)
    col.remove_notes(col.find_notes(""))
    assert col.note_count() == 0
    return col


def test_header_names_every_special_column(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    _, csv_path = build(src, tmp_path / "out")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    assert header[:6] == [
        "#separator:tab",
        "#html:true",
        "#guid column:1",
        "#notetype column:2",
        "#deck column:3",
        "#tags column:4",
    ]
    rows = list(csv.reader(lines[len(header) :], delimiter="\t"))
    assert len(rows) == 9  # one row per note of the sample
    width = 4 + max(len(nt.fields) for nt in NOTE_TYPES)
    assert {len(row) for row in rows} == {width}
    assert {row[1] for row in rows} == {nt.name for nt in NOTE_TYPES}


def test_csv_import_matches_the_apkg_and_reimport_adds_nothing(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    apkg, csv_path = build(src, tmp_path / "out")
    reference = new_collection(tmp_path / "ref")
    import_apkg(reference, apkg)
    expected = snapshot(reference)
    expected_cards = reference.card_count()
    reference.close()

    col = with_note_types_only(tmp_path / "col", apkg)
    log = import_csv(col, csv_path)
    assert len(log.new) == 9 and not log.missing_notetype and not log.conflicting
    assert (col.note_count(), col.card_count()) == (len(expected), expected_cards)
    # Same GUIDs, note types, fields, tags and decks as the .apkg import.
    assert snapshot(col) == expected

    again = import_csv(col, csv_path)
    assert len(again.new) == 0 and len(again.updated) == 0
    assert (col.note_count(), col.card_count()) == (len(expected), expected_cards)
    col.close()


def test_csv_over_an_apkg_import_updates_by_guid(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    apkg, csv_path = build(src, tmp_path / "out")
    col = new_collection(tmp_path / "col")
    import_apkg(col, apkg)
    notes, cards = col.note_count(), col.card_count()
    assert len(import_csv(col, csv_path).new) == 0
    assert (col.note_count(), col.card_count()) == (notes, cards)

    # An edited answer keeps its GUID (studyc.lock) and the CSV import updates that note in place.
    chapter = src / "01-streams.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("A: 1 MB.", "A: 1 MiB."), encoding="utf-8")
    _, csv_path = build(src, tmp_path / "out")
    log = import_csv(col, csv_path)
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert (col.note_count(), col.card_count()) == (notes, cards)
    (nid,) = col.find_notes('"Back:*1 MiB*"')
    assert col.get_note(nid)["Front"] == "<p>What is the maximum size of a record's data blob?</p>"
    col.close()


def test_without_studyc_note_types_nothing_is_imported(tmp_path: Path) -> None:
    # Why docs/csv.md says to import the .apkg once first.
    src = copy_course(SAMPLE, tmp_path / "src")
    _, csv_path = build(src, tmp_path / "out")
    col = new_collection(tmp_path / "col")
    log = import_csv(col, csv_path)
    assert len(log.missing_notetype) == 9
    assert col.note_count() == 0
    col.close()
