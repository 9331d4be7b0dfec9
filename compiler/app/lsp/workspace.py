"""One course as the language server sees it: the notes on disk with the editor's unsaved buffers on top."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from compiler.build import pipeline
from compiler.frontend import COURSE_FILE, is_note_path
from compiler.model.diagnostics import Diagnostic
from compiler.model.errors import StudycError
from compiler.model.ir import AnyCard, Chapter, Course, ExamTip, Section, iter_cards, iter_tips
from compiler.settings import Config, load_config


def find_root(path: Path) -> Path | None:
    """The nearest folder at or above ``path``'s folder that holds ``course.md``."""
    for folder in path.parents:
        if (folder / COURSE_FILE).is_file():
            return folder
    return None


@dataclass(frozen=True)
class TipAt:
    """An exam tip with where it sits."""

    tip: ExamTip
    chapter: Chapter
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class CardAt:
    """A card with where it sits."""

    card: AnyCard
    chapter: Chapter
    sections: tuple[Section, ...]


@dataclass
class Snapshot:
    """The result of one check of the course, and lookups over it."""

    course: Course | None
    diagnostics: list[Diagnostic]
    tips: dict[str, TipAt] = field(default_factory=dict)
    cards: list[CardAt] = field(default_factory=list)

    @classmethod
    def of(cls, course: Course | None, diagnostics: list[Diagnostic]) -> Snapshot:
        """Index a checked course."""
        snap = cls(course, diagnostics)
        if course is not None:
            for chapter, trail, tip in iter_tips(course):
                snap.tips.setdefault(tip.id, TipAt(tip, chapter, trail))
            snap.cards = [CardAt(ctx.card, ctx.chapter, ctx.sections) for ctx in iter_cards(course)]
        return snap

    def chapter(self, rel: str) -> Chapter | None:
        """The chapter read from this file."""
        if self.course is None:
            return None
        return next((c for c in self.course.chapters if c.span.path == rel), None)

    def cards_in(self, rel: str) -> Iterator[CardAt]:
        """The cards of one file, in order."""
        return (c for c in self.cards if c.card.span.path == rel)

    def card_at(self, rel: str, line: int) -> CardAt | None:
        """The card whose lines include ``line`` (1-based); the innermost when several do."""
        found = None
        for at in self.cards_in(rel):
            if at.card.span.line <= line <= at.card.span.end_line:
                found = at
        return found


class CourseState:
    """A course folder, its settings, the open documents under it and its last check."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.open: dict[str, str] = {}
        """Relative path → URI of each open document (published diagnostics go to the client's own URI)."""
        self.snapshot = Snapshot(None, [])
        self.dirty = True
        """Whether an edit came in since the last check."""
        self.published: set[str] = set()
        """Relative paths that have diagnostics shown, so a fixed file can be cleared."""
        self.config_error: str | None = None
        """What is wrong with ``studyc.toml`` (the defaults are used meanwhile)."""
        self.config_error_shown: str | None = None
        """The problem last shown to the user, so it is shown once."""

    def rel(self, path: Path) -> str | None:
        """The path relative to the root if it is one of the course's note files."""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return None
        return rel if is_note_path(rel) else None

    def config(self) -> Config:
        """``studyc.toml`` as it is now; a broken one is reported once and the defaults are used."""
        try:
            config = load_config(self.root)
        except StudycError as exc:
            self.config_error = str(exc)
            return Config()
        self.config_error = None
        return config

    def check(self, overrides: Mapping[str, str]) -> Snapshot:
        """Check the course with the unsaved texts on top of the files, as ``studyc check`` would."""
        config = self.config()
        result = pipeline.check(
            self.root, config.limits(), quality=config.quality, suppress=config.suppress_warnings, overrides=overrides
        )
        self.snapshot = Snapshot.of(result.course, result.diagnostics.sorted())
        self.dirty = False
        return self.snapshot
