"""Notes, decks, tags, media and the package's rows, in process and through real Anki.

Small courses written here, built in memory (milliseconds) and, where Anki has a say,
imported into a real collection. Expectations come from the Markdown below, never from
studyc's own notes.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from anki_helpers import import_apkg as anki_import
from anki_helpers import new_collection

from compiler.anki import backend, models, notes
from compiler.anki.identity import Identity
from compiler.frontend import load_course
from compiler.model.backend import Options
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.errors import OutputError
from compiler.model.ir import BasicCard, CardContext, ClozeCard, Course, TableRowCard, iter_cards

COURSE = """---
title: Notes Test
exam: E
deck: "Top::2026  exam"
slug: nt
domains:
  - id: data
    name: Data
    weight: 100
---
"""
STREAMS = """---
title: Streams  <fast>
domain: data
tags: [aws::kinesis, flat]
---
Prose shows ![a picture no card uses](images/a-prose.png) first.

## Shards one

{covers="shard-facts"}
### Records

{#size tags="exam::numbers"}
Q: How large is a blob?

A: 1 MB, see ![diagram](images/card.png).

C: Records stay {{c2::24 hours}} or {{c3::7 days}}.

{.cards front="Service" ask="Why?"}
| Service | Purpose |
|---|---|
| Kinesis | streams |

## Exam tips

{#shard-facts}
> [!TIP]
> Know what a shard is.
"""
PLAIN = """---
title: Plain
---
Q: A card with no extra, no domain, no tags?

A: Yes.

{.cards front="Service"}
| Service | Purpose |
|---|---|
| Glue | catalogues |

Q: Which steps, in order?

1. extract
2. load

Q: Which tools, in any order?

- spark
- hive
"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + b"IHDR" + b"\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("notes") / "src"
    (src / "images").mkdir(parents=True)
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-streams.md").write_text(STREAMS, encoding="utf-8")
    (src / "02-plain.md").write_text(PLAIN, encoding="utf-8")
    (src / "images" / "a-prose.png").write_bytes(PNG + b"prose117")  # its media name sorts first
    (src / "images" / "card.png").write_bytes(PNG + b"card")
    return src


@pytest.fixture(scope="module")
def course(course_dir: Path) -> Course:
    found, diags = load_course(course_dir)
    problems = [d.format() for d in diags.items if d.severity == "error"]
    assert found is not None and not problems, problems
    return found


def _line(text: str, starts: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), start=1) if ln.startswith(starts))


def _ctx(course: Course, starts: str) -> Any:
    return next(c for c in iter_cards(course) if c.card.span.line == _line(STREAMS, starts))


def test_deck_names_follow_the_depth_without_accidental_nesting(course: Course) -> None:
    ctx = _ctx(course, "Q: How large")
    # the course deck and the titles, each '::' made ':' (no accidental nesting) and runs of spaces made one
    assert notes.deck_name(course, ctx, 0) == "Top:2026 exam"
    assert notes.deck_name(course, ctx, 1) == "Top:2026 exam"
    assert notes.deck_name(course, ctx, 2) == "Top:2026 exam::Streams <fast>"
    assert notes.deck_name(course, ctx, 3) == "Top:2026 exam::Streams <fast>::Shards one"
    assert notes.deck_name(course, ctx, 6) == "Top:2026 exam::Streams <fast>::Shards one::Records"


def test_tags_name_the_place_domain_tips_and_the_authors_tags(course: Course) -> None:
    chapter = "nt::chapter::streams::shards-one::records"
    assert notes.tags_for(course, _ctx(course, "Q: How large")) == (
        "aws::kinesis",
        "exam::numbers",
        "flat",
        chapter,
        "nt::domain::data",
        "nt::tip::shard-facts",
    )
    plain = next(c for c in iter_cards(course) if c.chapter.title == "Plain")
    assert notes.tags_for(course, plain) == ("nt::chapter::plain",)  # no domain, no tips, no tags
    assert notes.tag(" a b ", "", "c::d") == "a-b::c-d"


