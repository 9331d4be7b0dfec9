"""Rewordings and everyday edits end to end through real Anki: study, edit, rebuild, re-import.

One collection per course is imported and studied once; each round edits the
notes, rebuilds against the lock and re-imports into that same collection. After
every round: no duplicate note, every studied card keeps its scheduling state and
review log, and each edited card's text is now in the note it had before.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki_helpers import build_apkg, card_states, copy_course, import_apkg, log_counts, new_collection, study_all
from conftest import ROOT, SAMPLE, SOURCE
from test_rewordings import CORPUS

from compiler.anki import lock as lockfile

T1, DAY = 1_700_000_000, 86_400


@dataclass
class Studied:
    """A course copy, its lock and a collection where every card was studied."""

    src: Path
    out: Path
    col: Any
    at: int = T1


def _studied(tmp: Path, course: Path) -> Iterator[Studied]:
    st = Studied(copy_course(course, tmp / "src"), tmp / "out", new_collection(tmp / "col"))
    try:
        import_apkg(st.col, build_apkg(st.src, st.out, st.at, lock=st.src / "studyc.lock"))
        assert study_all(st.col) > 0
        yield st
    finally:
        st.col.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studied]:
    yield from _studied(tmp_path_factory.mktemp("source"), SOURCE)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studied]:
    yield from _studied(tmp_path_factory.mktemp("sample"), SAMPLE)


def _plain(field: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", field)).split())


def _note_with(col: Any, fragment: str) -> str:
    """GUID of the one note whose text holds ``fragment``."""
    want = " ".join(fragment.split())
    found = [n.guid for n in (col.get_note(nid) for nid in col.find_notes("")) if want in _plain(" ".join(n.fields))]
    assert len(found) == 1, f"{len(found)} notes hold {fragment!r}"
    return found[0]


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(src: Path) -> None:
        path = src / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def rebuild(
    st: Studied, edit: Callable[[Path], None], kept: list[tuple[str, str]], added: int = 0, same_deck: bool = True
) -> None:
    """One round: ``kept`` lists (text before, text after) of edited cards that must keep their note."""
    states = card_states(st.col)
    notes = st.col.note_count()
    old_guids = [_note_with(st.col, before) for before, _ in kept]
    edit(st.src)
    st.at += DAY
    log = import_apkg(st.col, build_apkg(st.src, st.out, st.at, lock=st.src / "studyc.lock"))
    counts = log_counts(log)
    assert counts["new"] == added and counts["conflicting"] == counts["missing_notetype"] == 0, counts
    assert st.col.note_count() == notes + added  # no duplicate: removed notes stay, nothing else appears
    after = card_states(st.col)
    for key, state in states.items():
        now = after[key]
        assert (now if same_deck else now.__class__(**{**vars(now), "deck": state.deck})) == state, key
    for guid, (_, text) in zip(old_guids, kept, strict=True):
        assert _note_with(st.col, text) == guid, f"{text!r} lost its review history"


def _shows(text: str) -> str:
    line = text.splitlines()[0]
    return line[3:] if line[:3] in ("Q: ", "A: ", "C: ") else line


def _apart(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two edits that do not touch the same card text."""
    first_a, first_b = a["old"].splitlines()[0], b["old"].splitlines()[0]
    return first_a not in b["old"] and first_b not in a["old"]


def _rounds(folder: Path) -> list[list[dict[str, Any]]]:
    """The corpus's Anki edits of one course, in rounds of edits that touch different text."""
    edits = [e for e in CORPUS if e.get("anki") and (ROOT / e["file"]).parent == folder]
    rounds: list[list[dict[str, Any]]] = []
    for edit in edits:
        free = next((r for r in rounds if all(_apart(edit, other) for other in r)), None)
        if free is None:
            rounds.append(free := [])
        free.append(edit)
    return rounds


def _corpus_round(st: Studied, edits: list[dict[str, Any]]) -> None:
    def apply(src: Path) -> None:
        for e in edits:
            _replace(Path(e["file"]).name, e["old"], e["new"])(src)

    def undo(src: Path) -> None:
        for e in edits:
            _replace(Path(e["file"]).name, e["new"], e["old"])(src)

    kept = [(e.get("was", _shows(e["old"])), e.get("shows", _shows(e["new"]))) for e in edits]
    rebuild(st, apply, kept)
    # and back: the next round starts from the shipped text, and undoing an edit keeps the note too
    rebuild(st, undo, [(after, before) for before, after in kept])


