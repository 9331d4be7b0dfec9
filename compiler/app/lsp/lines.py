"""What the language server reads from single source lines: attribute lines ``{…}``, ``::: covers`` lines, their parts.

A ``::: covers tip-a tip-b`` region marker reads as one ``covers`` part (the ids after
the keyword), so completion, go to definition, diagnostics and quick fixes treat its
ids exactly as they treat the ids inside ``covers="…"``.

Positions here are 0-based line indexes and character offsets in code points;
the server converts them to the client's units (UTF-16 by default) at the edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: ``#id``, ``.class`` or ``key=value`` with a double-, single- or unquoted value (an open quote runs to the end).
_PART = re.compile(
    r"""#(?P<id>[\w-]*)|\.(?P<cls>[\w-]+)|(?P<key>[\w-]+)=(?:"(?P<dq>[^"]*)"?|'(?P<sq>[^']*)'?|(?P<bare>[^\s}]*))"""
)

#: ``::: covers`` and at least one blank, then the ids (as markdown.py's region rule reads it; up to 3 spaces indent).
_REGION = re.compile(r"^ {0,3}:{3}[ \t]*covers[ \t]+(?P<ids>.*)$")


@dataclass(frozen=True)
class Part:
    """One part of an attribute line."""

    key: str
    """``id``, ``class`` or the key of ``key=value``."""
    value: str
    """The id, class name or value (without quotes)."""
    start: int
    """Offset of the value's first character in the line."""

    @property
    def end(self) -> int:
        """Offset just past the value."""
        return self.start + len(self.value)


@dataclass(frozen=True)
class Word:
    """A space-separated word inside an attribute value (one tip id of ``covers``)."""

    key: str
    text: str
    start: int
    end: int


def is_attr_line(line: str) -> bool:
    """A line that is only ``{…}`` (markdown-it's attribute block), possibly still being typed."""
    stripped = line.strip()
    return stripped.startswith("{") and "}" not in stripped[:-1]


def region_part(line: str) -> Part | None:
    """The ids of a ``::: covers …`` line as one ``covers`` part (trailing blanks kept: a new id may start there)."""
    match = _REGION.match(line.rstrip("\r\n"))
    return None if match is None else Part("covers", match.group("ids"), match.start("ids"))


def parts(line: str) -> list[Part]:
    """The parts of an attribute line, in order; the ids of a ``::: covers`` line."""
    region = region_part(line)
    if region is not None:
        return [region]
    if not is_attr_line(line):
        return []
    found = []
    for match in _PART.finditer(line):
        for group, key in (("id", "id"), ("cls", "class")):
            if match.group(group) is not None:
                found.append(Part(key, match.group(group), match.start(group)))
        if match.group("key") is not None:
            group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
            found.append(Part(match.group("key"), match.group(group), match.start(group)))
    return found


def words(part: Part) -> list[Word]:
    """The space-separated words of a value, with their offsets."""
    return [
        Word(part.key, m.group(), part.start + m.start(), part.start + m.end()) for m in re.finditer(r"\S+", part.value)
    ]


def word_at(line: str, char: int) -> Word | None:
    """The attribute word under (or just before) ``char``; an empty word where a new one would start."""
    for part in parts(line):
        if not part.start <= char <= part.end:
            continue
        for word in words(part):
            if word.start <= char <= word.end:
                return word
        return Word(part.key, "", char, char)
    return None


def attr_lines_above(lines: Sequence[str], index: int) -> list[int]:
    """Indexes of the attribute lines directly above line ``index`` (nearest first)."""
    found = []
    at = index - 1
    while at >= 0 and is_attr_line(lines[at]):
        found.append(at)
        at -= 1
    return found


def block_below(lines: Sequence[str], index: int) -> int:
    """The first line at or after ``index`` that is not an attribute line (the block they configure)."""
    while index < len(lines) and is_attr_line(lines[index]):
        index += 1
    return index


def find_word(lines: Sequence[str], indexes: Sequence[int], key: str, text: str) -> tuple[int, Word] | None:
    """The first word ``text`` of attribute ``key`` on one of these lines."""
    for index in indexes:
        if 0 <= index < len(lines):
            for part in parts(lines[index]):
                for word in words(part) if part.key == key else ():
                    if word.text == text:
                        return index, word
    return None


#: A ``:::`` marker line: a container or region opening (with its name), or a bare closing one.
_MARKER = re.compile(r"^ {0,3}:{3}[ \t]*(?P<name>[\w-]*)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Region:
    """A ``::: covers`` region as written: its marker lines and the ids it names."""

    open: int
    """Index of the ``::: covers …`` line."""
    close: int | None
    """Index of its closing ``:::`` line; None while it is unclosed."""
    ids: tuple[str, ...]


def regions(lines: Sequence[str]) -> list[Region]:
    """The covers regions of a file, read from the marker lines as markdown.py pairs them.

    A bare ``:::`` closes the innermost open container (``::: extra``) or region; lines
    inside fenced code are not markers.
    """
    found: list[Region] = []
    stack: list[tuple[int, tuple[str, ...]] | None] = []  # None: a container that is not a region
    fence = ""
    for index, line in enumerate(lines):
        fenced = _FENCE.match(line)
        if fenced is not None and (not fence or fenced.group(1).startswith(fence)):
            fence = "" if fence else fenced.group(1)[:3]
            continue
        marker = None if fence else _MARKER.match(line)
        if marker is None:
            continue
        if marker.group("name") == "covers":
            part = region_part(line)
            stack.append((index, tuple(w.text for w in words(part)) if part else ()))
        elif marker.group("name"):
            stack.append(None)
        elif stack and line.strip() == ":::":
            top = stack.pop()
            if top is not None:
                found.append(Region(top[0], index, top[1]))
    found.extend(Region(top[0], None, top[1]) for top in stack if top is not None)
    return sorted(found, key=lambda r: r.open)
