"""Small mistakes get helpful errors: the right line, "did you mean", or the names to choose from."""

from __future__ import annotations

from pathlib import Path

from conftest import SAMPLE, studyc
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.frontend import load_course, parse_file
from compiler.model.diagnostics import Code, Diagnostic
from compiler.model.ir import BasicCard
from compiler.settings import Limits

COURSE = "---\ntitle: T\nexam: E\n---\n"


def check(tmp_path: Path, chapter: str, files: dict[str, str] | None = None) -> list[Diagnostic]:
    src = tmp_path / "notes"
    src.mkdir(parents=True, exist_ok=True)
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-a.md").write_text("---\ntitle: A\n---\n" + chapter, encoding="utf-8")
    for name, body in (files or {}).items():
        (src / name).write_text(body, encoding="utf-8")
    _, diags = load_course(src, jobs=1)
    return diags.sorted()


def messages(diags: list[Diagnostic], code: Code) -> list[tuple[int, int, str]]:
    return [(d.line, d.col, d.message) for d in diags if d.code is code]


TIP = "{#kinesis-shards}\n> [!TIP]\n> Know shards.\n\n"


def test_mistyped_tip_id_points_at_the_attribute_line_and_suggests(tmp_path: Path) -> None:
    # lines: 1-3 front matter, 4-6 tip, 8 attribute line, 9 question
    diags = check(tmp_path, TIP + '{#c1 tags="x" covers="kinesis-shard"}\nQ: What is a shard?\n\nA: Capacity.\n')
    assert messages(diags, Code.COVERAGE_UNKNOWN_TIP) == [
        (8, 23, "card covers unknown exam tip 'kinesis-shard'; did you mean 'kinesis-shards'?")
    ]


def test_unknown_tip_with_nothing_close_lists_the_chapters_tips_then_the_courses(tmp_path: Path) -> None:
    card = '{covers="zzz"}\nQ: What?\n\nA: That.\n'
    assert messages(check(tmp_path / "a", TIP + card), Code.COVERAGE_UNKNOWN_TIP)[0][2].endswith(
        "; this chapter's tips: kinesis-shards"
    )
    other = {"02-b.md": "---\ntitle: B\n---\n" + TIP.replace("kinesis-shards", "other-tip") + card}
    listed = messages(check(tmp_path / "b", card, other), Code.COVERAGE_UNKNOWN_TIP)
    assert listed[0][2].endswith("; the course's tips: other-tip")
    none = messages(check(tmp_path / "c", card), Code.COVERAGE_UNKNOWN_TIP)
    assert "the course has no exam tips yet" in none[0][2]


def test_section_covers_is_reported_at_its_attribute_line_with_the_title(tmp_path: Path) -> None:
    diags = check(tmp_path, TIP + '{covers="kinesis-shard"}\n## Shards\n\n{covers="kinesis-shards"}\nQ: A?\n\nA: B.\n')
    assert messages(diags, Code.COVERAGE_UNKNOWN_TIP) == [
        (8, 10, "section 'Shards' covers unknown exam tip 'kinesis-shard'; did you mean 'kinesis-shards'?")
    ]


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[a-z]{3,8}(-[a-z]{3,8}){1,3}", fullmatch=True), st.data())
def test_any_single_typo_in_a_tip_id_gets_the_tip_suggested(
    tmp_path_factory: object, tip: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(0, len(tip) - 1))
    typo = tip[:at] + tip[at + 1 :]  # one character dropped
    src = Path(tmp_path_factory.mktemp("typo"))  # type: ignore[attr-defined]
    diags = check(src, f'{{#{tip}}}\n> [!TIP]\n> A tip.\n\n{{covers="{typo}"}}\nQ: A?\n\nA: B.\n')
    found = messages(diags, Code.COVERAGE_UNKNOWN_TIP)
    assert found == [(8, 10, f"card covers unknown exam tip '{typo}'; did you mean '{tip}'?")]


