"""The lock file's own format (compiler/anki/lock.py), as docs/updating.md describes it.

Each test parses or writes a few lines in memory (milliseconds), so ``make mutate`` kills
the parser's mutants without building a course. The column order is read from the
documentation's own column line, not from the code under test.
"""

from __future__ import annotations

import locale
import re
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given
from hypothesis import strategies as st

from compiler.anki import lock as lockfile
from compiler.anki.lock import Entry, Lock, LockError, NoteTypeEntry, clean_text

#: Entry field for each column name of docs/updating.md's lock line.
_FIELD = {
    "key": "key",
    "guid": "guid",
    "note type": "note_type",
    "note id": "nid",
    "modified": "modified",
    "fingerprint": "fingerprint",
    "content": "content",
    "question": "prompt",
    "answer": "answer",
    "kind": "kind",
    "section": "section",
    "after": "after",
}


def _documented_columns() -> list[str]:
    """The Entry fields in the order docs/updating.md lists the lock's columns."""
    text = (ROOT / "docs" / "updating.md").read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("card  <key>"))
    return [_FIELD[name] for name in re.findall(r"<([^>]+)>", line)]


COLUMNS = _documented_columns()
#: The nine columns of the first locks (no note type, kind, section or neighbour yet).
OLD = [c for c in COLUMNS if c not in ("note_type", "kind", "section", "after")]
FULL = Entry(
    key="ch/what-is-a-shard",
    guid="GUIDabc123",
    nid=1_700_000_000_123,
    modified=1_700_000_050,
    fingerprint="fp01",
    content="ct01",
    prompt="What is a shard?",
    answer="A unit of capacity.",
    note_type="basic",
    kind="definition",
    section="ch/streams",
    after="ch/intro",
)


def _line(entry: Entry, columns: list[str] = COLUMNS) -> str:
    return "card\t" + "\t".join(str(getattr(entry, c)) for c in columns) + "\n"


def _malformed(text: str, line: int, where: str = "studyc.lock") -> None:
    with pytest.raises(LockError) as caught:
        lockfile.parse(text, where) if where != "studyc.lock" else lockfile.parse(text)
    assert str(caught.value) == (
        f"{where}:{line}: malformed line; fix it by hand from version control, "
        "or delete the line (that card then gets a new Anki identity)"
    )


def test_the_documentation_lists_thirteen_columns() -> None:
    assert COLUMNS[0] == "key" and len(COLUMNS) == 12 and len(set(COLUMNS)) == 12


def test_a_card_line_reads_each_column_into_its_field() -> None:
    lock = lockfile.parse("version\t1\n" + _line(FULL))
    assert lock.entries == [FULL]
    assert lock.note_types == {}


def test_a_card_line_is_written_in_the_documented_column_order() -> None:
    text = lockfile.dumps(Lock(entries=[FULL]))
    cards = [ln for ln in text.splitlines(keepends=True) if ln.startswith("card\t")]
    assert cards == [_line(FULL)]


def test_the_header_names_the_columns_and_is_followed_by_the_version() -> None:
    lines = lockfile.dumps(Lock()).splitlines()
    assert lines[0].startswith("# studyc.lock: ")
    names = lines[1].removeprefix("# ").split("\t")
    assert [_FIELD[n.replace("-", " ").replace("prompt", "question")] for n in names[1:]] == COLUMNS
    assert names[0] == "card"
    assert lines[2:] == ["version\t1"]


def test_locks_from_before_the_newer_columns_still_load() -> None:
    old = FULL.__class__(**{**FULL.__dict__, "note_type": "", "kind": "", "section": "", "after": ""})
    assert lockfile.parse(_line(FULL, OLD)).entries == [old]
    ten = [c for c in COLUMNS if c not in ("kind", "section", "after")]
    with_type = FULL.__class__(**{**old.__dict__, "note_type": "basic"})
    assert lockfile.parse(_line(FULL, ten)).entries == [with_type]


@pytest.mark.parametrize("count", [1, 2, 7, 10, 11, 13])
def test_a_card_line_with_another_number_of_columns_is_malformed(count: int) -> None:
    cols = ["x"] * count if count < 3 else [str(getattr(FULL, c)) for c in COLUMNS] + ["x", "x"]
    _malformed("version\t1\n\ncard\t" + "\t".join(cols[:count]) + "\n", 3)


@pytest.mark.parametrize("column", ["nid", "modified"])
def test_a_card_line_whose_times_are_not_numbers_is_malformed(column: str) -> None:
    bad = [("12x" if c == column else str(getattr(FULL, c))) for c in COLUMNS]
    _malformed("card\t" + "\t".join(bad) + "\n", 1, "notes/studyc.lock")


