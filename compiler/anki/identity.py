"""Stable card identities: match this build's cards to the lock's entries.

Order of matching, each step only among cards and entries still unmatched:

1. an explicit ``{#id}`` equal to an entry's key;
2. an exact fingerprint (the card's own text), so moves between chapters keep
   their note;
3. the derived key (chapter + question slug), so an edited answer keeps its note;
4. alignment (``compiler.anki.align``): within each section, then each chapter,
   the cards left between matched neighbours pair up with the entries left there;
5. a fuzzy match on question and answer text (a card reworded and moved),
   best pairs first, never two cards to one entry, at ``FUZZY_THRESHOLD``.

A card that matches nothing gets a new GUID; an entry that matches nothing is
reported as removed. Modified times rise only when a card's note content
changed, which is what makes Anki's "update if newer" import apply edits.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import assert_never

from compiler.anki.align import GAP_THRESHOLD, gaps, old_order, pair_gap, same_side, similarity
from compiler.anki.align import candidates as candidates_for
from compiler.anki.lock import Entry, Lock, NoteTypeEntry, clean_text
from compiler.model.doc import Cloze, text_inlines, walk_inlines
from compiler.model.errors import UsageError
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    CardContext,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    TableRowCard,
    iter_cards,
)
from compiler.model.keys import not_in_key
from compiler.text.plain import PlainRenderer

#: Minimum similarity (``compiler.anki.align.similarity``) for a fuzzy match of a card
#: that alignment left open (reworded and moved). tests/test_identity_lock.py and
#: tests/test_align.py pin both sides: everyday edits score 0.80 and up, look-alike
#: distinct cards (Producer/Consumer, categorical/continuous features, RDS/DynamoDB…)
#: 0.66 and below. In the shipped 243-card course 3 pairs of 26,631 score above 0.75;
#: fuzzy matching only ever compares cards and entries that found no other match, so
#: such a pair can only be confused when one card is deleted and the other reworded
#: and moved in the same build.
FUZZY_THRESHOLD = 0.75
#: Up to this many (unmatched card × unmatched entry) pairs, every pair is compared. Beyond it (a
#: mass edit: every question reworded) each card is compared only with the ``align.FUZZY_CANDIDATES``
#: entries sharing the most distinctive words, so matching stays linear: comparing all pairs
#: took 190 s for 1,000 reworded cards and would take hours for 10,000.
FUZZY_ALL_PAIRS = 10_000
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def now() -> int:
    """Build time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the clock."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        return int(time.time())
    try:
        return int(raw)
    except ValueError as exc:
        raise UsageError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, not '{raw}'") from exc


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def make_guid(course_slug: str, key: str, salt: int = 0) -> str:
    """A 12-character alphanumeric GUID derived from the card key (no characters that need quoting)."""
    value = int.from_bytes(hashlib.sha256(f"studyc:{course_slug}:{key}:{salt}".encode()).digest()[:12], "big")
    chars = []
    for _ in range(12):
        value, rem = divmod(value, len(_ALPHABET))
        chars.append(_ALPHABET[rem])
    return "".join(chars)


def prompt_answer(card: AnyCard) -> tuple[str, str]:
    """The question and answer of a card as plain Markdown (cloze cards: plain text), for matching and reports."""
    match card:
        case BasicCard():
            return card.front.markdown, card.back.markdown
        case DefinitionCard():
            return card.term.markdown, card.definition.markdown
        case ListCard():
            return card.front.markdown, " | ".join(i.markdown for i in card.items)
        case ClozeCard():
            # the visible context is the question; the deleted words are the answer
            hidden = [PlainRenderer().inlines(c.content) for c in _clozes(card)]
            return _Gaps().text(card.text), " | ".join(hidden)
        case TableRowCard():
            # the ask line is shared by every row of the table, so it says nothing about identity
            prompt = " | ".join(c.text.markdown for c in card.prompt)
            return prompt, " | ".join(c.text.markdown for c in card.answer)
        case _:
            assert_never(card)


class _Gaps(PlainRenderer):
    """Every deletion as ``[...]``: the context a cloze card's cards share."""

    def cloze(self, node: Cloze) -> str:
        return "[...]"


