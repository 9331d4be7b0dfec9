"""Card similarity and alignment: which unmatched card is which old entry.

After the exact matches (explicit id, fingerprint, key), the cards and entries
left over are aligned like a diff, within each section and then within each
chapter: between two anchored neighbours, the gap's old entries and new cards
pair up by order and kind when their counts and kinds agree, else by best
similarity inside the gap. A card in a gap of unchanged neighbours is judged
leniently (``GAP_THRESHOLD``, or one side unchanged); a card that also moved is
left to the global fuzzy match at the stricter ``FUZZY_THRESHOLD``.
See ``docs/updating.md``.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from itertools import pairwise

from compiler.anki.lock import Entry
from compiler.model.ir import CardContext

#: In a gap between unchanged neighbours, the similarity from which an old entry and a new
#: card are the same card (tests/test_rewordings.py pins both sides on real rewordings).
GAP_THRESHOLD = 0.55
#: Beyond this many (card × entry) pairs in one gap (most of a section rewritten), only pairing
#: by order is tried; what it leaves goes to the global fuzzy match, which bounds its own work.
GAP_ALL_PAIRS = 400
#: An unchanged answer (or definition) of at least this many words identifies a card on its own.
TELLING_WORDS = 8
#: Beyond ``identity.FUZZY_ALL_PAIRS`` pairs, each card is compared with this many likely entries only.
FUZZY_CANDIDATES = 5
_WORD = re.compile(r"\w+")
#: Words every card has: sharing them says nothing about being the same card.
_COMMON = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "doe",
        "for",
        "from",
        "how",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)


def words(text: str) -> Counter[str]:
    """Lower-cased word tokens, plural ``s`` dropped: word order and small inflections do not count."""
    out: Counter[str] = Counter()
    for w in _WORD.findall(text.lower()):
        if w not in _COMMON:
            out[w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w] += 1
    return out


def dice(a: Counter[str], b: Counter[str]) -> float:
    """Shared words over all words (multiset Dice coefficient)."""
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 1.0


def _side(old: str, new: str) -> float:
    """Mean of character and word similarity: a typo costs little, a swapped word too."""
    old, new = old.lower(), new.lower()
    if old == new:
        return 1.0
    chars = SequenceMatcher(None, old, new, autojunk=False).ratio()
    return (chars + dice(words(old), words(new))) / 2


def _cells(text: str) -> list[str]:
    return [c.strip().lower() for c in text.split(" | ")]


def same_side(old: str, new: str) -> bool:
    """One side of the card unchanged (and not empty)."""
    return bool(old.strip()) and " ".join(old.lower().split()) == " ".join(new.lower().split())


def similarity(a: Entry, prompt: str, answer: str, kind: str = "") -> float:
    """How alike an old entry and a card are, from 0 to 1.

    The best of: the mean of question and answer similarity; the word overlap of
    the whole card (words moved between question and answer, merges and splits),
    where an answer that keeps all its old words and adds some counts as unchanged;
    for table rows, the share of cells unchanged; and a fixed 0.8 when a telling
    answer or definition (``TELLING_WORDS`` words or more) is unchanged, however
    much the question or term changed.
    """
    old_answer = words(a.answer)
    # a fact made more precise keeps every word of the old answer
    kept = sum((old_answer & words(answer)).values()) / sum(old_answer.values()) if old_answer else 0.0
    score = (_side(a.prompt, prompt) + max(_side(a.answer, answer), kept)) / 2
    score = max(score, dice(words(f"{a.prompt} {a.answer}"), words(f"{prompt} {answer}")))
    if kind == "table_row" or a.kind == "table_row":
        old_cells, new_cells = _cells(f"{a.prompt} | {a.answer}"), _cells(f"{prompt} | {answer}")
        same = sum((Counter(old_cells) & Counter(new_cells)).values())
        score = max(score, same / max(len(old_cells), len(new_cells)))
    if same_side(a.answer, answer) and sum(words(answer).values()) >= TELLING_WORDS:
        score = max(score, 0.8)
    return score


def old_order(entries: Iterable[Entry]) -> list[Entry]:
    """Entries of one chapter in their old reading order, rebuilt from each one's ``after`` neighbour."""
    group = sorted(entries, key=lambda e: e.key)
    keys = {e.key for e in group}
    following: dict[str, list[Entry]] = {}
    for e in group:
        following.setdefault(e.after if e.after in keys and e.after != e.key else "", []).append(e)
    out: list[Entry] = []
    seen: set[str] = set()
    stack = list(reversed(following.get("", [])))
    while stack:
        e = stack.pop()
        if e.key in seen:
            continue
        seen.add(e.key)
        out.append(e)
        stack.extend(reversed(following.get(e.key, [])))
    # a merged lock may hold a cycle or a fork: whatever the chain missed keeps key order
    return out + [e for e in group if e.key not in seen]


