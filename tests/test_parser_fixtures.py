"""Parser fixtures: each tests/fixtures/parser/NAME.md → NAME.json (lowered IR + diagnostics)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, assert_snapshot, to_json

from compiler.frontend import FileResult, parse_file
from compiler.model.ir import AnyCard, Question, Section
from compiler.settings import Limits
from compiler.text.html import HtmlRenderer

CARD_KINDS = {"basic", "definition", "cloze", "list", "table_row"}

PARSER = FIXTURES / "parser"
CASES = sorted(PARSER.glob("*.md"))


def lower(path: Path) -> dict[str, object]:
    result = parse_file(PARSER, path.name, path.read_text(encoding="utf-8"), Limits())
    return {
        "title": result.title,
        "meta": result.meta,
        "blocks": [b.model_dump(mode="json") for b in result.blocks],
        "sections": [s.model_dump(mode="json") for s in result.sections],
        "diagnostics": [d.format() for d in result.diagnostics],
    }


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixture(case: Path) -> None:
    assert_snapshot(case.with_suffix(".json"), to_json(lower(case)))


def test_every_fixture_has_a_snapshot() -> None:
    assert CASES, "no parser fixtures found"
    missing = [c.name for c in CASES if not c.with_suffix(".json").exists()]
    assert not missing


# --- behaviour, stated outright -------------------------------------------------------------
# The snapshots above catch any change; these say what is right, so a wrong snapshot accepted
# with STUDYC_UPDATE_SNAPSHOTS=1 still fails here. Lines are counted in the fixture files.


def parsed(name: str) -> FileResult:
    path = PARSER / f"{name}.md"
    return parse_file(PARSER, path.name, path.read_text(encoding="utf-8"), Limits())


def cards_of(result: FileResult) -> dict[str, AnyCard]:
    found: dict[str, AnyCard] = {}

    def walk(blocks: Iterable[Any], sections: Iterable[Section]) -> None:
        for block in blocks:
            if block.kind in CARD_KINDS:
                found[block.id] = block
        for section in sections:
            walk(section.blocks, section.sections)

    walk(result.blocks, result.sections)
    return found


#: fixture → card id → (first line, last line): the question through the end of its answer.
SPANS = {
    "qa": {
        "explicit-id": (7, 9),
        "qa/a-question-whose-answer-spans-blocks": (11, 20),
        "qa/capital-of-france": (27, 29),
    },
    "list": {"list/when-is-firehose-the-right-choice": (6, 10), "list/steps-in-order": (12, 15)},
    "cloze": {
        "cloze/a-shard-ingests-up-to-1000-records-per-second-blobs-up-to-1-mb": (6, 6),
        "cloze/the-ml-cycle-1-fetch-2-clean": (8, 11),
    },
    "definitions": {"definitions/structured-data": (6, 7), "definitions/data-lake": (10, 13)},
    "definitions_multi": {
        "definitions-multi/term-a": (4, 5),
        "definitions-multi/term-b": (7, 8),
        "definitions-multi/term-c": (10, 12),
    },
    "extra": {"extra/what-does-kpl-stand-for": (6, 8), "extra/items": (14, 17)},
    "sections": {"sections/inherits-tip-x": (10, 12), "sections/covers-both": (17, 19)},
    "table_cards": {
        "table-cards/postgresql-rds": (9, 9),
        "table-cards/log-files-in-s3": (10, 10),
        "table-cards/stream-video-big": (15, 15),
    },
    "generated": {
        "generated/land-events-in-s3-within-a-minute": (6, 6),
        "generated/replay-a-stream-for-a-week": (7, 7),
        "generated/run-sql-on-files-in-s3": (8, 8),
        "generated/join-s3-files-with-warehouse-tables": (9, 9),
        "generated/buffer-to-s3-with-transforms": (10, 10),
        "generated/k-means": (15, 15),
        "generated/xgboost": (16, 16),
        "generated/bucket": (18, 19),
        "generated/shard": (21, 22),
        "generated/partition-key": (24, 25),
    },
    "no_answer": {},
    "question": {"question/a-list-card-stays-a-list-card": (30, 33)},  # questions: test_question_* below
    "question_errors": {"question-errors/a-plain-card-cannot-take-a-domain": (33, 35)},
    "prose": {},
    "tips": {},
}


def test_every_fixture_has_stated_spans() -> None:
    assert sorted(SPANS) == sorted(c.stem for c in CASES)


@pytest.mark.parametrize("name", sorted(SPANS))
def test_card_spans_run_from_question_to_the_end_of_the_answer(name: str) -> None:
    got = {key: (card.span.line, card.span.end_line) for key, card in cards_of(parsed(name)).items()}
    assert got == SPANS[name]
    lines = (PARSER / f"{name}.md").read_text(encoding="utf-8").splitlines()
    for first, last in got.values():
        assert lines[first - 1].strip() and lines[last - 1].strip()  # never a blank line at either end


def test_covers_are_inherited_from_headings_own_tips_first() -> None:
    result = parsed("sections")
    cards = cards_of(result)
    assert cards["sections/inherits-tip-x"].covers == ("tip-x",)
    assert cards["sections/covers-both"].covers == ("tip-y", "tip-x")
    outer, outer2 = result.sections
    assert (outer.id, outer.covers, outer2.id, outer2.covers) == ("outer", ("tip-x",), "outer-2", ())
    [inner] = outer.sections
    assert (inner.covers, inner.sections[0].covers) == ((), ())
    # a card's own covers and a heading's don't leak to siblings or later sections
    assert cards_of(parsed("qa"))["explicit-id"].covers == ("tip-a",)
    assert cards_of(parsed("definitions"))["definitions/data-lake"].covers == ("tip-terms",)
    assert cards_of(parsed("definitions"))["definitions/structured-data"].covers == ()


def _roles(card: AnyCard) -> tuple[list[tuple[str, str]], list[tuple[str, str]], str | None]:
    assert card.kind == "table_row"
    return (
        [(c.column, c.text.markdown) for c in card.prompt],
        [(c.column, c.text.markdown) for c in card.answer],
        card.ask,
    )


def test_table_card_column_roles() -> None:
    cards = cards_of(parsed("table_cards"))
    ask = "Which migration tool, and why?"
    # front="Datasource": that column asks, every other column answers
    assert _roles(cards["table-cards/postgresql-rds"]) == (
        [("Datasource", "PostgreSQL RDS")],
        [("Migration Tool", "AWS Data Pipeline"), ("Why", "SqlActivity query to S3")],
        ask,
    )
    assert _roles(cards["table-cards/log-files-in-s3"]) == (
        [("Datasource", "Log files in S3")],
        [("Migration Tool", "AWS Glue"), ("Why", "Custom classifier")],
        ask,
    )
    # front="Task, Size" back="Service": two asking columns in order, one answer, Notes left out
    assert _roles(cards["table-cards/stream-video-big"]) == (
        [("Task", "Stream video"), ("Size", "big")],
        [("Service", "Video Streams")],
        None,
    )
    assert len(cards) == 3  # the plain table makes no cards
    tables = [b for b in parsed("table_cards").sections[0].blocks if b.kind == "table"]
    assert [t.makes_cards for t in tables] == [True, True, False]


#: fixture → (line, code) of every diagnostic, in the order they are reported.
DIAGNOSTICS = {
    "cloze": [(13, "cloze.no-deletion"), (17, "cloze.stray")],
    "extra": [(25, "directive.misplaced"), (29, "directive.unknown")],
    "generated": [(12, "question.not-generated")],  # a two-row table: one distractor per row
    # two-term lists and two-row tables make no question either (information, not a problem)
    "definitions": [(6, "question.not-generated"), (10, "question.not-generated")],
    "table_cards": [(6, "question.not-generated"), (12, "question.not-generated")],
    "no_answer": [(6, "card.no-answer"), (10, "card.stray-answer"), (12, "card.empty-side")],
    "prose": [(13, "html.unsafe"), (15, "image.remote")],
    "question_errors": [
        (3, "question.no-correct"),
        (9, "question.all-correct"),
        (19, "question.duplicate-option"),  # the repeated option's own line, case and spacing ignored
        (21, "question.few-options"),
        (26, "question.choose-count"),
        (32, "attr.unknown"),  # domain= on a Q/A card
        (37, "directive.misplaced"),  # ::: explain after a Q/A card
    ],
}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_diagnostics_and_their_order(case: Path) -> None:
    got = [(d.line, d.code.value) for d in parsed(case.stem).diagnostics]
    assert got == DIAGNOSTICS.get(case.stem, [])
    assert all(d.path == case.name for d in parsed(case.stem).diagnostics)


# --- exam questions -------------------------------------------------------------------------


def questions_of(result: FileResult) -> list[Question]:
    found: list[Question] = []

    def walk(blocks: Iterable[Any], sections: Iterable[Section]) -> None:
        found.extend(b for b in blocks if isinstance(b, Question))
        for section in sections:
            walk(section.blocks, section.sections)

    walk(result.blocks, result.sections)
    return found


def test_question_from_a_task_list() -> None:
    first, second = questions_of(parsed("question"))
    assert (first.id, first.explicit_id, first.domain, first.tags) == (
        "q-clickstream-firehose",
        True,
        "modeling",
        ("scenario",),
    )
    assert first.covers == ("firehose-buffering", "kinesis-which-service")  # own tip first, then the heading's
    assert (first.span.line, first.span.end_line) == (11, 16)
    assert [o.correct for o in first.options] == [False, True, False, False]
    assert first.options[1].text.markdown == "Amazon Data Firehose (exam era: *Kinesis Data Firehose*)"
    assert "[x]" not in HtmlRenderer().text(first.options[1].text)  # the marker is not part of the option
    assert "<em>Kinesis Data Firehose</em>" in HtmlRenderer().text(first.options[1].text)
    assert first.explanation is not None and first.explanation.markdown.startswith("Firehose delivers to S3")
    assert not first.multiple and first.source is None
    # numbered task items and [X] work too; two [x] make a multiple-response question
    assert second.multiple and [o.correct for o in second.options] == [True, False, True, False]
    assert (second.domain, second.explanation, second.covers) == (None, None, ("kinesis-which-service",))
    assert (second.span.line, second.span.end_line) == (22, 28)


def test_a_list_with_a_plain_item_stays_a_list_card() -> None:
    result = parsed("question")
    [card] = cards_of(result).values()
    assert card.kind == "list" and len(card.items) == 2
    assert len(questions_of(result)) == 2


def test_question_diagnostics_say_what_is_wrong() -> None:
    result = parsed("question_errors")  # the codes and lines: DIAGNOSTICS above
    messages = [d.message for d in result.diagnostics]
    assert "option 'One' repeats the option on line 17" in messages
    assert "the question says 'Choose two' but 1 option is marked '[x]'" in messages
    # only the "(Choose two.)" question with one [x] is still usable (it is a warning)
    [kept] = questions_of(result)
    assert kept.span.line == 26 and kept.explanation is None
