"""``studyc sync``: edits made in Anki are never silently overwritten; note types upgrade in place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from anki_helpers import build_apkg, card_states, import_apkg, study_all
from sync_helpers import Setup, card_rows, make_setup, note_rows

from compiler.anki import lock as lockfile
from compiler.anki import models
from compiler.anki.models import BASIC
from compiler.anki.sync import collection
from compiler.app import cli
from compiler.model.errors import OutputError, SyncConflictError, UsageError

KEY = "labeled-vs-unlabeled"
ANSWER = "A: Labeled data already has the target attribute; unlabeled data does not."
QUESTION = "Q: How does labeled data differ from unlabeled data?"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return make_setup(tmp_path, monkeypatch)


def _nid(s: Setup, key: str) -> int:
    return next(e.nid for e in lockfile.read(s.source / "studyc.lock").entries if e.key == key)


def _edit_in_anki(s: Setup, key: str, field: str, text: str) -> None:
    col = s.open()
    try:
        note = col.get_note(_nid(s, key))  # type: ignore[arg-type]
        note[field] = text
        col.update_note(note)
    finally:
        col.close()


def _field(s: Setup, key: str, field: str) -> str:
    col = s.open()
    try:
        return col.get_note(_nid(s, key))[field]  # type: ignore[arg-type]
    finally:
        col.close()


def test_edit_made_only_in_anki_is_kept(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync() == 0
    _edit_in_anki(setup, KEY, "Back", "Fixed on the phone.")
    setup.edit("01-streams.md", "A: 1 MB.", "A: One megabyte.")  # another card changes in the notes
    capsys.readouterr()
    assert setup.sync() == 0
    out = capsys.readouterr().out
    assert "edited in Anki, kept" in out and setup.where("02-modeling.md", QUESTION) in out
    assert _field(setup, KEY, "Back") == "Fixed on the phone."
    assert "One megabyte" in _field(setup, "record-size", "Back")
    col = setup.open()
    rows = note_rows(col)
    col.close()
    assert setup.sync() == 0  # still kept, and nothing else changes
    col = setup.open()
    try:
        assert note_rows(col) == rows
    finally:
        col.close()


def test_conflict_leaves_anki_alone_until_a_side_is_picked(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync() == 0
    _edit_in_anki(setup, KEY, "Back", "Edited in Anki.")
    setup.edit("02-modeling.md", ANSWER, "A: Edited in the notes.")
    setup.edit("01-streams.md", "A: 1 MB.", "A: One megabyte.")
    capsys.readouterr()
    assert setup.sync() == SyncConflictError.exit_code
    out = capsys.readouterr().out
    assert setup.where("02-modeling.md", QUESTION) in out
    assert "Back in the notes: Edited in the notes." in out
    assert "Back in Anki:      Edited in Anki." in out
    assert _field(setup, KEY, "Back") == "Edited in Anki."
    assert "One megabyte" in _field(setup, "record-size", "Back"), "the rest of the sync was applied"
    assert setup.sync() == SyncConflictError.exit_code, "a conflict stays until a side is picked"
    assert setup.sync("--prefer", "notes") == 0
    assert _field(setup, KEY, "Back") == "<p>Edited in the notes.</p>"
    assert setup.sync() == 0


def test_prefer_anki_keeps_anki_and_then_counts_as_an_anki_edit(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    assert setup.sync() == 0
    _edit_in_anki(setup, KEY, "Back", "Edited in Anki.")
    setup.edit("02-modeling.md", ANSWER, "A: Edited in the notes.")
    assert setup.sync("--prefer", "anki") == 0
    assert _field(setup, KEY, "Back") == "Edited in Anki."
    capsys.readouterr()
    assert setup.sync() == 0
    assert "edited in Anki, kept" in capsys.readouterr().out


def test_template_change_updates_the_note_type_in_place(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert setup.sync() == 0
    col = setup.open()
    study_all(col)
    rows, states = note_rows(col), card_states(col)
    col.close()
    templates = tmp_path / "templates"
    shutil.copytree(models.TEMPLATE_DIR, templates)
    with (templates / models.CSS_FILE).open("a", encoding="utf-8") as css:
        css.write("\n.studyc-upgrade-test { color: teal; }\n")
    (templates / "basic-back.html").write_text(
        (templates / "basic-back.html").read_text(encoding="utf-8") + "\n<!-- upgraded -->\n", encoding="utf-8"
    )
    monkeypatch.setattr(models, "TEMPLATE_DIR", templates)
    assert setup.sync() == 0
    col = setup.open()
    try:
        studyc_types = [m for m in col.models.all() if m["name"].startswith("studyc")]
        assert len(studyc_types) == 2, [m["name"] for m in studyc_types]  # no "… +" copies
        basic = col.models.get(BASIC.id)  # type: ignore[arg-type]
        assert basic is not None and ".studyc-upgrade-test" in basic["css"]
        assert "<!-- upgraded -->" in basic["tmpls"][0]["afmt"]
        assert [f["name"] for f in basic["flds"]] == list(BASIC.fields)
        assert note_rows(col) == rows, "notes keep their ids and contents"
        assert card_states(col) == states, "and their cards their history"
        cid = col.find_cards(f"nid:{_nid(setup, KEY)}")[0]
        assert "upgraded" in col.get_card(cid).answer()
    finally:
        col.close()


def test_note_on_another_note_type_is_migrated_keeping_id_and_history(setup: Setup) -> None:
    assert setup.sync() == 0
    nid = _nid(setup, KEY)
    col = setup.open()
    study_all(col)
    # as if an older studyc had written it with another note type
    stock = col.models.by_name("Basic")
    assert stock is not None
    info = col.models.change_notetype_info(old_notetype_id=BASIC.id, new_notetype_id=stock["id"])  # type: ignore[arg-type]
    request = info.input
    request.note_ids.extend([nid])
    col.models.change_notetype_of_notes(request)
    reps = col.db.scalar("select sum(reps) from cards where nid = ?", nid)  # type: ignore[union-attr]
    col.close()
    assert setup.sync() == 0
    col = setup.open()
    try:
        note = col.get_note(nid)  # type: ignore[arg-type]
        assert note.mid == BASIC.id
        assert note["Back"].startswith("<p>Labeled data already has")
        assert setup.where("02-modeling.md", QUESTION) in note["Source"]
        assert col.db.scalar("select sum(reps) from cards where nid = ?", nid) == reps == 1  # type: ignore[union-attr]
    finally:
        col.close()


def test_edits_to_different_fields_of_one_note_merge(setup: Setup) -> None:
    assert setup.sync() == 0
    _edit_in_anki(setup, KEY, "Back", "Edited in Anki.")
    setup.edit("02-modeling.md", "Q: How does labeled data differ", "Q: How does labelled data differ")
    assert setup.sync() == 0  # no conflict: each side changed another field
    assert _field(setup, KEY, "Back") == "Edited in Anki."
    assert "labelled" in _field(setup, KEY, "Front")
    assert setup.sync() == 0
    assert _field(setup, KEY, "Back") == "Edited in Anki.", "the Anki edit stays kept on later syncs"


def test_first_sync_after_an_import_respects_anki_edits(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the user imported the .apkg before sync existed, then fixed a typo in Anki
    apkg = build_apkg(setup.source, tmp_path / "out", 1700000000, lock=setup.source / "studyc.lock")
    col = setup.open()
    import_apkg(col, apkg)
    col.close()
    _edit_in_anki(setup, KEY, "Back", "Edited in Anki.")
    setup.edit("02-modeling.md", ANSWER, "A: Edited in the notes.")
    setup.edit("01-streams.md", "A: 1 MB.", "A: One megabyte.")
    assert setup.sync() == SyncConflictError.exit_code
    assert _field(setup, KEY, "Back") == "Edited in Anki."
    assert "One megabyte" in _field(setup, "record-size", "Back"), "a note not edited in Anki is updated"
    assert setup.sync() == SyncConflictError.exit_code, "still a conflict on the next sync"
    assert _field(setup, KEY, "Back") == "Edited in Anki."


def test_a_failed_apply_is_undone(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    assert setup.sync() == 0
    col = setup.open()
    rows, cards = note_rows(col), card_rows(col)
    col.close()
    files = {p: p.read_bytes() for p in (setup.source / "studyc.lock", setup.source / "studyc.sync.json")}
    setup.edit("01-streams.md", "title: Streams", "title: Data Streams")  # every card moves
    setup.edit("02-modeling.md", ANSWER, "A: Edited in the notes.")  # a note updates
    setup.edit("02-modeling.md", "## Exam tips", "Q: A new card?\n\nA: Yes.\n\n## Exam tips")  # one is added

    def broken(col: object, plan: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(collection, "_move", broken)
    assert setup.sync() == OutputError.exit_code
    col = setup.open()
    try:
        assert note_rows(col) == rows
        assert card_rows(col) == cards
    finally:
        col.close()
    assert {p: p.read_bytes() for p in files} == files


def test_missing_collection_is_a_usage_error(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = cli.main(["sync", str(setup.source), "--collection", str(setup.collection.parent / "nope.anki2")])
    assert code == UsageError.exit_code
    assert "no Anki collection at" in capsys.readouterr().err
    assert not (setup.collection.parent / "nope.anki2").exists(), "sync never creates a collection"
