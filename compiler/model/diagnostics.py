"""Diagnostics: one format, coded, collected before the build stops once."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
#: Longest message kept; the rest is cut with an ellipsis.
MAX_MESSAGE = 300


class Code(StrEnum):
    """Every diagnostic code studyc can emit. Each member's docstring explains it."""

    FILE_ENCODING = "file.encoding"
    """The file is not valid UTF-8 text (or looks binary)."""
    FILE_EMPTY = "file.empty"
    """The note file is empty; it contributes nothing."""
    FILE_TOO_LARGE = "file.too-large"
    """The file exceeds the configured size limit and was not parsed."""
    FILE_TOO_DEEP = "file.too-deep"
    """Lists, blockquotes, containers, raw HTML or emphasis nest deeper than the configured limit."""
    FILE_UNREADABLE = "file.unreadable"
    """The note file cannot be read (permissions, a dangling link, a pipe or device)."""
    FILE_OUTSIDE = "file.outside-root"
    """A note file is a symlink to a file outside the source folder; it is not read."""
    COURSE_MISSING = "course.missing"
    """The source folder has no ``course.md`` with the course metadata."""
    COURSE_CARDS = "course.cards"
    """``course.md`` holds cards or tips; put them in a chapter file."""
    FRONT_MATTER_SYNTAX = "front-matter.syntax"
    """The YAML front matter cannot be parsed, or is not a mapping."""
    FRONT_MATTER_UNKNOWN_KEY = "front-matter.unknown-key"
    """The front matter has a key studyc does not know (typo?)."""
    FRONT_MATTER_INVALID = "front-matter.invalid"
    """A front-matter value is missing or has the wrong type."""
    FRONT_MATTER_UNKNOWN_DOMAIN = "front-matter.unknown-domain"
    """A chapter names an exam domain that ``course.md`` does not declare."""
    CHAPTER_NO_TITLE = "chapter.no-title"
    """A chapter has neither a ``title`` in front matter nor a ``#`` heading."""
    CARD_NO_ANSWER = "card.no-answer"
    """A ``Q:`` paragraph is followed by neither ``A:`` nor a list."""
    CARD_EMPTY_SIDE = "card.empty-side"
    """A card's question or answer is empty."""
    TIP_EMPTY = "tip.empty"
    """A ``> [!TIP]`` holds no text: there is nothing to learn, or for a card to cover."""
    CARD_STRAY_ANSWER = "card.stray-answer"
    """An ``A:`` paragraph has no ``Q:`` before it."""
    CLOZE_NO_DELETION = "cloze.no-deletion"
    """A ``C:`` card has no ``{{c1::…}}`` deletion."""
    CLOZE_BAD_NUMBER = "cloze.bad-number"
    """A cloze deletion is numbered ``c0`` or above ``c999`` (Anki counts from ``c1``)."""
    CLOZE_STRAY = "cloze.stray"
    """Cloze syntax appears outside a ``C:`` card, where it prints literally."""
    DIRECTIVE_UNKNOWN = "directive.unknown"
    """A ``:::`` container has a name studyc does not know."""
    DIRECTIVE_UNCLOSED = "directive.unclosed"
    """A ``:::`` container is never closed."""
    DIRECTIVE_MISPLACED = "directive.misplaced"
    """A directive stands where it has no meaning (e.g. ``::: extra`` after prose)."""
    ATTR_UNKNOWN = "attr.unknown"
    """An attribute line sets a key or class that means nothing on that block."""
    TABLE_UNKNOWN_COLUMN = "table.unknown-column"
    """A table-card directive names a column the table does not have."""
    TABLE_RAGGED = "table.ragged"
    """A table row has a different number of cells than the header."""
    TABLE_NO_ANSWER = "table.no-answer"
    """A table-card directive leaves no column for the answer."""
    TABLE_EMPTY_HEADER = "table.empty-header"
    """A column of a ``.cards`` table has no header text, so its cells print with no label (": Predicted YES")."""
    ID_DUPLICATE_CARD = "id.duplicate-card"
    """Two cards have the same id; ids must be unique in the course."""
    ID_DUPLICATE_TIP = "id.duplicate-tip"
    """Two exam tips have the same id."""
    ID_INVALID = "id.invalid"
    """An id is not lowercase letters, digits, ``-`` and ``_``."""
    COVERAGE_NO_CARDS = "coverage.no-cards"
    """An exam tip has no card that covers it."""
    COVERAGE_UNKNOWN_TIP = "coverage.unknown-tip"
    """A card or section says it covers a tip id that does not exist."""
    IMAGE_MISSING = "image.missing"
    """A referenced image file does not exist."""
    IMAGE_OUTSIDE = "image.outside-root"
    """An image path leaves the source root (``..``, absolute path, symlink)."""
    IMAGE_TOO_LARGE = "image.too-large"
    """An image exceeds the configured size limit and was not read."""
    IMAGE_REMOTE = "image.remote"
    """A remote image URL; studyc never fetches it."""
    HTML_UNSAFE = "html.unsafe"
    """Raw HTML had scripts, ``on*=`` handlers, ``javascript:`` URLs, frames or a raw ``<img src>``; all removed."""
    HEADING_SKIP = "heading.skip"
    """A heading skips a level (e.g. ``##`` then ``####``)."""
    MATH_INVALID = "math.invalid"
    """A formula cannot be typeset for the PDFs (unknown command, unclosed brace …); it prints as TeX source."""
    PRINT_OVERFLOW = "print.overflow"
    """A printed flashcard's text does not fit its cell even at the smallest size; shorten it or split the card."""
    QUALITY_LONG_ANSWER = "quality.long-answer"
    """An answer (back, definition, answer cells, or a cloze deletion's text) has more words than
    ``quality.max_answer_words`` (20); long answers are hard to recall in one go: split the card."""
    QUALITY_ANSWER_IN_PROMPT = "quality.answer-in-prompt"
    """The prompt gives its own answer away: every content word of a short answer appears in the
    question, or a definition's term appears inside its definition."""
    QUALITY_YES_NO = "quality.yes-no"
    """The answer is just "yes" or "no"; a coin toss gets half of these right. Ask for the fact itself."""
    QUALITY_LONG_LIST = "quality.long-list"
    """A list card has more items than ``quality.max_list_items`` (4); long enumerations are hard to
    recall: split the list or group it."""
    QUALITY_CLOZE_GIVEAWAY = "quality.cloze-giveaway"
    """A cloze deletion's text appears elsewhere in the note, outside that deletion, so the card that
    hides it shows the answer anyway."""
    QUALITY_NEAR_DUPLICATE = "quality.near-duplicate"
    """Two cards ask nearly the same question (their prompts share at least ``quality.near_duplicate``
    of their content words); reported at the later card. Merge them or make them ask different things."""
    QUALITY_EITHER_OR = "quality.either-or"
    """An "A or B?" question answered by one of the two options: a guess is right half the time.
    Ask an open question instead."""
    # -- notes that read as written (issue 17) --
    CARD_RUNS_ON = "card.runs-on"
    """A card's answer goes on to a paragraph ending in ":" after its first block (a lead-in such as
    "Files of an inference image:"), which usually introduces prose for the section, not more answer.
    End the card with a ``---`` line before it; if it does belong to the answer, say so on the card
    with ``allow="card.runs-on"``."""
    MEDIA_UNSUPPORTED = "media.unsupported"
    """A file shown with ``![…](…)`` or ``[sound:…]`` is neither an image nor audio or video Anki can
    play (by its extension, e.g. a ``.pdf``); it is packed as it is, but no card can show it. Link to
    it with ``[label](file)`` instead."""
    PRINT_LEFT_OUT = "print.left-out"
    """Information, never an error: the whole course does not fit the cheat sheet's page budget
    (``cheatsheet.pages``), so the lowest-priority cards were left off it (the guide still holds
    everything). Raise the budget or mark the cards you want kept with ``{.key}``. Also said, at its
    line, of a block taller than a whole page (a long code listing): kept whole it would run into
    pages past the budget, so it is left out whatever the budget."""

    # -- exam questions (issue 15) --
    QUESTION_NO_CORRECT = "question.no-correct"
    """An exam question has no option marked ``[x]``."""
    QUESTION_ALL_CORRECT = "question.all-correct"
    """Every option of an exam question is marked ``[x]``: there is nothing to tell apart."""
    QUESTION_DUPLICATE_OPTION = "question.duplicate-option"
    """Two options of an exam question have the same text."""
    QUESTION_FEW_OPTIONS = "question.few-options"
    """An exam question has fewer than 3 options (a guess would be right half the time)."""
    QUESTION_CHOOSE_COUNT = "question.choose-count"
    """The stem says "(Choose two.)" but a different number of options is marked ``[x]``."""
    QUESTION_UNKNOWN_DOMAIN = "question.unknown-domain"
    """A question's ``domain`` attribute names a domain that ``course.md`` does not declare."""
    QUESTION_NOT_GENERATED = "question.not-generated"
    """Information: rows of a table card or terms of a definition list have too few distinct
    other answers to make multiple-choice questions from (each needs at least 2 distractors)."""

    @property
    def verbose_only(self) -> bool:
        """Information the terminal shows only with ``-v`` (JSON output always has it)."""
        return self in _VERBOSE_ONLY

    @property
    def severity(self) -> Severity:
        """The default severity of this code."""
        if self in _INFOS:
            return "info"
        return "warning" if self in _WARNINGS else "error"


