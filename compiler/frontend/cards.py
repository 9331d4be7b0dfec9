"""Card recognition: Q/A, list, cloze, definition and table-row cards."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compiler.frontend import generate, questions
from compiler.frontend.blocks import ALERT_RE, CARD_ATTRS, Block, source_slice, strip_prefix
from compiler.frontend.cloze import strip_cloze
from compiler.frontend.tables import header_names
from compiler.frontend.tree import is_blank
from compiler.model import ir
from compiler.model.diagnostics import Code
from compiler.model.slug import slugify

if TYPE_CHECKING:
    from compiler.frontend.lower import Lowerer

PREFIX_SRC_RE = re.compile(r"^\s*(Q|A|C):[ \t]*")
LIST_MARKER_RE = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")  # "-" alone: an empty item
DD_MARKER_RE = re.compile(r"^\s*[:~][ \t]+")
ANSWER_TYPES = {
    "paragraph", "bullet_list", "ordered_list", "fence", "code_block", "table",
    "blockquote", "html_block", "math_block", "math_block_eqno", "math_block_label",
}  # fmt: skip


@dataclass
class Pending:
    """A card whose blocks are still being collected."""

    kind: str  # "qa" or "cloze"
    head: Block
    body: list[Block] = field(default_factory=list)
    answering: bool = False


class CardBuilder:
    """State machine over top-level blocks that turns card syntax into IR cards."""

    def __init__(self, low: Lowerer, chapter_id: str) -> None:
        self.low = low
        self.chapter_id = chapter_id
        self.pending: Pending | None = None
        self.last: tuple[list[Any], int] | None = None
        self.derived: dict[str, int] = {}
        self.after_group: str | None = None
        """What the last block was when it made several cards at once (a ``::: extra`` cannot follow it)."""

    # -- shared ------------------------------------------------------------------------

    def _place(self, card: Any) -> None:
        low = self.low
        target = low.stack[-1].blocks if low.stack else low.top
        target.append(card)
        self.last = (target, len(target) - 1)

    def _ident(self, block: Block, prompt: str) -> tuple[str, bool]:
        explicit = block.attrs().get("id")
        if explicit:
            return explicit, True
        base = f"{self.chapter_id}/{slugify(prompt)[:80] or 'card'}"
        count = self.derived.get(base, 0) + 1
        self.derived[base] = count
        return (base if count == 1 else f"{base}-{count}"), False

    def _common(
        self, block: Block, prompt: str, line_token: Any = None, last_tokens: Sequence[Any] = ()
    ) -> dict[str, Any]:
        attrs = block.attrs()
        ident, explicit = self._ident(block, prompt)
        own = tuple(attrs.get("covers", "").split())
        covers = tuple(dict.fromkeys((*own, *self.low.inherited_covers())))
        tok = line_token if line_token is not None else block.head
        span = self.low.span(tok)
        # the span ends where the card's last block (its answer, list or definition) ends
        end = self.low.written_end(max((t.map[1] for t in last_tokens if t.map), default=0), span.end_line)
        if end > span.end_line:
            span = span.model_copy(update={"end_line": end})
        return {
            "id": ident,
            "explicit_id": explicit,
            "span": span,
            "covers": covers,
            "tags": tuple(attrs.get("tags", "").split()),
            "extra": None,
            "allow": tuple(attrs.get("allow", "").split()),
            "key": "key" in block.classes(),
        }

    def _empty(self, text: ir.Text, line: int, side: str) -> bool:
        if not is_blank(text):
            return False
        self.low.diags.add(Code.CARD_EMPTY_SIDE, self.low.path, line, f"the card's {side} is empty")
        return True

    # -- Q/A, list and cloze -------------------------------------------------------------

    def take(self, block: Block) -> bool:
        """Consume ``block`` if it belongs to card syntax; return whether it did."""
        prefix = block.prefix()
        pend = self.pending
        if pend is not None and pend.kind == "qa" and not pend.answering:
            if prefix == "A":
                strip_prefix(block)
                pend.body.append(block)
                pend.answering = True
                return True
            if block.type in ("bullet_list", "ordered_list"):
                self.pending = None
                if questions.is_task_list(block):
                    self._question(pend.head, block)
                else:
                    self._list_card(pend.head, block)
                return True
            self.low.diags.add(
                Code.CARD_NO_ANSWER,
                self.low.path,
                self.low.line(pend.head.head),
                "question has no answer: add an 'A:' paragraph or a list right after it",
            )
            self.pending = None
        elif pend is not None and prefix not in ("Q", "C") and self._continues(block):
            if prefix == "A":
                self.low.diags.add(
                    Code.CARD_STRAY_ANSWER, self.low.path, self.low.line(block.head), "a second 'A:' in one card"
                )
            pend.body.append(block)
            return True
        self.finish()
        self.last = None
        if prefix in ("Q", "C"):
            # a Q: may open an exam question, which alone may name a domain (see _not_question)
            allowed = questions.QUESTION_ATTRS if prefix == "Q" else CARD_ATTRS
            self.low.check_attrs(block, allowed, "a card")
            strip_prefix(block)
            self.pending = Pending("qa" if prefix == "Q" else "cloze", block, [block] if prefix == "C" else [])
            self.pending.answering = prefix == "C"
            return True
        if prefix == "A":
            self.low.diags.add(
                Code.CARD_STRAY_ANSWER,
                self.low.path,
                self.low.line(block.head),
                "'A:' paragraph without a 'Q:' paragraph before it",
            )
        return False

    @staticmethod
    def _continues(block: Block) -> bool:
        if block.type not in ANSWER_TYPES:
            return False
        if block.type == "table" and "cards" in block.classes():
            return False
        return not (block.type == "blockquote" and block.inline is not None and ALERT_RE.match(block.inline.content))

    def finish(self) -> None:
        """Close the pending card, if any."""
        pend, self.pending = self.pending, None
        if pend is None:
            return
        low = self.low
        self._runs_on(pend)
        line = low.line(pend.head.head)
        if pend.kind == "qa" and not pend.answering:
            low.diags.add(
                Code.CARD_NO_ANSWER,
                low.path,
                line,
                "question has no answer: add an 'A:' paragraph or a list right after it",
            )
            return
        if pend.kind == "cloze":
            ctx = low.context(allow_cloze=True)
            text = low.text(pend.body, markdown=_strip_src(low.lines, pend.body), ctx=ctx)
            raw = ctx.cloze_numbers
            bad = [n for n in dict.fromkeys(raw) if len(n) > 3 or int(n) == 0]  # int() of 5,000 digits raises
            if bad:
                shown = ", ".join(f"c{n[:6]}…" if len(n) > 6 else f"c{n}" for n in bad)
                low.diags.add(Code.CLOZE_BAD_NUMBER, low.path, line, f"cloze number {shown} is not between c1 and c999")
                return
            numbers = tuple(sorted({int(n) for n in raw}))
            if not numbers:
                low.diags.add(
                    Code.CLOZE_NO_DELETION, low.path, line, "cloze card has no deletion; mark one with {{c1::text}}"
                )
                return
            if self._empty(text, line, "text"):
                return
            prompt = strip_cloze(text.markdown)
            heads = [b.head for b in pend.body]
            self._place(
                ir.ClozeCard(**self._common(pend.head, prompt, last_tokens=heads), text=text, deletions=numbers)
            )
            return
        front = low.text([pend.head], markdown=_strip_src(low.lines, [pend.head]))
        back = low.text(pend.body, markdown=_strip_src(low.lines, pend.body))
        if self._empty(front, line, "question") or self._empty(back, low.line(pend.body[0].head), "answer"):
            return
        self._not_question(pend.head)
        reverse = "reverse" in pend.head.classes()
        common = self._common(pend.head, front.markdown, last_tokens=[b.head for b in pend.body])
        self._place(ir.BasicCard(**common, front=front, back=back, reverse=reverse))

    def _runs_on(self, pend: Pending) -> None:
        """Warn once where an answer goes on to a lead-in paragraph (``Files of an image:``) after its first block."""
        if Code.CARD_RUNS_ON.value in pend.head.attrs().get("allow", "").split():
            return
        for block in pend.body[1:]:
            if block.type == "paragraph" and self.low.plain(block.inline).endswith(":"):
                self.low.diags.add(
                    Code.CARD_RUNS_ON,
                    self.low.path,
                    self.low.line(block.head),
                    "this paragraph ends in ':' and is still part of the card above; if it leads into prose for "
                    "the section, end the card with a '---' line before it",
                )
                return

    def _list_card(self, head: Block, lst: Block) -> None:
        low = self.low
        front = low.text([head], markdown=_strip_src(low.lines, [head]))
        items: list[ir.Text] = []
        for tokens in questions.list_items(lst):
            item = Block(tokens[1:-1])
            first = tokens[0]
            lines = low.lines[first.map[0] : first.map[1]] if first.map else []
            md_src = LIST_MARKER_RE.sub("", "".join(lines), count=1).strip()
            items.append(low.text([item] if item.tokens else [], markdown=md_src))
        if self._empty(front, low.line(head.head), "question"):
            return
        self._not_question(head)
        card = ir.ListCard(
            **self._common(head, front.markdown, last_tokens=[lst.head]),
            front=front,
            items=tuple(items),
            ordered=lst.type == "ordered_list",
        )
        self._place(card)

    def _not_question(self, head: Block) -> None:
        questions.no_domain(self.low, head)

    def _question(self, head: Block, lst: Block) -> None:
        low = self.low
        line = low.line(head.head)
        stem = low.text([head], markdown=_strip_src(low.lines, [head]))
        found = questions.options(low, lst)
        if self._empty(stem, line, "question") or not questions.check(low, stem, found, line):
            return
        common = self._common(head, stem.markdown, last_tokens=[lst.head])
        self._place(questions.question(common, head, stem, found))

    def attach_extra(self, text: ir.Text, name: str = "extra") -> bool:
        """Attach ``::: extra`` to the card just before it (``::: explain`` to the question); False if none."""
        if self.pending is not None and self.pending.answering:
            self.finish()
        if self.last is None:
            return False
        target, idx = self.last
        is_question = isinstance(target[idx], ir.Question)
        if is_question != (name == "explain"):
            return False
        target[idx] = target[idx].model_copy(update={"explanation" if is_question else "extra": text})
        self.last = None
        return True

    # -- definition lists and tables ---------------------------------------------------------

    def definitions(self, block: Block) -> None:
        """One card per term of a definition list, unless ``.nocards``."""
        classes = block.classes()
        self.low.check_attrs(block, {"class", "covers", "tags", "allow"}, "a definition list")
        if "nocards" in classes:
            return
        toks = block.tokens
        made: list[ir.DefinitionCard] = []
        i = 0
        while i < len(toks):
            if toks[i].type != "dt_open":
                i += 1
                continue
            dt = toks[i]
            term_inline = toks[i + 1]
            j = i + 3
            dd_tokens: list[Any] = []
            dd_lines: list[str] = []
            while j < len(toks) and toks[j].type == "dd_open":
                depth, k = 0, j
                while True:
                    depth += toks[k].nesting
                    if depth == 0:
                        break
                    k += 1
                dd_tokens.extend(toks[j + 1 : k])
                # the deflist plugin's dd map can start on the term's line; trust the content's map
                inner_map = next((t.map for t in toks[j + 1 : k] if t.map), None)
                dd_map = toks[j].map
                if inner_map and dd_map:
                    dd_lines.extend(self.low.lines[inner_map[0] : max(dd_map[1], inner_map[1])])
                j = k + 1
            term = self.low.inline_text(term_inline)
            md_src = DD_MARKER_RE.sub("", "".join(dd_lines), count=1).strip()
            definition = self.low.text([Block(dd_tokens)] if dd_tokens else [], markdown=md_src)
            line = self.low.line(dt)
            if not (self._empty(term, line, "term") or self._empty(definition, line, "definition")):
                card = ir.DefinitionCard(
                    **self._common(block, term.markdown, dt, last_tokens=toks[i:j]),
                    term=term,
                    definition=definition,
                    reverse="reverse" in classes,
                )
                self._place(card)
                made.append(card)
            i = j
        generate.place(self.low, self._place, *generate.from_definitions(made), block, "definition list", "terms")
        self.last = None  # a '::: extra' after the table or list belongs to no card
        self.after_group = "a definition list"

    def table_rows(self, block: Block, header: tuple[ir.Text, ...], rows: tuple[tuple[ir.Text, ...], ...]) -> None:
        """One card per body row of a ``.cards`` table."""
        low = self.low
        attrs = block.attrs()
        names = header_names(low, block)
        line = max(low.line(block.head) - 1, 1)

        def columns(key: str) -> list[int] | None:
            wanted = [c.strip() for c in attrs.get(key, "").split(",") if c.strip()]
            found: list[int] = []
            for name in wanted:
                if name in names:
                    found.append(names.index(name))
                    continue
                close = difflib.get_close_matches(name, names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; columns are: {', '.join(names)}"
                low.diags.add(Code.TABLE_UNKNOWN_COLUMN, low.path, line, f"table has no column '{name}'{hint}")
                return None
            return found

        front = columns("front") if "front" in attrs else [0]
        back = columns("back") if "back" in attrs else None
        if front is None or ("back" in attrs and back is None):
            return
        if not front:
            low.diags.add(Code.TABLE_UNKNOWN_COLUMN, low.path, line, "table card directive names no 'front' column")
            return
        if back is None:
            back = [i for i in range(len(names)) if i not in front]
        unnamed = [i + 1 for i in (*front, *back) if not names[i]]
        if unnamed:
            which = ", ".join(str(i) for i in sorted(set(unnamed)))
            low.diags.add(
                Code.TABLE_EMPTY_HEADER,
                low.path,
                line,
                f"column {which} of this card table has no header; name it (e.g. 'Actual' for the row labels of a "
                "confusion matrix) so its cells are labelled on the cards",
            )
        if not back:
            low.diags.add(
                Code.TABLE_NO_ANSWER, low.path, line, "every column is on the front; nothing is left to answer"
            )
            return
        row_opens = [t for t in block.tokens if t.type == "tr_open"][1:]
        made: list[ir.TableRowCard] = []
        for row, tr in zip(rows, row_opens, strict=False):
            prompt = tuple(ir.TableCell(column=names[i], text=row[i]) for i in front)
            answer = tuple(ir.TableCell(column=names[i], text=row[i]) for i in back)
            row_line = low.line(tr)
            if any(self._empty(c.text, row_line, f"'{c.column}' cell") for c in prompt):
                continue
            if all(is_blank(c.text) for c in answer):  # one empty answer cell is fine ("—"), all of them is no card
                named = ", ".join(f"'{c.column}'" for c in answer)
                self.low.diags.add(
                    Code.CARD_EMPTY_SIDE,
                    self.low.path,
                    row_line,
                    f"the card's answer is empty (column{'s' if len(answer) > 1 else ''} {named})",
                )
                continue
            key = " ".join(c.text.markdown for c in prompt)
            card = ir.TableRowCard(**self._common(block, key, tr), prompt=prompt, ask=attrs.get("ask"), answer=answer)
            self._place(card)
            made.append(card)
        generate.place(self.low, self._place, *generate.from_table(made), block, "table", "rows")
        self.last = None  # a '::: extra' after the table or list belongs to no card
        self.after_group = "a card table"


def _strip_src(lines: list[str], blocks: list[Block]) -> str:
    return PREFIX_SRC_RE.sub("", source_slice(lines, blocks), count=1)
