"""``studyc sync --collection``: real Anki collections, written by the real backend and read back through it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from anki_helpers import card_states, study_all
from sync_helpers import SAMPLE_NOTES, Setup, card_rows, deck_of, make_setup, note_rows

from compiler.anki import lock as lockfile
from compiler.anki.models import BASIC, CLOZE_TYPE
from compiler.model.errors import CollectionBusyError


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return make_setup(tmp_path, monkeypatch)


def _guid(s: Setup, key: str) -> str:
    return next(e.guid for e in lockfile.read(s.source / "studyc.lock").entries if e.key == key)


def test_fresh_sync_adds_every_note_with_the_lock_identity(setup: Setup) -> None:
    assert setup.sync() == 0
    lock = lockfile.read(setup.source / "studyc.lock")
    assert len(lock.entries) == SAMPLE_NOTES
    col = setup.open()
    try:
        rows = note_rows(col)
        assert {e.guid: e.nid for e in lock.entries} == {g: r[0] for g, r in rows.items()}
        assert {m["id"] for m in col.models.all() if m["name"].startswith("studyc")} == {BASIC.id, CLOZE_TYPE.id}
        assert deck_of(col, _guid(setup, "record-size")) == {"Sample::Streams"}
        assert deck_of(col, _guid(setup, "labeled-vs-unlabeled")) == {"Sample::Modeling"}
        # every card renders and studies through Anki's own scheduler
        for cid in col.find_cards(""):
            assert col.get_card(cid).render_output().question_text.strip()
        assert study_all(col) == len(col.find_cards(""))
    finally:
        col.close()
    assert (setup.collection.parent / "backups").is_dir()
    assert any((setup.collection.parent / "backups").iterdir())


def test_second_sync_changes_nothing(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync() == 0
    col = setup.open()
    notes, cards, col_mod = note_rows(col), card_rows(col), col.mod
    col.close()
    files = {p: p.read_bytes() for p in (setup.source / "studyc.lock", setup.source / "studyc.sync.json")}
    backups = sorted((setup.collection.parent / "backups").iterdir())
    capsys.readouterr()
    assert setup.sync() == 0
    assert "nothing to change" in capsys.readouterr().out
    col = setup.open()
    try:
        assert note_rows(col) == notes
        assert card_rows(col) == cards
        assert col.mod == col_mod
    finally:
        col.close()
    assert {p: p.read_bytes() for p in files} == files
    assert sorted((setup.collection.parent / "backups").iterdir()) == backups


def test_moved_card_keeps_its_note_and_history_and_changes_deck(setup: Setup) -> None:
    assert setup.sync() == 0
    guid = _guid(setup, "record-size")
    col = setup.open()
    study_all(col)
    before = {k: v for k, v in card_states(col).items() if k[0] == guid}
    nid = col.db.scalar("select id from notes where guid = ?", guid)  # type: ignore[union-attr]
    col.close()
    card = (
        "{#record-size}\nQ: What is the maximum size of a record's data blob?\n\nA: 1 MB.\n\n"
        "::: extra\nThe blob is the payload; the sequence number and partition key come on top.\n:::\n"
    )
    setup.edit("01-streams.md", card, "")
    setup.edit("02-modeling.md", "## Exam tips", card + "\n## Exam tips")
    assert setup.sync() == 0
    col = setup.open()
    try:
        after = {k: v for k, v in card_states(col).items() if k[0] == guid}
        assert col.db.scalar("select id from notes where guid = ?", guid) == nid  # type: ignore[union-attr]
        assert deck_of(col, guid) == {"Sample::Modeling"}
        assert {k: (v.reps, v.revlog, v.ivl) for k, v in after.items()} == {
            k: (v.reps, v.revlog, v.ivl) for k, v in before.items()
        }
        assert all(v.reps == 1 for v in after.values())
    finally:
        col.close()


def test_renamed_chapter_moves_every_card(setup: Setup) -> None:
    assert setup.sync() == 0
    col = setup.open()
    streams = {g for g in note_rows(col) if deck_of(col, g) == {"Sample::Streams"}}
    col.close()
    assert len(streams) == 7
    setup.edit("01-streams.md", "title: Streams", "title: Data Streams")
    assert setup.sync() == 0
    col = setup.open()
    try:
        assert {g for g in note_rows(col) if deck_of(col, g) == {"Sample::Data Streams"}} == streams
        assert not col.find_cards('"deck:Sample::Streams"')
    finally:
        col.close()


def test_removed_card_is_listed_and_deleted_only_with_delete(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync() == 0
    gone = _guid(setup, "labeled-vs-unlabeled")
    setup.remove_card("02-modeling.md", "Q: How does labeled data differ from unlabeled data?")
    capsys.readouterr()
    assert setup.sync() == 0
    col = setup.open()
    nid = col.db.scalar("select id from notes where guid = ?", gone)  # type: ignore[union-attr]
    col.close()
    assert nid is not None, "without --delete the note stays"
    assert f"nid:{nid}" in capsys.readouterr().out
    assert setup.sync("--delete") == 0  # the lock forgot it; the sync state still knows studyc made it
    col = setup.open()
    try:
        rows = note_rows(col)
        assert gone not in rows
        assert len(rows) == SAMPLE_NOTES - 1
    finally:
        col.close()


def test_note_outside_studyc_is_never_deleted(setup: Setup) -> None:
    assert setup.sync() == 0
    col = setup.open()
    note = col.new_note(col.models.by_name("Basic"))  # type: ignore[arg-type]
    note["Front"], note["Back"] = "mine", "not studyc's"
    col.add_note(note, col.decks.id("Sample::Streams"))  # type: ignore[arg-type]
    col.close()
    setup.edit("01-streams.md", "C: Records stay", "C: Records remain")
    assert setup.sync("--delete") == 0
    col = setup.open()
    try:
        assert col.find_notes('"Front:mine"')
    finally:
        col.close()


def test_refuses_while_anki_has_the_collection_open(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from anki.collection import Collection\nc = Collection({str(setup.collection)!r})\n"
            "print('open', flush=True)\ninput()\nc.close()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        capsys.readouterr()
        assert setup.sync() == CollectionBusyError.exit_code
        err = capsys.readouterr().err
        assert "open in Anki" in err and "close Anki" in err
    finally:
        holder.communicate("\n", timeout=30)
    assert not (setup.source / "studyc.lock").exists()
    assert not (setup.source / "studyc.sync.json").exists()
    col = setup.open()
    try:
        assert not col.find_notes("")
    finally:
        col.close()


def test_media_is_added(setup: Setup) -> None:
    image = setup.source / "images" / "pipeline.png"
    setup.edit(
        "02-modeling.md", "A: Unsupervised learning.", "A: Unsupervised learning.\n\n![diagram](images/pipeline.png)"
    )
    assert setup.sync() == 0
    col = setup.open()
    try:
        stored = [p for p in Path(col.media.dir()).iterdir() if p.name.startswith("studyc-")]
        assert [p.read_bytes() for p in stored] == [image.read_bytes()]
        assert [n for n in col.find_notes("") if stored[0].name in col.get_note(n).joined_fields()]
    finally:
        col.close()
    # a changed image gets a new name, which the next sync adds too
    image.write_bytes(image.read_bytes() + b"\0")
    assert setup.sync() == 0
    col = setup.open()
    try:
        assert len([p for p in Path(col.media.dir()).iterdir() if p.name.startswith("studyc-")]) == 2
    finally:
        col.close()


def test_dry_run_prints_the_plan_and_changes_nothing(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    before = setup.collection.read_bytes()
    capsys.readouterr()
    assert setup.sync("--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: nothing was changed" in out
    record = setup.where("01-streams.md", "Q: What is the maximum size of a record's data blob?")
    assert f"{record}  record-size → Sample::Streams" in out
    assert "create studyc Cloze" in out
    assert setup.collection.read_bytes() == before
    assert not (setup.source / "studyc.lock").exists()
    assert not (setup.collection.parent / "backups").exists()
