"""A note's Anki cards as plain text: what each card's front and back show (the hover).

It follows the note types' templates (``templates/anki``): a basic card's back
repeats the prompt above the answer, a reverse card swaps the sides, a cloze or
list card hides its own deletion or item behind ``[...]`` (or ``[hint]``) on the
front and reveals it on the back; ``::: extra`` comes under the answer. The text
comes from ``compiler.text.plain``, so a formula shows as its TeX.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

from compiler.model.doc import Text
from compiler.model.ir import AnyCard, BasicCard, ClozeCard, DefinitionCard, ExamTip, ListCard, TableCell, TableRowCard
from compiler.text.plain import GAP, plain


@dataclass(frozen=True)
class Face:
    """One Anki card of a note."""

    label: str
    """Which card, e.g. ``card 1`` or ``card 2 (reverse)``."""
    front: str
    back: str


def faces(card: AnyCard) -> list[Face]:
    """Every card Anki makes from this note, in ordinal order."""
    extra = [f"Extra: {_text(card.extra)}"] if card.extra is not None else []
    match card:
        case BasicCard() | DefinitionCard():
            front, back = (card.front, card.back) if isinstance(card, BasicCard) else (card.term, card.definition)
            out = [_basic("card 1", _text(front), _text(back), extra)]
            if card.reverse:
                out.append(_basic("card 2 (reverse)", _text(back), _text(front), extra))
            return out
        case TableRowCard():
            ask = [card.ask] if card.ask else []
            prompt = "\n".join([*_cells(card.prompt), *ask])
            return [_basic("card 1", prompt, "\n".join(_cells(card.answer)), extra)]
        case ClozeCard():
            revealed = _text(card.text)
            return [Face(f"card {n}", _text(card.text, n), "\n".join([revealed, *extra])) for n in card.deletions]
        case ListCard():
            return [_list_face(card, at, extra) for at in range(len(card.items))]
        case _:
            assert_never(card)


def _text(text: Text, front_of: int | None = None) -> str:
    return plain(text, front_of=front_of, lines=True)


def _basic(label: str, prompt: str, answer: str, extra: list[str]) -> Face:
    return Face(label, prompt, "\n".join([prompt, "—", answer, *extra]))


def _cells(cells: Sequence[TableCell]) -> list[str]:
    return [f"{cell.column}: {plain(cell.text)}" for cell in cells]


def _list_face(card: ListCard, at: int, extra: list[str]) -> Face:
    def listing(shown: bool) -> str:
        items = [plain(item) if i != at or shown else GAP for i, item in enumerate(card.items)]
        marks = [f"{i}." if card.ordered else "-" for i in range(1, len(items) + 1)]
        return "\n".join([_text(card.front), *(f"{m} {item}" for m, item in zip(marks, items, strict=True))])

    return Face(f"card {at + 1}", listing(False), "\n".join([listing(True), *extra]))


def hover_markdown(card: AnyCard) -> str:
    """The hover text: each card's front and back in fenced text blocks (no Markdown is re-read).

    When every card of the note has the same back (a cloze or list note), it is shown once.
    """
    out = [f"**{card.id}** · {card.kind.replace('_', ' ')} note"]
    shown = faces(card)
    if len(shown) > 1 and len({face.back for face in shown}) == 1:
        for face in shown:
            out += [f"*{face.label}: front*", _fence(face.front)]
        return "\n\n".join([*out, "*back of every card*", _fence(shown[0].back)])
    for face in shown:
        out += [f"*{face.label}: front*", _fence(face.front), f"*{face.label}: back*", _fence(face.back)]
    return "\n\n".join(out)


def _fence(text: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}text\n{text}\n{ticks}"


def summary(card: AnyCard, limit: int = 60) -> str:
    """One line naming the card: its prompt (the outline's names)."""
    match card:
        case BasicCard() | ListCard():
            text = plain(card.front)
        case DefinitionCard():
            text = plain(card.term)
        case TableRowCard():
            text = " / ".join(plain(cell.text) for cell in card.prompt)
        case ClozeCard():
            text = plain(card.text, front_of=card.deletions[0] if card.deletions else None)
        case _:
            assert_never(card)
    return _clip(text, limit)


def tip_summary(tip: ExamTip, limit: int = 60) -> str:
    """The tip's text on one line."""
    return _clip(plain(tip.text), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
