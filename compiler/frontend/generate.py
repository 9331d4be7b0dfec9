"""Exam questions generated from the notes: a table card's rows and a definition list's terms.

A row of a ``.cards`` table asks its prompt cells; the right option is the row's first answer
cell, and the distractors are the first answer cells of other rows of the same table (never one
equal to the right answer). A definition list asks each term, with sibling definitions as
distractors. The choice and order of the options come from a generator seeded by the card's
id, so an unchanged rebuild gives the same questions, byte for byte.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from compiler.model import doc, ir

#: Distractors per question: four options, as on the exam.
DISTRACTORS = 3
#: Fewest distractors that still make a question (three options in all).
MIN_DISTRACTORS = 2


def key(text: ir.Text) -> str:
    """What makes two options the same: their Markdown, whitespace and case ignored."""
    return " ".join(text.markdown.split()).casefold()


def rng(card_id: str) -> random.Random:
    """A generator seeded by the card's identity (not by Python's per-run string hash)."""
    return random.Random(int.from_bytes(hashlib.sha256(card_id.encode("utf-8")).digest()[:8], "big"))


def pick(card_id: str, right: ir.Text, pool: Sequence[ir.Text]) -> tuple[ir.Option, ...] | None:
    """The right option and up to three distractors from ``pool``, shuffled; ``None`` if too few distinct."""
    wrong: dict[str, ir.Text] = {}
    for text in pool:
        k = key(text)
        if k != key(right) and k:
            wrong.setdefault(k, text)
    if len(wrong) < MIN_DISTRACTORS:
        return None
    gen = rng(card_id)
    chosen = gen.sample(sorted(wrong), min(DISTRACTORS, len(wrong)))
    options = [ir.Option(text=right, correct=True), *(ir.Option(text=wrong[k], correct=False) for k in chosen)]
    gen.shuffle(options)
    return tuple(options)


def _labelled(cells: Sequence[ir.TableCell], always: bool = False) -> ir.Text:
    """Cells as one paragraph each, ``**Column:** text`` (one cell: just its text unless ``always``)."""
    if len(cells) == 1 and not always:
        return cells[0].text
    paras: list[doc.Para] = []
    for cell in cells:
        inlines = [node for block in cell.text.blocks if isinstance(block, doc.Para) for node in block.content]
        paras.append(
            doc.Para(content=(doc.Strong(content=(doc.Str(text=f"{cell.column}:"),)), doc.Str(text=" "), *inlines))
        )
    markdown = "\n\n".join(f"**{c.column}:** {c.text.markdown}" for c in cells)
    return ir.Text(markdown=markdown, blocks=tuple(paras), inline=False)


def which(column: str) -> str:
    """``Service`` → ``Which service?`` (an acronym such as ``AWS service`` keeps its case)."""
    word = column if column[:2].isupper() else column[:1].lower() + column[1:]
    return f"Which {word}?" if word else "Which answer?"


def from_table(cards: Sequence[ir.TableRowCard]) -> tuple[list[ir.Question], int]:
    """One question per row card of one table; also how many rows made none."""
    answers = [card.answer[0].text for card in cards]
    made: list[ir.Question] = []
    for card in cards:
        options = pick(card.id, card.answer[0].text, answers)
        if options is None:
            continue
        rest = card.answer[1:]
        made.append(
            _question(
                card,
                _labelled(card.prompt),
                which(card.answer[0].column),
                options,
                _labelled(rest, always=True) if rest else None,
            )
        )
    return made, len(cards) - len(made)


def from_definitions(cards: Sequence[ir.DefinitionCard]) -> tuple[list[ir.Question], int]:
    """One question per term of one definition list; also how many terms made none."""
    definitions = [card.definition for card in cards]
    made: list[ir.Question] = []
    for card in cards:
        options = pick(card.id, card.definition, definitions)
        if options is not None:
            made.append(_question(card, card.term, "Which definition fits this term?", options, None))
    return made, len(cards) - len(made)


def _question(
    card: ir.TableRowCard | ir.DefinitionCard,
    stem: ir.Text,
    ask: str,
    options: tuple[ir.Option, ...],
    explanation: ir.Text | None,
) -> ir.Question:
    return ir.Question(
        id=f"{card.id}/q",
        explicit_id=False,
        span=card.span,
        covers=card.covers,
        tags=card.tags,
        allow=card.allow,
        domain=None,
        stem=stem,
        ask=ask,
        options=options,
        explanation=explanation,
        source=card.id,
    )
