"""The floor: markdown-it-py render + genanki write of the same cards, nothing else.

``python -m benchmarks.floor CORPUS OUT.apkg`` reads ``CORPUS/floor.json``
(front/back Markdown per card, written by the generator), renders every field
with markdown-it-py (CommonMark + tables) and writes one genanki package. No
checks, no ids, no sanitizing, one process: what studyc's own libraries cost.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import genanki
from markdown_it import MarkdownIt

MODEL = genanki.Model(
    1607392319,
    "Floor",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
)
CLOZE = genanki.Model(
    1607392320,
    "Floor cloze",
    model_type=genanki.Model.CLOZE,
    fields=[{"name": "Text"}, {"name": "Back"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back}}"}],
)


def main(argv: list[str]) -> int:
    corpus, out = Path(argv[0]), Path(argv[1])
    cards = json.loads((corpus / "floor.json").read_text(encoding="utf-8"))
    md = MarkdownIt("commonmark").enable("table")
    deck = genanki.Deck(2059400110, "Floor")
    for i, (kind, front, back) in enumerate(cards):
        model = CLOZE if kind == "cloze" else MODEL
        deck.add_note(genanki.Note(model=model, fields=[md.render(front), md.render(back)], guid=f"floor{i}"))
    genanki.Package(deck).write_to_file(str(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
