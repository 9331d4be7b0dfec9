"""Read the user's Anki collection, read-only, and rank studyc's notes by how badly the user knows them.

The collection file is copied (with its ``-wal`` journal, which holds the
latest reviews while Anki runs) into a temp folder and the copy is opened with
the ``anki`` package, so reading works while Anki has the collection open and
can never change it. Notes are found by the GUIDs of ``studyc.lock``.

A card's weakness: with FSRS, how likely it is forgotten now (1 − retrievability)
and its difficulty; without, its lapses and its ease; in both cases the share of
"again" among its last answers. Suspended, buried and never-studied cards do not
count; a note is a weak spot when one of its cards lapsed, was last answered
"again", or (FSRS) has fallen below 80 % retrievability.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compiler.model.errors import StudycError, UsageError
from compiler.model.weak import WeakCard, WeakSpots

#: How many of a card's latest answers count for "last answers".
RECENT = 5
#: FSRS forgetting curve, R(t) = (1 + FACTOR · t / S) ** DECAY (FSRS 4.5 defaults; t, S in days).
DECAY, FACTOR = -0.5, 19 / 81
#: Below this retrievability an FSRS card is a weak spot even without a lapse.
WEAK_RETRIEVABILITY = 0.8
#: Anki's queue numbers for suspended and buried cards, and its type number for new cards.
SKIPPED_QUEUES, NEW_TYPE = (-1, -2, -3), 0
MISSING_ANKI = "reading an Anki collection needs the anki package; install it with: pip install 'studyc[anki]'"


class CollectionError(StudycError):
    """The Anki collection given with ``--collection`` cannot be read; nothing was written."""

    exit_code = 10


@dataclass(frozen=True, slots=True)
class CardReview:
    """What the collection knows about one studied card."""

    lapses: int
    factor: int
    """Ease in permille (2500 = 250 %); 0 for FSRS or new cards."""
    answers: tuple[int, ...]
    """Latest answer buttons first (1 again, 2 hard, 3 good, 4 easy)."""
    days_since: float
    """Days since the last review."""
    stability: float | None = None
    difficulty: float | None = None
    """FSRS memory state (difficulty 1–10), if the collection uses FSRS."""

    def retrievability(self) -> float | None:
        """FSRS probability of recalling the card now, if it has a memory state."""
        if self.stability is None or self.stability <= 0:
            return None
        return float((1 + FACTOR * self.days_since / self.stability) ** DECAY)

    def score(self) -> float:
        """0 (known) to 1 (forgotten)."""
        again = sum(1 for a in self.answers[:RECENT] if a == 1) / RECENT
        recall = self.retrievability()
        if recall is not None and self.difficulty is not None:
            return 0.45 * (1 - recall) + 0.35 * (self.difficulty - 1) / 9 + 0.2 * again
        ease = min(1.0, max(0.0, (2500 - self.factor) / 1200)) if self.factor else 0.0
        return 0.45 * min(self.lapses, 6) / 6 + 0.35 * ease + 0.2 * again

    def weak(self) -> bool:
        """Whether the card counts as a weak spot at all."""
        recall = self.retrievability()
        last_again = bool(self.answers) and self.answers[0] == 1
        return self.lapses > 0 or last_again or (recall is not None and recall < WEAK_RETRIEVABILITY)


def weak_spots(path: Path, guids: dict[str, str]) -> WeakSpots:
    """Rank the notes whose GUID is in ``guids`` (GUID → card id) by how badly the user knows them."""
    try:
        from anki.collection import Collection
    except ImportError as exc:
        raise UsageError(MISSING_ANKI) from exc
    if not path.is_file():
        raise UsageError(f"no Anki collection at '{path}'; pass the collection.anki2 file of your Anki profile")
    with tempfile.TemporaryDirectory(prefix="studyc-collection-") as tmp:
        copy = Path(tmp) / "collection.anki2"
        try:
            shutil.copyfile(path, copy)
            for suffix in ("-wal",):  # the journal holds reviews Anki has not yet merged into the file
                journal = path.with_name(path.name + suffix)
                if journal.is_file():
                    shutil.copyfile(journal, copy.with_name(copy.name + suffix))
        except OSError as exc:
            raise CollectionError(f"cannot read the Anki collection {path}: {exc.strerror or exc}") from exc
        try:
            col = Collection(str(copy))
        except Exception as exc:  # the anki package raises its own DBError, BackendError …
            raise CollectionError(f"cannot open the Anki collection {path} (is it a collection.anki2?): {exc}") from exc
        try:
            reviews = _reviews(col, guids)
        finally:
            col.close(downgrade=False)
    return rank(reviews, str(path))


def _reviews(col: Any, guids: dict[str, str]) -> dict[str, list[CardReview]]:
    """Card id → reviews of its note's studied cards (suspended, buried and new cards left out)."""
    now_ms = time.time() * 1000
    out: dict[str, list[CardReview]] = {}
    for nid, guid in col.db.all("select id, guid from notes"):
        key = guids.get(guid)
        if key is None:
            continue
        studied = out.setdefault(key, [])
        for cid in col.card_ids_of_note(nid):
            card = col.get_card(cid)
            if int(card.queue) in SKIPPED_QUEUES or int(card.type) == NEW_TYPE:
                continue
            log = col.db.all("select id, ease from revlog where cid = ? and ease > 0 order by id desc", cid)
            state = card.memory_state
            studied.append(
                CardReview(
                    lapses=card.lapses,
                    factor=card.factor,
                    answers=tuple(int(ease) for _, ease in log[:RECENT]),
                    days_since=max(0.0, (now_ms - log[0][0]) / 86_400_000) if log else 0.0,
                    stability=state.stability if state is not None else None,
                    difficulty=state.difficulty if state is not None else None,
                )
            )
    return out


def rank(reviews: dict[str, list[CardReview]], where: str) -> WeakSpots:
    """Weak notes, weakest first (ties: more lapses first, then card id)."""
    weak = [
        WeakCard(key, sum(c.lapses for c in cards), round(max(c.score() for c in cards), 6))
        for key, cards in reviews.items()
        if any(c.weak() for c in cards)
    ]
    weak.sort(key=lambda w: (-w.score, -w.lapses, w.card_id))
    studied = sum(1 for cards in reviews.values() if cards)
    return WeakSpots(cards=tuple(weak), studied=studied, collection=where)
