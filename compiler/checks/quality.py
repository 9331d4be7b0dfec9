"""Card quality: warnings for cards that are hard to learn from or that give their answer away.

Every check reads plain text (``compiler.text.plain``) and reports with a ``quality.*`` code;
a card silences one with ``{allow="quality.…"}`` and a course with ``suppress_warnings``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.doc import Cloze, Text, text_inlines
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    Span,
    TableRowCard,
    iter_cards,
)
from compiler.settings import Quality
from compiler.text.plain import PlainRenderer, plain

#: Words that carry no content of their own: question words, articles, auxiliaries, prepositions.
_STOP = """a about after all also an and any are as at be been before being between both but by can could
    did do does doing each for from had has have how i if in into is it its may might more most must
    of on one or other should so some such than that the their them then there these they this those
    through to two under up use used uses using via was what when where which while who whom whose why
    will with would you your"""
STOP_WORDS = frozenset(_STOP.split())
#: A short answer, for ``quality.answer-in-prompt``: at most this many content words.
SHORT_ANSWER = 4
WORD_RE = re.compile(r"[^\W_]+")
YES_NO_RE = re.compile(r"^\s*(?:yes|no)\s*[.!?…]*\s*$", re.IGNORECASE)
OR_RE = re.compile(r"^(?P<left>.*)\bor\b(?P<right>[^?]*)\?\s*$", re.IGNORECASE | re.DOTALL)


def words(text: str) -> list[str]:
    """Lowercase words of ``text`` (letters and digits)."""
    return WORD_RE.findall(text.lower())


def content(text: str) -> list[str]:
    """The words of ``text`` that are not stop words."""
    return [w for w in words(text) if w not in STOP_WORDS]


def contains_phrase(haystack: str, needle: str) -> bool:
    """Whether the words of ``needle`` appear in ``haystack`` as one run of whole words."""
    want = words(needle)
    if not want:
        return False
    return re.search(r"\b" + r"\W+".join(map(re.escape, want)) + r"\b", " ".join(words(haystack))) is not None


@dataclass(frozen=True)
class Face:
    """One question a card asks: what the learner sees and what they must recall."""

    prompt: str
    answer: str


def faces(card: AnyCard) -> Iterator[Face]:
    """The prompt/answer pairs of a card (one per cloze deletion; list cards have none here)."""
    if isinstance(card, BasicCard):
        yield Face(plain(card.front), plain(card.back))
    elif isinstance(card, DefinitionCard):
        yield Face(plain(card.term), plain(card.definition))
    elif isinstance(card, TableRowCard):
        prompt = " ".join(plain(cell.text) for cell in card.prompt)
        if card.ask:
            prompt = f"{prompt} {card.ask}"
        yield Face(prompt, " ".join(plain(cell.text) for cell in card.answer))
    elif isinstance(card, ClozeCard):
        for number in card.deletions:
            yield Face(plain(card.text, front_of=number), " ".join(deleted(card.text, number)))


def deleted(text: Text, number: int) -> list[str]:
    """The text of each deletion numbered ``number``."""
    render = PlainRenderer()
    return [
        render.inlines(node.content) for node in text_inlines(text) if isinstance(node, Cloze) and node.number == number
    ]


def prompt_of(card: AnyCard) -> str:
    """The question a card asks, for comparing cards (a cloze note: its whole text)."""
    if isinstance(card, BasicCard | ListCard):
        return plain(card.front)
    if isinstance(card, DefinitionCard):
        return plain(card.term)
    if isinstance(card, TableRowCard):
        return " ".join(plain(cell.text) for cell in card.prompt) + (f" {card.ask}" if card.ask else "")
    return plain(card.text)


class Reporter:
    """Adds a card's diagnostics unless the card allows the code."""

    def __init__(self, diags: Diagnostics) -> None:
        self.diags = diags

    def __call__(self, card: AnyCard, code: Code, message: str) -> None:
        if code.value not in card.allow:
            self.diags.add(code, card.span.path, card.span.line, message)


def check_quality(course: Course, diags: Diagnostics, settings: Quality | None = None) -> None:
    """Run every card-quality check over the course."""
    settings = settings or Quality()
    report = Reporter(diags)
    cards = [ctx.card for ctx in iter_cards(course)]
    for card in cards:
        if isinstance(card, ListCard) and len(card.items) > settings.max_list_items:
            report(
                card,
                Code.QUALITY_LONG_LIST,
                f"the list has {len(card.items)} items, over {settings.max_list_items}: split or group it",
            )
        if isinstance(card, ClozeCard):
            _cloze_giveaway(card, report)
        for face in faces(card):
            _face(card, face, settings, report)
    _near_duplicates(cards, settings.near_duplicate, report)