def test_the_source_field_names_the_place_and_escapes_it(course: Course, course_dir: Path) -> None:
    ctx = _ctx(course, "Q: How large")
    line = _line(STREAMS, "Q: How large")
    where = f"Streams  &lt;fast&gt; › Shards one › Records · 01-streams.md:{line}"
    assert notes.source_field(ctx) == where
    link = notes.SourceLink("https://x.org/{path}?l={line}&q='{abs_path}\"", course_dir)
    field = notes.source_field(ctx, link)
    url = f"https://x.org/01-streams.md?l={line}&q='{(course_dir / '01-streams.md').resolve().as_posix()}\""
    assert field == f'<a href="{html.escape(url, quote=True)}">{where}</a>'


def test_each_card_kind_fills_its_fields_in_order(course: Course) -> None:
    basic = _ctx(course, "Q: How large")
    note_type, fields, ords = notes.note_content(basic.card, "SRC") or pytest.fail("no note")
    assert note_type is models.BASIC and ords == (0,)
    assert dict(zip(models.BASIC.fields, fields, strict=True)) == {
        "Front": "<p>How large is a blob?</p>",
        "Back": fields[1],
        "Extra": "",
        "Source": "SRC",
        "Reverse": "",
    }
    assert fields[1].startswith("<p>1 MB, see <img") and "studyc-" in fields[1]
    cloze = _ctx(course, "C: Records")
    note_type, fields, ords = notes.note_content(cloze.card, "SRC") or pytest.fail("no note")
    assert note_type is models.CLOZE_TYPE and ords == (1, 2)  # c2 and c3: cards 2 and 3
    assert fields == ("<p>Records stay {{c2::24 hours}} or {{c3::7 days}}.</p>", "", "SRC")
    assert notes.note_content(cloze.card)[1][2] == ""  # type: ignore[index]
    row = next(c for c in iter_cards(course) if isinstance(c.card, TableRowCard) and c.chapter.title != "Plain")
    _, fields, _ = notes.note_content(row.card, "SRC") or pytest.fail("no note")
    assert fields[0].endswith('</dl><div class="ask">Why?</div>') and "<dt>Service</dt><dd>Kinesis</dd>" in fields[0]
    assert fields[1] == '<dl class="cells"><dt>Purpose</dt><dd>streams</dd></dl>'
    assert fields[2:] == ("", "SRC", "")
    plain_row = next(c for c in iter_cards(course) if isinstance(c.card, TableRowCard) and c.chapter.title == "Plain")
    # no ask: the front is the prompt cells alone
    assert notes.note_content(plain_row.card)[1][:2] == (  # type: ignore[index]
        '<dl class="cells"><dt>Service</dt><dd>Glue</dd></dl>',
        '<dl class="cells"><dt>Purpose</dt><dd>catalogues</dd></dl>',
    )


def test_list_cards_keep_ordered_or_bulleted_items(course: Course) -> None:
    lists = [c.card for c in iter_cards(course) if c.card.kind == "list"]
    # fresh copies: the rendered-fields cache would otherwise answer from an earlier test
    fields = {card.ordered: notes.note_content(card.model_copy()) for card in lists}
    assert sorted(fields) == [False, True]
    for ordered, tag in ((False, "ul"), (True, "ol")):
        note_type, (text, extra, source), ords = fields[ordered]  # type: ignore[misc]
        assert note_type is models.CLOZE_TYPE and ords == (0, 1) and (extra, source) == ("", "")
        assert f'<{tag} class="items"><li>{{{{c1::' in text and text.endswith(f"}}}}</li></{tag}>")


def test_a_cloze_with_no_deletion_is_reported_and_left_out(course: Course) -> None:
    ctx = _ctx(course, "C: Records")
    basic = _ctx(course, "Q: How large").card
    assert isinstance(ctx.card, ClozeCard) and isinstance(basic, BasicCard)
    broken = ctx.card.model_copy(update={"text": basic.front})  # what a renderer that lost the deletions gives
    assert notes.note_content(broken, "SRC") is None
    diags = Diagnostics()
    where = CardContext(chapter=ctx.chapter, sections=ctx.sections, card=broken)
    spec = notes.note_for(course, where, Identity("g", 1, 1), 2, diags)
    assert spec is None
    [d] = diags.items
    assert (d.code, d.path, d.line) == (Code.CLOZE_NO_DELETION, "01-streams.md", _line(STREAMS, "C: Records"))
    assert d.message == "this cloze card has no {{c1::…}} deletion Anki could show; it was left out of the deck"
    assert notes.note_for(course, where, Identity("g", 1, 1), 2) is None  # no diagnostics asked for


