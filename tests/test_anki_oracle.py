"""The Anki oracle: what real Anki shows equals what the notes say.

Hypothesis builds cards of every kind from adversarial text (cloze syntax, ``::``
in ARNs, Jinja ``{{ x }}``, TeX with ``}}``, backslashes, ``<``, ``&``, backticks).
Each example is imported into a fresh collection of Anki's own backend and every
card is rendered with ``card.render_output()``. For every side of every card:

* the HTML is well formed (the tag stack balances);
* math delimiters balance, scanned the way MathJax scans the reviewer's DOM
  (text runs end at elements; ``\\)`` ends a formula only outside braces);
* no cloze syntax is left in the visible text outside math unless the notes say so;
* the visible text of each part (prompt, answer, extra, source) equals the
  plain-text rendering of the IR (:mod:`compiler.text.plain`), with the card's
  own deletion as ``[...]`` / ``[hint]`` on the front, and math compared as TeX.

Two layers: trees built directly (the renderer and package writer, fast), and
Markdown note files through the whole pipeline (frontend included).
``STUDYC_FUZZ_EXAMPLES`` raises the number of examples (default 25).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from anki_helpers import import_apkg, new_collection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from compiler.anki.models import BASIC, CLOZE_TYPE, NOTE_TYPES, model_json
from compiler.anki.notes import NoteSpec
from compiler.anki.package import package
from compiler.anki.render import CLOZE_TEXT, FIELD, deletion_numbers, list_field
from compiler.model import doc
from compiler.text.plain import INLINE_TAGS, PlainRenderer, collapse

EXAMPLES = int(os.environ.get("STUDYC_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# -- what Anki shows -----------------------------------------------------------------------------

VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
PARTS = ("prompt", "answer", "extra", "source")
#: Marks an element boundary in extracted text: MathJax never finds a formula across one.
BREAK = "\x02"
MATH_OPEN, MATH_CLOSE = "\x00", "\x01"


class _Reader(HTMLParser):
    """Visible text of each ``<div class="prompt|answer|extra|source">``, and whether the tags balance."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.errors: list[str] = []
        self.parts: dict[str, list[str]] = {}
        self.hidden = 0

    def _part(self) -> str | None:
        for _, part in reversed(self.stack):
            if part is not None:
                return part
        return None

    def _mark(self, tag: str) -> None:
        part = self._part()
        if part is not None:
            self.parts.setdefault(part, []).append(BREAK if tag in INLINE_TAGS else BREAK + " ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.hidden += 1
        self._mark(tag)
        if tag in VOID:
            return
        classes = (dict(attrs).get("class") or "").split()
        part = next((c for c in classes if c in PARTS), None) if tag == "div" else None
        self.stack.append((tag, part))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._mark(tag)
        if tag not in VOID:
            self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.hidden -= 1
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()
        self._mark(tag)

    def handle_data(self, data: str) -> None:
        part = self._part()
        if part is not None and not self.hidden:
            self.parts.setdefault(part, []).append(data)


@dataclass
class Shown:
    """One rendered side: the visible text per part (math as ``MATH_OPEN tex MATH_CLOSE``) and problems found."""

    parts: dict[str, str]
    problems: list[str]


def canon_tex(tex: str) -> str:
    """TeX compared modulo whitespace (the cloze-safe encoding splits ``}}`` as ``} }``)."""
    return "".join(tex.split())


def _unbrace(tex: str) -> str:
    for pair in ("\\(", "\\)", "\\[", "\\]"):
        tex = tex.replace("{" + pair + "}", pair)
    return tex


def _scan_math(run: str, problems: list[str]) -> str:
    """One DOM text run, its formulas replaced by canonical TeX; MathJax's rules for where a formula ends."""
    out: list[str] = []
    i, n = 0, len(run)
    while i < n:
        if run.startswith(("\\(", "\\["), i):
            closer = "\\)" if run[i + 1] == "(" else "\\]"
            j, depth, end = i + 2, 0, -1
            while j < n:
                if depth == 0 and run.startswith(closer, j):
                    end = j
                    break
                if run[j] == "\\":
                    j += 2
                    continue
                depth += {"{": 1, "}": -1}.get(run[j], 0)
                j += 1
            if end < 0:
                problems.append(f"unbalanced math: {run[i : i + 60]!r}")
                out.append(run[i:])
                break
            out.append(MATH_OPEN + canon_tex(_unbrace(run[i + 2 : end])) + MATH_CLOSE)
            i = end + 2
        elif run.startswith(("\\)", "\\]"), i):
            problems.append(f"math closer outside math: {run[max(0, i - 30) : i + 30]!r}")
            out.append(run[i : i + 2])
            i += 2
        elif run[i] == "\\":
            out.append(run[i : i + 2])
            i += 2
        else:
            out.append(run[i])
            i += 1
    return "".join(out)


def shown(html: str) -> Shown:
    """What the reviewer shows of one side of a card."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    problems = list(reader.errors)
    if reader.stack:
        problems.append(f"unclosed: {[t for t, _ in reader.stack]}")
    parts = {}
    for part, chunks in reader.parts.items():
        runs = "".join(chunks).split(BREAK)
        parts[part] = collapse("".join(_scan_math(run, problems) for run in runs))
    return Shown(parts, problems)


_CLOZE_SYNTAX = re.compile(r"\{\{c\d+::|\}\}")


def outside_math(s: str) -> str:
    return re.sub(f"{MATH_OPEN}[^{MATH_CLOSE}]*{MATH_CLOSE}", " ", s)


# -- what the notes say ------------------------------------------------------------------------


class Expected(PlainRenderer):
    """The IR's plain text as the reviewer shows it: math as canonical TeX, an image shows no text.

    An image studyc could not put in the deck (remote, missing) shows ``[image: alt]`` instead.
    """

    def inline(self, node: Any) -> str:
        if isinstance(node, doc.Math):
            return MATH_OPEN + canon_tex(node.tex) + MATH_CLOSE
        if isinstance(node, doc.Image):
            return "" if node.media is not None else f"[image: {node.alt}]"
        return super().inline(node)

    def block(self, node: Any) -> list[str]:
        if isinstance(node, doc.MathBlock):
            return [MATH_OPEN + canon_tex(node.tex) + MATH_CLOSE]
        return super().block(node)


def said(t: doc.Text | None, front_of: int | None = None) -> str:
    return "" if t is None else collapse(Expected(front_of=front_of).text(t))


@dataclass
class Want:
    """The expected visible text of each part of one card side (absent parts are empty)."""

    parts: dict[str, str]


def card_expectations(card: Any, source: str) -> dict[int, tuple[Want, Want]]:
    """Anki ord → (front, back) for one IR card."""
    extra = said(card.extra)
    out: dict[int, tuple[Want, Want]] = {}

    def basic(front: str, back: str, ord_: int) -> None:
        out[ord_] = (Want({"prompt": front}), Want({"prompt": front, "answer": back, "extra": extra, "source": source}))

    if card.kind in ("basic", "definition"):
        front, back = (card.front, card.back) if card.kind == "basic" else (card.term, card.definition)
        basic(said(front), said(back), 0)
        if card.reverse:
            basic(said(back), said(front), 1)
    elif card.kind == "table_row":

        def cells(cs: Sequence[Any]) -> str:
            return collapse(" ".join(f"{c.column} {said(c.text)}" for c in cs))

        prompt = collapse(cells(card.prompt) + " " + (card.ask or ""))
        basic(prompt, cells(card.answer), 0)
    elif card.kind == "cloze":
        for n in deletion_numbers(card.text):
            out[n - 1] = (
                Want({"prompt": said(card.text, n)}),
                Want({"prompt": said(card.text), "extra": extra, "source": source}),
            )
    else:
        question = said(card.front)
        items = [said(item) for item in card.items]
        for k in range(len(items)):
            front = " ".join([question, *("[...]" if i == k else s for i, s in enumerate(items))])
            out[k] = (
                Want({"prompt": collapse(front)}),
                Want({"prompt": collapse(" ".join([question, *items])), "extra": extra, "source": source}),
            )
    return out


def check_side(label: str, html: str, want: Want) -> list[str]:
    got = shown(html)
    problems = [f"{label}: {p}" for p in got.problems]
    for part in PARTS:
        actual, expected = got.parts.get(part, ""), want.parts.get(part, "")
        a_syntax = _CLOZE_SYNTAX.findall(outside_math(actual))
        e_syntax = _CLOZE_SYNTAX.findall(outside_math(expected))
        if sorted(a_syntax) != sorted(e_syntax):
            problems.append(f"{label} {part}: cloze syntax shown {a_syntax}, the notes have {e_syntax}")
        if actual != expected:
            problems.append(f"{label} {part}:\n  anki:  {actual!r}\n  notes: {expected!r}")
    return problems


def check_collection(col: Any, expectations: dict[str, dict[int, tuple[Want, Want]]]) -> list[str]:
    """Every card of every note against its expectation (notes matched by GUID)."""
    problems: list[str] = []
    seen: dict[str, set[int]] = {}
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        note = col.get_note(card.nid)
        seen.setdefault(note.guid, set()).add(card.ord)
        want = expectations.get(note.guid, {}).get(card.ord)
        if want is None:
            problems.append(f"note {note.guid}: unexpected card ord {card.ord}")
            continue
        out = card.render_output()
        label = f"note {note.guid} card {card.ord + 1}"
        problems += check_side(label + " front", out.question_text, want[0])
        problems += check_side(label + " back", out.answer_text, want[1])
    for guid, cards in expectations.items():
        if set(cards) != seen.get(guid, set()):
            problems.append(f"note {guid}: Anki made cards {sorted(seen.get(guid, set()))}, expected {sorted(cards)}")
    return problems


# -- adversarial text ----------------------------------------------------------------------------

WORDS = [
    "alpha", "}}", "{{", "::", ":", "}", "{", "}}}", ":::", "{{{", "a}", "{a", ":a", "a:", "{{c1::x}}",
    "{{c2::y::z}}", "x}}::{{c3::y", "arn:aws:iam::aws:policy/x", "{{ expression }}", "{% if x %}{{ y }}{% endif %}",
    "std::vector<int>{}", "a < b & c", "&amp;", "\"q\" 'q'", "\\(x\\)", "\\[y\\]", "C:\\", "a\\", "\\", "$5", "`",
    "image-occlusion:rect:left=1", "i", "http://x/a::b?c={{d}}", "50%", "<b>",
]  # fmt: skip
TEXES = [
    r"\sqrt{\frac{2}{n}}", r"{{a}+b}", "a::b", r"\frac{1}{2}", r"x^{{2}}", r"\{{a}\}", "a<b", "a&b",
    r"\begin{aligned}a&=b\\c&=d\end{aligned}", r"f\colon A\to B", r"\{\}", "{{c1::x}}", r"\left(\frac{a}{b}\right)",
    r"\mathbf{x}", r"a \\[2pt] b", "x:", "{x}", r"a\\", "y", r"\text{a}", r"a\)b", r"\left[x\right]",
]  # fmt: skip
HINTS = ["size", "a < b", "x & y", "50%", "it's", "a:b", "{x}", "x}", "i", "\\"]

words = st.sampled_from(WORDS) | st.text(alphabet="{}:\\$<&`()[] ab", min_size=1, max_size=6)
texes = st.sampled_from(TEXES)


def _str(s: str) -> doc.Str:
    return doc.Str(text=s)


@st.composite
def leaf_inlines(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["str", "str", "code", "math", "emph", "link", "kbd"]))
    if kind == "str":
        return (_str(draw(words)),)
    if kind == "code":
        return (doc.Code(text=draw(words)),)
    if kind == "math":
        return (doc.Math(tex=draw(texes), display=draw(st.booleans())),)
    if kind == "emph":
        return (doc.Emph(content=(_str(draw(words)),)),)
    if kind == "link":
        return (
            doc.Link(
                url=draw(st.sampled_from(["https://e.com/a::b?c={{d}}", "#x"])),
                title=None,
                content=(_str(draw(words)),),
            ),
        )
    return (doc.RawInline(html="<kbd>"), _str(draw(words)), doc.RawInline(html="</kbd>"))


def _run(draw: st.DrawFn, max_size: int = 4) -> tuple[Any, ...]:
    parts = draw(st.lists(leaf_inlines(), min_size=1, max_size=max_size))
    out: list[Any] = []
    for i, p in enumerate(parts):
        if i:
            out.append(_str(" "))
        out.extend(p)
    return tuple(out)


@st.composite
def inline_text(draw: st.DrawFn) -> doc.Text:
    return doc.Text(markdown="", blocks=(doc.Para(content=(_str("Word "), *_run(draw))),), inline=True)


@st.composite
def block_text(draw: st.DrawFn, clozes: bool = False) -> doc.Text:
    blocks: list[Any] = []
    numbers = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)) if clozes else []

    def para(extra: Sequence[Any] = ()) -> doc.Para:
        return doc.Para(content=(_str("Word "), *_run(draw), *extra))

    for n in numbers:
        content = (_str("ans "), *_run(draw, 3))
        blocks.append(
            para((_str(" "), doc.Cloze(number=n, content=content, hint=draw(st.none() | st.sampled_from(HINTS)))))
        )
    for _ in range(draw(st.integers(0 if clozes else 1, 2))):
        kind = draw(st.sampled_from(["para", "code", "list", "math"]))
        if kind == "para":
            blocks.append(para())
        elif kind == "code":
            code = " ".join(draw(st.lists(words, min_size=1, max_size=4))) + "\n"
            blocks.append(doc.CodeBlock(code=code, lang=draw(st.sampled_from([None, "python", "bash", "nosuchlang"]))))
        elif kind == "list":
            items = tuple(doc.ListItem(blocks=(para(),)) for _ in range(draw(st.integers(1, 2))))
            blocks.append(doc.BulletList(tight=True, items=items))
        else:
            blocks.append(doc.MathBlock(tex=draw(texes)))
    return doc.Text(markdown="", blocks=tuple(blocks))


@dataclass(frozen=True)
class TreeCard:
    """A card built directly as trees (the IR's card fields, without spans and ids)."""

    kind: str
    front: doc.Text | None = None
    back: doc.Text | None = None
    text: doc.Text | None = None
    items: tuple[doc.Text, ...] = ()
    ordered: bool = False
    reverse: bool = False
    extra: doc.Text | None = None
    prompt: tuple[Any, ...] = ()
    answer: tuple[Any, ...] = ()
    ask: str | None = None


@dataclass(frozen=True)
class Cell:
    column: str
    text: doc.Text


@st.composite
def tree_cards(draw: st.DrawFn) -> TreeCard:
    kind = draw(st.sampled_from(["basic", "cloze", "list", "table_row"]))
    extra = draw(st.none() | block_text())
    if kind == "basic":
        return TreeCard(
            "basic", front=draw(block_text()), back=draw(block_text()), reverse=draw(st.booleans()), extra=extra
        )
    if kind == "cloze":
        return TreeCard("cloze", text=draw(block_text(clozes=True)), extra=extra)
    if kind == "list":
        items = tuple(draw(st.lists(inline_text() | block_text(), min_size=1, max_size=3)))
        return TreeCard("list", front=draw(block_text()), items=items, ordered=draw(st.booleans()), extra=extra)
    prompt = (Cell(draw(words), draw(inline_text())),)
    answer = tuple(Cell(draw(words), draw(inline_text())) for _ in range(draw(st.integers(1, 2))))
    return TreeCard("table_row", prompt=prompt, answer=answer, ask=draw(st.none() | words), extra=extra)


def tree_fields(card: TreeCard, source: str) -> tuple[Any, tuple[str, ...], tuple[int, ...]]:
    """(note type, fields, ords) as compiler.anki.notes builds them."""
    from compiler.anki import notes

    extra = FIELD.text(card.extra) if card.extra is not None else ""
    if card.kind == "basic":
        assert card.front is not None and card.back is not None
        fields = (FIELD.text(card.front), FIELD.text(card.back), extra, source, "y" if card.reverse else "")
        return BASIC, fields, (0, 1) if card.reverse else (0,)
    if card.kind == "table_row":
        ask = f'<div class="ask">{FIELD.text_escape(card.ask)}</div>' if card.ask else ""
        fields = (notes._cells(card.prompt) + ask, notes._cells(card.answer), extra, source, "")  # type: ignore[arg-type]
        return BASIC, fields, (0,)
    if card.kind == "cloze":
        assert card.text is not None
        return (
            CLOZE_TYPE,
            (CLOZE_TEXT.text(card.text), extra, source),
            tuple(n - 1 for n in deletion_numbers(card.text)),
        )
    assert card.front is not None
    return CLOZE_TYPE, (list_field(card.front, card.items, card.ordered), extra, source), tuple(range(len(card.items)))


def import_trees(cards: Sequence[TreeCard], folder: Path) -> list[str]:
    """Package the cards, import them into a fresh collection, and check every card."""
    deck = 1_234_567
    specs, expectations = [], {}
    for i, card in enumerate(cards):
        source = f"Chapter › Sec\\(x · notes{{{{c1::}}}}.md:{i + 1}"
        note_type, fields, ords = tree_fields(card, FIELD.text_escape(source))
        guid = f"guid{i}"
        specs.append(
            NoteSpec(f"card{i}", guid, note_type, fields, ords, "Oracle", (), 1_700_000_000_000 + i, 1_700_000_000)
        )
        expectations[guid] = card_expectations(card, source)
    models = [model_json(nt, 1_700_000_000, deck) for nt in NOTE_TYPES]
    apkg = folder / "oracle.apkg"
    apkg.write_bytes(package({"Oracle": deck}, models, specs, []))
    col = new_collection(folder / "col")
    try:
        import_apkg(col, apkg)
        return check_collection(col, expectations)
    finally:
        col.close()


def _tree_examples() -> list[TreeCard]:
    def para(*inlines: Any) -> doc.Text:
        return doc.Text(markdown="", blocks=(doc.Para(content=inlines),))

    sqrt = doc.Math(tex=r"\sqrt{\frac{2}{n}}", display=False)
    return [
        # a deletion whose math ends in "}}"
        TreeCard("cloze", text=para(_str("RMS "), doc.Cloze(number=1, content=(sqrt,), hint=None))),
        # a list item with an ARN (":: " in a code span), and items holding "}}" / "{{"
        TreeCard(
            "list",
            front=para(_str("Which?")),
            items=(para(doc.Code(text="arn:aws:iam::aws:policy/x")), para(_str("}}")), para(_str("{{ a }}"))),
        ),
        # items whose "}" or "{" has only whitespace beyond it: the item is stripped next to "}}" / "{{c1::"
        TreeCard("list", front=para(_str("Which?")), items=(para(_str("a "), _str(":} ")), para(_str(" {b")))),
        # Jinja, and literal cloze syntax in code, in a cloze card
        TreeCard(
            "cloze",
            text=para(
                _str("{{ x }} "),
                doc.Code(text="{{c1::x}}"),
                _str(" "),
                doc.Cloze(number=2, content=(_str("set {a}"),), hint="x}"),
                _str("}"),
            ),
        ),
    ]


@FUZZ
@given(st.lists(tree_cards(), min_size=1, max_size=4))
def test_trees_render_in_anki_as_the_notes_say(cards: list[TreeCard]) -> None:
    with tempfile.TemporaryDirectory(prefix="studyc-oracle-") as tmp:
        problems = import_trees(cards, Path(tmp))
    assert not problems, "\n".join(problems)


def test_tree_regressions() -> None:
    with tempfile.TemporaryDirectory(prefix="studyc-oracle-") as tmp:
        problems = import_trees(_tree_examples(), Path(tmp))
    assert not problems, "\n".join(problems)


# -- note files through the whole pipeline -------------------------------------------------------

MD_WORDS = [
    "alpha", "}}", "}", "{", "::", "a::b", ":", "{{ expression }}", "{% if x %}{{ y }}{% endif %}", "a < b & c",
    "x > y", "&amp; &lt;", "50%", "\\\\(not math\\\\)", "C:\\\\", "\\`", "std::vector<int>",
    "i", "image-occlusion:rect", "\"q\" 'q'", "}&#32;",
    "`arn:aws:iam::aws:policy/x`", "`{{c1::x}}`", "`}}`", "`{{ x }}`", "`a\\(b\\)`", "`<b>&amp;`", "`` a`b ``",
    "`x\\`", "$\\sqrt{\\frac{2}{n}}$", "$x^{{2}}$", "$a<b$", "$\\{a\\}$", "$a::b$", "\\(x_{i+1}\\)",
    "$f\\colon A\\to B$", "$a\\\\$", "*em*", "**strong**", "<kbd>Ctrl</kbd>", "H<sub>2</sub>O", "[link](https://e.com/a::b?c={{d}})",
]  # fmt: skip
#: Only in cards that are not cloze cards: literal cloze syntax (a ``cloze.stray`` warning, printed as written).
MD_STRAY = ["{{c1::x}}", "x}}::{{c3::y", "{{c2::a::b}}"]
#: What a deletion may hide.
MD_ANSWERS = [
    "alpha", "a < b & c", "`arn:aws:iam::aws:policy/x`", "$\\sqrt{\\frac{2}{n}}$", "`}}`", "`{{c1::x}}`", "*em*",
    "set \\{x\\}", "a:b", "`::`", "$x^{{2}}$", "\\(a::b\\)", "`{{ x }}`", "i", "<kbd>K</kbd>",
]  # fmt: skip
MD_HINTS = ["size", "a < b", "x & y", "50%", "it's"]

md_words = st.sampled_from(MD_WORDS)


def _line(draw: st.DrawFn, stray: bool = True, size: int = 4) -> str:
    pool = st.sampled_from(MD_WORDS + MD_STRAY) if stray else md_words
    return "Word " + " ".join(draw(st.lists(pool, min_size=1, max_size=size)))


@st.composite
def md_cards(draw: st.DrawFn, n: int) -> str:
    kind = draw(st.sampled_from(["basic", "list", "cloze", "definition", "table"]))
    extra = f"\n\n::: extra\n{_line(draw)}\n:::" if draw(st.booleans()) else ""
    if kind == "basic":
        reverse = " .reverse" if draw(st.booleans()) else ""
        image = "\n\n![pic](images/p.png)" if draw(st.booleans()) else ""
        return f"{{#q{n}{reverse}}}\nQ: {_line(draw)}\n\nA: {_line(draw)}{image}{extra}"
    if kind == "list":
        marker = draw(st.sampled_from(["-", "1."]))
        items = "\n".join(f"{marker} {_line(draw, size=3)}" for _ in range(draw(st.integers(1, 3))))
        return f"{{#l{n}}}\nQ: {_line(draw)}\n\n{items}{extra}"
    if kind == "cloze":
        parts = []
        for _ in range(draw(st.integers(1, 3))):
            number = draw(st.integers(1, 3))
            answer = " ".join(draw(st.lists(st.sampled_from(MD_ANSWERS), min_size=1, max_size=2)))
            hint = f"::{draw(st.sampled_from(MD_HINTS))}" if draw(st.booleans()) else ""
            parts.append(f"{_line(draw, stray=False, size=2)} {{{{c{number}::{answer}{hint}}}}}")
        return f"{{#c{n}}}\nC: " + " ".join(parts) + f" {_line(draw, stray=False, size=2)}{extra}"
    if kind == "definition":
        return f"Term{n} {_line(draw, size=2)}\n: {_line(draw)}"
    cells = [(f"Row{n}x{i} {_line(draw, size=2)}", _line(draw, size=2)) for i in range(draw(st.integers(1, 2)))]
    rows = "\n".join(f"| {a} | {b} |" for a, b in cells)
    return f'{{.cards front="Term" ask="Which a::b & <c>?"}}\n| Term | Answer |\n|---|---|\n{rows}'


@st.composite
def note_files(draw: st.DrawFn) -> str:
    cards = [draw(md_cards(n)) for n in range(draw(st.integers(1, 4)))]
    return "---\ntitle: Oracle \\(x\\) {{ y }}\n---\n\n## Sec :: tion\n\n" + "\n\n---\n\n".join(cards) + "\n"


_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def import_notes(chapter: str, folder: Path) -> list[str]:
    """Build a course holding ``chapter`` with the real pipeline, import it into a fresh collection, check it."""
    from anki_helpers import build_apkg

    from compiler.frontend import load_course
    from compiler.model.ir import iter_cards

    src = folder / "src"
    (src / "images").mkdir(parents=True)
    (src / "course.md").write_text("---\ntitle: Oracle\nexam: Oracle exam\n---\n", encoding="utf-8")
    (src / "01-oracle.md").write_text(chapter, encoding="utf-8")
    (src / "images" / "p.png").write_bytes(_PNG)
    lock = src / "studyc.lock"
    apkg = build_apkg(src, folder / "out", 1_700_000_000, lock=lock)
    course, _ = load_course(src)
    assert course is not None
    guids = {
        line.split("\t")[1]: line.split("\t")[2] for line in lock.read_text().splitlines() if line.startswith("card\t")
    }
    expectations = {}
    for ctx in iter_cards(course):
        source = f"{' › '.join(ctx.breadcrumb)} · {ctx.card.span.path}:{ctx.card.span.line}"
        expectations[guids[ctx.card.id]] = card_expectations(ctx.card, source)
    col = new_collection(folder / "col")
    try:
        import_apkg(col, apkg)
        problems = check_collection(col, expectations)
        missing = col.media.check().missing
        if missing:
            problems.append(f"media missing: {list(missing)}")
        return problems
    finally:
        col.close()


def _chapter(*cards: str) -> str:
    return "---\ntitle: Oracle\n---\n\n## Section\n\n" + "\n\n---\n\n".join(cards) + "\n"


@FUZZ
@given(note_files())
@example(_chapter("{#c1}\nC: RMS is {{c1::$\\sqrt{\\frac{2}{n}}$}}."))  # a deletion whose math ends in "}}"
@example(_chapter("{#l1}\nQ: Which policy?\n\n- `arn:aws:iam::aws:policy/x`\n- other"))  # "::" in a list item's code
@example(_chapter("{#l1}\nQ: Which braces?\n\n- }}\n- {{\n- {{ x }}"))  # "}}" / "{{" in list items
@example(_chapter("{#l1}\nQ: Which brace?\n\n- a }&#32;\n- b"))  # a "}" the stripped item puts before "}}"
@example(_chapter("{#q1}\nQ: What does {{ expression }} print?\n\nA: {% if x %}{{ y }}{% endif %}"))  # Jinja
@example(_chapter("{#c1}\nC: Write `{{c1::x}}` for {{c2::a deletion::syntax}}."))  # cloze syntax in code
@example(_chapter("{#c1}\nC: A set is {{c1::written \\{x\\}}}."))  # "}" at the end of a deletion
def test_notes_render_in_anki_as_written(chapter: str) -> None:
    with tempfile.TemporaryDirectory(prefix="studyc-oracle-") as tmp:
        problems = import_notes(chapter, Path(tmp))
    assert not problems, chapter + "\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "field",
    [
        '<p>a &amp; b&nbsp;c <img src="studyc-1.png" alt="x"> <!-- c --> &#123;x&#58;</p>',
        "x<br>y",
        "<code>&lt;tag&gt;</code>",
        "\\(a\\)&#92;<span></span>(",
        '<dl class="cells"><dt>Term</dt><dd>{{c1::x}} &#x27;</dd></dl>',
        '<img src="studyc-2.png"/>x<img alt="no name">',  # self-closed: the name is kept all the same
        '<audio src="a.mp3"></audio><object data="o.svg"></object><source src="s.ogg">',
        '<img alt="a" src="b.png" src="c.png">',  # the first name only
    ],
)
def test_checksum_is_ankis(field: str) -> None:
    from anki.utils import field_checksum, strip_html_media

    from compiler.anki.package import checksum, strip_html

    assert strip_html(field) == strip_html_media(field)
    assert checksum(field) == field_checksum(field)


def test_price_before_math_stays_text() -> None:
    # docs/format.md: "A $ followed by a digit is a price, not math"; "$10 {{c1::$x$}}" used to parse as
    # Math("10 {{c1::"), which swallowed the deletion's opener (cloze.no-deletion) or left unbalanced TeX.
    chapter = _chapter("{#c1}\nC: Costs $5 and $10 {{c1::$\\sqrt{\\frac{2}{n}}$}} here {{c2::x}}.")
    with tempfile.TemporaryDirectory(prefix="studyc-oracle-") as tmp:
        problems = import_notes(chapter, Path(tmp))
    assert not problems, chapter + "\n" + "\n".join(problems)
