"""Anki field HTML back to Markdown, conservatively: only what maps one to one, else None.

``studyc pull`` writes a field edited in Anki back into the notes only when the
field holds paragraphs of plain text with bold, italic and inline code (and
cloze markers), which is what a typo fix on the phone produces. Anything else
(lists, images, math, links, a character Markdown would read differently) is
not guessed at: the edit is listed for the user to apply by hand.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
_BLOCKS = {"p", "div"}
#: Characters whose Markdown meaning differs from their text (in text outside code).
_SPECIAL = re.compile(r"[\\*_`\[\]<>|#$]|^\s*([-+]|\d+[.)])\s|^\s*(Q|A|C):|&(#\d+|#[xX][0-9a-fA-F]+|\w+);")


class _Unmappable(Exception):
    """The HTML holds something this converter does not map back."""


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = [[]]
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if attrs and tag != "br":
            raise _Unmappable(tag)
        if tag in _BLOCKS:
            if self.open:
                raise _Unmappable(tag)
            self._new_paragraph()
        elif tag in _MARKS:
            if tag == "code" and "code" in self.open:
                raise _Unmappable(tag)
            self.open.append(tag)
            self.paragraphs[-1].append(_MARKS[tag])
        elif tag == "br":
            self._new_paragraph()  # Anki's editor breaks lines with <br>; only a trailing one is harmless
            self.paragraphs[-1].append("\0br")
        else:
            raise _Unmappable(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._new_paragraph()
        elif tag in _MARKS:
            if not self.open or self.open.pop() != tag:
                raise _Unmappable(tag)
            self.paragraphs[-1].append(_MARKS[tag])
        elif tag != "br":
            raise _Unmappable(tag)

    def handle_data(self, data: str) -> None:
        text = data.replace("\xa0", " ")
        if "code" in self.open:
            if "`" in text or "  " in text or "\n" in text:
                raise _Unmappable("code that Markdown would not keep as it is")
        elif _SPECIAL.search(text):
            raise _Unmappable("markdown character")
        self.paragraphs[-1].append(text)

    def handle_comment(self, data: str) -> None:
        raise _Unmappable("comment")

    def _new_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])


def to_markdown(field: str) -> str | None:
    """The Markdown for an Anki field, or None when it cannot be mapped safely."""
    parser = _Converter()
    try:
        parser.feed(field)
        parser.close()
    except _Unmappable:
        return None
    if parser.open:
        return None
    paragraphs = [" ".join("".join(p).split()) for p in parser.paragraphs if p != ["\0br"]]
    paragraphs = [p for p in paragraphs if p]
    if any("\0br" in p for p in paragraphs):
        return None  # a line break inside a paragraph has no safe Markdown twin here
    return "\n\n".join(paragraphs)


def same(a: str, b: str) -> bool:
    """True when two field texts say the same (equal, or equal once mapped to Markdown)."""
    if a == b:
        return True
    ma = to_markdown(a)
    return ma is not None and ma == to_markdown(b)


def unescape(text: str) -> str:
    """Character references decoded (for messages)."""
    return html.unescape(text)
