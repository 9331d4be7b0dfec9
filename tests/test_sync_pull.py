"""``studyc pull``: edits made in Anki go back into the Markdown; a rebuild and a sync then change nothing."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_helpers import Setup, make_setup, note_rows

from compiler.anki import lock as lockfile
from compiler.anki.sync.markdown import same, to_markdown
from compiler.app import cli
from compiler.build import pipeline
from compiler.model.backend import Options


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    return make_setup(tmp_path, monkeypatch)


def _pull(s: Setup, *flags: str) -> int:
    return cli.main(["pull", str(s.source), "--collection", str(s.collection), *flags])


def _edit_in_anki(s: Setup, key: str, fields: dict[str, str]) -> None:
    nid = next(e.nid for e in lockfile.read(s.source / "studyc.lock").entries if e.key == key)
    col = s.open()
    try:
        note = col.get_note(nid)  # type: ignore[arg-type]
        for name, text in fields.items():
            note[name] = text
        col.update_note(note)
    finally:
        col.close()


def test_pull_round_trip(setup: Setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert setup.sync() == 0
    # a typo fixed on the phone (Anki's editor drops the <p>), a bold word, a cloze, a definition, a list card
    _edit_in_anki(
        setup, "labeled-vs-unlabeled", {"Back": "Labeled data has the <b>target</b>; unlabeled data lacks it."}
    )
    _edit_in_anki(
        setup,
        "streams/records-stay-in-a-stream-for-24-hours-by-default-up-to-7-days",
        {"Text": "Records stay in a stream for {{c1::24 hours}} by default, up to {{c2::365 days::max}}."},
    )
    _edit_in_anki(setup, "streams/producer", {"Back": "<p>Something that puts data into the stream.</p>"})
    _edit_in_anki(setup, "streams/what-does-a-data-record-consist-of", {"Text": "edited list"})
    _edit_in_anki(setup, "streams/consumer", {"Back": "<ul><li>reads</li><li>processes</li></ul>"})
    capsys.readouterr()
    assert _pull(setup) == 0
    out = capsys.readouterr().out
    modeling = (setup.source / "02-modeling.md").read_text(encoding="utf-8")
    streams = (setup.source / "01-streams.md").read_text(encoding="utf-8")
    assert "A: Labeled data has the **target**; unlabeled data lacks it.\n" in modeling
    assert "up to {{c2::365 days::max}}." in streams
    assert ": Something that puts data into the stream.\n" in streams
    # not mapped: the list card and HTML with no safe Markdown, each with file:line
    record = setup.where("01-streams.md", "Q: What does a data record consist of?")
    assert f"{record}: streams/what-does-a-data-record-consist-of: Text not pulled" in out
    assert f"{setup.where('01-streams.md', 'Consumer')}: streams/consumer: Back not pulled" in out
    col = setup.open()
    before = note_rows(col)
    col.close()
    build = pipeline.build(setup.source, tmp_path / "out", ["anki"], Options(source_root=setup.source))
    assert build.course is not None and not build.failed(False)
    capsys.readouterr()
    assert setup.sync() == 0
    col = setup.open()
    try:
        assert note_rows(col) == before, "nothing changes in Anki"
    finally:
        col.close()
    assert "nothing to change" in capsys.readouterr().out


def test_pull_dry_run_writes_nothing(setup: Setup) -> None:
    assert setup.sync() == 0
    _edit_in_anki(setup, "labeled-vs-unlabeled", {"Back": "Changed."})
    files = {p: p.read_bytes() for p in setup.source.glob("*.md")}
    assert _pull(setup, "--dry-run") == 0
    assert {p: p.read_bytes() for p in setup.source.glob("*.md")} == files


_WORDS = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs", "Pd", "Po"]) | st.sampled_from("&;#*_<>"),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(_WORDS, _WORDS)
def test_markdown_mapping_is_conservative(a: str, b: str) -> None:
    md = to_markdown(f"<p>{html.escape(a)}</p><p><b>{html.escape(b)}</b></p>")
    if md is not None:
        # what it maps is the text as written, paragraphs and marks kept, and nothing Markdown would reinterpret
        assert md.replace("**", "").split() == f"{a} {b}".split()
        assert not re.search(r"&#?\w+;", md)
    assert same(f"<p>{a}</p>", f"<p>{a}</p>")
