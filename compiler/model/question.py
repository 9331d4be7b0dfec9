"""The IR's source locations and exam questions (re-exported by :mod:`compiler.model.ir`).

Apart from the cards and the course only so that ``ir.py`` stays short: a
question is a block like any other, and every authored node has a span.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from compiler.model.doc import Node, Text


class Span(Node):
    """Where a node was written."""

    kind: Literal["span"] = "span"
    """Discriminator."""
    path: str
    """Path of the note file, relative to the source root, with ``/`` separators."""
    line: int = Field(ge=1)
    """1-based line of the node's first source line."""
    end_line: int = Field(ge=1)
    """1-based last source line of the node (inclusive)."""


class Option(Node):
    """One answer option of an exam question."""

    kind: Literal["option"] = "option"
    """Discriminator."""
    text: Text
    """The option as written after ``[ ]`` or ``[x]``."""
    correct: bool
    """Whether the option is a right answer (``[x]``)."""


class Question(Node):
    """An exam-style multiple-choice question: a stem and lettered options, one or more of them correct.

    Authored as a ``Q:`` paragraph followed by a task list, or generated from a table card's rows
    or a definition list's terms (then ``source`` names the card it was made from).
    Not a flashcard: the Anki deck and the printable flashcards leave questions out.
    """

    kind: Literal["question"] = "question"
    """Discriminator."""
    id: str
    """Explicit ``{#id}``, a key derived from the stem, or ``<card id>/q`` when generated."""
    explicit_id: bool
    """Whether the author wrote the id."""
    span: Span
    """Source location: the ``Q:`` line through the options (generated: the card's row or term)."""
    covers: tuple[str, ...]
    """Ids of the exam tips this question tests (its own and its enclosing sections')."""
    tags: tuple[str, ...]
    """Tags written on the question itself."""
    allow: tuple[str, ...] = ()
    """Quality-check codes the author silenced on this question."""
    domain: str | None
    """Course domain id written on the question, overriding its chapter's domain."""
    stem: Text
    """The question text."""
    ask: str | None
    """A line printed under the stem, e.g. "Which Service?" for a question generated from a table."""
    options: tuple[Option, ...]
    """The options in the order shown; the page and the mock exam letter them A, B, C…"""
    explanation: Text | None
    """Why the right answer is right (``::: explain``), if any."""
    source: str | None = None
    """Id of the card the question was generated from; ``None`` for an authored question."""

    @property
    def multiple(self) -> bool:
        """Whether more than one option is correct (a multiple-response question)."""
        return sum(o.correct for o in self.options) > 1
