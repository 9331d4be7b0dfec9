"""Drive real Anki (the ``anki`` package) headlessly for the Anki and identity tests."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# A plain import, not pytest.importorskip: without the `anki` package (a test dependency in
# pyproject's `test` extra) these tests must fail loudly, not pass as skipped.
from anki import import_export_pb2
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.lang import set_lang
from anki.scheduler.v3 import CardAnswer

from compiler.build import pipeline
from compiler.model.backend import Options

set_lang("en_US")

IF_NEWER = import_export_pb2.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
ALWAYS = import_export_pb2.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS


def copy_course(src: Path, dst: Path) -> Path:
    """A writable copy of a course folder, without any lock a CLI run left there."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("studyc.lock"))
    return dst


def build_apkg(source: Path, out: Path, at: int, options: Options | None = None, **kw: Any) -> Path:
    """``studyc build --format anki`` with SOURCE_DATE_EPOCH=at; returns the package path."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", str(at))
    try:
        result = pipeline.build(source, out, ["anki"], options or Options(source_root=source), **kw)
    finally:
        mp.undo()
    assert result.course is not None and not result.failed(False), [d.format() for d in result.diagnostics.sorted()]
    return out / f"{result.course.slug}.apkg"


def new_collection(folder: Path) -> Collection:
    """An empty collection in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def import_apkg(col: Collection, path: Path, update: Any = IF_NEWER, with_scheduling: bool = False) -> Any:
    """Import like Anki's dialog with default options (update notes if newer); returns the log.
    ``with_scheduling`` is the dialog's "Import any learning progress" box."""
    options = ImportAnkiPackageOptions(
        merge_notetypes=False, update_notes=update, update_notetypes=update, with_scheduling=with_scheduling
    )
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log


def study_all(col: Collection, rating: Any = CardAnswer.GOOD) -> int:
    """Answer every card once through the v3 scheduler; returns how many were answered."""
    count = 0
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card.start_timer()
        states = col._backend.get_scheduling_states(cid)
        col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))
        count += 1
    return count


@dataclass(frozen=True)
class CardState:
    """What a review leaves on a card."""

    note_guid: str
    ord: int
    deck: str
    type: int
    queue: int
    due: int
    ivl: int
    reps: int
    revlog: int


def card_states(col: Collection) -> dict[tuple[str, int], CardState]:
    """(note GUID, ord) → scheduling state and revlog count."""
    out: dict[tuple[str, int], CardState] = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        note = col.get_note(card.nid)
        revlog = col.db.scalar("select count() from revlog where cid = ?", cid)
        deck = col.decks.name(card.did)
        out[(note.guid, card.ord)] = CardState(
            note.guid, card.ord, deck, card.type, card.queue, card.due, card.ivl, card.reps, revlog
        )
    return out


def notes_by_guid(col: Collection) -> dict[str, Any]:
    """GUID → note."""
    return {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}


def log_counts(log: Any) -> dict[str, int]:
    """How many notes each import log bucket holds."""
    names = ("new", "updated", "duplicate", "conflicting", "first_field_match", "missing_notetype")
    return {name: len(getattr(log, name)) for name in names}
