"""The language server's hover shows what Anki shows: checked against real Anki's rendered cards.

The sample course, the shipped course and cards made of real READMEs' paragraphs
(``third_party.py``) are built into an ``.apkg``, imported into a real collection, and every
card is rendered by Anki (``card.render_output()``). The words of its question and answer
must be the words of the hover's front and back for that card, in order (the hover adds
only the ``Extra:`` label; Anki adds the Source line, which the hover leaves out).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from anki_helpers import build_apkg, copy_course, import_apkg, new_collection
from conftest import SAMPLE, SOURCE
from third_party import paragraph_cards

from compiler.app.lsp.preview import faces
from compiler.build import pipeline
from compiler.model.ir import iter_cards
from compiler.text.plain import html_text

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def anki_words(html: str) -> list[str]:
    return words(" ".join(html_text(re.sub(r"<style>.*?</style>", "", html, flags=re.S))))


def readme_course(folder: Path) -> Path:
    """A course of cards that answer with paragraphs of the installed packages' READMEs (third_party.py)."""
    folder.mkdir()
    (folder / "course.md").write_text((SAMPLE / "course.md").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "01-readmes.md").write_text(paragraph_cards(), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("notes", "cards"), [(SAMPLE, 14), (SOURCE, 270), (None, None)], ids=["sample", "shipped-course", "readmes"]
)
def test_every_hover_face_has_the_words_anki_renders(notes: Path | None, cards: int | None, tmp_path: Path) -> None:
    course_dir = copy_course(notes, tmp_path / "notes") if notes else readme_course(tmp_path / "notes")
    apkg = build_apkg(course_dir, tmp_path / "out", at=1_700_000_000)
    col = new_collection(tmp_path / "anki")
    import_apkg(col, apkg)
    course = pipeline.check(course_dir).course
    assert course is not None
    by_place = {(ctx.card.span.path, ctx.card.span.line): ctx.card for ctx in iter_cards(course)}
    compared = 0
    for cid in sorted(col.find_cards("")):
        card = col.get_card(cid)
        note = card.note()
        source = note["Source"]
        path, line = re.search(r"(\S+\.md):(\d+)$", source).groups()  # type: ignore[union-attr]
        face = faces(by_place[(path, int(line))])[card.ord]
        out = card.render_output()
        assert anki_words(out.question_text) == words(face.front), (source, card.ord)
        shown = anki_words(out.answer_text)
        assert shown[-len(words(source)) :] == words(source)  # Anki's last line: the Source field
        hover_back = [w for w in words(face.back) if w != "Extra"]
        assert shown[: -len(words(source))] == hover_back, (source, card.ord)
        compared += 1
    assert compared == sum(len(faces(card)) for card in by_place.values()) == (cards or compared) > 0
    col.close()
