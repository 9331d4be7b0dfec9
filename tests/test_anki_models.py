"""The note types are a compatibility contract: these pins must never change.

Anki matches note types by id; a changed field or template list makes it create
"<name>+" and refuse to update existing notes. If a test here fails, do not
"fix" the expected values: add a new note type (new key) and a migration note
in docs/anki.md instead.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.anki.models import BASIC, CLOZE, CLOZE_TYPE, FRONT_BACK, NOTE_TYPES, model_json, stable_id
from compiler.anki.notes import tag
from compiler.model.diagnostics import Diagnostics


def test_note_type_schemas_are_pinned() -> None:
    pinned = {
        "studyc/note-type/basic/v1": (
            FRONT_BACK,
            ("Front", "Back", "Extra", "Source", "Reverse"),
            ("Card 1", "Card 2"),
        ),
        "studyc/note-type/cloze/v1": (CLOZE, ("Text", "Extra", "Source"), ("Cloze",)),
    }
    actual = {nt.key: (nt.kind, nt.fields, tuple(t[0] for t in nt.templates)) for nt in NOTE_TYPES}
    assert actual == pinned


def test_note_type_ids_are_fixed_and_distinct() -> None:
    # Derived from the key only: the same on every machine and every build.
    assert BASIC.id == 1202217768
    assert CLOZE_TYPE.id == 2063155268
    assert len({nt.id for nt in NOTE_TYPES}) == len(NOTE_TYPES)
    for nt in NOTE_TYPES:
        assert (1 << 30) <= nt.id < (1 << 31)
        assert nt.id == stable_id(nt.key)


def test_model_json_keeps_field_and_template_order() -> None:
    for nt in NOTE_TYPES:
        data = model_json(nt, 1_700_000_000, 1)
        assert [f["name"] for f in data["flds"]] == list(nt.fields)
        assert [t["name"] for t in data["tmpls"]] == [t[0] for t in nt.templates]
        assert [f["ord"] for f in data["flds"]] == list(range(len(nt.fields)))
        assert data["id"] == str(nt.id)
        assert data["type"] == nt.kind
        assert ".nightMode" in data["css"] and ".highlight" in data["css"]


def test_reverse_template_only_renders_when_reverse_is_set() -> None:
    data = model_json(BASIC, 1, 1)
    # Anki's "req": card 1 needs Front; card 2 needs Back and the Reverse flag
    assert data["req"] == [[0, "all", [0]], [1, "all", [1, 4]]]


def test_tags_never_contain_spaces() -> None:
    assert tag("Sample Course", "chapter", "two words") == "Sample-Course::chapter::two-words"
    assert tag("a::b") == "a-b"
    assert " " not in tag("  lead ", "trail  ")


def test_package_layout() -> None:
    import io

    from compiler.anki.backend import render
    from compiler.frontend import load_course
    from compiler.model.backend import Options

    course, _ = load_course(SAMPLE)
    assert course is not None
    [out] = render(course, Options(source_root=SAMPLE, build_time=1_700_000_000), Diagnostics())
    assert out.name == "sample.apkg"
    with zipfile.ZipFile(io.BytesIO(out.data)) as zf:
        names = zf.namelist()
        assert names[:2] == ["collection.anki2", "media"]
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_two_cards_never_share_a_note() -> None:
    import pytest

    from compiler.anki.backend import render
    from compiler.frontend import load_course
    from compiler.model.backend import Options
    from compiler.model.errors import OutputError
    from compiler.model.ir import BasicCard

    course, _ = load_course(SAMPLE)
    assert course is not None
    # what a duplicate {#id} would give if the id check were skipped
    chapter = course.chapters[1]
    section = chapter.sections[0]
    card = next(b for b in section.blocks if isinstance(b, BasicCard))
    twice = section.model_copy(update={"blocks": (*section.blocks, card)})
    broken = course.model_copy(
        update={
            "chapters": (course.chapters[0], chapter.model_copy(update={"sections": (twice, *chapter.sections[1:])}))
        }
    )
    with pytest.raises(OutputError, match="would share one Anki note"):
        render(broken, Options(source_root=SAMPLE, build_time=1), Diagnostics())


def test_identity_knows_which_note_type_each_card_kind_uses() -> None:
    from compiler.anki.identity import NOTE_FAMILY, Identity
    from compiler.anki.notes import note_for
    from compiler.frontend import load_course
    from compiler.model.ir import iter_cards

    course, _ = load_course(SAMPLE)
    assert course is not None
    kinds = set()
    for ctx in iter_cards(course):
        spec = note_for(course, ctx, Identity("g", 1, 1), 2)
        assert spec is not None
        assert spec.note_type.key == f"studyc/note-type/{NOTE_FAMILY[ctx.card.kind]}/v1"
        kinds.add(ctx.card.kind)
    assert kinds == set(NOTE_FAMILY)  # the sample has every kind


def test_model_json_carries_the_template_files_css_mod_and_deck() -> None:
    from compiler.anki.models import TEMPLATE_DIR, css

    for nt in NOTE_TYPES:
        data = model_json(nt, 1_234_567, 987)
        assert (data["mod"], data["did"], data["name"], data["sortf"]) == (1_234_567, 987, nt.name, 0)
        files = [(q, a) for _, q, a in nt.templates]
        assert [(t["qfmt"], t["afmt"]) for t in data["tmpls"]] == [
            ((TEMPLATE_DIR / q).read_text(encoding="utf-8"), (TEMPLATE_DIR / a).read_text(encoding="utf-8"))
            for q, a in files
        ]
        assert data["css"] == css()


def test_the_css_is_the_style_file_then_light_and_dark_code_colours() -> None:
    from compiler.anki.models import TEMPLATE_DIR, css
    from compiler.text.highlight import pygments_css

    text = css()
    style = (TEMPLATE_DIR / "style.css").read_text(encoding="utf-8").rstrip()
    assert text.startswith(style + "\n\n/* code highlighting (pygments) */\n")
    assert text.endswith("\n") and not text.endswith("\n\n")
    code = text[len(style) :]
    light = [ln for ln in pygments_css().splitlines() if not ln.strip().startswith("pre {")]
    assert "\n".join(light) in code
    rules = [re.sub(r"\s*/\*.*?\*/\s*$", "", ln) for ln in code.splitlines()[3:] if ln.strip()]
    assert all(rule.endswith("}") for rule in rules)  # whole rules, one a line: nothing glued between them
    for night in (".nightMode .highlight", ".night_mode .highlight"):  # both night-mode class names
        assert any(rule.startswith(night + " ") for rule in rules)
        assert all(rule.startswith(night) for rule in rules if night.split()[0][1:] in rule)
    assert not any(ln.strip().startswith("pre {") for ln in code.splitlines())  # Anki's pre background stays


def test_the_note_type_hash_follows_its_templates_and_css(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.anki import models

    folder = Path(shutil.copytree(models.TEMPLATE_DIR, tmp_path / "anki"))
    monkeypatch.setattr(models, "TEMPLATE_DIR", folder)
    base = {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}
    assert len(set(base.values())) == 2 and all(len(h) == 16 for h in base.values())
    assert base == {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}  # stable
    for name, changes in (("reverse-back.html", {BASIC.key}), ("cloze-front.html", {CLOZE_TYPE.key})):
        before = {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}
        (folder / name).write_text((folder / name).read_text(encoding="utf-8") + "<!-- edit -->", encoding="utf-8")
        after = {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}
        assert {k for k in after if after[k] != before[k]} == changes, name
    before = {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}
    (folder / "style.css").write_text("body { color: red; }\n", encoding="utf-8")
    after = {nt.key: models.model_hash(nt) for nt in NOTE_TYPES}
    assert all(after[k] != before[k] for k in after)  # the CSS is shared
    renamed = models.NoteType(BASIC.key, "Another name", BASIC.kind, BASIC.fields, BASIC.templates)
    assert models.model_hash(renamed) != after[BASIC.key]


def test_a_missing_template_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.anki import models
    from compiler.model.errors import OutputError

    monkeypatch.setattr(models, "TEMPLATE_DIR", tmp_path)
    with pytest.raises(OutputError) as info:
        models.model_hash(BASIC)
    assert str(info.value) == (
        f"cannot read Anki template {tmp_path / 'style.css'}: No such file or directory; "
        "restore templates/anki/ from the repository"
    )


def test_templates_are_read_as_utf8_whatever_the_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import locale

    from compiler.anki import models

    folder = Path(shutil.copytree(models.TEMPLATE_DIR, tmp_path / "anki"))
    style = folder / models.CSS_FILE
    style.write_text(style.read_text(encoding="utf-8") + "/* café → naïve */\n", encoding="utf-8")
    monkeypatch.setattr(models, "TEMPLATE_DIR", folder)
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")  # an ASCII locale: what open() without an encoding would decode with
    try:
        css = models.css()
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    assert "/* café → naïve */" in css


def test_note_type_hashes_are_the_ones_the_shipped_lock_recorded() -> None:
    """An earlier build wrote these hashes into the shipped course's lock: the same templates must hash the same
    in this version, or every user's note types would get a new modified time (an Anki update) on upgrade."""
    from conftest import SOURCE

    from compiler.anki import lock
    from compiler.anki.backend import note_type_hashes

    recorded = lock.read(SOURCE / "studyc.lock").note_types
    assert {key: entry.content for key, entry in recorded.items()} == note_type_hashes()