_WARNINGS = frozenset(
    {
        Code.FILE_EMPTY,
        Code.CLOZE_STRAY,
        Code.IMAGE_REMOTE,
        Code.HTML_UNSAFE,
        Code.HEADING_SKIP,
        Code.ATTR_UNKNOWN,
        Code.MATH_INVALID,
        Code.PRINT_OVERFLOW,
        Code.TABLE_EMPTY_HEADER,
        Code.QUALITY_LONG_ANSWER,
        Code.QUALITY_ANSWER_IN_PROMPT,
        Code.QUALITY_YES_NO,
        Code.QUALITY_LONG_LIST,
        Code.QUALITY_CLOZE_GIVEAWAY,
        Code.QUALITY_NEAR_DUPLICATE,
        Code.QUALITY_EITHER_OR,
        Code.CARD_RUNS_ON,
        Code.MEDIA_UNSUPPORTED,
        Code.QUESTION_CHOOSE_COUNT,
    }
)


#: Codes that only inform: never an error, not even with ``--strict``.
_INFOS = frozenset({Code.PRINT_LEFT_OUT, Code.QUESTION_NOT_GENERATED})
#: Information shown only with ``-v``: one per table or list, so a normal course has many.
_VERBOSE_ONLY = frozenset({Code.QUESTION_NOT_GENERATED})


