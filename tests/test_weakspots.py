"""The weak-spots sheet: a real Anki collection, really studied, decides what is printed.

The shipped deck is imported into a new collection with the ``anki`` package, every card
is studied ("easy"), then a few chosen notes are answered "again" several times (each a
different number of times). The weak-spots PDF must list exactly those notes, the one
with the most lapses first, and nothing else; the collection stays open (as when Anki
runs) while studyc reads it.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from anki_helpers import CardAnswer, build_apkg, copy_course, import_apkg, new_collection, study_all
from conftest import SAMPLE, SOURCE, studyc_here
from pypdf import PdfReader

from compiler.anki import lock
from compiler.anki.collection import CardReview, CollectionError, rank
from compiler.build import pipeline
from compiler.model.ir import BasicCard, iter_cards
from compiler.text.plain import plain

AT = 1_750_000_000


def _answer(col: object, cid: int, rating: object) -> None:
    card = col.get_card(cid)  # type: ignore[attr-defined]
    card.start_timer()
    states = col._backend.get_scheduling_states(cid)  # type: ignore[attr-defined]
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))  # type: ignore[attr-defined]


def _words(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(path: Path) -> str:
    return _words(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(path.read_bytes())).pages))


@pytest.fixture(scope="module")
def studied(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple[str, int]]]:
    """(notes folder, collection file, [(chosen card's prompt, times answered again)])."""
    tmp = tmp_path_factory.mktemp("weak")
    src = copy_course(SOURCE, tmp / "notes")
    apkg = build_apkg(src, tmp / "deck", AT, lock=src / "studyc.lock")
    course = pipeline.check(src).course
    assert course is not None
    guids = {e.key: e.guid for e in lock.read(src / "studyc.lock").entries}
    # one basic card from each chapter, failed 3, 2 and 1 times
    chosen = []
    for chapter in course.chapters:
        card = next(c.card for c in iter_cards(course) if c.chapter is chapter and isinstance(c.card, BasicCard))
        chosen.append(card)
    col = new_collection(tmp / "profile")
    import_apkg(col, apkg)
    assert study_all(col, CardAnswer.EASY) > 0  # every card is in review now, none lapsed
    by_guid = {col.get_note(nid).guid: nid for nid in col.find_notes("")}
    failed = []
    for times, card in zip((3, 2, 1), chosen, strict=False):
        for cid in col.card_ids_of_note(by_guid[guids[card.id]]):
            for _ in range(times):
                _answer(col, cid, CardAnswer.AGAIN)
                _answer(col, cid, CardAnswer.GOOD)  # back to review, so the next "again" is a lapse
        failed.append((plain(card.front), times))
    path = Path(col.path)
    yield src, path, failed  # type: ignore[misc]
    col.close()


def test_weak_spots_pdf_holds_exactly_the_failed_notes_weakest_first(
    studied: tuple[Path, Path, list[tuple[str, int]]], tmp_path: Path
) -> None:
    src, collection, failed = studied
    proc = studyc_here(
        "build", str(src), "-o", str(tmp_path), "--format", "cheatsheet", "--collection", str(collection)
    )
    assert proc.returncode == 0, proc.stderr
    pdf = tmp_path / "aws-ml-specialty-weak-spots.pdf"
    assert pdf.is_file()
    text = _pdf_text(pdf)
    # every printed note starts with its lapse count: exactly the failed ones, with their counts
    assert [int(n) for n in re.findall(r"✗(\d+)", text)] == [times for _, times in failed]
    positions = [text.find(_words(prompt)[:40]) for prompt, _ in failed]
    assert -1 not in positions, (positions, text[:2000])
    assert positions == sorted(positions)  # the most lapses first


def test_without_a_collection_no_weak_spots_and_verbose_says_why(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "notes")  # any course: the sample's cheat sheet lays out in a second
    proc = studyc_here("build", str(src), "-o", str(tmp_path / "out"), "--format", "cheatsheet", "-v", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    assert "weak-spots sheet not built: pass --collection PATH" in proc.stderr
    assert not list((tmp_path / "out").glob("*weak-spots*"))


def test_a_missing_collection_is_a_usage_error(tmp_path: Path) -> None:
    src = copy_course(SOURCE, tmp_path / "notes")
    proc = studyc_here("build", str(src), "-o", str(tmp_path / "out"), "--collection", str(tmp_path / "nope.anki2"))
    assert proc.returncode == 2
    assert "no Anki collection at" in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing written


def test_collection_without_the_cheatsheet_format_is_a_usage_error(tmp_path: Path) -> None:
    proc = studyc_here("build", str(SOURCE), "-o", str(tmp_path), "--format", "json", "--collection", str(tmp_path))
    assert proc.returncode == 2 and "the cheatsheet format makes" in proc.stderr


def test_not_a_collection_is_a_clear_error(tmp_path: Path) -> None:
    src = copy_course(SOURCE, tmp_path / "notes")
    bogus = tmp_path / "collection.anki2"
    bogus.write_text("not sqlite", encoding="utf-8")
    proc = studyc_here("build", str(src), "-o", str(tmp_path / "out"), "--collection", str(bogus))
    assert proc.returncode == CollectionError.exit_code == 10, proc.stderr
    assert "cannot open the Anki collection" in proc.stderr
    assert bogus.read_text(encoding="utf-8") == "not sqlite"  # read-only: never touched


def test_without_the_anki_package_the_error_says_how_to_install_it(tmp_path: Path) -> None:
    collection = tmp_path / "collection.anki2"
    collection.write_bytes(b"")
    argv = ["build", str(SOURCE), "-o", str(tmp_path / "out"), "--collection", str(collection)]
    code = f"import sys; sys.modules['anki'] = None; from compiler.app.cli import main; sys.exit(main({argv!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "needs the anki package; install it with: pip install 'studyc[anki]'" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


def test_ranking_prefers_lapses_then_fsrs_forgetting() -> None:
    known = CardReview(lapses=0, factor=2500, answers=(3, 3), days_since=1)
    lapsed = CardReview(lapses=2, factor=2100, answers=(3, 1), days_since=1)
    worse = CardReview(lapses=4, factor=1300, answers=(1, 1), days_since=1)
    fading = CardReview(lapses=0, factor=0, answers=(3,), days_since=60, stability=2.0, difficulty=8.0)
    fresh = CardReview(lapses=0, factor=0, answers=(3,), days_since=1, stability=30.0, difficulty=3.0)
    spots = rank({"a": [known], "b": [lapsed], "c": [worse], "d": [fading], "e": [fresh], "f": []}, "x")
    assert [w.card_id for w in spots.cards] == ["c", "d", "b"]  # known, fresh and unstudied are not weak
    assert spots.studied == 5
    assert [w.lapses for w in spots.cards] == [4, 0, 2]
