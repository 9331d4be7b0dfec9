"""``studyc stats``: where the cards are, which tips are thin, and how long the answers run.

:func:`compute` is pure (IR in, plain data out) so ``--json`` and the tables
show the same numbers; :func:`render` draws the tables with rich.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, assert_never

from compiler.model.doc import Cloze, text_inlines
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    TableRowCard,
    iter_cards,
    iter_sections,
    iter_tips,
)
from compiler.text.plain import PlainRenderer, plain

if TYPE_CHECKING:
    from rich.console import Console

#: A tip with this many cards or fewer (but more than none) is "thin".
THIN = 1
#: How many of the longest answers to list.
LONGEST = 5
NO_DOMAIN = "(none)"


@dataclass(frozen=True)
class ChapterRow:
    id: str
    title: str
    domain: str | None
    cards: int
    tips: int


@dataclass(frozen=True)
class SectionRow:
    chapter: str
    section: str
    title: str
    level: int
    cards: int
    """Cards in the section and its subsections."""
    tips: int
    """Exam tips in the section and its subsections."""


@dataclass(frozen=True)
class DomainRow:
    id: str
    name: str
    weight: int
    """Exam weight in percent."""
    cards: int
    share: float
    """Percent of the course's cards."""


@dataclass(frozen=True)
class TipRow:
    id: str
    chapter: str
    path: str
    line: int
    text: str
    cards: int
    status: str
    """``uncovered``, ``thin`` or ``ok``."""


@dataclass(frozen=True)
class AnswerRow:
    card: str
    kind: str
    path: str
    line: int
    words: int
    prompt: str


