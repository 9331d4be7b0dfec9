"""The Anki backend against real Anki: import, update in place, no-op rebuild."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from anki_helpers import (
    build_apkg,
    card_states,
    copy_course,
    import_apkg,
    log_counts,
    new_collection,
    notes_by_guid,
    study_all,
)
from conftest import SAMPLE, SOURCE

from compiler.frontend import load_course
from compiler.model.ir import AnyCard, Course, iter_cards

T1, T2 = 1_700_000_000, 1_700_086_400


def expected_cards(card: AnyCard) -> int:
    """How many Anki cards one IR card should make."""
    if card.kind in ("basic", "definition"):
        return 2 if card.reverse else 1
    if card.kind == "cloze":
        return len(card.deletions)
    if card.kind == "list":
        return len(card.items)
    return 1


def load(source: Path) -> Course:
    course, diags = load_course(source)
    assert course is not None, [d.format() for d in diags.sorted()]
    return course


def test_shipped_course_imports_into_real_anki(tmp_path: Path) -> None:
    src = copy_course(SOURCE, tmp_path / "src")
    course = load(src)
    cards = [ctx.card for ctx in iter_cards(course)]
    assert cards, "the shipped course has no cards yet"
    col = new_collection(tmp_path / "col")
    try:
        log = import_apkg(col, build_apkg(src, tmp_path / "out", T1, lock=src / "studyc.lock"))
        assert log_counts(log)["new"] == len(cards)
        assert col.note_count() == len(cards)
        assert col.card_count() == sum(expected_cards(c) for c in cards)
        for cid in col.find_cards(""):
            out = col.get_card(cid).render_output()
            assert out.question_text.strip() and out.answer_text.strip()
            for bad in ("Template Error", "No field named", "front of this card is blank"):
                assert bad not in col.get_card(cid).question(), bad
            assert "Template Error" not in out.answer_text
        assert not col.media.check().missing
        chapters = {c.title for c in course.chapters if any(True for _ in iter_cards(_only(course, c.id)))}
        decks = {col.decks.name(col.get_card(cid).did) for cid in col.find_cards("")}
        assert decks == {f"{course.deck}::{title}" for title in chapters}
        for note in notes_by_guid(col).values():
            assert all(" " not in t for t in note.tags)
            assert any(t.startswith(f"{course.slug}::chapter::") for t in note.tags)
    finally:
        col.close()


def _only(course: Course, chapter_id: str) -> Course:
    return course.model_copy(update={"chapters": tuple(c for c in course.chapters if c.id == chapter_id)})


def test_card_images_travel_as_media(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    (src / "more").mkdir()
    # same base name, different content: must not collide in the package
    (src / "more" / "pipeline.png").write_bytes((src / "images" / "pipeline.png").read_bytes() + b"\0")
    notes = src / "02-modeling.md"
    notes.write_text(
        notes.read_text().replace(
            "A: Unsupervised learning.",
            "A: Unsupervised learning.\n\n![one](images/pipeline.png) ![two](more/pipeline.png)",
        )
    )
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1))
        check = col.media.check()
        assert not check.missing
        stored = sorted(p.name for p in Path(col.media.dir()).iterdir())
        assert len(stored) == 2 and all(name.startswith("studyc-") for name in stored)
        [nid] = col.find_notes('"Back:*Unsupervised*"')
        back = col.get_note(nid)["Back"]
        assert all(name in back for name in stored)
    finally:
        col.close()


def test_edits_update_in_place_and_keep_review_history(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    lock = src / "studyc.lock"
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1, lock=lock))
        assert study_all(col) == col.card_count()
        before = card_states(col)
        guid_of = {
            line.split("\t")[1]: line.split("\t")[2]
            for line in lock.read_text().splitlines()
            if line.startswith("card\t")
        }

        streams, modeling = src / "01-streams.md", src / "02-modeling.md"
        text = streams.read_text()
        text = text.replace("A: 1 MB.", "A: 1 MiB (1,048,576 bytes).")  # changed answer
        text = text.replace(  # deleted card
            "C: Records stay in a stream for {{c1::24 hours}} by default, up to {{c2::7 days::max}}.\n", ""
        )
        streams.write_text(text)
        text = modeling.read_text()
        first = text[text.index("{#labeled-vs-unlabeled") : text.index("Q: Which kind of learning")]
        second = text[text.index("Q: Which kind of learning") : text.index(":::\n\n> [!NOTE]")]
        text = text.replace(first + second, second + first)  # reordered cards
        text += "\n## Added\n\nQ: What is a feature?\n\nA: An input attribute of the model.\n"  # added card
        modeling.write_text(text)

        log = import_apkg(col, build_apkg(src, tmp_path / "out", T2, lock=lock))
        counts = log_counts(log)
        assert counts["new"] == 1 and counts["conflicting"] == 0 and counts["missing_notetype"] == 0
        assert [n.fields[1] for n in log.updated] == ["1 MiB (1,048,576 bytes)."]  # the log strips HTML
        notes = notes_by_guid(col)
        assert len(notes) == len(guid_of) + 1  # the deleted card stays; nothing is duplicated
        assert notes[guid_of["record-size"]]["Back"] == "<p>1 MiB (1,048,576 bytes).</p>"
        after = card_states(col)
        for key, state in before.items():
            assert after[key] == state, f"review state of {key} changed"
        new = [state for key, state in after.items() if key not in before]
        assert len(new) == 1 and new[0].reps == 0 and new[0].revlog == 0
    finally:
        col.close()


def test_noop_rebuild_is_byte_identical_and_changes_nothing(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    lock = src / "studyc.lock"
    first = build_apkg(src, tmp_path / "out1", T1, lock=lock).read_bytes()
    lock_text = lock.read_text()
    # a later clock must not matter when nothing changed
    second_path = build_apkg(src, tmp_path / "out2", T2, lock=lock)
    assert second_path.read_bytes() == first
    assert lock.read_text() == lock_text
    col = new_collection(tmp_path / "col")
    try:
        shutil.copy(second_path, tmp_path / "second.apkg")
        import_apkg(col, tmp_path / "out1" / second_path.name)
        study_all(col)
        notes_before = {g: (n.mod, n.fields) for g, n in notes_by_guid(col).items()}
        states_before = card_states(col)
        log = import_apkg(col, tmp_path / "second.apkg")
        counts = log_counts(log)
        assert counts["new"] == 0 and counts["updated"] == 0
        assert {g: (n.mod, n.fields) for g, n in notes_by_guid(col).items()} == notes_before
        assert card_states(col) == states_before
    finally:
        col.close()


def test_template_change_updates_the_note_type_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.anki import models as anki_models

    src = copy_course(SAMPLE, tmp_path / "src")
    lock = src / "studyc.lock"
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1, lock=lock))
        study_all(col)
        states = card_states(col)
        types_before = {m["id"]: (m["name"], m["mod"]) for m in col.models.all()}

        templates = tmp_path / "templates"
        shutil.copytree(anki_models.TEMPLATE_DIR, templates)
        (templates / "style.css").write_text((templates / "style.css").read_text() + "\n.studyc { color: teal; }\n")
        monkeypatch.setattr(anki_models, "TEMPLATE_DIR", templates)
        log = import_apkg(col, build_apkg(src, tmp_path / "out", T2, lock=lock))
        col.models._clear_cache()  # the Python side caches note types read before the import

        assert log_counts(log) == log_counts(log) | {"new": 0, "updated": 0, "conflicting": 0}
        types_after = {m["id"]: (m["name"], m["mod"]) for m in col.models.all()}
        assert set(types_after) == set(types_before)  # no "studyc Basic+" copy
        basic = col.models.get(anki_models.BASIC.id)
        assert basic is not None and "color: teal" in basic["css"]
        assert types_after[anki_models.BASIC.id][1] > types_before[anki_models.BASIC.id][1]
        assert card_states(col) == states
    finally:
        col.close()


def test_deck_depth_adds_section_subdecks(tmp_path: Path) -> None:
    from compiler.model.backend import Options

    src = copy_course(SAMPLE, tmp_path / "src")
    course = load(src)
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1, Options(source_root=src, deck_depth=3)))
        decks = {col.decks.name(col.get_card(cid).did) for cid in col.find_cards("")}
        expected = {"::".join((course.deck, *ctx.breadcrumb)[:3]) for ctx in iter_cards(course)}
        assert decks == expected
        assert "Sample::Streams::Shards" in decks
    finally:
        col.close()


def test_math_reaches_anki_as_mathjax(tmp_path: Path) -> None:
    src = copy_course(SAMPLE, tmp_path / "src")
    notes = src / "02-modeling.md"
    notes.write_text(
        notes.read_text().replace("A: Unsupervised learning.", "A: Unsupervised learning, $k$-means: $x_{i+1}$.")
    )
    col = new_collection(tmp_path / "col")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", T1))
        [cid] = col.find_cards('"Back:*means*"')
        answer = col.get_card(cid).render_output().answer_text
        assert r"\(k\)" in answer and r"\(x_{i+1}\)" in answer
    finally:
        col.close()


def test_missing_image_stops_the_build_at_its_line(tmp_path: Path) -> None:
    from compiler.build import pipeline
    from compiler.model.backend import Options

    src = copy_course(SAMPLE, tmp_path / "src")
    notes = src / "02-modeling.md"
    text = notes.read_text().replace(
        "A: Unsupervised learning.", "A: Unsupervised learning.\n\n![gone](images/gone.png)"
    )
    notes.write_text(text)
    lines = text.splitlines()
    answer, image = lines.index("A: Unsupervised learning.") + 1, lines.index("![gone](images/gone.png)") + 1
    result = pipeline.build(src, tmp_path / "out", ["anki"], Options(source_root=src))
    assert result.failed(False)
    [diag] = [d for d in result.diagnostics.items if d.code.value == "image.missing"]
    # the reader reports the line of the block holding the image (the answer starts there)
    assert diag.path == "02-modeling.md" and answer <= diag.line <= image and diag.severity == "error"
    assert not (tmp_path / "out").exists()
