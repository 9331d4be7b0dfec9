"""Everyday edits keep each card's Anki note and review history (real Anki, default import)."""

from __future__ import annotations

import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from anki_helpers import (
    build_apkg,
    card_states,
    copy_course,
    import_apkg,
    log_counts,
    new_collection,
    notes_by_guid,
    study_all,
)
from conftest import SAMPLE

from compiler.anki import lock as lockfile

T1, T2 = 1_700_000_000, 1_700_086_400


def package_notes(apkg: Path) -> dict[str, list[str]]:
    """GUID → fields, read straight from the package's sqlite."""
    with zipfile.ZipFile(apkg) as zf, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "c.anki2"
        db.write_bytes(zf.read("collection.anki2"))
        conn = sqlite3.connect(db)
        try:
            return {guid: flds.split("\x1f") for guid, flds in conn.execute("select guid, flds from notes")}
        finally:
            conn.close()


def _no_line(field: str) -> str:
    return re.sub(r"(\.md):\d+$", r"\1", field)


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(src: Path) -> None:
        path = src / name
        text = path.read_text()
        assert old in text, f"fixture changed: {old!r} not in {name}"
        path.write_text(text.replace(old, new, 1))

    return apply


def _swap(src: Path) -> None:
    path = src / "02-modeling.md"
    text = path.read_text()
    first = text[text.index("{#labeled-vs-unlabeled") : text.index("Q: Which kind of learning")]
    second = text[text.index("Q: Which kind of learning") : text.index(":::\n\n> [!NOTE]")]
    path.write_text(text.replace(first + second, second + first))


def _move(src: Path) -> None:
    path = src / "01-streams.md"
    text = path.read_text()
    cloze = "C: Records stay in a stream for {{c1::24 hours}} by default, up to {{c2::7 days::max}}.\n"
    text = text.replace(cloze, "")
    text = text.replace("## Exam tips", "## Retention\n\n" + cloze + "\n## Exam tips", 1)
    path.write_text(text)


QUESTION = "Q: Which kind of learning uses unlabeled data?"
# edit → (function, added, updated, removed)
EDITS: dict[str, tuple[Callable[[Path], None], int, int, int]] = {
    "typo in question": (_edit("02-modeling.md", QUESTION, "Q: Which kind of learnig uses unlabeled data?"), 0, 1, 0),
    "question reworded": (
        _edit("02-modeling.md", QUESTION, "Q: What kind of learning works on unlabeled data?"),
        0,
        1,
        0,
    ),
    "answer changed": (
        _edit("02-modeling.md", "A: Unsupervised learning.", "A: Unsupervised learning, e.g. clustering."),
        0,
        1,
        0,
    ),
    "card moved to another section": (_move, 0, 1, 0),
    "two cards swapped": (_swap, 0, 0, 0),
    "card deleted": (
        _edit("01-streams.md", "Producer\n: Something that writes data into the stream.\n\n", ""),
        0,
        0,
        1,
    ),
    "card added": (
        _edit("02-modeling.md", "> [!NOTE]", "Q: What is a label?\n\nA: The target value.\n\n> [!NOTE]"),
        1,
        0,
        0,
    ),
    "section renamed": (_edit("02-modeling.md", "## Labels", "## Labelled data"), 0, 2, 0),
    # a Q/A card whose answer becomes a list moves from the basic to the cloze note type,
    # which Anki cannot do on import: it becomes a new note and the old one is reported
    "answer turned into a list": (
        _edit("02-modeling.md", "A: Unsupervised learning.", "- Unsupervised learning\n- Clustering"),
        1,
        0,
        1,
    ),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_edit_keeps_history_and_creates_no_duplicates(name: str, tmp_path: Path) -> None:
    edit, added, updated, removed = EDITS[name]
    src = copy_course(SAMPLE, tmp_path / "src")
    lock = src / "studyc.lock"
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1, lock=lock))
        study_all(col)
        before_states = card_states(col)
        before_notes = set(notes_by_guid(col))
        before_lock = lockfile.read(lock)

        edit(src)
        apkg = build_apkg(src, tmp_path / "out", T2, lock=lock)
        after_lock = lockfile.read(lock)
        log = import_apkg(col, apkg)

        counts = log_counts(log)
        assert (counts["new"], counts["updated"]) == (added, updated)
        assert counts["conflicting"] == counts["missing_notetype"] == 0
        notes = notes_by_guid(col)
        assert len(notes) == len(before_notes) + added  # nothing duplicated; removed notes stay until deleted
        # Anki now holds what was built, for every note in the package. The
        # Source field's line number alone does not count as a change (a card
        # above it moved), so it may lag until the card's next real edit.
        for guid, fields in package_notes(apkg).items():
            assert [_no_line(f) for f in notes[guid].fields] == [_no_line(f) for f in fields]
        after_states = card_states(col)
        for key, state in before_states.items():
            assert after_states[key] == state, f"review state of {key} changed"
        kept = {e.guid for e in after_lock.entries}
        gone_nids = {e.nid for e in before_lock.entries if e.guid not in kept}
        gone = {e.guid for e in before_lock.entries if e.guid not in kept}
        assert len(gone) == removed
        assert gone <= before_notes and not gone & set(package_notes(apkg))
        assert (tmp_path / "out" / "removed.txt").exists() == bool(removed)
        if removed:
            text = (tmp_path / "out" / "removed.txt").read_text()
            query = next(line for line in text.splitlines() if line.startswith("nid:"))
            # the query from removed.txt selects exactly the removed notes in Anki
            assert {col.get_note(n).guid for n in col.find_notes(query)} == gone
            assert gone_nids == set(col.find_notes(query))
    finally:
        col.close()


def test_new_cloze_deletion_and_list_item_add_cards_to_the_same_note(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    lock = src / "studyc.lock"
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1, lock=lock))
        study_all(col)
        before, count = card_states(col), col.card_count()
        _edit("01-streams.md", "up to {{c2::7 days::max}}.", "up to {{c2::7 days::max}}, or {{c3::365 days}}.")(src)
        _edit("01-streams.md", "- data blob\n", "- data blob\n- shard id\n")(src)
        log = import_apkg(col, build_apkg(src, tmp_path / "out", T2, lock=lock))
        assert (log_counts(log)["new"], log_counts(log)["updated"]) == (0, 2)
        assert col.card_count() == count + 2
        after = card_states(col)
        assert all(after[key] == state for key, state in before.items())
        assert {key[1] for key in set(after) - set(before)} == {2, 3}  # c3, and the fourth list item
    finally:
        col.close()