Accept = Callable[[int, Entry, bool], bool]
"""(card index, entry, paired by order) → whether they are the same card."""


def pair_gap(
    cards: list[int], entries: list[Entry], kinds: Sequence[str], score: Callable[[int, Entry], float], ok: Accept
) -> list[tuple[int, Entry]]:
    """Pairs inside one gap: by order when counts and kinds agree, else best similarity first."""
    if len(cards) == len(entries) and all(e.kind in ("", k) for e, k in zip(entries, kinds, strict=True)):
        by_order = [(i, e) for i, e in zip(cards, entries, strict=True) if ok(i, e, True)]
        if len(by_order) == len(cards):
            return by_order
    if len(cards) * len(entries) > GAP_ALL_PAIRS:
        return []
    ranked = sorted(((score(i, e), i, e.key, e) for i in cards for e in entries), key=lambda p: (-p[0], p[1], p[2]))
    used_cards: set[int] = set()
    used_keys: set[str] = set()
    out = []
    for _, i, key, e in ranked:
        if i not in used_cards and key not in used_keys and ok(i, e, False):
            used_cards.add(i)
            used_keys.add(key)
            out.append((i, e))
    return out


def _increasing(matches: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of matches in the same order on both sides (a card moved far does not
    cut every later match off as an anchor); ``O(n log n)`` patience sorting."""
    tails: list[int] = []  # tails[k]: index in matches of the smallest end of a run of length k + 1
    ends: list[int] = []  # the old positions of those ends, for bisecting
    back: list[int] = []
    for n, (old_pos, _) in enumerate(matches):
        k = bisect_left(ends, old_pos)
        back.append(tails[k - 1] if k else -1)
        if k == len(tails):
            tails.append(n)
            ends.append(old_pos)
        else:
            tails[k], ends[k] = n, old_pos
    run, n = [], tails[-1] if tails else -1
    while n >= 0:
        run.append(matches[n])
        n = back[n]
    return run[::-1]


def gaps(old: list[Entry], new: list[int], found: dict[int, Entry]) -> list[tuple[list[int], list[Entry]]]:
    """The unmatched runs between anchors (cards matched to an entry of the same scope, in order)."""
    pos = {e.key: n for n, e in enumerate(old)}
    matches = [(pos[e.key], j) for j, i in enumerate(new) if (e := found.get(i)) is not None and e.key in pos]
    anchors = [(-1, -1), *_increasing(matches), (len(old), len(new))]
    matched = {e.key for e in found.values()}
    out = []
    for (o1, n1), (o2, n2) in pairwise(anchors):
        gap_old = [e for e in old[o1 + 1 : o2] if e.key not in matched]
        gap_new = [i for i in new[n1 + 1 : n2] if i not in found]
        if gap_old and gap_new:
            out.append((gap_new, gap_old))
    return out


def _features(chapter: str, text: str) -> set[str]:
    """Words, plus word pairs tagged with the chapter: rare even where the vocabulary is small."""
    words = _WORD.findall(text.lower())
    return {*words, *(f"{chapter}|{a} {b}" for a, b in pairwise(words))}


def candidates(
    cards: list[CardContext], texts: dict[int, tuple[str, str]], entries: list[Entry]
) -> Iterator[tuple[int, list[Entry]]]:
    """Each card with the few entries sharing its rarest features (linear time)."""
    index: dict[str, list[int]] = {}
    for j, e in enumerate(entries):
        for feature in _features(e.key.rpartition("/")[0], f"{e.prompt} {e.answer}"):
            index.setdefault(feature, []).append(j)
    # a feature of many entries hardly tells them apart, and counting it would be quadratic again
    cap = max(4 * FUZZY_CANDIDATES, math.isqrt(len(entries)))
    for i, (prompt, answer) in texts.items():
        shared: dict[int, float] = {}
        for feature in _features(cards[i].chapter.id, f"{prompt} {answer}"):
            posting = index.get(feature, [])
            if len(posting) <= cap:
                for j in posting:
                    shared[j] = shared.get(j, 0.0) + 1 / len(posting)
        best = heapq.nsmallest(FUZZY_CANDIDATES, shared, key=lambda j: (-shared[j], j))
        yield i, [entries[j] for j in best]
