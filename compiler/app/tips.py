"""``studyc tips``: every exam tip id, where it is, and the cards that cover it.

The ids to write in ``covers`` (explicit or derived from the tip's first
words), so nobody has to learn them from an error message.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.model.errors import DiagnosticsFailed
from compiler.model.ir import Course, iter_cards, iter_tips

if TYPE_CHECKING:
    import argparse

    from compiler.app.console import Reporter
    from compiler.settings import Config


@dataclass(frozen=True)
class CardRef:
    id: str
    where: str
    """``path:line`` of the card."""


@dataclass(frozen=True)
class TipRow:
    id: str
    explicit: bool
    """False when the id is derived from the tip's first words (it changes when they do)."""
    where: str
    cards: tuple[CardRef, ...]


def compute(course: Course, root: Path = Path()) -> list[TipRow]:
    """Tips in reading order, each with the cards that cover it in reading order; places under ``root``."""
    covering: dict[str, list[CardRef]] = {}
    for ctx in iter_cards(course):
        ref = CardRef(ctx.card.id, f"{(root / ctx.card.span.path).as_posix()}:{ctx.card.span.line}")
        for tid in ctx.card.covers:
            covering.setdefault(tid, []).append(ref)
    return [
        TipRow(
            tip.id,
            tip.explicit_id,
            f"{(root / tip.span.path).as_posix()}:{tip.span.line}",
            tuple(covering.get(tip.id, ())),
        )
        for _, _, tip in iter_tips(course)
    ]


def as_text(rows: list[TipRow]) -> str:
    """One line per tip, its cards indented below it."""
    if not rows:
        return "no exam tips yet (a tip is a '> [!TIP]' quote with an {#id} attribute line above it)\n"
    out: list[str] = []
    for row in rows:
        derived = "" if row.explicit else " (derived from its first words; give it an {#id})"
        count = f"{len(row.cards)} card{'s' * (len(row.cards) != 1)}" if row.cards else "NO CARDS"
        out.append(f"{row.id}  {row.where}  {count}{derived}")
        width = max((len(c.where) for c in row.cards), default=0)
        out += [f"  {c.where.ljust(width)}  {c.id}" for c in row.cards]
    return "\n".join(out) + "\n"


def as_json(rows: list[TipRow]) -> str:
    """The same as a JSON list (keys: ``id``, ``explicit``, ``where``, ``cards`` of ``{id, where}``)."""
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace, config: Config, reporter: Reporter) -> int:
    """``studyc tips [SOURCE] [--json]``: the list on stdout; problems (if any) on stderr."""
    from compiler.build import pipeline

    result = pipeline.check(args.source, config.limits(), quality=config.quality, suppress=config.suppress_warnings)
    errors = result.diagnostics.errors()
    if errors:
        reporter.diagnostics(result.diagnostics.sorted(), args.source, False)
    if result.course is None:
        reporter.error("the tips need a course that loads; fix the errors above")
        return DiagnosticsFailed.exit_code
    rows = compute(result.course, args.source)
    sys.stdout.write(as_json(rows) if args.json else as_text(rows))
    return DiagnosticsFailed.exit_code if errors else 0
