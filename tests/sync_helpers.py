"""Shared set-up for the ``studyc sync`` tests: a course copy, a real collection, runs of the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki_helpers import copy_course
from conftest import SAMPLE

from compiler.app import cli

#: Notes and cards of tests/fixtures/sample (a list card makes one card per item, a cloze one per number).
SAMPLE_NOTES = 9


@dataclass
class Setup:
    """A course copy and a collection file, both in a test's tmp folder."""

    source: Path
    collection: Path

    def sync(self, *flags: str) -> int:
        """``studyc sync SOURCE --collection PATH FLAGS`` in this process; returns the exit code."""
        return cli.main(["sync", str(self.source), "--collection", str(self.collection), *flags])

    def open(self) -> Collection:
        return Collection(str(self.collection))

    def edit(self, name: str, old: str, new: str) -> None:
        """Replace ``old`` (which must be there) by ``new`` in a note file."""
        path = self.source / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def remove_card(self, name: str, question: str) -> None:
        """Delete the card asking ``question`` from a note file: its attribute line, question and answer."""
        path = self.source / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        at = line_of(path, question) - 1
        start = at - 1 if at > 0 and lines[at - 1].startswith("{") else at
        answer = next(n for n in range(at + 1, len(lines)) if lines[n].startswith("A: "))
        end = next((n for n in range(answer, len(lines)) if not lines[n].strip()), len(lines))
        path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")

    def where(self, name: str, text: str) -> str:
        """``name:line`` of the one line of a note file that holds ``text`` (as sync reports a card)."""
        return f"{name}:{line_of(self.source / name, text)}"


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the one line of ``path`` that holds ``text``; fails unless exactly one does."""
    found = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line]
    assert len(found) == 1, f"{text!r} is on lines {found} of {path.name}, not on exactly one"
    return found[0]


def make_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    """The sample course and an empty collection (call it from a fixture)."""
    # note times from a fixed past instant, so an edit made in Anki now is newer than any sync
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    source = copy_course(SAMPLE, tmp_path / "notes")
    profile = tmp_path / "profile"
    profile.mkdir()
    Collection(str(profile / "collection.anki2")).close()
    return Setup(source, profile / "collection.anki2")


def note_rows(col: Collection) -> dict[str, tuple[Any, ...]]:
    """GUID → (note id, mod, usn, fields, tags) straight from the collection."""
    assert col.db is not None
    return {r[1]: (r[0], *r[2:]) for r in col.db.all("select id, guid, mod, usn, flds, tags from notes")}


def card_rows(col: Collection) -> dict[int, tuple[Any, ...]]:
    """Card id → (note id, ord, deck id, mod, usn, reps)."""
    assert col.db is not None
    return {r[0]: tuple(r[1:]) for r in col.db.all("select id, nid, ord, did, mod, usn, reps from cards")}


def deck_of(col: Collection, guid: str) -> set[str]:
    """Deck names of a note's cards."""
    assert col.db is not None
    dids = col.db.list("select c.did from cards c join notes n on n.id = c.nid where n.guid = ?", guid)
    return {col.decks.name(did) for did in dids}
