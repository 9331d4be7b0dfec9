"""Every card kind through real Anki, checked against the notes' source text.

The expectations below are written from the Markdown in ``NOTES`` by hand, by
note-type field name: they never come from studyc's own notes, so a backend that
swaps two fields, drops a reverse card or renumbers a cloze fails here even when
the package is self-consistent. The ``.apkg`` and the ``.csv`` are both imported
into real Anki and held to the same expectations.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from anki.import_export_pb2 import ImportCsvRequest
from anki_helpers import import_apkg, new_collection

from compiler.build import pipeline
from compiler.model.backend import Options

COURSE = "---\ntitle: Truth\nexam: Exam\n---\n"
NOTES = """\
---
title: Kinds
---
## Basics

Q: Which colour is the basic front?

A: The basic back is teal.

::: extra
Basic extra: teal was chosen at random.
:::

{.reverse}
Q: Reversible basic front?

A: Reversible basic back.

::: extra
Reversible basic extra.
:::

## Terms

Definition term
: The definition body.

{.reverse}
Reversible term
: The reversible definition body.

## Gaps

C: Clozes hide {{c1::alpha}} and {{c2::beta::greek}} and {{c1::gamma}}.

::: extra
Cloze extra.
:::

Q: Which list items?

- first item
- second item
- third item

::: extra
List extra.
:::

## Rows