def _face(card: AnyCard, face: Face, settings: Quality, report: Reporter) -> None:
    count = len(face.answer.split())
    if count > settings.max_answer_words:
        what = "a deletion" if isinstance(card, ClozeCard) else "the answer"
        report(
            card,
            Code.QUALITY_LONG_ANSWER,
            f"{what} has {count} words, over {settings.max_answer_words}: shorten it or split the card",
        )
    if YES_NO_RE.match(face.answer):
        report(card, Code.QUALITY_YES_NO, f'the answer is just "{face.answer.strip()}": ask for the fact itself')
    if isinstance(card, ClozeCard):
        return  # a deletion's text inside the note is quality.cloze-giveaway
    if isinstance(card, DefinitionCard):
        if contains_phrase(face.answer, face.prompt):
            report(card, Code.QUALITY_ANSWER_IN_PROMPT, f"the term '{face.prompt}' appears inside its definition")
    else:
        answer = set(content(face.answer))
        if answer and len(answer) <= SHORT_ANSWER and answer <= set(content(face.prompt)):
            report(card, Code.QUALITY_ANSWER_IN_PROMPT, f"the question already contains the answer '{face.answer}'")
    option = _either_or(face)
    if option is not None:
        report(card, Code.QUALITY_EITHER_OR, f"an either/or question answered by one option ('{option}')")


def _either_or(face: Face) -> str | None:
    """The option of an "A or B?" prompt that the answer starts with, if any."""
    found = OR_RE.match(face.prompt)
    if found is None:
        return None
    answer = words(face.answer)
    right = words(found["right"])
    left = words(found["left"])
    # the left side ends with an option of up to one word more than the right one (the rest is lead-in)
    options = [right, *(left[-n:] for n in range(1, min(len(left), max(len(right), 1) + 1) + 1))]
    for option in options:
        if option and answer[: len(option)] == option:
            return " ".join(option)
    return None


def _cloze_giveaway(card: ClozeCard, report: Reporter) -> None:
    for number in card.deletions:
        front = plain(card.text, front_of=number)
        for text in deleted(card.text, number):
            if words(text) and contains_phrase(front, text):
                report(
                    card,
                    Code.QUALITY_CLOZE_GIVEAWAY,
                    f"deletion c{number} '{text}' is also visible on the card that hides it",
                )
                break


#: Longest word combinations the near-duplicate index keys on.
_KEY_WORDS = 4


def _near_duplicates(cards: list[AnyCard], threshold: float, report: Reporter) -> None:
    """Prompts whose content-word sets have Jaccard similarity ≥ ``threshold``.

    Prefix filtering keeps this near linear. Two sets that reach the threshold share at least
    ``need = ceil(threshold·len)`` words, counted from either set; with each set's words sorted
    rarest first, the first ``k`` shared words (``k ≤ need``) lie within each set's first
    ``len - need + k`` words. So every card indexes the ``k``-word combinations of those prefixes
    for ``k`` up to ``_KEY_WORDS``, and meets only earlier cards that share one of its own
    ``min(need, _KEY_WORDS)``-word combinations: a few words of a template are rare together even
    where each is common (a course about one service, a generated corpus).
    """
    sets = [frozenset(content(prompt_of(card))) for card in cards]
    freq: Counter[str] = Counter(w for s in sets for w in s)
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, (card, own) in enumerate(zip(cards, sets, strict=True)):
        if not own:
            continue
        ordered = sorted(own, key=lambda w: (freq[w], w))
        need = math.ceil(threshold * len(own) - 1e-9)
        keys = {k: list(itertools.combinations(ordered[: len(own) - need + k], k)) for k in range(1, _KEY_WORDS + 1)}
        seen: set[int] = set()
        for key in keys[min(need, _KEY_WORDS)]:
            earlier = index.get(key, ())
            match = next((j for j in earlier if j not in seen and _similar(own, sets[j], threshold)), None)
            if match is not None:
                report(card, Code.QUALITY_NEAR_DUPLICATE, _duplicate_message(cards[match].span))
                break
            seen.update(earlier)
        for combos in keys.values():
            for key in combos:
                index[key].append(i)


def _similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Jaccard ``|a ∩ b| / |a ∪ b| ≥ threshold``, with the size bound first (it needs no set operation)."""
    size_a, size_b = len(a), len(b)
    if size_a < threshold * size_b - 1e-9 or size_b < threshold * size_a - 1e-9:
        return False
    shared = len(a & b)
    return shared >= threshold * (size_a + size_b - shared) - 1e-9


def _duplicate_message(first: Span) -> str:
    return f"nearly the same question as the card at {first.path}:{first.line}"