@dataclass(frozen=True)
class Stats:
    course: str
    cards: int
    tips: int
    covered: int
    thin_threshold: int
    per_chapter: list[ChapterRow] = field(default_factory=list)
    per_section: list[SectionRow] = field(default_factory=list)
    per_domain: list[DomainRow] = field(default_factory=list)
    per_tip: list[TipRow] = field(default_factory=list)
    average_answer_words: float = 0.0
    longest_answers: list[AnswerRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` document (keys are stable; scripts may rely on them)."""
        return asdict(self)


def answer_text(card: AnyCard) -> str:
    """What the learner has to produce for a card, as plain text."""
    match card:
        case BasicCard():
            return plain(card.back)
        case DefinitionCard():
            return plain(card.definition)
        case ClozeCard():
            return " ".join(PlainRenderer().inlines(node.content) for node in _deletions(card))
        case ListCard():
            return " ".join(plain(item) for item in card.items)
        case TableRowCard():
            return " ".join(plain(cell.text) for cell in card.answer)
        case _:
            assert_never(card)


def _deletions(card: ClozeCard) -> list[Cloze]:
    return [node for node in text_inlines(card.text) if isinstance(node, Cloze)]


class _Gaps(PlainRenderer):
    def cloze(self, node: Cloze) -> str:
        return "[…]"


def prompt_text(card: AnyCard, limit: int = 60) -> str:
    """A short label for a card in the longest-answers table."""
    match card:
        case BasicCard() | ListCard():
            text = plain(card.front)
        case DefinitionCard():
            text = plain(card.term)
        case ClozeCard():
            text = _Gaps().text(card.text)
        case TableRowCard():
            text = " / ".join(plain(cell.text) for cell in card.prompt)
        case _:
            assert_never(card)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compute(course: Course, thin: int = THIN, longest: int = LONGEST) -> Stats:
    """Count cards per chapter, section, domain and tip, and measure answers."""
    per_chapter: Counter[str] = Counter()
    per_domain: Counter[str] = Counter()
    per_section: Counter[tuple[str, str]] = Counter()
    per_tip: Counter[str] = Counter()
    answers: list[AnswerRow] = []
    for ctx in iter_cards(course):
        card = ctx.card
        per_chapter[ctx.chapter.id] += 1
        per_domain[ctx.chapter.domain or NO_DOMAIN] += 1
        for section in ctx.sections:
            per_section[(ctx.chapter.id, section.id)] += 1
        per_tip.update(set(card.covers))
        words = len(answer_text(card).split())
        answers.append(AnswerRow(card.id, card.kind, card.span.path, card.span.line, words, prompt_text(card)))
    total = len(answers)
    tips_per_chapter: Counter[str] = Counter()
    tips_per_section: Counter[tuple[str, str]] = Counter()
    for chapter, trail, _ in iter_tips(course):
        tips_per_chapter[chapter.id] += 1
        tips_per_section.update((chapter.id, section.id) for section in trail)

    tip_rows = []
    for chapter, _, tip in iter_tips(course):
        n = per_tip.get(tip.id, 0)
        status = "uncovered" if n == 0 else "thin" if n <= thin else "ok"
        tip_rows.append(TipRow(tip.id, chapter.id, tip.span.path, tip.span.line, plain(tip.text), n, status))
    domain_rows = [
        DomainRow(d.id, d.name, d.weight, per_domain.get(d.id, 0), _pct(per_domain.get(d.id, 0), total))
        for d in course.domains
    ]
    if per_domain.get(NO_DOMAIN):
        domain_rows.append(
            DomainRow(NO_DOMAIN, "No domain", 0, per_domain[NO_DOMAIN], _pct(per_domain[NO_DOMAIN], total))
        )
    longest_rows = sorted(answers, key=lambda a: (-a.words, a.path, a.line))[:longest]
    return Stats(
        course=course.title,
        cards=total,
        tips=len(tip_rows),
        covered=sum(1 for t in tip_rows if t.cards),
        thin_threshold=thin,
        per_chapter=[
            ChapterRow(ch.id, ch.title, ch.domain, per_chapter.get(ch.id, 0), tips_per_chapter.get(ch.id, 0))
            for ch in course.chapters
        ],
        per_section=[
            SectionRow(
                ch.id, s.id, s.title, s.level, per_section.get((ch.id, s.id), 0), tips_per_section.get((ch.id, s.id), 0)
            )
            for ch, s in iter_sections(course)
        ],
        per_domain=domain_rows,
        per_tip=tip_rows,
        average_answer_words=round(sum(a.words for a in answers) / total, 1) if total else 0.0,
        longest_answers=longest_rows,
    )


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# -- tables -------------------------------------------------------------------


def render(stats: Stats, console: Console) -> None:
    """Print every table; uncovered tips in red, thin ones in yellow."""
    from rich.table import Table
    from rich.text import Text

    def table(title: str, *columns: str) -> Table:
        t = Table(title=title, title_justify="left", title_style="bold", header_style="bold", box=None, pad_edge=False)
        for col in columns:
            t.add_column(col, justify="right" if col in _NUMERIC else "left", overflow="fold", no_wrap=col in _IDS)
        return t

    chapters = table("Notes per chapter", "Chapter", "Domain", "Notes", "Tips")
    for c in stats.per_chapter:
        chapters.add_row(c.title, c.domain or "-", str(c.cards), str(c.tips))
    console.print(chapters)
    console.print()

    sections = table("Notes per section", "Section", "Notes", "Tips")
    last = ""
    titles = {c.id: c.title for c in stats.per_chapter}
    for s in stats.per_section:
        if s.chapter != last:
            sections.add_row(Text(titles.get(s.chapter, s.chapter), style="bold"), "", "")
            last = s.chapter
        sections.add_row("  " * (s.level - 1) + s.title, str(s.cards), str(s.tips) if s.tips else "")
    console.print(sections)
    console.print()

    domains = table("Notes per exam domain", "Domain", "Weight", "Notes", "Share", "Gap")
    for d in stats.per_domain:
        gap = d.share - d.weight
        style = "yellow" if d.id != NO_DOMAIN and abs(gap) >= 10 else ""
        weight = f"{d.weight}%" if d.id != NO_DOMAIN else "-"
        gap_text = f"{gap:+.1f}" if d.id != NO_DOMAIN else "-"
        domains.add_row(d.name, weight, str(d.cards), f"{d.share:.1f}%", gap_text, style=style)
    console.print(domains)
    console.print()

    tips = table("Notes per exam tip", "Tip", "Where", "Notes", "Status")
    for t in stats.per_tip:
        style = {"uncovered": "bold red", "thin": "yellow"}.get(t.status, "")
        tips.add_row(
            t.id, f"{t.path}:{t.line}", str(t.cards), t.status.upper() if t.status != "ok" else "ok", style=style
        )
    console.print(tips)
    console.print()

    # The card id is in --json; here the location is enough to jump to it.
    longest = table("Longest answers", "Where", "Words", "Prompt")
    for a in stats.longest_answers:
        longest.add_row(f"{a.path}:{a.line}", str(a.words), a.prompt)
    console.print(longest)
    console.print()

    uncovered = sum(1 for t in stats.per_tip if t.status == "uncovered")
    thin = sum(1 for t in stats.per_tip if t.status == "thin")
    console.print(
        f"{stats.cards} notes, {stats.covered}/{stats.tips} exam tips covered "
        f"({uncovered} uncovered, {thin} with ≤{stats.thin_threshold} card); "
        f"average answer {stats.average_answer_words:g} words",
        highlight=False,
    )


_NUMERIC = {"Notes", "Tips", "Weight", "Share", "Gap", "Words"}
_IDS = {"Where", "Status", *_NUMERIC}
