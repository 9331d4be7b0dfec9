"""Exam questions: a ``Q:`` paragraph followed by a task list (``- [x]`` right, ``- [ ]`` wrong).

A list whose items are all task items makes a question; any other list after ``Q:`` stays a
list card. Checks at ``file:line``: no correct option, all correct, duplicate options, fewer
than 3 options, and a "(Choose two.)" that does not match the number of ``[x]``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from markdown_it.token import Token

from compiler.frontend.blocks import CARD_ATTRS, Block
from compiler.model import ir
from compiler.model.diagnostics import Code

if TYPE_CHECKING:
    from compiler.frontend.lower import Lowerer

TASK_RE = re.compile(r"^\[([ xX])\][ \t]+")
TASK_SRC_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\][ \t]+")
#: "(Choose two.)" as AWS exams write it.
CHOOSE_RE = re.compile(r"\(\s*choose\s+(two|three|four|five|\d)\b", re.IGNORECASE)
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5}
#: Fewest options a question may have: with two, a guess is right half the time.
MIN_OPTIONS = 3
#: Attributes a question's attribute line may set.
QUESTION_ATTRS = CARD_ATTRS | {"domain"}


def list_items(lst: Block) -> list[list[Token]]:
    """The tokens of each top-level item of a list, ``list_item_open`` through its close."""
    items: list[list[Token]] = []
    depth = 0
    start = 0
    for i, tok in enumerate(lst.tokens):
        if tok.type == "list_item_open":
            if depth == 1:
                start = i
            depth += 1
        elif tok.type == "list_item_close":
            depth -= 1
            if depth == 1:
                items.append(lst.tokens[start : i + 1])
        elif tok.type.endswith("list_open") and depth == 0:
            depth = 1
    return items


def _task_mark(item: list[Token]) -> bool | None:
    """``True`` for ``[x]``, ``False`` for ``[ ]``, ``None`` when the item is no task item."""
    if len(item) < 3 or item[1].type != "paragraph_open" or item[2].type != "inline":
        return None
    m = TASK_RE.match(item[2].content)
    return None if m is None else m.group(1) != " "


def is_task_list(lst: Block) -> bool:
    """Whether every item of the list starts with ``[ ]`` or ``[x]``."""
    items = list_items(lst)
    return bool(items) and all(_task_mark(item) is not None for item in items)


def _strip_task(inline: Token) -> None:
    """Remove the ``[x]`` marker from an item's inline token in place (markdown-it keeps it as text)."""
    inline.content = TASK_RE.sub("", inline.content, count=1)
    children = inline.children or []
    if children and children[0].type == "text":
        children[0].content = TASK_RE.sub("", children[0].content, count=1)
        if not children[0].content:
            children.pop(0)


def options(low: Lowerer, lst: Block) -> list[tuple[ir.Option, int]]:
    """Each task item as an option, with its line."""
    found: list[tuple[ir.Option, int]] = []
    for item in list_items(lst):
        correct = bool(_task_mark(item))
        first = item[0]
        lines = low.lines[first.map[0] : first.map[1]] if first.map else []
        md_src = TASK_SRC_RE.sub("", "".join(lines), count=1).strip()
        _strip_task(item[2])
        body = Block(item[1:-1])
        found.append((ir.Option(text=low.text([body], markdown=md_src), correct=correct), low.line(first)))
    return found


def check(low: Lowerer, stem: ir.Text, found: list[tuple[ir.Option, int]], line: int) -> bool:
    """Report what makes the question unusable; return whether it is usable."""
    path = low.path
    ok = True
    if len(found) < MIN_OPTIONS:
        low.diags.add(
            Code.QUESTION_FEW_OPTIONS,
            path,
            line,
            f"question has {len(found)} option{'s' * (len(found) != 1)}; give at least {MIN_OPTIONS}",
        )
        ok = False
    right = sum(o.correct for o, _ in found)
    if right == 0:
        low.diags.add(Code.QUESTION_NO_CORRECT, path, line, "question has no correct option; mark one with '- [x]'")
        ok = False
    elif right == len(found) and len(found) >= MIN_OPTIONS:
        low.diags.add(
            Code.QUESTION_ALL_CORRECT, path, line, "every option is marked correct; add distractors marked '- [ ]'"
        )
        ok = False
    seen: dict[str, int] = {}
    for option, opt_line in found:
        key = " ".join(option.text.markdown.split()).casefold()
        if key in seen:
            low.diags.add(
                Code.QUESTION_DUPLICATE_OPTION,
                path,
                opt_line,
                f"option '{_short(option.text.markdown)}' repeats the option on line {seen[key]}",
            )
            ok = False
        seen.setdefault(key, opt_line)
    m = CHOOSE_RE.search(stem.markdown)
    if m and right:
        word = m.group(1).lower()
        wanted = NUMBERS.get(word) or int(word)
        if wanted != right:
            low.diags.add(
                Code.QUESTION_CHOOSE_COUNT,
                path,
                line,
                f"the question says '{m.group(0).strip('(')}' but {right} option{'s' * (right != 1)} "
                f"{'are' if right != 1 else 'is'} marked '[x]'",
            )
    return ok


def question(common: dict[str, Any], head: Block, stem: ir.Text, found: list[tuple[ir.Option, int]]) -> ir.Question:
    """The IR question from the card fields shared with cards (``common``, without ``extra`` and ``key``)."""
    # a question never prints on the cheat sheet, so the cheat sheet's key marker means nothing to it
    fields = {k: v for k, v in common.items() if k not in ("extra", "key")}
    options = tuple(option for option, _ in found)
    domain = head.attrs().get("domain")
    return ir.Question(**fields, domain=domain, stem=stem, ask=None, options=options, explanation=None)


def no_domain(low: Lowerer, head: Block) -> None:
    """``domain`` on a ``Q:`` that turned out to be a Q/A or list card has no meaning there."""
    if "domain" in head.attrs():
        low.diags.add(
            Code.ATTR_UNKNOWN,
            low.path,
            max(low.line(head.head) - 1, 1),
            "attribute 'domain' has no meaning on a card; only an exam question (a 'Q:' and a task list) takes it",
        )


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