def _clozes(card: ClozeCard) -> list[Cloze]:
    """The outermost deletions, in reading order."""
    found: list[Cloze] = []
    nested: set[int] = set()
    for node in text_inlines(card.text):
        if isinstance(node, Cloze) and id(node) not in nested:
            found.append(node)
            nested.update(id(inner) for inner in walk_inlines(node.content) if isinstance(inner, Cloze))
    return found


#: Which Anki note type family each card kind is written with (see ``compiler.anki.notes``).
NOTE_FAMILY = {"basic": "basic", "definition": "basic", "table_row": "basic", "cloze": "cloze", "list": "cloze"}


def _fits(entry: Entry, card: AnyCard) -> bool:
    """Anki can update a note only within its note type."""
    return entry.note_type in ("", NOTE_FAMILY[card.kind])


def fingerprint(card: AnyCard) -> str:
    """Hash of the card's own text: equal wherever the card sits."""
    prompt, answer = prompt_answer(card)
    return _hash(card.kind, prompt, answer)


def content_hash(course: Course, ctx: CardContext, source_url: str | None = None) -> str:
    """Hash of all that goes into the note except the source line number: its fields as Anki gets them.

    Hashing the rendered fields, not the IR, means a change of studyc's IR that
    leaves the note as it was does not bump every note's modified time, while a
    rendering fix does reach Anki. The line is left out so that adding a card at
    the top of a file does not mark every card below it as changed (the Source
    field's line refreshes with the card's next real edit).
    """
    from compiler.anki.notes import note_content  # notes imports this module for Identity

    content = note_content(ctx.card)
    body = [content[0].name, *content[1], *content[2]] if content is not None else ["no-deletion"]
    where = [course.slug, course.deck, ctx.chapter.id, ctx.chapter.domain or "", *ctx.chapter.tags]
    where += [ctx.card.span.path, *ctx.breadcrumb, *(s.id for s in ctx.sections)]
    if source_url:  # turning the link on (or changing it) changes every note's Source field
        where.append(source_url)
    return _hash(json.dumps(body, sort_keys=True), *where)


@dataclass(frozen=True)
class Identity:
    """What the Anki backend needs to know about one card's note."""

    guid: str
    nid: int
    """Anki note id (creation time in milliseconds)."""
    modified: int


@dataclass(frozen=True)
class Unsure:
    """A new card that may be a removed one, too unlike it to be matched without asking."""

    where: str
    """``file:line`` of the new card."""
    entry: Entry
    """The removed card's lock entry."""
    score: float
    """Their similarity."""


#: Below this similarity an added and a removed card are not worth asking about.
UNSURE_FROM = 0.35


def _unsure(cards: list[CardContext], added: list[int], removed: list[Entry]) -> list[Unsure]:
    """Each removed card's most similar added card, best first (bounded like fuzzy matching)."""
    if not added or not removed or len(added) * len(removed) > FUZZY_ALL_PAIRS:
        return []
    best: dict[str, Unsure] = {}
    top: dict[str, float] = {}  # unrounded: on a tie the first card in reading order stays
    for i in added:
        card = cards[i].card
        prompt, answer = (clean_text(t) for t in prompt_answer(card))
        for e in removed:
            score = similarity(e, prompt, answer, card.kind)
            if score >= UNSURE_FROM and _fits(e, card) and score > top.get(e.guid, 0):
                top[e.guid] = score
                best[e.guid] = Unsure(f"{card.span.path}:{card.span.line}", e, round(score, 2))
    return sorted(best.values(), key=lambda u: (-u.score, u.where))


#: Why most of a plan is not in the output cache key: the backends read only its identities and
#: note types (and ``Options.build_time``, the newest time in the lock).
_REPORT = "the lock to write and the build report: no backend reads it"


@dataclass
class Plan:
    """The outcome of matching: identities, the new lock, and the report."""

    identities: dict[str, Identity]
    """Card id → identity."""
    lock: Lock = field(metadata=not_in_key(_REPORT))
    added: list[str] = field(default_factory=list, metadata=not_in_key(_REPORT))
    updated: list[str] = field(default_factory=list, metadata=not_in_key(_REPORT))
    unchanged: list[str] = field(default_factory=list, metadata=not_in_key(_REPORT))
    removed: list[Entry] = field(default_factory=list, metadata=not_in_key(_REPORT))
    renamed: list[tuple[str, str]] = field(default_factory=list, metadata=not_in_key(_REPORT))
    """(old key, new key) pairs matched by fingerprint or fuzzy match."""
    note_types: dict[str, int] = field(default_factory=dict)
    """Note-type key → modified time."""
    unsure: list[Unsure] = field(default_factory=list, metadata=not_in_key(_REPORT))
    """Added cards that may be removed ones: the user decides with ``studyc keep``."""

    @property
    def build_time(self) -> int:
        """Newest content time: a fixed timestamp for outputs that embed one."""
        times = [e.modified for e in self.lock.entries] + list(self.note_types.values())
        return max(times, default=0)


