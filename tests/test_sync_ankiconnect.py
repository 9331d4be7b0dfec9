"""``studyc sync --ankiconnect``: the same plan through AnkiConnect's protocol, against tests/ankiconnect_server.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from ankiconnect_server import serve
from sync_helpers import SAMPLE_NOTES, Setup, make_setup, note_rows

from compiler.anki.sync import state as statefile
from compiler.app import cli
from compiler.model.errors import AnkiConnectError

#: Actions studyc may send (AnkiConnect's documented ones).
ALLOWED = {
    "version", "multi", "findNotes", "notesInfo", "addNotes", "updateNoteFields", "changeDeck", "deleteNotes",
    "storeMediaFile", "modelNames", "createModel", "updateModelTemplates", "createDeck",
}  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return make_setup(tmp_path, monkeypatch)


def _sync(s: Setup, url: str, *flags: str) -> int:
    return cli.main(["sync", str(s.source), "--ankiconnect", url, *flags])


def test_fresh_sync_then_no_op_then_edits_moves_and_delete(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    col = setup.open()
    try:
        with serve(col) as (url, actions):
            assert _sync(setup, url) == 0
            rows = note_rows(col)
            assert len(rows) == SAMPLE_NOTES
            state = statefile.read(setup.source / statefile.STATE_NAME)
            # AnkiConnect gives its own ids; the state remembers them
            assert sorted(w.nid for w in state.notes.values()) == sorted(r[0] for r in rows.values())
            for cid in col.find_cards(""):
                assert col.get_card(cid).render_output().answer_text.strip()
            assert set(actions.calls) <= ALLOWED
            # nothing changed: nothing is written (no action but reads)
            actions.calls.clear()
            capsys.readouterr()
            assert _sync(setup, url) == 0
            assert "nothing to change" in capsys.readouterr().out
            assert note_rows(col) == rows
            assert set(actions.calls) <= {"version", "multi", "findNotes", "notesInfo", "modelNames"}
            # an edit, a renamed chapter, a removed card with --delete
            setup.edit("01-streams.md", "A: 1 MB.", "A: One megabyte.")
            setup.edit("01-streams.md", "title: Streams", "title: Data Streams")
            setup.remove_card("02-modeling.md", "Q: Which kind of learning uses unlabeled data?")
            assert _sync(setup, url, "--delete") == 0
            assert len(col.find_notes("")) == SAMPLE_NOTES - 1
            assert col.find_notes('"Back:*One megabyte*"')
            streams = col.find_notes('"deck:Sample::Data Streams"')
            assert len(streams) == 7 and not col.find_notes('"deck:Sample::Streams" -"deck:Sample::Streams::*"')
            assert set(actions.calls) <= ALLOWED
    finally:
        col.close()


def test_collection_sync_then_ankiconnect_finds_the_same_notes(setup: Setup) -> None:
    assert setup.sync() == 0
    col = setup.open()
    try:
        rows = note_rows(col)
        with serve(col) as (url, _):
            assert _sync(setup, url) == 0
            assert note_rows(col) == rows, "the notes the collection path wrote are found by their lock ids"
            setup.edit("02-modeling.md", "A: Unsupervised learning.", "A: Clustering, for one.")
            assert _sync(setup, url) == 0
            after = note_rows(col)
            assert set(after) == set(rows)
            changed = [g for g in rows if rows[g] != after[g]]
            assert len(changed) == 1 and "Clustering" in after[changed[0]][3]
    finally:
        col.close()


def test_anki_edit_is_kept_through_ankiconnect(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    col = setup.open()
    try:
        with serve(col) as (url, _):
            assert _sync(setup, url) == 0
            nid = col.find_notes('"Back:*Unsupervised*"')[0]
            note = col.get_note(nid)
            note["Back"] = "Fixed in Anki."
            col.update_note(note)
            setup.edit("02-modeling.md", "A: Unsupervised learning.", "A: Clustering.")
            capsys.readouterr()
            assert _sync(setup, url) == 8
            assert (
                setup.where("02-modeling.md", "Q: Which kind of learning uses unlabeled data?")
                in capsys.readouterr().out
            )
            assert col.get_note(nid)["Back"] == "Fixed in Anki."
    finally:
        col.close()


def test_nothing_listening_is_a_clear_error(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    capsys.readouterr()
    assert _sync(setup, f"http://127.0.0.1:{port}") == AnkiConnectError.exit_code
    err = capsys.readouterr().err
    assert "nothing answers" in err and "AnkiConnect" in err and "Traceback" not in err
    assert not (setup.source / "studyc.lock").exists()


def test_older_ankiconnect_is_refused(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    col = setup.open()
    try:
        with serve(col, api_version=5) as (url, actions):
            capsys.readouterr()
            assert _sync(setup, url) == AnkiConnectError.exit_code
            assert "speaks version 5" in capsys.readouterr().err
            assert actions.calls == ["version"]
            assert not col.find_notes("")
    finally:
        col.close()