def test_corpus_rewordings_of_the_shipped_course_keep_their_history(source: Studied) -> None:
    rounds = _rounds(SOURCE)
    assert sum(map(len, rounds)) >= 7
    for edits in rounds:
        _corpus_round(source, edits)


def test_corpus_rewordings_of_the_sample_course_keep_their_history(sample: Studied) -> None:
    rounds = _rounds(SAMPLE)
    assert sum(map(len, rounds)) >= 3
    for edits in rounds:
        _corpus_round(sample, edits)


STREAMS = "03-streaming-data-collection.md"
THROUGHPUT = (
    "Q: How many records per second can one Kinesis Data Streams shard ingest?\n\n"
    "A: Up to 1,000 records (or 1 MB) per second."
)
SPLIT = (
    "Q: How many records per second can a single Kinesis Data Streams shard take in?\n\n"
    "A: Up to 1,000 records per second.\n\n"
    "Q: How much data can a shard take in?\n\nA: 1 MB per second."
)
TWO = (
    "Q: What is Kinesis Data Firehose called today?\n\nA: Amazon Data Firehose.\n\n"
    "Q: What is Kinesis Data Analytics (for Apache Flink) called today?\n\n"
    "A: Amazon Managed Service for Apache Flink."
)
MERGED = (
    "Q: What are Kinesis Data Analytics (for Apache Flink) and Kinesis Data Firehose called today?\n\n"
    "A: Amazon Managed Service for Apache Flink, and Amazon Data Firehose."
)


def test_split_gives_the_old_note_to_the_half_that_keeps_most(source: Studied) -> None:
    rebuild(source, _replace(STREAMS, THROUGHPUT, SPLIT), [("1,000 records (or 1 MB)", "1,000 records per second")], 1)


def test_merge_keeps_the_best_matching_old_note_and_removes_only_the_other(source: Studied) -> None:
    lock = source.src / "studyc.lock"
    before = {e.guid: e.prompt for e in lockfile.read(lock).entries}
    rebuild(
        source,
        _replace(STREAMS, TWO, MERGED),
        [("What is Kinesis Data Analytics (for Apache Flink) called", MERGED[3:60])],
    )
    gone = [prompt for guid, prompt in before.items() if guid not in {e.guid for e in lockfile.read(lock).entries}]
    assert gone == ["What is Kinesis Data Firehose called today?"]


def _move_to_other_chapter(src: Path) -> None:
    card = "Q: Which kind of learning uses unlabeled data?\n\nA: Unsupervised learning.\n\n"
    _replace("02-modeling.md", card, "")(src)
    moved = '{covers="labels"}\n' + card  # outside its `::: covers labels` region it says so itself
    _replace("01-streams.md", "## Exam tips", "## Learning\n\n" + moved + "## Exam tips")(src)


def _rename_chapter_file(src: Path) -> None:
    (src / "02-modeling.md").rename(src / "02-learning.md")


def _rename_tip(src: Path) -> None:
    _replace("01-streams.md", "{#terms}", "{#roles}")(src)
    _replace("01-streams.md", 'covers="terms"', 'covers="roles"')(src)


def _retitle(src: Path) -> None:
    _replace("01-streams.md", "title: Streams", "title: Data streams")(src)
    _replace("course.md", "title: Sample Course", "title: A Sample Course")(src)


TABLE_ROW = "| Stream video from cameras | Video Streams | Built for video, audio and radar |"
EDITED_ROWS = (
    "| Stream video from cameras | Kinesis Video Streams | Built for video, audio and radar |\n"
    "| Analyse a stream with SQL | Managed Flink | Runs queries on streaming data |"
)
EVERYDAY = [
    ("card moved to another chapter", _move_to_other_chapter, [("Unsupervised", "Unsupervised")], 0),
    ("chapter file renamed", _rename_chapter_file, [("How does labeled data differ",) * 2], 0),
    ("table cell edited, row added", _replace("01-streams.md", TABLE_ROW, EDITED_ROWS),
     [("Stream video", "Kinesis Video Streams")], 1),
    ("tip id renamed", _rename_tip, [("Consumer", "Consumer")], 0),
    ("chapter and course title changed", _retitle, [("Load logs straight into S3", "Load logs straight into S3")], 0),
]  # fmt: skip


def test_everyday_edits_of_the_sample_course_keep_their_history(sample: Studied) -> None:
    for name, edit, kept, added in EVERYDAY:
        try:
            rebuild(sample, edit, kept, added, same_deck=name != "chapter and course title changed")
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from exc
