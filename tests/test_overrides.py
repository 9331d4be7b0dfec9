"""Checking with unsaved texts (the language server's open buffers) equals checking the saved files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.build import pipeline
from compiler.frontend import is_note_path

NAME = "02-modeling.md"
#: Markdown that matters to studyc, plus line-end, BOM and NUL oddities a buffer can hold.
PIECES = st.sampled_from(
    ["Q: ", "A: ", "C: ", "{{c1::", "}}", '{covers="labels"}', '{#x covers="nope"}', "> [!TIP]\n> ", "## ", "---",
     "- ", ": ", "| a | b |\n|---|---|\n| 1 | 2 |", "::: extra", ":::", "$x$", "\n", "\n\n", "\r\n", "\r", "\ufeff",
     "\x00", "word ", "é🙂 ", "![i](images/none.png)", "<b onclick='x'>b</b>"]
)  # fmt: skip


def _result(root: Path, overrides: dict[str, str] | None = None) -> tuple[object, list[str]]:
    result = pipeline.check(root, overrides=overrides)
    course = result.course.model_dump() if result.course is not None else None
    return course, [d.format() for d in result.diagnostics.sorted()]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pristine") / "sample"
    shutil.copytree(SAMPLE, target)
    return target


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(PIECES, max_size=12), at=st.integers(min_value=0, max_value=30))
def test_an_unsaved_text_checks_like_the_same_text_saved(
    pieces: list[str], at: int, pristine: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lines = (SAMPLE / NAME).read_text(encoding="utf-8").split("\n")
    text = "\n".join([*lines[:at], "".join(pieces), *lines[at:]])
    saved = tmp_path_factory.mktemp("saved") / "sample"
    shutil.copytree(SAMPLE, saved)
    (saved / NAME).write_bytes(text.encode("utf-8"))
    assert _result(pristine, {NAME: text}) == _result(saved)


def test_an_unsaved_new_note_joins_the_course_and_other_paths_are_ignored(pristine: Path) -> None:
    chapter = '# Extra\n\n{covers="labels"}\nQ: What does a label give a model?\n\nA: The target to learn.\n'
    ignored = {"README.md": "Q: x", "_draft.md": "Q: x", "../outside.md": "Q: x", "/abs.md": "Q: x", "a.txt": "Q: x"}
    result = pipeline.check(pristine, overrides={"sub/03-extra.md": chapter, **ignored})
    shown = [d for d in result.diagnostics.sorted() if not d.code.verbose_only]  # the sample's tables: -v notices
    assert result.course is not None and shown == []
    assert [c.span.path for c in result.course.chapters] == ["01-streams.md", "02-modeling.md", "sub/03-extra.md"]
    assert not (pristine / "sub").exists()  # nothing was written
    assert [name for name in ignored if is_note_path(name)] == []


def test_an_empty_unsaved_chapter_is_reported_like_an_empty_file(pristine: Path) -> None:
    found = pipeline.check(pristine, overrides={NAME: " \n"}).diagnostics.sorted()
    shown = [(d.path, d.line, d.code.value) for d in found if not d.code.verbose_only]
    assert shown == [(NAME, 1, "file.empty")]
