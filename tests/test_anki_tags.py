"""Tags keep Anki's ``::`` hierarchy and ``source_url`` links the Source field, checked through real Anki."""

from __future__ import annotations

from pathlib import Path

import pytest
from anki_helpers import build_apkg, import_apkg, new_collection

from compiler.model.backend import Options
from compiler.model.errors import ConfigError
from compiler.settings import load_config

CHAPTER = """---
title: Streams
tags: [aws::kinesis]
---
{#size tags="exam::numbers exam::::odd"}
Q: How large may a record's blob be?

A: 1 MB.

{#plain tags="flat"}
Q: What carries a record's order?

A: Its sequence number.
"""


def test_user_tags_keep_their_hierarchy_in_anki(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: Tags\nexam: E\n---\n", encoding="utf-8")
    (src / "01-streams.md").write_text(CHAPTER, encoding="utf-8")
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", 1_800_000_000))
        by_tag = {tag: set(col.find_notes(f'"tag:{tag}"')) for tag in ("exam", "exam::numbers", "aws", "aws::kinesis")}
        size = set(col.find_notes('"Front:*record*blob*"'))
        assert len(size) == 1
        # a search for the parent tag finds the child: Anki reads "::" as a hierarchy
        assert by_tag["exam::numbers"] == by_tag["exam"] == size
        assert len(by_tag["aws::kinesis"]) == len(by_tag["aws"]) == 2
        note = col.get_note(next(iter(size)))
        assert {"exam::numbers", "exam::odd", "aws::kinesis"} <= set(note.tags)
        assert not any("-" in t and t.startswith(("exam", "aws")) for t in note.tags)
        tree = {child.name for child in col.tags.tree().children}
        assert {"exam", "aws"} <= tree
    finally:
        col.close()


def test_source_url_links_each_note_back_to_its_line_and_updates_old_notes(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: Tags\nexam: E\n---\n", encoding="utf-8")
    (src / "01-streams.md").write_text(CHAPTER, encoding="utf-8")
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", 1_800_000_000, Options(source_root=src)))
        (nid,) = col.find_notes('"Front:*record*blob*"')
        assert "<a " not in col.get_note(nid)["Source"]
        # the same notes, now with a link template: a re-import updates them in place
        template = "https://example.org/notes/blob/main/{path}#L{line}?abs={abs_path}"
        options = Options(source_root=src, source_url=template)
        log = import_apkg(col, build_apkg(src, tmp_path / "out", 1_800_000_100, options))
        assert len(log.updated) == 2 and not log.new
        (again,) = col.find_notes('"Front:*record*blob*"')
        assert again == nid
        card = col.get_note(nid).cards()[0]
        answer = card.render_output().answer_text
        url = f"https://example.org/notes/blob/main/01-streams.md#L6?abs={(src / '01-streams.md').resolve().as_posix()}"
        assert f'<a href="{url}">' in answer
        assert "01-streams.md:6</a>" in answer
    finally:
        col.close()


def test_source_url_placeholders_are_checked(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text('source_url = "vscode://file/{abs_pth}:{line}"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"source_url: unknown placeholder '\{abs_pth\}' \(did you mean 'abs_path'\?\)"
    ):
        load_config(tmp_path)
    (tmp_path / "studyc.toml").write_text('source_url = "vscode://file/{abs_path}:{line}"\n', encoding="utf-8")
    assert load_config(tmp_path).source_url == "vscode://file/{abs_path}:{line}"
