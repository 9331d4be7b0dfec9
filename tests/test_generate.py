"""Generated exam questions: from a table card's rows and a definition list's terms.

Distractors come from the same table (or list), are never the right answer, and are the same
on every build. Properties are checked over tables hypothesis makes up.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.frontend import parse_file
from compiler.frontend.generate import MIN_DISTRACTORS, from_table, key
from compiler.model import doc, ir
from compiler.model.ir import Question
from compiler.settings import Limits

TWO_TABLES = """# Two tables

{.cards front="Task"}
| Task | Service | Why |
|------|---------|-----|
| Land events in S3 within a minute | Firehose | no consumer code |
| Replay a stream for a week | Data Streams | retention |
| Run SQL on files in S3 | Athena | serverless |
| Buffer to S3 with transforms | Firehose | Lambda transform |

{.cards front="Algorithm"}
| Algorithm | Family |
|-----------|--------|
| K-means | clustering |
| XGBoost | trees |
| PCA | dimensionality reduction |
| DeepAR | forecasting |
"""


def questions(source: str, name: str = "01-notes.md") -> tuple[list[Question], list[str]]:
    result = parse_file(Path("."), name, source, Limits())
    found = [b for s in result.sections for b in s.blocks if isinstance(b, Question)]
    found += [b for b in result.blocks if isinstance(b, Question)]
    return found, [d.format() for d in result.diagnostics]


def options(q: Question) -> tuple[list[str], list[str]]:
    right = [o.text.markdown for o in q.options if o.correct]
    wrong = [o.text.markdown for o in q.options if not o.correct]
    return right, wrong


def test_distractors_come_from_the_same_table_and_are_never_the_answer() -> None:
    found, diags = questions(TWO_TABLES)
    assert diags == []
    services = {"Firehose", "Data Streams", "Athena"}
    families = {"clustering", "trees", "dimensionality reduction", "forecasting"}
    by_id = {q.source: q for q in found}
    assert len(found) == 8  # every row of both tables
    for q in found:
        right, wrong = options(q)
        assert len(right) == 1 and right[0] not in wrong
        pool = services if right[0] in services else families
        assert set(wrong) <= pool and right[0] in pool, q.id
        assert len(wrong) == len(set(wrong))  # Firehose, the answer of two rows, is offered once
    firehose = by_id["notes/land-events-in-s3-within-a-minute"]
    right, wrong = options(firehose)
    assert (right, sorted(wrong)) == (
        ["Firehose"],
        ["Athena", "Data Streams"],
    )  # the other Firehose row is not a distractor
    assert firehose.ask == "Which service?" and firehose.explanation is not None
    assert firehose.explanation.markdown == "**Why:** no consumer code"
    assert firehose.covers == () and firehose.span.line == 6 and firehose.id == f"{firehose.source}/q"


def test_generation_is_deterministic_and_depends_on_the_card() -> None:
    first, _ = questions(TWO_TABLES)
    again, _ = questions(TWO_TABLES)
    assert [q.model_dump() for q in first] == [q.model_dump() for q in again]
    # the same table in another file: other card ids, so (most likely) other orders; never other options
    moved, _ = questions(TWO_TABLES, "02-other.md")
    assert [sorted(options(q)[1]) for q in moved] == [sorted(options(q)[1]) for q in first]
    assert [[o.text.markdown for o in q.options] for q in moved] != [
        [o.text.markdown for o in q.options] for q in first
    ]


def test_too_few_distinct_answers_skip_with_an_info_diagnostic() -> None:
    source = """{.cards}
| Task | Service |
|------|---------|
| Land events in S3 | Firehose |
| Buffer to S3 | firehose |
| Query S3 | Athena |
"""
    found, diags = questions(source)
    assert found == []  # firehose and Firehose are one answer: each row has at most one distractor
    assert diags == [
        "01-notes.md:1:1: info: 3 of 3 rows of this table make no exam question: each needs at least 2 other, "
        "different answers to offer as distractors [question.not-generated]"
    ]


def test_definition_lists_offer_sibling_definitions() -> None:
    source = "Bucket\n: A container for objects.\n\nShard\n: A unit of stream capacity.\n\nKey\n: Picks the shard.\n"
    found, diags = questions(source)
    assert diags == [] and [q.stem.markdown for q in found] == ["Bucket", "Shard", "Key"]
    definitions = {"A container for objects.", "A unit of stream capacity.", "Picks the shard."}
    for q in found:
        right, wrong = options(q)
        assert len(right) == 1 and set(wrong) == definitions - set(right)


words = st.text(alphabet="abcdefgh XYZ", min_size=1, max_size=6).map(str.strip).filter(bool)


def row_card(i: int, prompt: str, answer: str) -> ir.TableRowCard:
    def cell(column: str, text: str) -> ir.TableCell:
        para = doc.Para(content=(doc.Str(text=text),))
        return ir.TableCell(column=column, text=ir.Text(markdown=text, blocks=(para,), inline=True))

    span = ir.Span(path="t.md", line=i + 1, end_line=i + 1)
    return ir.TableRowCard(
        id=f"t/{i}-{prompt}", explicit_id=False, span=span, covers=(), tags=(), extra=None,
        prompt=(cell("Task", prompt),), ask=None, answer=(cell("Service", answer),),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(words, words), min_size=1, max_size=8))
def test_generated_options_hold_for_any_table(rows: list[tuple[str, str]]) -> None:
    cards = [row_card(i, p, a) for i, (p, a) in enumerate(rows)]
    made, skipped = from_table(cards)
    assert len(made) + skipped == len(cards)
    answers = {key(c.answer[0].text) for c in cards}
    for q in made:
        card = next(c for c in cards if c.id == q.source)
        right = [o for o in q.options if o.correct]
        wrong = [key(o.text) for o in q.options if not o.correct]
        assert [o.text for o in right] == [card.answer[0].text]
        assert key(card.answer[0].text) not in wrong and len(set(wrong)) == len(wrong)
        assert set(wrong) <= answers and MIN_DISTRACTORS <= len(wrong) <= 3
    # skipped exactly when the table has too few other distinct answers
    for card in cards:
        others = answers - {key(card.answer[0].text)}
        assert (card.id in {q.source for q in made}) == (len(others) >= MIN_DISTRACTORS)
    assert [q.model_dump() for q in from_table(cards)[0]] == [q.model_dump() for q in made]