def code_docs() -> dict[Code, str]:
    """Each code's docstring (read from this module's source; enum members keep none at runtime)."""
    import ast
    import inspect
    import itertools

    tree = ast.parse(inspect.getsource(Code))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[Code, str] = {}
    for stmt, nxt in itertools.pairwise(body):
        if (
            isinstance(stmt, ast.Assign)
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[Code[stmt.targets[0].id]] = nxt.value.value
    return docs


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the notes."""

    path: str
    line: int
    col: int
    severity: Severity
    code: Code
    message: str

    def format(self) -> str:
        """The one text form: ``path:line:col: severity: message [code]``."""
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message} [{self.code.value}]"

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["code"] = self.code.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagnostic:
        """The inverse of :meth:`as_json` (for diagnostics kept in the build cache)."""
        return cls(
            str(data["path"]),
            int(data["line"]),
            int(data["col"]),
            data["severity"],
            Code(data["code"]),
            data["message"],
        )


@dataclass
class Diagnostics:
    """Collector passed through the pipeline; nothing raises for bad notes."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, code: Code, path: str, line: int, message: str, col: int = 1) -> None:
        """Record a diagnostic with the code's default severity."""
        if len(message) > MAX_MESSAGE:  # messages quote the notes, and a quoted name can be a whole line
            message = message[: MAX_MESSAGE - 1] + "…"
        self.items.append(Diagnostic(path, max(line, 1), max(col, 1), code.severity, code, message))

    def extend(self, other: Diagnostics) -> None:
        """Append another collector's diagnostics."""
        self.items.extend(other.items)

    def suppress(self, codes: tuple[str, ...] | frozenset[str]) -> None:
        """Drop every warning whose code is in ``codes`` (``suppress_warnings`` in ``studyc.toml``)."""
        if codes:
            self.items = [d for d in self.items if d.severity == "error" or d.code.value not in codes]

    def sorted(self) -> list[Diagnostic]:
        """Diagnostics in file, line, column order."""
        return sorted(self.items, key=lambda d: (d.path, d.line, d.col, d.code.value, d.message))

    def errors(self, strict: bool = False) -> list[Diagnostic]:
        """Diagnostics that fail the build (warnings too when strict; information never)."""
        return [d for d in self.items if d.severity == "error" or (strict and d.severity == "warning")]

    def count(self, severity: Severity) -> int:
        """How many diagnostics have this severity."""
        return sum(1 for d in self.items if d.severity == severity)


def to_json(diags: list[Diagnostic]) -> str:
    """The ``--format json`` form: a list of objects, one per diagnostic."""
    return json.dumps([d.as_json() for d in diags], indent=2, sort_keys=True)