def test_a_note_spec_carries_its_identity_deck_and_tags(course: Course) -> None:
    ctx = _ctx(course, "Q: How large")
    spec = notes.note_for(course, ctx, Identity("guid-1", 1234, 5678), 3) or pytest.fail("no note")
    assert (spec.key, spec.guid, spec.nid, spec.modified) == ("size", "guid-1", 1234, 5678)
    assert spec.deck == "Top:2026 exam::Streams <fast>::Shards one"
    assert spec.tags == notes.tags_for(course, ctx)
    assert spec.fields[3].endswith(f"01-streams.md:{_line(STREAMS, 'Q: How large')}")


def _render(course: Course, src: Path, **kw: Any) -> bytes:
    kw.setdefault("build_time", 1_700_000_000)
    [out] = backend.render(course, Options(source_root=src, **kw), Diagnostics())
    assert out.name == "nt.apkg"
    return out.data


def test_only_the_images_cards_show_travel_with_the_deck(course: Course, course_dir: Path) -> None:
    assert [a.source_path for a in course.assets] == ["images/a-prose.png", "images/card.png"]  # unused one first
    with zipfile.ZipFile(io.BytesIO(_render(course, course_dir))) as zf:
        media = json.loads(zf.read("media"))
        assert len(media) == 1
        [(number, name)] = media.items()
        assert zf.read(number) == (course_dir / "images" / "card.png").read_bytes()
    card_asset = next(a for a in course.assets if a.source_path == "images/card.png")
    assert name == card_asset.media_name


def test_an_image_gone_before_the_deck_is_written_is_named(course: Course, tmp_path: Path, course_dir: Path) -> None:
    import shutil

    src = Path(shutil.copytree(course_dir, tmp_path / "src"))
    (src / "images" / "card.png").unlink()
    with pytest.raises(OutputError) as info:
        _render(course, src)
    line = next(a for a in course.assets if a.source_path == "images/card.png").span.line
    assert str(info.value) == (
        f"01-streams.md:{line}: image 'images/card.png' cannot be read (No such file or directory); "
        "restore the file or remove the reference"
    )
    (src / "images" / "a-prose.png").unlink()  # an image no card shows is not read at all
    (src / "images" / "card.png").write_bytes(PNG)
    _render(course, src)


def test_a_card_without_identity_is_an_error_at_its_line(course: Course, course_dir: Path) -> None:
    from compiler.anki.identity import Plan
    from compiler.anki.lock import Lock

    options = Options(source_root=course_dir, identity=Plan(identities={}, lock=Lock()))
    with pytest.raises(OutputError, match=r"^01-streams\.md:\d+: card 'size' has no identity$"):
        backend.notes(course, options)


