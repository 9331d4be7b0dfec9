"""Cloze deletions in source text: ``{{c1::answer::hint}}`` found, replaced and stripped in linear time."""

from __future__ import annotations

import re
from collections.abc import Callable

CLOZE_OPEN_RE = re.compile(r"\{\{c\d+::")


def strip_cloze(text: str) -> str:
    """``{{c1::answer::hint}}`` → ``answer``, in linear time.

    Same result as the lazy regex ``{{c\\d+::(.*?)(::.*?)?}}`` → ``\\1`` it replaces (see test_fuzz),
    which takes cubic time on a line of unclosed ``{{c1::`` (minutes for a few kilobytes).
    """
    return replace_cloze(text, lambda answer: answer)


def replace_cloze(text: str, repl: Callable[[str], str]) -> str:
    """Each deletion ``{{cN::answer::hint}}`` on one line → ``repl(answer)``, in linear time."""
    out: list[str] = []
    pos = search = 0
    while (m := CLOZE_OPEN_RE.search(text, search)) is not None:
        body = m.end()
        eol = text.find("\n", body)
        eol = len(text) if eol < 0 else eol
        close = text.find("}}", body, eol)
        if close < 0:
            search = eol  # no later opener on this line can close either
            continue
        sep = text.find("::", body, close)
        out += [text[pos : m.start()], repl(text[body : sep if sep >= 0 else close])]
        pos = search = close + 2
    out.append(text[pos:])
    return "".join(out)