def _match(cards: list[CardContext], entries: list[Entry]) -> dict[int, Entry]:
    """Card index → lock entry, following the documented order."""
    taken: set[str] = set()
    found: dict[int, Entry] = {}

    def claim(i: int, entry: Entry) -> None:
        found[i] = entry
        taken.add(entry.guid)

    by_key = {e.key: e for e in entries}
    for i, ctx in enumerate(cards):
        entry = by_key.get(ctx.card.id)
        if ctx.card.explicit_id and entry is not None and entry.guid not in taken and _fits(entry, ctx.card):
            claim(i, entry)
    by_fp: dict[str, list[Entry]] = {}
    for e in entries:
        by_fp.setdefault(e.fingerprint, []).append(e)
    for i, ctx in enumerate(cards):
        if i in found:
            continue
        free = [e for e in by_fp.get(fingerprint(ctx.card), []) if e.guid not in taken and _fits(e, ctx.card)]
        if free:
            # several identical cards: prefer the one that kept its key
            claim(i, next((e for e in free if e.key == ctx.card.id), free[0]))
    for i, ctx in enumerate(cards):
        entry = by_key.get(ctx.card.id)
        if i not in found and entry is not None and entry.guid not in taken and _fits(entry, ctx.card):
            claim(i, entry)
    _align(cards, entries, found, taken)
    rest_cards = [i for i in range(len(cards)) if i not in found]
    rest_entries = [e for e in entries if e.guid not in taken]
    for _, i, _, e in sorted(_fuzzy_pairs(cards, rest_cards, rest_entries), key=lambda p: p[:3]):
        if i not in found and e.guid not in taken:
            claim(i, e)
    return found


def _scope(ctx: CardContext, level: int) -> str:
    """``chapter`` (level 0) or ``chapter/section/…`` (level 1): what ``Entry.section`` records."""
    return "/".join([ctx.chapter.id, *(s.id for s in ctx.sections)][: None if level else 1])


def _align(cards: list[CardContext], entries: list[Entry], found: dict[int, Entry], taken: set[str]) -> None:
    """Pair the cards and entries left between exact matches, within each section then each chapter."""
    texts = [prompt_answer(ctx.card) for ctx in cards]

    def score(i: int, e: Entry) -> float:
        return similarity(e, clean_text(texts[i][0]), clean_text(texts[i][1]), cards[i].card.kind)

    def ok(i: int, e: Entry, by_order: bool) -> bool:
        if e.guid in taken or not _fits(e, cards[i].card):
            return False
        prompt, answer = (clean_text(t) for t in texts[i])
        return same_side(e.prompt, prompt) or same_side(e.answer, answer) or score(i, e) >= GAP_THRESHOLD

    chapters: dict[str, list[Entry]] = {}
    for e in entries:
        if e.section:
            chapters.setdefault(e.section.split("/")[0], []).append(e)
    ordered = [e for group in chapters.values() for e in old_order(group)]
    for level in (1, 0):
        old: dict[str, list[Entry]] = {}
        for e in ordered:
            old.setdefault(e.section if level else e.section.split("/")[0], []).append(e)
        new: dict[str, list[int]] = {}
        for i, ctx in enumerate(cards):
            new.setdefault(_scope(ctx, level), []).append(i)
        for scope in sorted(old.keys() & new.keys()):
            for gap_new, gap_old in gaps(old[scope], new[scope], found):
                kinds = [cards[i].card.kind for i in gap_new]
                for i, e in pair_gap(gap_new, [e for e in gap_old if e.guid not in taken], kinds, score, ok):
                    found[i] = e
                    taken.add(e.guid)


