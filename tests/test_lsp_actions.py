"""``studyc lsp`` code actions end to end: the typo quick fix, "add covers" and "extend the region".

A real LSP client (pytest-lsp) talks to the server on a copy of the sample course;
each edit is applied to the text and the result checked as ``studyc check`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsp_course import REGION, Form, checks_clean, client, course, docs, form, fresh, in_form
from lsp_helpers import Doc, apply
from lsprotocol import types as lsp

from compiler.model.ir import iter_cards

pytestmark = pytest.mark.asyncio(loop_scope="module")
FIXTURES = (client, course, docs, form)  # pytest finds them by name in this module


async def actions_at(doc: Doc, line: int, diagnostics: list[lsp.Diagnostic]) -> list[lsp.CodeAction]:
    where = lsp.Range(lsp.Position(line, 0), lsp.Position(line, 0))
    found = await doc.client.text_document_code_action_async(
        lsp.CodeActionParams(lsp.TextDocumentIdentifier(doc.uri), where, lsp.CodeActionContext(diagnostics))
    )
    return [a for a in found or [] if isinstance(a, lsp.CodeAction)]


def edits_of(action: lsp.CodeAction, uri: str) -> list[lsp.TextEdit]:
    assert action.edit is not None and action.edit.changes is not None
    return list(action.edit.changes[uri])


async def test_quick_fix_replaces_a_mistyped_tip_id(docs: Any, course: Path, tmp_path: Path, form: Form) -> None:
    doc, covers, _ = await in_form(docs, form)
    written = doc.text
    found = await doc.set(written.replace(covers, covers.replace("labels", "lables")))
    fixes = await actions_at(doc, found[0].range.start.line, found)
    assert [(a.title, a.kind, a.is_preferred) for a in fixes] == [("Change 'lables' to 'labels'", "quickfix", True)]
    fixed = apply(doc.text, edits_of(fixes[0], doc.uri))
    assert fixed == written
    assert await doc.set(fixed) == []
    checks_clean(course, "02-modeling.md", fixed, tmp_path)


@pytest.mark.parametrize(
    ("name", "before", "card", "expected"),
    [
        # three tips in the chapter: the one sharing words with the card ("streaming service")
        (
            "01-streams.md",
            "## Exam tips",
            "Q: Which streaming service delivers logs to S3?\n\nA: Firehose.",
            "which-service",
        ),
        # an attribute line already there: covers joins it
        (
            "02-modeling.md",
            "## Exam tips",
            "{#label-target}\nQ: What does labeled data carry?\n\nA: The target.",
            "labels",
        ),
        # after the tip, in its section: the section's tip, though no word is shared (None: at the end)
        ("02-modeling.md", None, "Q: What colour is a zebra?\n\nA: Black and white.", "labels"),
    ],
    ids=["new-attribute-line", "into-existing-line", "section-tip"],
)
async def test_add_covers_ties_a_card_to_its_nearest_tip(
    docs: Any, course: Path, tmp_path: Path, name: str, before: str | None, card: str, expected: str
) -> None:
    doc = await fresh(docs, name)
    edited = doc.original.replace(before, f"{card}\n\n{before}") if before else f"{doc.original}\n{card}\n"
    assert await doc.set(edited) == []
    line = doc.line(card.split("\n")[-3])
    added = [a for a in await actions_at(doc, line, []) if a.title.startswith("Add covers")]
    assert [a.title.split(" (")[0] for a in added] == [f'Add covers="{expected}"']
    text = apply(doc.text, edits_of(added[0], doc.uri))
    assert await doc.set(text) == []
    result = checks_clean(course, name, text, tmp_path)
    question = text.split("\n").index(card.split("\n")[-3]) + 1
    covers = [
        ctx.card.covers for ctx in iter_cards(result) if (ctx.card.span.path, ctx.card.span.line) == (name, question)
    ]
    assert covers == [(expected,)]
    await doc.set(doc.original)


NEW_CARD = "Q: What is labeled data?\n\nA: Data that carries its target."
EXTRA = "\n\n::: extra\nA person usually writes it.\n:::"


@pytest.mark.parametrize(
    ("where", "card"),
    [("after", NEW_CARD), ("after", NEW_CARD + EXTRA), ("before", NEW_CARD)],
    ids=["after-the-region", "after-with-extra", "before-the-region"],
)
async def test_a_card_next_to_a_region_of_its_tip_is_offered_to_extend_the_region(
    docs: Any, course: Path, tmp_path: Path, where: str, card: str
) -> None:
    doc = await fresh(docs, "02-modeling.md")
    close, opening = "Unsupervised learning.\n\n:::\n\n", f"{REGION}\n\n"
    if where == "after":
        edited = doc.original.replace(close, f"{close}{card}\n\n")
        expected = doc.original.replace(close, f"Unsupervised learning.\n\n{card}\n\n:::\n\n")
    else:
        edited = doc.original.replace(opening, f"{card}\n\n{opening}")
        expected = doc.original.replace(opening, f"{opening}{card}\n\n")
    assert edited != doc.original and expected != doc.original
    assert await doc.set(edited) == []
    actions = await actions_at(doc, doc.line("Q: What is labeled data?"), [])
    assert [a.title.split(" (")[0] for a in actions] == [
        "Extend the '::: covers labels' region over this card",
        'Add covers="labels"',
    ]
    text = apply(doc.text, edits_of(actions[0], doc.uri))
    assert text == expected
    assert await doc.set(text) == []
    result = checks_clean(course, "02-modeling.md", text, tmp_path)
    question = text.split("\n").index("Q: What is labeled data?") + 1
    found = [ctx.card for ctx in iter_cards(result) if ctx.card.span.line == question]
    assert [c.covers for c in found] == [("labels",)]
    assert (found[0].extra is not None) == (EXTRA in card)
    await doc.set(doc.original)


async def test_a_card_inside_a_region_gets_only_a_tip_the_region_lacks_on_its_own_line(
    docs: Any, course: Path, tmp_path: Path
) -> None:
    doc = await fresh(docs, "02-modeling.md")
    # the region's own cards already cover the only tip: nothing to add
    for prompt in ("Q: How does labeled data", "Q: Which kind of learning"):
        assert await actions_at(doc, doc.line(prompt), []) == []
    tip = "\n\n{#clustering}\n> [!TIP]\n> Know how clustering groups unlabeled data by similarity."
    card = "Q: What does clustering group unlabeled data by?\n\nA: Similarity."
    edited = doc.original.replace("A: Unsupervised learning.\n", f"A: Unsupervised learning.\n\n{card}\n") + tip
    assert [d.code for d in await doc.set(edited)] == ["coverage.no-cards"]  # the new tip, until the card covers it
    actions = await actions_at(doc, doc.line(card.split("\n")[0]), [])
    assert [a.title.split(" (")[0] for a in actions] == ['Add covers="clustering"']
    text = apply(doc.text, edits_of(actions[0], doc.uri))
    assert REGION in text and '{covers="clustering"}\nQ: What does clustering' in text  # the region line stays
    assert await doc.set(text) == []
    result = checks_clean(course, "02-modeling.md", text, tmp_path)
    question = text.split("\n").index(card.split("\n")[0]) + 1
    assert [c.card.covers for c in iter_cards(result) if c.card.span.line == question] == [("clustering", "labels")]
    await doc.set(doc.original)