def test_a_course_without_cards_still_makes_a_deck(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-empty.md").write_text("---\ntitle: Empty\n---\nOnly prose.\n", encoding="utf-8")
    empty, _ = load_course(src)
    assert empty is not None
    col = new_collection(tmp_path / "col")
    try:
        apkg = tmp_path / "nt.apkg"
        apkg.write_bytes(_render(empty, src))
        anki_import(col, apkg)
        assert col.note_count() == 0  # a valid package Anki imports without complaint
    finally:
        col.close()


@pytest.fixture(scope="module")
def imported(course: Course, course_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("col")
    apkg = folder / "nt.apkg"
    apkg.write_bytes(_render(course, course_dir, deck_depth=3))
    col = new_collection(folder / "col")
    anki_import(col, apkg)
    yield col
    col.close()


def test_real_anki_sees_the_notes_decks_and_tags(imported: Any, course: Course) -> None:
    col = imported
    assert col.note_count() == 7 and col.card_count() == 10  # the cloze and the lists make two cards each
    size = col.get_note(col.find_notes('"Front:*How large is a blob?*"')[0])
    assert sorted(size.tags) == sorted(notes.tags_for(course, _ctx(course, "Q: How large")))
    assert {col.decks.name(c.did) for c in size.cards()} == {"Top:2026 exam::Streams <fast>::Shards one"}
    plain = col.get_note(col.find_notes('"Front:*A card with no extra*"')[0])
    assert plain.tags == ["nt::chapter::plain"]
    assert {col.decks.name(c.did) for c in plain.cards()} == {"Top:2026 exam::Plain"}
    cloze = col.get_note(col.find_notes('"Text:*Records stay*"')[0])
    assert sorted(c.ord for c in cloze.cards()) == [1, 2]
    for nid in col.find_notes(""):  # a card's id is its creation time too: its note's, not 1970
        assert all(0 <= card.id - nid < 1000 for card in col.get_note(nid).cards())
    assert col.media.have(size.fields[1].split('src="')[1].split('"')[0])


def test_notes_made_without_a_lock_carry_the_build_time(
    course: Course, course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    for build_time, expected in ((1_700_000_000, 1_700_000_000), (None, 1_600_000_000)):
        apkg = tmp_path / f"{build_time}.apkg"
        apkg.write_bytes(_render(course, course_dir, build_time=build_time))
        col = new_collection(tmp_path / f"col-{build_time}")
        try:
            anki_import(col, apkg)
            assert {col.get_note(nid).mod for nid in col.find_notes("")} == {expected}
            # note ids are the creation time in milliseconds, and so sort by it
            assert all(expected * 1000 <= nid < (expected + 1) * 1000 for nid in col.find_notes(""))
        finally:
            col.close()


def _without_deletions(course: Course) -> Course:
    """The course with its cloze card's text replaced by one without deletions (what a lost deletion gives)."""
    chapter = course.chapters[0]
    cloze = _ctx(course, "C: Records").card
    basic = _ctx(course, "Q: How large").card
    broken = cloze.model_copy(update={"text": basic.front})

    def swap(section: Any) -> Any:
        blocks = tuple(broken if b is cloze else b for b in section.blocks)
        return section.model_copy(update={"blocks": blocks, "sections": tuple(swap(s) for s in section.sections)})

    chapter = chapter.model_copy(update={"sections": tuple(swap(s) for s in chapter.sections)})
    return course.model_copy(update={"chapters": (chapter, *course.chapters[1:])})


def test_the_deck_reports_and_leaves_out_a_card_anki_could_not_show(
    course: Course, course_dir: Path, tmp_path: Path
) -> None:
    broken = _without_deletions(course)
    diags = Diagnostics()
    [out] = backend.render(broken, Options(source_root=course_dir, build_time=1_700_000_000), diags)
    assert [(d.code, d.line) for d in diags.items] == [(Code.CLOZE_NO_DELETION, _line(STREAMS, "C: Records"))]
    apkg = tmp_path / "nt.apkg"
    apkg.write_bytes(out.data)
    col = new_collection(tmp_path / "col")
    try:
        anki_import(col, apkg)
        assert col.note_count() == 6 and not col.find_notes('"Text:*Records stay*"')
    finally:
        col.close()


def test_two_cards_on_one_guid_name_both(course: Course, course_dir: Path) -> None:
    from compiler.anki.identity import Plan
    from compiler.anki.lock import Lock

    ids = [c.card.id for c in iter_cards(course)]
    plan = Plan(identities={key: Identity("same-guid", 1, 1) for key in ids}, lock=Lock())
    with pytest.raises(OutputError) as info:
        backend.render(course, Options(source_root=course_dir, identity=plan), Diagnostics())
    assert str(info.value) == (
        f"cards '{ids[0]}' and '{ids[1]}' would share one Anki note (GUID same-guid); give each card its own {{#id}}"
    )


def test_notes_without_a_plan_match_against_an_empty_lock(course: Course, course_dir: Path) -> None:
    specs = backend.notes(course, Options(source_root=course_dir, build_time=1_700_000_000))
    assert [s.key for s in specs] == [c.card.id for c in iter_cards(course)]  # reading order, none left out
    assert len({s.guid for s in specs}) == len(specs)
    assert {s.modified for s in specs} == {1_700_000_000}


#: The cards table's scheduling columns, after id, nid, did, ord, mod and usn.
_STATE = "type, queue, ivl, factor, reps, lapses, left, odue, odid, flags, data"


def _ankis_own_cards(folder: Path, notes_added: int) -> tuple[list[Any], tuple[int, list[int]]]:
    """What Anki itself makes of notes added one after the other to a fresh collection: each card's
    (nid, due, state), and the card ids of a cloze note with three deletions added last."""
    col = new_collection(folder)
    try:
        deck = col.decks.id("Own")
        for i in range(notes_added):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"] = f"question {i}"
            col.add_note(note, deck)
        cloze = col.new_note(col.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::one}} {{c2::two}} {{c3::three}}"
        col.add_note(cloze, deck)
        rows = col.db.all(f"select nid, due, {_STATE} from cards where nid != ? order by nid", cloze.id)
        return rows, (cloze.id, sorted(c.id for c in cloze.cards()))
    finally:
        col.close()


@pytest.mark.parametrize("with_scheduling", [False, True], ids=["default", "with-learning-progress"])
def test_cards_arrive_as_new_cards_in_reading_order(
    course: Course, course_dir: Path, tmp_path: Path, with_scheduling: bool
) -> None:
    """A fresh deck's cards are what Anki makes of notes added by hand in reading order: new, unseen,
    unflagged, numbered from the first note on; also when the import keeps learning progress."""
    apkg = tmp_path / "nt.apkg"
    apkg.write_bytes(_render(course, course_dir))
    col = new_collection(tmp_path / "col")
    try:
        anki_import(col, apkg, with_scheduling=with_scheduling)
        rows = col.db.all(f"select nid, due, {_STATE} from cards")
        # the Source field ends with the note's place in the Markdown: "… · 01-streams.md:12"
        place = {nid: col.get_note(nid)["Source"].rsplit(" · ", 1)[1].split(":") for nid in col.find_notes("")}
        ids = {nid: sorted(c.id for c in col.get_note(nid).cards()) for nid in place}
    finally:
        col.close()
    own, own_cloze = _ankis_own_cards(tmp_path / "own", len(place))
    [new_card] = {tuple(r[2:]) for r in own}  # one state for every card Anki just made
    assert {tuple(r[2:]) for r in rows} == {new_card}
    reading = sorted(place, key=lambda nid: (place[nid][0], int(place[nid][1])))
    own_due = [due for _, due, *_ in own]  # in the order the notes were added
    assert {nid: due for nid, due, *_ in rows} == dict(zip(reading, own_due, strict=True))
    # a note's cards take consecutive ids from about its own on, as Anki's do
    for nid, cards in [*ids.items(), own_cloze]:
        assert cards == list(range(cards[0], cards[0] + len(cards))) and 0 <= cards[0] - nid < 1000


def _rewritten(apkg: bytes, folder: Path) -> bytes:
    """The package with every column Anki sets itself on import changed, and other zip entry attributes."""
    import sqlite3

    folder.mkdir()
    db = folder / "collection.anki2"
    with zipfile.ZipFile(io.BytesIO(apkg)) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    db.write_bytes(dict((i.filename, data) for i, data in entries)["collection.anki2"])
    conn = sqlite3.connect(db)
    try:
        conn.execute("UPDATE notes SET usn = 1, flags = 1, data = 'XXXX', sfld = 'XX', csum = 1")
        conn.execute("UPDATE cards SET usn = -2, data = 'XXXX'")
        conn.commit()
    finally:
        conn.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info, data in entries:
            info.external_attr, info.create_system = 0o777 << 16, 0  # any mode, made on "MS-DOS"
            zf.writestr(info, db.read_bytes() if info.filename == "collection.anki2" else data)
    return out.getvalue()


@pytest.mark.parametrize("with_scheduling", [False, True], ids=["default", "with-learning-progress"])
def test_anki_sets_the_columns_studyc_leaves_to_it(
    course: Course, course_dir: Path, tmp_path: Path, with_scheduling: bool
) -> None:
    """The usn, a note's flags, data, sort field and checksum, a card's data, and the zip entries' mode
    and system are Anki's to set: a package with other values there imports exactly as ours.
    (docs/mutation-survivors.md counts the package.py mutants that change only these as equivalent.)"""
    ours = _render(course, course_dir)

    def imported(data: bytes, name: str) -> tuple[list[Any], list[Any]]:
        (tmp_path / f"{name}.apkg").write_bytes(data)
        col = new_collection(tmp_path / name)
        try:
            anki_import(col, tmp_path / f"{name}.apkg", with_scheduling=with_scheduling)
            deck = {d.id: d.name for d in col.decks.all_names_and_ids()}
            cards = [(*r[:2], deck[r[2]], *r[3:]) for r in col.db.all("select * from cards order by id")]
            return col.db.all("select * from notes order by id"), cards
        finally:
            col.close()

    before = imported(ours, "ours")
    assert before[0] and before[1]
    assert imported(_rewritten(ours, tmp_path / "db"), "changed") == before