def _fuzzy_pairs(
    cards: list[CardContext], rest_cards: list[int], rest_entries: list[Entry]
) -> list[tuple[float, int, str, Entry]]:
    """(−score, card index, entry key, entry) for every pair at or above the threshold."""
    texts = {i: (clean_text(p), clean_text(a)) for i in rest_cards for p, a in [prompt_answer(cards[i].card)]}
    candidates: Iterable[tuple[int, list[Entry]]]
    if len(rest_cards) * len(rest_entries) <= FUZZY_ALL_PAIRS:
        candidates = ((i, rest_entries) for i in rest_cards)
    else:
        candidates = candidates_for(cards, texts, rest_entries)
    pairs = []
    for i, entries in candidates:
        prompt, answer = texts[i]
        for e in entries:
            if not _fits(e, cards[i].card):
                continue
            score = similarity(e, prompt, answer, cards[i].card.kind)
            if score >= FUZZY_THRESHOLD:
                pairs.append((-score, i, e.key, e))
    return pairs


def resolve(
    course: Course, old: Lock, note_type_hashes: dict[str, str], at: int | None = None, source_url: str | None = None
) -> Plan:
    """Match the course's cards to ``old`` and compute the new lock and report (``source_url``: see Options)."""
    stamp = now() if at is None else at
    cards = list(iter_cards(course))
    found = _match(cards, old.entries)
    plan = Plan(identities={}, lock=Lock())
    used = {e.guid for e in found.values()}
    # a new card never takes an old entry's GUID: that note may still be in Anki with another type
    old_guids = {e.guid for e in old.entries}
    # note ids are never reused (removed notes still live in Anki); two branches
    # that add cards in the same second still get different ids from the GUID
    taken_nids = {e.nid for e in old.entries}
    used_nids: set[int] = set()
    # occupied id → a later id to probe next; ids are never freed, so the jumps stay valid and
    # probing is near-linear in total (plain +1 probing was quadratic: 10,000 new cards share 1,000 slots)
    skip: dict[int, int] = {}

    def fresh_nid(guid: str) -> int:
        nid = stamp * 1000 + int(hashlib.sha256(guid.encode()).hexdigest()[:6], 16) % 1000
        path = []
        while nid in taken_nids or nid in used_nids:
            path.append(nid)
            nid = skip.get(nid, nid + 1)
        for visited in path:
            skip[visited] = nid
        return nid

    before: dict[str, str] = {}
    for i, ctx in enumerate(cards):
        card = ctx.card
        after = before.get(ctx.chapter.id, "")
        before[ctx.chapter.id] = card.id
        prompt, answer = prompt_answer(card)
        content = content_hash(course, ctx, source_url)
        entry = found.get(i)
        if entry is None:
            salt, guid = 0, make_guid(course.slug, card.id)
            while guid in used or guid in old_guids:
                salt += 1
                guid = make_guid(course.slug, card.id, salt)
            used.add(guid)
            nid, modified = fresh_nid(guid), stamp
            plan.added.append(card.id)
        else:
            guid, nid, modified = entry.guid, entry.nid, entry.modified
            if entry.content != content:
                modified = max(stamp, entry.modified + 1)
                plan.updated.append(card.id)
            else:
                plan.unchanged.append(card.id)
            if entry.key != card.id:
                plan.renamed.append((entry.key, card.id))
            if nid in used_nids:  # merged branches both took this id
                nid = fresh_nid(guid)
        used_nids.add(nid)
        plan.identities[card.id] = Identity(guid, nid, modified)
        plan.lock.entries.append(
            Entry(
                card.id,
                guid,
                nid,
                modified,
                fingerprint(card),
                content,
                clean_text(prompt),
                clean_text(answer),
                NOTE_FAMILY[card.kind],
                card.kind,
                _scope(ctx, 1),
                after,
            )
        )
    plan.removed = sorted((e for e in old.entries if e.guid not in used), key=lambda e: e.key)
    plan.unsure = _unsure(cards, [i for i in range(len(cards)) if i not in found], plan.removed)
    for key, digest in sorted(note_type_hashes.items()):
        prev = old.note_types.get(key)
        if prev is None:
            mod = stamp
        elif prev.content != digest:
            mod = max(stamp, prev.modified + 1)
        else:
            mod = prev.modified
        plan.lock.note_types[key] = NoteTypeEntry(key, mod, digest)
        plan.note_types[key] = mod
    return plan
