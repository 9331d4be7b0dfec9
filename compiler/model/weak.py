"""The user's weak spots, as the pipeline hands them to the print backend: plain data, no Anki types.

The Anki layer reads a collection and ranks studyc's notes (``compiler.anki.collection``);
the pipeline turns that into :class:`WeakSpots` on the backend options, so the print layer
never imports the Anki layer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WeakCard:
    """One studied note the user keeps getting wrong."""

    card_id: str
    """The IR card id (the lock maps it to the note's GUID)."""
    lapses: int
    """How often the user forgot it (summed over the note's cards)."""
    score: float
    """How weak it is, 0 (known) to 1 (forgotten); higher comes first."""


@dataclass(frozen=True, slots=True)
class WeakSpots:
    """Studied notes ranked weakest first, as read from one collection."""

    cards: tuple[WeakCard, ...]
    """Weakest first; suspended, buried and never-studied notes are not in it."""
    studied: int
    """How many of the course's notes the user has studied at all."""
    collection: str
    """Where the collection was read from (for messages)."""