def test_an_unknown_line_is_malformed_and_named_by_path_and_line() -> None:
    _malformed("# comment\nversion\t1\nnote\tx\n", 3, "src/studyc.lock")
    _malformed("version\t1\n" + _line(FULL) + "  indented\n", 3)
    _malformed("version\t1\nversion\n", 2)


def test_another_lock_version_asks_for_a_newer_studyc() -> None:
    with pytest.raises(LockError) as caught:
        lockfile.parse("# header\n\nversion\t2\n", "src/studyc.lock")
    assert str(caught.value) == "src/studyc.lock:3: lock version 2 is not supported by this studyc; upgrade studyc"
    assert caught.value.exit_code == 6


def test_blank_comment_and_conflict_marker_lines_are_skipped() -> None:
    other = Entry("ch/b", "GUIDB", 2, 2, "f", "c", "B?", "b")
    text = "".join(
        [
            "# a comment\n",
            "   \n",
            "\t\n",
            "<<<<<<< HEAD\n",
            _line(FULL),
            "||||||| base\n",
            "=======\n",
            _line(other, OLD),
            ">>>>>>> branch\n",
            "version\t1\n",
        ]
    )
    assert lockfile.parse(text).entries == [other, FULL]  # sorted by key


def test_fields_keep_their_exact_text_at_the_line_end() -> None:
    # the last column of a line is not trimmed of anything but the line break
    entry = Entry("k", "G", 1, 1, "f", "c", "q", "X", "basic", "basic", "s", "ch/endsX")
    assert lockfile.parse(_line(entry)).entries == [entry]
    assert lockfile.parse(_line(entry).replace("\n", "\r\n")).entries == [entry]
    assert lockfile.parse(_line(entry, OLD)).entries[0].answer == "X"


def test_the_same_card_on_both_sides_of_a_merge_keeps_the_older_identity() -> None:
    older = Entry("k", "GUIDOLD", 1000, 5, "f", "c", "q", "a")
    newer = Entry("k", "GUIDNEW", 2000, 1, "f", "c", "q", "a")
    for text in (
        _line(older, OLD) + _line(newer, OLD),
        _line(newer, OLD) + _line(older, OLD),
    ):
        assert lockfile.parse(text).entries == [older]
    # same note id: the smaller GUID, whichever side comes first
    twin = Entry("k", "GUIDAAA", 1000, 9, "f", "c", "q", "a")
    for text in (
        _line(older, OLD) + _line(twin, OLD),
        _line(twin, OLD) + _line(older, OLD),
    ):
        assert lockfile.parse(text).entries == [twin]


def test_of_one_card_edited_on_both_sides_of_a_merge_the_newer_line_wins() -> None:
    # same key, same identity: the newer modified time, whichever side comes first (the next
    # build then rises above both; see test_identity_match.py)
    older = Entry("k", "GUID", 1000, 100, "f1", "c1", "q", "a1")
    newer = Entry("k", "GUID", 1000, 200, "f2", "c2", "q", "a2")
    for text in (_line(older, OLD) + _line(newer, OLD), _line(newer, OLD) + _line(older, OLD)):
        assert lockfile.parse(text).entries == [newer]
    # the older identity still comes first
    first = Entry("k", "FIRST", 999, 1, "f0", "c0", "q", "a0")
    assert lockfile.parse(_line(newer, OLD) + _line(first, OLD)).entries == [first]


def test_of_one_card_edited_on_both_sides_in_the_same_second_neither_hash_is_kept() -> None:
    # a pinned SOURCE_DATE_EPOCH gives both branches the same time: whichever line were kept, users
    # of the other branch would hold a note of that time, which Anki does not replace
    one = Entry("k", "GUID", 1000, 100, "f1", "c1", "q", "a1")
    other = Entry("k", "GUID", 1000, 100, "f2", "c2", "q", "a2")
    for first, second in ((one, other), (other, one)):
        [kept] = lockfile.parse(_line(first, OLD) + _line(second, OLD)).entries
        assert (kept.guid, kept.nid, kept.modified, kept.content) == ("GUID", 1000, 100, "")
    # the same line twice (both sides kept it unchanged) is one card, hash and all
    assert lockfile.parse(_line(one, OLD) + _line(one, OLD)).entries == [one]


def test_one_note_listed_under_two_keys_goes_to_the_older_card() -> None:
    first = Entry("z/late-key", "SAME", 1000, 1, "f", "c", "q", "a")
    second = Entry("a/early-key", "SAME", 2000, 1, "f", "c", "q", "a")
    other = Entry("m/other", "OTHER", 1500, 1, "f", "c", "q", "a")
    text = "".join(_line(e, OLD) for e in (second, other, first))
    assert lockfile.parse(text).entries == [other, first]
    # same note id: the smaller key
    tie = Entry("b/key", "SAME", 1000, 1, "f", "c", "q", "a")
    text = "".join(_line(e, OLD) for e in (first, tie))
    assert lockfile.parse(text).entries == [tie]