def test_unknown_attribute_suggests_the_known_one(tmp_path: Path) -> None:
    diags = check(tmp_path, TIP + '{#c1 cover="kinesis-shards"}\nQ: A?\n\nA: B.\n')
    assert messages(diags, Code.ATTR_UNKNOWN) == [
        (8, 6, "attribute 'cover' has no meaning on a card (did you mean 'covers'?)")
    ]


def test_invalid_card_id_suggests_a_valid_one(tmp_path: Path) -> None:
    diags = check(tmp_path, '{id="Shard Size!"}\nQ: A?\n\nA: B.\n')
    assert messages(diags, Code.ID_INVALID) == [
        (4, 6, "id 'Shard Size!' may only use letters, digits, '-' and '_' (did you mean 'shard-size'?)")
    ]


def test_mistyped_image_gets_the_nearest_file_or_the_folders_files(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    (src / "images").mkdir(parents=True)
    (src / "images" / "pipeline.png").write_bytes((SAMPLE / "images" / "pipeline.png").read_bytes())
    diags = check(tmp_path, "![a](images/pipelin.png)\n\n![b](images/zzz.png)\n\n![c](pics/x.png)\n")
    assert [m for _, _, m in messages(diags, Code.IMAGE_MISSING)] == [
        "image 'images/pipelin.png' not found; did you mean 'images/pipeline.png'?",
        "image 'images/zzz.png' not found; 'images/' holds: pipeline.png",
        "image 'pics/x.png' not found; there is no folder 'pics/'",
    ]


def test_extra_after_a_definition_list_or_card_table_is_explained(tmp_path: Path) -> None:
    chapter = (
        "Term\n: Definition.\n\n::: extra\nMore.\n:::\n\n"
        "{.cards}\n| A | B |\n|---|---|\n| x | y |\n\n::: extra\nMore.\n:::\n"
    )
    found = messages(check(tmp_path, chapter), Code.DIRECTIVE_MISPLACED)
    assert [line for line, _, _ in found] == [7, 16]
    assert "cannot follow a definition list: it makes one card per term" in found[0][2]
    assert "cannot follow a card table: it makes one card per row" in found[1][2]


def _basic(text: str) -> list[BasicCard]:
    result = parse_file(Path("."), "01-a.md", "---\ntitle: A\n---\n" + text, Limits())
    assert result.diagnostics == []
    return [b for b in result.blocks if isinstance(b, BasicCard)]


def test_answer_on_the_line_right_after_the_question() -> None:
    (card,) = _basic(
        '{#c covers="t"}\nQ: How long\nare records kept?\nA: *24 hours*\nby default.\n\nStill the answer.\n'
    )
    assert card.id == "c" and card.covers == ("t",)
    assert card.front.markdown == "How long\nare records kept?"
    assert card.back.markdown == "*24 hours*\nby default.\n\nStill the answer."
    assert (card.span.line, card.span.end_line) == (5, 10)
    # the same card as with a blank line between
    (spaced,) = _basic(
        '{#c covers="t"}\nQ: How long\nare records kept?\n\nA: *24 hours*\nby default.\n\nStill the answer.\n'
    )
    assert spaced.front.blocks == card.front.blocks and spaced.back.blocks == card.back.blocks


def test_an_a_line_inside_prose_stays_prose() -> None:
    assert _basic("Some prose.\nA: not an answer.\n") == []


def test_cli_shows_the_typo_at_its_attribute_line(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    check(tmp_path, TIP + '{covers="kinesis-shard"}\nQ: What is a shard?\n\nA: Capacity.\n')
    proc = studyc("check", str(src), env={"NO_COLOR": "1", "PATH": ""})
    assert proc.returncode == 1
    expected = [
        f"{src}/01-a.md:8:10: error: card covers unknown exam tip 'kinesis-shard'; did you mean 'kinesis-shards'? "
        "[coverage.unknown-tip]",
        ' 8 | {covers="kinesis-shard"}',
        "   |          ^",
    ]
    lines = proc.stderr.splitlines()
    at = lines.index(expected[0])
    assert lines[at : at + 3] == expected
