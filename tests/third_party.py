"""Notes nobody here wrote: the Markdown READMEs of the packages ``make build`` installs.

Read from the installed packages' metadata, so nothing third-party is committed
(``tests/test_third_party_notes.py``, ``tests/test_lsp_preview.py``).
"""

from __future__ import annotations

import importlib.metadata

from markdown_it import MarkdownIt

#: Paragraphs taken from each README as card answers.
PARAGRAPHS = 6


def readmes() -> dict[str, str]:
    """Package name → its Markdown long description (studyc's own left out)."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        meta = dist.metadata
        body = meta.get_payload() if (meta.get("Description-Content-Type") or "").startswith("text/markdown") else ""
        if isinstance(body, str) and body.strip() and meta["Name"] != "studyc":
            found[meta["Name"]] = body
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def paragraph_cards() -> str:
    """A chapter whose cards answer with the first paragraphs of each README, as written."""
    md = MarkdownIt("commonmark")
    cards: list[str] = []
    for name, body in readmes().items():
        lines = body.split("\n")
        starts = [t.map for t in md.parse(body) if t.type == "paragraph_open" and t.level == 0 and t.map]
        for n, (first, end) in enumerate(starts[:PARAGRAPHS], start=1):
            answer = "\n".join(lines[first:end]).strip()
            cards.append(f"Q: What does the {name} README say in paragraph {n}?\n\nA: {answer}\n")
    return "---\ntitle: Third party\n---\n\n## Paragraphs\n\n" + "\n---\n\n".join(cards)