def test_note_type_lines_keep_the_newest_time() -> None:
    text = "notetype\tbasic\t200\tc2\nnotetype\tbasic\t100\tc1\nnotetype\tcloze\t50\tz\nnotetype\tbasic\t300\tc3\n"
    assert lockfile.parse(text).note_types == {
        "basic": NoteTypeEntry("basic", 300, "c3"),
        "cloze": NoteTypeEntry("cloze", 50, "z"),
    }
    same_time = "notetype\tbasic\t200\tfirst\nnotetype\tbasic\t200\tsecond\n"
    assert lockfile.parse(same_time).note_types["basic"].content == "first"


@pytest.mark.parametrize(
    "line", ["notetype\tbasic\t200\n", "notetype\tbasic\t200\tc\tx\n", "notetype\tbasic\tnew\tc\n"]
)
def test_a_malformed_note_type_line_is_reported(line: str) -> None:
    _malformed("version\t1\n" + line, 2)


def test_the_lock_is_written_sorted_so_branches_merge_cleanly() -> None:
    cards = [Entry(k, "G" + k, n, 1, "f", "c", "q", "a") for n, k in enumerate(["b/two", "a/one", "c/three"])]
    types = {k: NoteTypeEntry(k, 5, "h") for k in ("cloze", "basic")}
    lines = lockfile.dumps(Lock(entries=cards, note_types=types)).splitlines()
    body = lines[2:]
    assert body == [
        "version\t1",
        "notetype\tbasic\t5\th",
        "notetype\tcloze\t5\th",
        *(_line(e).rstrip("\n") for e in sorted(cards, key=lambda e: e.key)),
    ]


_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12).filter(
    lambda s: not s.startswith(("#", "<<<<<<<", "=======", ">>>>>>>", "|||||||")) and s.strip() == s
)


@given(
    st.lists(
        st.builds(
            Entry,
            key=_TEXT.filter(bool),
            guid=_TEXT.filter(bool),
            nid=st.integers(0, 2**53),
            modified=st.integers(0, 2**40),
            fingerprint=_TEXT,
            content=_TEXT,
            prompt=_TEXT,
            answer=_TEXT,
            note_type=_TEXT,
            kind=_TEXT,
            section=_TEXT,
            after=_TEXT,
        ),
        max_size=6,
        unique_by=(lambda e: e.key, lambda e: e.guid),
    )
)
def test_a_written_lock_reads_back_the_same(entries: list[Entry]) -> None:
    lock = Lock(entries=entries, note_types={"basic": NoteTypeEntry("basic", 7, "h")})
    again = lockfile.parse(lockfile.dumps(lock))
    assert again.entries == sorted(entries, key=lambda e: e.key)
    assert again.note_types == lock.note_types


def test_clean_text_keeps_one_line_of_at_most_200_characters() -> None:
    assert clean_text("  What\tis\n a  shard? ") == "What is a shard?"
    long = "word " * 100
    assert clean_text(long) == long[:200]
    assert len(clean_text("x" * 300)) == 200


def test_read_and_write_a_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "studyc.lock"
    assert lockfile.read(path) == Lock()
    lock = Lock(entries=[Entry("k", "G", 1, 1, "f", "c", "Qué es ß?", "Ωmega")])
    assert lockfile.write(path, lock) is True
    assert path.read_bytes() == lockfile.dumps(lock).encode("utf-8")
    assert lockfile.write(path, lock) is False
    assert lockfile.read(path) == lock
    path.write_text("version\t1\nbad\n", encoding="utf-8")
    with pytest.raises(LockError, match=rf"^{re.escape(str(path))}:2: malformed line"):
        lockfile.read(path)


def test_an_unreadable_lock_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "studyc.lock"
    folder.mkdir()
    with pytest.raises(LockError, match=rf"^cannot read {re.escape(str(folder))}: Is a directory$"):
        lockfile.read(folder)


def test_a_lock_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    # an ASCII locale (or Windows' cp1252) must not change how the committed lock reads
    path = tmp_path / "studyc.lock"
    lock = Lock(entries=[Entry("k", "G", 1, 1, "f", "c", "Qué es ß?", "Ωmega – 1 MB")])
    lockfile.write(path, lock)
    previous = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C")  # Python's UTF-8 mode, when on, overrides it: then this passes trivially
        assert lockfile.read(path) == lock
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)