{.cards front="Service" ask="What does it do?"}
| Service | Purpose | Tier |
|---|---|---|
| Kinesis | streams | one |
| Glue | catalogues | two |
"""
BASIC = "studyc Basic (optional reverse)"
CLOZE = "studyc Cloze"


def source(section: str, line: str) -> str:
    """The Source field: breadcrumb and the 1-based line of ``line`` in the notes."""
    number = NOTES.splitlines().index(line) + 1
    return f"Kinds › {section} · 01-kinds.md:{number}"


@dataclass(frozen=True)
class Expected:
    kind: str
    note_type: str
    fields: dict[str, str]
    """Field name → text (HTML reduced by ``plain``)."""
    ords: tuple[int, ...]
    """Card ordinals Anki must create: one card each."""
    deck: str = "Truth::Kinds"


EXPECTED = [
    Expected(
        "basic",
        BASIC,
        {
            "Front": "Which colour is the basic front?",
            "Back": "The basic back is teal.",
            "Extra": "Basic extra: teal was chosen at random.",
            "Source": source("Basics", "Q: Which colour is the basic front?"),
            "Reverse": "",
        },
        (0,),
    ),
    Expected(
        "reversible basic",
        BASIC,
        {
            "Front": "Reversible basic front?",
            "Back": "Reversible basic back.",
            "Extra": "Reversible basic extra.",
            "Source": source("Basics", "Q: Reversible basic front?"),
            "Reverse": "y",
        },
        (0, 1),
    ),
    Expected(
        "definition",
        BASIC,
        {
            "Front": "Definition term",
            "Back": "The definition body.",
            "Extra": "",
            "Source": source("Terms", "Definition term"),
            "Reverse": "",
        },
        (0,),
    ),
    Expected(
        "reversible definition",
        BASIC,
        {
            "Front": "Reversible term",
            "Back": "The reversible definition body.",
            "Extra": "",
            "Source": source("Terms", "Reversible term"),
            "Reverse": "y",
        },
        (0, 1),
    ),
    Expected(
        "cloze",
        CLOZE,
        {
            "Text": "Clozes hide {{c1::alpha}} and {{c2::beta::greek}} and {{c1::gamma}}.",
            "Extra": "Cloze extra.",
            "Source": source("Gaps", "C: Clozes hide {{c1::alpha}} and {{c2::beta::greek}} and {{c1::gamma}}."),
        },
        (0, 1),  # c1 twice is one card
    ),
    Expected(
        "list",
        CLOZE,
        {
            "Text": "Which list items?\n- {{c1::first item}}\n- {{c2::second item}}\n- {{c3::third item}}",
            "Extra": "List extra.",
            "Source": source("Gaps", "Q: Which list items?"),
        },
        (0, 1, 2),
    ),
    Expected(
        "table_row",
        BASIC,
        {
            "Front": "Service: Kinesis\n? What does it do?",
            "Back": "Purpose: streams\nTier: one",
            "Extra": "",
            "Source": source("Rows", "| Kinesis | streams | one |"),
            "Reverse": "",
        },
        (0,),
    ),
    Expected(
        "table_row",
        BASIC,
        {
            "Front": "Service: Glue\n? What does it do?",
            "Back": "Purpose: catalogues\nTier: two",
            "Extra": "",
            "Source": source("Rows", "| Glue | catalogues | two |"),
            "Reverse": "",
        },
        (0,),
    ),
]
KINDS = ["basic", "reversible basic", "definition", "reversible definition", "cloze", "list", "table_row"]


def plain(field: str) -> str:
    """A field's HTML as text: list items as ``- item`` lines, table cells as ``column: value`` lines."""
    text = field.replace("<li>", "\n- ").replace("<dt>", "\n").replace("</dt>", ": ")
    text = text.replace('<div class="ask">', "\n? ")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The notes built once into an .apkg and a .csv (with a lock, as ``studyc build`` does)."""
    root = tmp_path_factory.mktemp("truth")
    src = root / "src"
    src.mkdir()
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-kinds.md").write_text(NOTES, encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
    try:
        result = pipeline.build(src, root / "out", ["anki", "csv"], Options(source_root=src), lock=src / "studyc.lock")
    finally:
        mp.undo()
    problems = [d.format() for d in result.diagnostics.items if d.severity != "info"]  # information is no problem
    assert result.course is not None and not problems, problems
    return root / "out" / "truth.apkg", root / "out" / "truth.csv"


def test_the_expectations_cover_every_card_kind() -> None:
    assert sorted({e.kind for e in EXPECTED}) == sorted(KINDS)


def _notes(col: Collection) -> dict[str, Any]:
    """First field as text → note; two notes with the same first field would be a bug here."""
    out: dict[str, Any] = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        key = plain(note.fields[0])
        assert key not in out, f"two notes start with {key!r}"
        out[key] = note
    return out


def check_against_source(col: Collection) -> None:
    """Every note, field by field name, and every card, against ``EXPECTED``."""
    notes = _notes(col)
    first = {e.fields.get("Front", e.fields.get("Text")): e for e in EXPECTED}
    assert sorted(notes) == sorted(first)
    assert col.card_count() == sum(len(e.ords) for e in EXPECTED)
    for key, note in notes.items():
        want = first[key]
        assert note.note_type()["name"] == want.note_type, want.kind
        got = {name: plain(value) for name, value in note.items()}
        assert got == want.fields, want.kind
        cards = note.cards()
        assert sorted(card.ord for card in cards) == list(want.ords), want.kind
        assert {col.decks.name(card.did) for card in cards} == {want.deck}, want.kind
        for card in cards:
            check_rendered(card, want)


def _text(html_text: str) -> str:
    return " ".join(plain(re.sub(r"<style>.*?</style>", "", html_text, flags=re.S)).split())


def check_rendered(card: Any, want: Expected) -> None:
    """What Anki shows: the right side asks, the other answers; clozes hide their own number only."""
    out = card.render_output()
    question, answer = _text(out.question_text), _text(out.answer_text)
    if want.note_type == BASIC:
        front, back = (" ".join(want.fields[f].split()) for f in ("Front", "Back"))
        asks, tells = (front, back) if card.ord == 0 else (back, front)
        assert asks in question and tells not in question, (want.kind, card.ord, question)
        assert asks in answer and tells in answer, (want.kind, card.ord, answer)
        assert want.fields["Extra"] in answer and want.fields["Source"] in answer
        return
    deletions = re.findall(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", want.fields["Text"])
    for number, word, hint in deletions:
        hidden = int(number) == card.ord + 1
        assert (word not in question) is hidden, (want.kind, card.ord, word, question)
        if hidden and hint:
            assert hint in question
        assert word in answer
    assert want.fields["Extra"] in answer and want.fields["Source"] in answer


def test_apkg_in_real_anki_matches_the_source(built: tuple[Path, Path], tmp_path: Path) -> None:
    apkg, _ = built
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, apkg)
        check_against_source(col)
    finally:
        col.close()


def test_csv_in_real_anki_matches_the_source(built: tuple[Path, Path], tmp_path: Path) -> None:
    apkg, csv_path = built
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, apkg)  # the note types come from the package (docs/csv.md) ...
        col.remove_notes(col.find_notes(""))  # ... the notes only from the text file
        assert col.note_count() == 0
        metadata = col.get_csv_metadata(str(csv_path), None)
        log = col.import_csv(ImportCsvRequest(path=str(csv_path), metadata=metadata)).log
        assert (len(log.new), len(log.missing_notetype), len(log.conflicting)) == (len(EXPECTED), 0, 0)
        check_against_source(col)
    finally:
        col.close()
