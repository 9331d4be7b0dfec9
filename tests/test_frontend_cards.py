"""Card recognition and lowering (``compiler.frontend.cards``, ``lower``), stated outright per card kind.

Each test parses a small note in process and checks the IR it gives: every field of each card,
its span, and every diagnostic with its code, line, column and message. Lines count from the
top of the file; ``HEAD`` (front matter) takes lines 1-3, so a note's body starts on line 4.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.frontend import FileResult, parse_file
from compiler.frontend.cloze import replace_cloze, strip_cloze
from compiler.model.diagnostics import Code
from compiler.settings import Limits
from compiler.text.html import HtmlRenderer

HEAD = "---\ntitle: A\n---\n"


def parse(body: str) -> FileResult:
    return parse_file(Path("."), "01-a.md", HEAD + body, Limits())


def nodes(result: FileResult) -> list[Any]:
    """Every block of the file in order, sections flattened (a section before its blocks)."""
    out: list[Any] = []

    def walk(blocks: Any, sections: Any) -> None:
        out.extend(blocks)
        for s in sections:
            out.append(s)
            walk(s.blocks, s.sections)

    walk(result.blocks, result.sections)
    return out


def cards(result: FileResult) -> list[Any]:
    return [n for n in nodes(result) if n.kind in ("basic", "list", "cloze", "definition", "table_row")]


def diags(result: FileResult, *skip: Code) -> list[tuple[int, int, str, str]]:
    """(line, column, code, message) of every diagnostic, in the order they were reported."""
    assert all(d.path == "01-a.md" for d in result.diagnostics)
    return [(d.line, d.col, d.code.value, d.message) for d in result.diagnostics if d.code not in skip]


def span(node: Any) -> tuple[int, int]:
    return node.span.line, node.span.end_line


NOT_GENERATED = Code.QUESTION_NOT_GENERATED  # information about exam questions, not about cards


# -- Q/A cards --------------------------------------------------------------------------------


def test_a_qa_card_takes_its_attributes_prompt_and_every_answer_block() -> None:
    result = parse(
        '{#own covers="t1 t2 t1" tags="a b" allow="quality.long-answer" .key .reverse}\n'  # 4
        "Q: What is *this*?\n\nA: That.\n\nmore\n\n"  # 5-9
        "Q: What is *this*?\nA: Again.\n\n"  # 11-12: the answer on the next line
        "Q: What is *this*?\n\nA: Third.\n"  # 14-16
    )
    first, second, third = cards(result)
    assert not result.diagnostics
    assert (first.id, first.explicit_id, first.covers, first.tags, first.allow) == (
        "own",
        True,
        ("t1", "t2"),
        ("a", "b"),
        ("quality.long-answer",),
    )
    assert (first.key, first.reverse, first.extra, span(first)) == (True, True, None, (5, 9))
    assert (first.front.markdown, first.back.markdown) == ("What is *this*?", "That.\n\nmore")
    assert [b.kind for b in first.back.blocks] == ["para", "para"]
    # derived ids: the prompt's slug, numbered from the second on (an explicit id takes no number)
    assert [(c.id, c.explicit_id, c.key, c.reverse) for c in (second, third)] == [
        ("a/what-is-this", False, False, False),
        ("a/what-is-this-2", False, False, False),
    ]
    assert (second.back.markdown, span(second), third.back.markdown, span(third)) == (
        "Again.",
        (11, 12),
        "Third.",
        (14, 16),
    )
    assert result.cover_refs == [("t1", 4, 15, "card"), ("t2", 4, 18, "card")]


def test_a_derived_id_is_cut_at_80_characters_and_an_empty_slug_is_card() -> None:
    long_q = "word " * 30
    result = parse(f"Q: {long_q}?\n\nA: a\n\nQ: ???\n\nA: b\n\nQ: ???\n\nA: c\n")
    ids = [c.id for c in cards(result)]
    assert ids[0] == "a/" + ("word-" * 16)[:80] and len(ids[0]) == 82
    assert ids[1:] == ["a/card", "a/card-2"]


def test_qa_mistakes_are_reported_where_they_are() -> None:
    result = parse(
        "A: stray\n\n"  # 4
        "Q: No answer\n\nProse.\n\n"  # 6, 8
        "Q: Two answers\n\nA: a\n\nA: b\n\n"  # 10, 12, 14
        "Q: Last, unanswered\n"  # 16
    )
    assert diags(result) == [
        (4, 1, "card.stray-answer", "'A:' paragraph without a 'Q:' paragraph before it"),
        (6, 1, "card.no-answer", "question has no answer: add an 'A:' paragraph or a list right after it"),
        (14, 1, "card.stray-answer", "a second 'A:' in one card"),
        (16, 1, "card.no-answer", "question has no answer: add an 'A:' paragraph or a list right after it"),
    ]
    [card] = cards(result)
    assert card.back.markdown == "a\n\nA: b"  # the second 'A:' stays in the answer, as written
    assert [p.text.markdown for p in nodes(result) if p.kind == "prose"] == ["A: stray", "Prose."]


def test_empty_sides_are_reported_with_the_side() -> None:
    result = parse("Q: <!-- -->\n\nA: Answer.\n\nQ: Question?\n\nA: <!-- -->\n\nQ: <!-- -->\n\n- item\n")
    assert diags(result) == [
        (4, 1, "card.empty-side", "the card's question is empty"),
        (10, 1, "card.empty-side", "the card's answer is empty"),
        (12, 1, "card.empty-side", "the card's question is empty"),
    ]
    assert cards(result) == []


def test_an_answer_that_runs_on_into_a_lead_in_is_warned_once_unless_allowed() -> None:
    body = "Q: Q?\n\nA: a\n\nFiles of an image:\n\n- x\n\nAlso this:\n"
    result = parse(body)
    assert diags(result) == [
        (
            8,
            1,
            "card.runs-on",
            "this paragraph ends in ':' and is still part of the card above; if it leads into prose for the "
            "section, end the card with a '---' line before it",
        )
    ]
    assert not parse('{allow="card.runs-on"}\n' + body).diagnostics
    assert not parse("Q: Q?\n\nA: The answer is:\n\n- x\n").diagnostics  # the answer's own first block may


def test_a_card_ends_at_a_rule_heading_callout_or_card_table() -> None:
    result = parse(
        "Q: One?\n\nA: a\n\n---\n\nafter rule\n\n"
        "Q: Two?\n\nA: b\n\n> [!NOTE]\n> callout\n\n"
        "Q: Three?\n\nA: c\n\n{.cards}\n| X | Y |\n|---|---|\n| 1 | 2 |\n\n"
        "Q: Four?\n\nA: d\n\n> quoted, part of the answer\n\n| p | q |\n|---|---|\n| 3 | 4 |\n"
    )
    one, two, three, row, four = cards(result)
    assert [one.back.markdown, two.back.markdown, three.back.markdown] == ["a", "b", "c"]
    assert row.kind == "table_row"
    assert four.back.markdown == "d\n\n> quoted, part of the answer\n\n| p | q |\n|---|---|\n| 3 | 4 |"
    assert [b.kind for b in four.back.blocks] == ["para", "quote", "grid"]


# -- list cards --------------------------------------------------------------------------------


def test_a_list_card_has_one_item_per_entry_with_its_own_markdown() -> None:
    result = parse(
        '{#l1 tags="t"}\nQ: Steps?\n\n1. First *one*\n2) wrong marker\n\n3. x\n\n'
        "Q: Kinds?\n\n- a\n- b\n  wrapped\n\n  second para\n- [link](http://x.org)\n\nAfter.\n"
    )
    first, second = cards(result)
    assert (first.kind, first.id, first.tags, first.ordered) == ("list", "l1", ("t",), True)
    assert [i.markdown for i in first.items] == ["First *one*"]
    assert span(first) == (5, 7)
    assert (second.kind, second.ordered, second.front.markdown) == ("list", False, "Kinds?")
    assert [i.markdown for i in second.items] == ["a", "b\n  wrapped\n\n  second para", "[link](http://x.org)"]
    assert [[b.kind for b in i.blocks] for i in second.items] == [["para"], ["para", "para"], ["para"]]
    assert span(second) == (12, 19)


def test_a_list_right_after_a_question_is_its_answer_even_on_the_next_line() -> None:
    [card] = cards(parse("Q: Which?\n- one\n- two\n"))
    assert (card.kind, [i.markdown for i in card.items], span(card)) == ("list", ["one", "two"], (4, 6))


# -- cloze cards -------------------------------------------------------------------------------


def test_a_cloze_card_lists_its_deletions_once_each_in_order() -> None:
    result = parse('{tags="c"}\nC: {{c3::a::h}} b {{c1::c}} {{c3::d}}\nnext line\n\n```\ncode\n```\n\nProse.\n')
    [card] = cards(result)
    assert (card.kind, card.deletions, card.tags, card.id) == (
        "cloze",
        (1, 3),
        ("c",),
        "a/a-b-c-d-next-line-code-prose",
    )
    assert card.text.markdown == "{{c3::a::h}} b {{c1::c}} {{c3::d}}\nnext line\n\n```\ncode\n```\n\nProse."
    assert span(card) == (5, 12)


def test_cloze_mistakes() -> None:
    result = parse("C: {{c0::x}} {{c1234567::y}} {{c00::z}} {{c0::x}}\n\nC: no deletion\n\nC: <!-- -->\n")
    assert diags(result) == [
        (4, 1, "cloze.bad-number", "cloze number c0, c123456…, c00 is not between c1 and c999"),
        (6, 1, "cloze.no-deletion", "cloze card has no deletion; mark one with {{c1::text}}"),
        (8, 1, "cloze.no-deletion", "cloze card has no deletion; mark one with {{c1::text}}"),
    ]
    assert cards(result) == []
    assert diags(parse("C: {{c123456::y}}\n"))[0][3] == "cloze number c123456 is not between c1 and c999"


def test_stray_cloze_syntax_is_reported_once_per_line() -> None:
    result = parse("Text {{c1::a}} and {{c2::b}}.\n\n- {{c1::in a list}}\n")
    assert diags(result) == [
        (4, 1, "cloze.stray", "cloze syntax outside a 'C:' card prints literally; start the paragraph with 'C:'"),
        (6, 1, "cloze.stray", "cloze syntax outside a 'C:' card prints literally; start the paragraph with 'C:'"),
    ]


@pytest.mark.parametrize(
    ("text", "stripped"),
    [
        ("{{c1::a}}", "a"),
        ("x {{c1::a::hint}} y {{c22::b}} z", "x a y b z"),
        ("{{c1::a}}{{c2::b::h}}", "ab"),
        ("{{c1::open\n}} {{c2::ok}}", "{{c1::open\n}} ok"),  # a deletion never spans lines
        ("{{c1::no close {{c2::yes}}", "no close {{c2"),  # lazy: the first closer ends it, the last "::" starts a hint
        ("{{c1::a\nb}} {{c3::c}}\n{{c4::d}}", "{{c1::a\nb}} c\nd"),
        ("a::b {{c1::x::y::z}}", "a::b x"),
        ("{{c1::}}", ""),
        ("}} {{c::x}} {c1::y}", "}} {{c::x}} {c1::y}"),
    ],
)
def test_strip_cloze(text: str, stripped: str) -> None:
    assert strip_cloze(text) == stripped


def test_replace_cloze_calls_back_with_each_answer() -> None:
    seen: list[str] = []
    out = replace_cloze("A {{c1::x::h}} B {{c2::y}}\n{{c3::z", lambda a: seen.append(a) or f"[{a}]")  # type: ignore[func-returns-value]
    assert (out, seen) == ("A [x] B [y]\n{{c3::z", ["x", "y"])


_LAZY = re.compile(r"\{\{c\d+::(.*?)(::.*?)?\}\}")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["{{c1::", "{{c12::", "}}", "::", "{{", "a", "b", "\n", " "]), max_size=20).map("".join)
)
def test_strip_cloze_is_the_lazy_regex_line_by_line(text: str) -> None:
    # the regex it replaces, applied to one line at a time (a deletion never spans lines)
    assert strip_cloze(text) == "\n".join(_LAZY.sub(r"\1", line) for line in text.split("\n"))


# -- definition cards --------------------------------------------------------------------------


def test_each_term_of_a_definition_list_is_a_card() -> None:
    result = parse(
        '{.reverse covers="t9" tags="d"}\n'  # 4
        "Term *one*\n: Def one\n  wrapped\n: Def two\n\n"  # 5-8
        "Term two\n\n:   loose def\n\n    more\n\n"  # 10-14
        "{.nocards}\nNot\n: a card\n"
    )
    one, two = cards(result)
    assert [(c.kind, c.id, c.reverse, c.covers, c.tags) for c in (one, two)] == [
        ("definition", "a/term-one", True, ("t9",), ("d",)),
        ("definition", "a/term-two", True, ("t9",), ("d",)),
    ]
    assert (one.term.markdown, one.definition.markdown, span(one)) == (
        "Term *one*",
        "Def one\n  wrapped\n: Def two",
        (5, 8),
    )
    assert len(one.definition.blocks) == 2 and one.definition.inline is False
    assert (two.term.markdown, two.definition.markdown, span(two)) == ("Term two", "loose def\n\n    more", (10, 14))
    prose = [n for n in nodes(result) if n.kind == "prose"]
    assert [p.text.markdown for p in prose] == [
        "Term *one*\n: Def one\n  wrapped\n: Def two\n\nTerm two\n\n:   loose def\n\n    more",
        "Not\n: a card",
    ]
    assert diags(result) == [
        (
            5,
            1,
            "question.not-generated",
            "2 of 2 terms of this definition list make no exam question: each needs at least 2 other, "
            "different answers to offer as distractors",
        )
    ]


def test_a_one_paragraph_definition_is_an_inline_text() -> None:
    [card] = cards(parse("Term\n: just this\n"))
    assert card.definition.inline is True and card.term.inline is True
    assert card.definition.markdown == "just this"


def test_an_empty_term_or_definition_is_reported() -> None:
    result = parse("<x-y></x-y>\n: def\n\nTerm\n: <!-- -->\n")  # an unknown tag is dropped
    assert diags(result, NOT_GENERATED) == [
        (4, 1, "card.empty-side", "the card's term is empty"),
        (7, 1, "card.empty-side", "the card's definition is empty"),
    ]
    assert cards(result) == []


# -- table cards -------------------------------------------------------------------------------

TABLE = "| Name | Kind | Type |\n|---|---|---|\n| a | b | c |\n| d | e | f |\n"


def _roles(card: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return [(c.column, c.text.markdown) for c in card.prompt], [(c.column, c.text.markdown) for c in card.answer]


@pytest.mark.parametrize(
    ("attrs", "roles"),
    [
        ("", ([("Name", "a")], [("Kind", "b"), ("Type", "c")])),
        ('front="Kind"', ([("Kind", "b")], [("Name", "a"), ("Type", "c")])),
        ('front="Type, Name" back="Kind"', ([("Type", "c"), ("Name", "a")], [("Kind", "b")])),
        ('back="Type"', ([("Name", "a")], [("Type", "c")])),
        ('front=" Kind ,, " back="Type,Name"', ([("Kind", "b")], [("Type", "c"), ("Name", "a")])),
    ],
)
def test_table_card_columns(attrs: str, roles: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> None:
    result = parse(f'{{.cards {attrs} ask="Which?" tags="tb"}}\n' + TABLE)
    first, second = cards(result)
    assert _roles(first) == roles
    assert (first.ask, first.tags, span(first), span(second)) == ("Which?", ("tb",), (7, 7), (8, 8))
    assert first.id == "a/" + "-".join(text for _, text in roles[0])
    assert not diags(result, NOT_GENERATED)


def test_table_card_mistakes() -> None:
    result = parse(
        '{.cards front="Nme, Kind" back="Typ"}\n' + TABLE + "\n"  # 4
        '{.cards front="Zzzzz"}\n' + TABLE + "\n"  # 10
        '{.cards front="Name" back="Zzzzz"}\n' + TABLE + "\n"  # 16
        '{.cards front="Name, Kind, Type"}\n' + TABLE + "\n"  # 22
        '{.cards front=","}\n' + TABLE + "\n"  # 28
        '{.cards back="Kind"}\n| | Kind | |\n|---|---|---|\n| x | y | z |\n| | w | v |\n| p |\n'  # 34
    )
    assert diags(result, NOT_GENERATED) == [
        (4, 1, "table.unknown-column", "table has no column 'Nme'; did you mean 'Name'?"),
        (4, 1, "table.unknown-column", "table has no column 'Typ'; did you mean 'Type'?"),
        (10, 1, "table.unknown-column", "table has no column 'Zzzzz'; columns are: Name, Kind, Type"),
        (16, 1, "table.unknown-column", "table has no column 'Zzzzz'; columns are: Name, Kind, Type"),
        (22, 1, "table.no-answer", "every column is on the front; nothing is left to answer"),
        (28, 1, "table.unknown-column", "table card directive names no 'front' column"),
        (39, 1, "table.ragged", "table row has 1 cell but the header has 3"),
        (
            34,
            1,
            "table.empty-header",
            "column 1 of this card table has no header; name it (e.g. 'Actual' for the row labels of a "
            "confusion matrix) so its cells are labelled on the cards",
        ),
        (38, 1, "card.empty-side", "the card's '' cell is empty"),
        (39, 1, "card.empty-side", "the card's answer is empty (column 'Kind')"),
    ]
    made = cards(result)
    assert [(_roles(c), span(c)) for c in made] == [(([("", "x")], [("Kind", "y")]), (37, 37))]


def test_ragged_rows_are_counted_with_escaped_pipes() -> None:
    result = parse("| A | B |\n|---|---|\n| a \\| still a | b |\n| one | two | three |\n|x|\n")
    assert diags(result) == [
        (7, 1, "table.ragged", "table row has 3 cells but the header has 2"),
        (8, 1, "table.ragged", "table row has 1 cell but the header has 2"),
    ]
    [table] = [n for n in nodes(result) if n.kind == "table"]
    assert (table.makes_cards, [h.markdown for h in table.header], span(table)) == (False, ["A", "B"], (4, 8))
    assert [[c.markdown for c in row] for row in table.rows] == [["a | still a", "b"], ["one", "two"], ["x", ""]]


# -- extra and explain -------------------------------------------------------------------------


def test_extra_attaches_to_the_card_before_it_and_explain_to_a_question() -> None:
    result = parse(
        "Q: Q?\n\nA: A.\n\n::: extra\nMore *context*.\n:::\n\n"  # 4-10
        "C: {{c1::x}}\n\n::: extra\nfor the cloze\n:::\n\n"  # 12-16
        "Prose.\n\n::: extra\nnothing before\n:::\n\n"  # 18-22
        "Q: Q2?\n\nA: A2.\n\n::: explain\nwrong kind\n:::\n\n"  # 24-30
        "Term\n: def\n\n::: extra\nafter a list\n:::\n\n"  # 32-37
        "{.cards}\n| X | Y |\n|---|---|\n| 1 | 2 |\n\n::: extra\nafter a table\n:::\n"  # 39-45
    )
    basic, cloze, second, term, row = cards(result)
    assert basic.extra is not None and basic.extra.markdown == "More *context*."
    assert cloze.extra is not None and cloze.extra.markdown == "for the cloze"
    assert (second.extra, term.extra, row.extra) == (None, None, None)
    misplaced = [(line, msg) for line, _, code, msg in diags(result, NOT_GENERATED) if code == "directive.misplaced"]
    assert misplaced == [
        (20, "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between"),
        (28, "'::: explain' must directly follow an exam question's options"),
        (
            35,
            "'::: extra' cannot follow a definition list: it makes one card per term, and an extra belongs to one "
            "card; put the context into the definition, or into prose",
        ),
        (
            44,
            "'::: extra' cannot follow a card table: it makes one card per row, and an extra belongs to one card; "
            "put the context into the answer columns, or into prose",
        ),
    ]


def test_directive_names_and_closing() -> None:
    result = parse(
        "::: extr\nx\n:::\n\n::: zzzz\n:::\n\n:::\n:::\n\n::: Covers\n:::\n\nQ: Q?\n\nA: A.\n\n::: extra\nunclosed\n"
    )
    assert diags(result) == [
        (4, 1, "directive.unknown", "unknown directive '::: extr'; did you mean '::: extra'?"),
        (8, 1, "directive.unknown", "unknown directive '::: zzzz'; known: extra, explain, covers"),
        (11, 1, "directive.unknown", "unknown directive '::: '; known: extra, explain, covers"),
        (14, 1, "directive.unknown", "unknown directive '::: Covers'; did you mean '::: covers'?"),
        (21, 1, "directive.unclosed", "directive '::: extra' is never closed; add a ':::' line"),
    ]
    [card] = cards(result)
    assert card.extra is not None and card.extra.markdown == "unclosed"


# -- sections, exam tips and attribute lines (lower.py) ---------------------------------------


def test_headings_make_nested_sections_with_unique_ids() -> None:
    result = parse_file(
        Path("."),
        "01-a.md",
        "# Title\n\nIntro.\n\n# Second H1\n\n"  # 1-5: the first H1 is the title, a later one a section
        '{covers="t1 t1 t2"}\n### Deep\n\n'  # 7-8
        "## ???\n\n## Deep\n\n###### Six\n\n## Back\n\nQ: Unanswered\n\n## After\n\nText.\n",  # 10-22
        Limits(),
    )
    assert result.title == "Title"
    sections = [n for n in nodes(result) if n.kind == "section"]
    assert [(s.id, s.title, s.level, span(s), s.covers) for s in sections] == [
        ("second-h1", "Second H1", 2, (5, 5), ()),
        ("deep", "Deep", 3, (8, 8), ("t1", "t2")),  # each tip once, as on a card
        ("section", "???", 2, (10, 10), ()),
        ("deep-2", "Deep", 2, (12, 12), ()),
        ("six", "Six", 6, (14, 14), ()),
        ("back", "Back", 2, (16, 16), ()),
        ("after", "After", 2, (20, 20), ()),
    ]
    second, section, deep2, back, after = result.sections
    assert [s.id for s in second.sections] == ["deep"] and [s.id for s in deep2.sections] == ["six"]
    assert (section.sections, back.sections, after.sections) == ((), (), ())
    assert [b.text.markdown for b in after.blocks] == ["Text."] and result.blocks[0].text.markdown == "Intro."
    assert diags(result) == [
        (14, 1, "heading.skip", "heading level 6 follows level 2; sections nest by level"),
        (18, 1, "card.no-answer", "question has no answer: add an 'A:' paragraph or a list right after it"),
    ]
    assert result.cover_refs == [("t1", 7, 10, "section 'Deep'"), ("t2", 7, 16, "section 'Deep'")]


def test_a_heading_skip_is_measured_from_the_enclosing_section() -> None:
    result = parse("### Skips from the top\n\n## Two\n\n### Three\n\n##### Five\n")
    assert diags(result) == [
        (4, 1, "heading.skip", "heading level 3 follows level 1; sections nest by level"),
        (10, 1, "heading.skip", "heading level 5 follows level 3; sections nest by level"),
    ]


def test_cards_under_a_heading_cover_its_tips_after_their_own() -> None:
    result = parse('{covers="h1 h2"}\n## Sec\n\n{covers="own h1"}\nQ: Q?\n\nA: A.\n\n## Next\n\nQ: Q2?\n\nA: A2.\n')
    first, second = cards(result)
    assert (first.covers, second.covers) == (("own", "h1", "h2"), ())


def test_exam_tips_take_an_id_from_their_first_words() -> None:
    result = parse(
        "{#ok-id}\n> [!TIP]\n> First  line\n> second *line*\n\n"  # 4-7
        "> [!tip]\n> Know the *shard* limits: one two three four five six.\n\n"  # 9-10
        "> [!WARNING]\n> careful\n\n"  # 12-13
        "> [!TIP] Text on the *marker* line\n> and more\n\n"  # 15-16
        "> [!TIP]\n>\n> After a gap\n\n"  # 18-20
        "> [!TIP]\n"  # 22
    )
    tips = [n for n in nodes(result) if n.kind == "tip"]
    assert [(t.id, t.explicit_id, span(t), t.text.markdown) for t in tips] == [
        ("ok-id", True, (5, 7), "First  line\nsecond *line*"),
        (
            "know-the-shard-limits-one-two-three-four",
            False,
            (9, 10),
            "Know the *shard* limits: one two three four five six.",
        ),
        ("text-on-the-marker-line-and-more", False, (15, 16), "Text on the *marker* line\nand more"),
        ("after-a-gap", False, (18, 20), "After a gap"),
    ]  # the empty tip at line 22 is an error and makes no tip
    html = [HtmlRenderer().text(t.text) for t in tips]
    assert html == [
        "<p>First  line\nsecond <em>line</em></p>",
        "<p>Know the <em>shard</em> limits: one two three four five six.</p>",
        "<p>Text on the <em>marker</em> line\nand more</p>",
        "<p>After a gap</p>",
    ]
    [note] = [n for n in nodes(result) if n.kind == "prose"]
    assert note.text.markdown == "> [!WARNING]\n> careful"
    assert HtmlRenderer().text(note.text) == "<blockquote>\n<p>careful</p>\n</blockquote>"
    assert diags(result) == [(22, 1, "tip.empty", "this exam tip is empty; write what to remember after '> [!TIP]'")]


def test_attribute_lines_name_what_they_cannot_mean() -> None:
    result = parse(
        '{bogus="1" covrs="x" allow="quality.long-answr nothing card.runs-on" id="bad id!"}\nQ: Q?\n\nA: A.\n\n'  # 4
        '{id="!!!"}\nQ: Q2?\n\nA: A2.\n\n'  # 9
        '{covers="t1" id="Ünï"}\n> [!TIP]\n> tip\n\n'  # 14
        '{front="x" allow="quality.yes-no"}\nTerm\n: def\n\n'  # 18
        '{covers="a b"}\n{bogus="y"}\n## H\n\n'  # 22-23
        '{.cards front="A" collumns="1"}\n| A | B |\n|---|---|\n| 1 | 2 |\n'  # 26
    )
    assert diags(result, NOT_GENERATED) == [
        (4, 2, "attr.unknown", "attribute 'bogus' has no meaning on a card"),
        (4, 12, "attr.unknown", "attribute 'covrs' has no meaning on a card (did you mean 'covers'?)"),
        (4, 29, "attr.unknown", "allow names unknown check 'quality.long-answr' (did you mean 'quality.long-answer'?)"),
        (
            4,
            48,
            "attr.unknown",
            "allow names unknown check 'nothing'; it may name quality.long-answer, quality.answer-in-prompt, "
            "quality.yes-no, quality.long-list, quality.cloze-giveaway, quality.near-duplicate, quality.either-or, "
            "card.runs-on",
        ),
        (4, 74, "id.invalid", "id 'bad id!' may only use letters, digits, '-' and '_' (did you mean 'bad-id'?)"),
        (9, 6, "id.invalid", "id '!!!' may only use letters, digits, '-' and '_'"),
        (14, 2, "attr.unknown", "attribute 'covers' has no meaning on an exam tip"),
        (14, 18, "id.invalid", "id 'Ünï' may only use letters, digits, '-' and '_' (did you mean 'uni'?)"),
        (18, 2, "attr.unknown", "attribute 'front' has no meaning on a definition list"),
        (23, 2, "attr.unknown", "attribute 'bogus' has no meaning on a heading"),
        (26, 19, "attr.unknown", "attribute 'collumns' has no meaning on a table"),
    ]
    # a tip's covers means nothing, so it names no tip either
    assert result.cover_refs == [("a", 22, 10, "section 'H'"), ("b", 22, 12, "section 'H'")]


def test_covers_regions_record_each_tip_at_its_own_column() -> None:
    result = parse(
        "::: covers alpha labels label\n\nQ: in?\n\nA: yes.\n\n:::\n\n::: covers\n\n:::\n\n::: covers open\n"
    )
    assert result.cover_refs == [
        ("alpha", 4, 12, "region"),
        ("labels", 4, 18, "region"),
        ("label", 4, 25, "region"),  # not inside "labels"
        ("open", 16, 12, "region"),
    ]
    assert diags(result) == [
        (
            12,
            1,
            "directive.unknown",
            "'::: covers' names no exam tip; write '::: covers tip-id' (studyc tips lists the ids)",
        ),
        (16, 1, "directive.unclosed", "'::: covers' region is never closed; add a ':::' line after its last card"),
    ]
    [card] = cards(result)
    assert card.covers == ("alpha", "labels", "label")


def test_an_extra_after_prose_that_follows_a_definition_list_is_plainly_misplaced() -> None:
    result = parse("Term\n: def\n\nProse between.\n\n::: extra\nx\n:::\n")
    assert diags(result, NOT_GENERATED) == [
        (
            9,
            1,
            "directive.misplaced",
            "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between",
        )
    ]


def test_stray_clozes_and_deep_nesting_are_reported_once_per_line() -> None:
    result = parse("| {{c1::a}} | {{c2::b}} |\n|---|---|\n| x | y |\n")  # two cells of one line
    assert [(d.line, d.code) for d in result.diagnostics] == [(4, Code.CLOZE_STRAY)]
    deep = "<b>" * 13 + "x" + "</b>" * 13  # the limit is 12
    result = parse_file(Path("."), "01-a.md", HEAD + f"| {deep} | {deep} |\n|---|---|\n", Limits(max_nesting=6))
    assert [(d.line, d.code) for d in result.diagnostics] == [(4, Code.FILE_TOO_DEEP)]


def test_the_depth_limit_is_twice_max_nesting_but_at_most_200() -> None:
    def deep(n: int, max_nesting: int) -> list[str]:
        body = HEAD + "<b>" * n + "x" + "</b>" * n + "\n"
        return [d.message for d in parse_file(Path("."), "01-a.md", body, Limits(max_nesting=max_nesting)).diagnostics]

    too_deep = "HTML nests deeper than 200 levels (raw HTML tags or runs of '*'/'_'); flatten it"
    assert deep(199, 150) == [] and deep(200, 150) == [too_deep]  # 2 × 150 = 300 is over the cap
    assert deep(9, 5) == [] and deep(10, 5) == [too_deep.replace("200", "10")]


def test_only_a_first_h1_is_the_title() -> None:
    result = parse_file(Path("."), "01-a.md", "## First\n\n# Later H1\n", Limits())
    assert result.title is None
    assert [(s.id, s.level) for s in result.sections] == [("first", 2), ("later-h1", 2)]


def test_what_ends_an_answer_and_what_an_answer_may_hold() -> None:
    result = parse(
        "Q: Q?\n\nA: A.\n\nTerm\n: def\n\n"  # a definition list is not part of the answer: it makes cards
        "Q: L?\n\n-\n- b\n\n"  # an empty item is an empty text, not the marker
        "Q: <!-- -->\n\n- [x] a\n- [ ] b\n- [ ] c\n\n"  # an exam question's stem may not be empty either
        "Q: Two extras?\n\nA: yes\n\n::: extra\none\n:::\n\n::: extra\ntwo\n:::\n"
    )
    basic, term, lst, extras = cards(result)
    assert (basic.back.markdown, term.kind, term.term.markdown) == ("A.", "definition", "Term")
    assert [(i.markdown, i.blocks) for i in lst.items] == [("", ()), ("b", lst.items[1].blocks)]
    assert extras.extra is not None and extras.extra.markdown == "one"
    assert diags(result, NOT_GENERATED) == [
        (16, 1, "card.empty-side", "the card's question is empty"),
        (
            30,
            1,
            "directive.misplaced",
            "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between",
        ),
    ]


def test_an_extra_keeps_its_markdown_as_written_between_the_markers() -> None:
    result = parse(
        "Q: Q?\n\nA: A.\n\n::: extra\n:::\n\n"
        "Q: Q2?\n\nA: A2.\n\n::: extra\n    indented code first\n\nlast word X\n:::\n\n"
        "Q: Q3?\n\nA: A3.\n\n::: extra\n{.foo}\ntext\n:::\n"
    )
    assert [c.extra.markdown for c in cards(result)] == ["", "    indented code first\n\nlast word X", "{.foo}\ntext"]
    assert [b.kind for b in cards(result)[1].extra.blocks] == ["code_block", "para"]
    assert not result.diagnostics


def test_definitions_of_code_and_of_several_blocks() -> None:
    result = parse("Term\n: ```\n  x\n  ```\n\nAlpha\n: para one\n\n  ```\n  code\n  ```\n\nBeta\n: two\n")
    got = [
        (c.term.markdown, c.definition.markdown, [b.kind for b in c.definition.blocks], span(c)) for c in cards(result)
    ]
    assert got == [
        ("Term", "```\n  x\n  ```", ["code_block"], (4, 7)),
        ("Alpha", "para one\n\n  ```\n  code\n  ```", ["para", "code_block"], (9, 14)),
        ("Beta", "two", ["para"], (16, 17)),
    ]


def test_table_mistakes_at_the_top_of_a_file_and_several_unnamed_columns() -> None:
    # no front matter: the attribute line is line 1
    top = parse_file(Path("."), "01-a.md", '{.cards front="Zz"}\n| A | B |\n|---|---|\n| 1 | 2 |\n', Limits())
    assert [(d.line, d.message) for d in top.diagnostics][:1] == [(1, "table has no column 'Zz'; columns are: A, B")]
    result = parse("{.cards}\n|  |  | C |\n|---|---|---|\n| 1 | 2 | 3 |\n")
    assert [(d.line, d.message.split(";")[0]) for d in result.diagnostics if d.code is Code.TABLE_EMPTY_HEADER] == [
        (4, "column 1, 2 of this card table has no header")
    ]


def test_an_extra_after_a_heading_or_a_rule_follows_no_card() -> None:
    misplaced = "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between"
    # (a region's markers are no such break: the shipped notes close a region, then give its last card an extra)
    for between in (
        "## Next section",
        "---",
        "{.cards}\n| X | Y |\n|---|---|\n| 1 | 2 |\n\n::: covers t",
        "Term\n: def\n\n::: covers t\n\n:::",
    ):
        result = parse(f"Q: Q?\n\nA: A.\n\n{between}\n\n::: extra\nx\n:::\n")
        assert cards(result)[0].extra is None
        line = 8 + between.count("\n") + 2  # the card takes lines 4-6, what comes between starts on 8
        assert (line, "directive.misplaced", misplaced) in [(ln, code, msg) for ln, _, code, msg in diags(result)]


def test_a_missing_image_in_a_table_cell_is_reported_at_its_row(tmp_path: Path) -> None:
    body = "![a](x.png)\n\n| A | B |\n|---|---|\n| 1 | ![b](gone.png) |\n"
    result = parse_file(tmp_path, "01-a.md", HEAD + body, Limits())
    assert [(d.code, d.line) for d in result.diagnostics] == [(Code.IMAGE_MISSING, 4), (Code.IMAGE_MISSING, 8)]


def test_an_image_inside_a_paragraph_of_several_lines_is_reported_at_its_own_line(tmp_path: Path) -> None:
    # HEAD takes lines 1-3; a badge paragraph, a quote, a card whose answer runs over three lines
    body = (
        "[![a](https://e.com/a.svg)](https://e.com)\n"  # 4
        "[![b](https://e.com/b.svg)](https://e.com)\n"  # 5
        "text with a <span\ntitle='x'>tag</span> ![c](gone-c.png)\n\n"  # 6-7
        "> quoted *and **emphasised\n> ![d](gone-d.png)** here*\n\n"  # 9-10
        "Q: Which?\n\nA: first  \nsecond ![e\nalt](gone-e.png)\nthird ![f](gone-f.png)\n"  # 12, 14-17
    )
    result = parse_file(tmp_path, "01-a.md", HEAD + body, Limits())
    found = [(d.line, d.message.split("'")[1]) for d in result.diagnostics if d.code.value.startswith("image.")]
    assert found == [
        (4, "https://e.com/a.svg"),
        (5, "https://e.com/b.svg"),
        (7, "gone-c.png"),
        (10, "gone-d.png"),
        (15, "gone-e.png"),
        (17, "gone-f.png"),
    ]


def test_a_card_table_names_the_tips_it_covers() -> None:
    result = parse('{.cards covers="tp" allow="quality.yes-no"}\n' + TABLE)
    assert [(c.covers, c.allow) for c in cards(result)] == [(("tp",), ("quality.yes-no",))] * 2
    assert result.cover_refs == [("tp", 4, 17, "card table")]
    assert not diags(result, NOT_GENERATED)


def test_empty_edge_cells_are_cells_not_borders() -> None:
    result = parse("| A | B |\n|---|---|\n|| b |\n| a ||\n| a | b |\n|a|\n")
    assert diags(result) == [(9, 1, "table.ragged", "table row has 1 cell but the header has 2")]


def test_a_region_tip_named_like_the_word_covers_is_found_at_its_own_place() -> None:
    result = parse("::: covers overs recovers\n\n:::\n")
    assert result.cover_refs == [("overs", 4, 12, "region"), ("recovers", 4, 18, "region")]


def test_more_exam_tip_shapes() -> None:
    result = parse(
        ">  [!TIP]\n>  Indented tip\n\n"  # 4-5: the marker indented inside the quote
        "> [!TIP]\n> one two three four\n> five six seven eight nine ten\n\n"  # 7-9: the id takes 8 words
        "> [!TIP]\n>\n> - a\n> - b\n\n"  # 11-14: a list after a marker of its own
        '{allow="zzz"}\n## H2\n'  # 16: no allow on a heading, and no check of its names either
    )
    tips = [n for n in nodes(result) if n.kind == "tip"]
    assert [(t.id, t.text.markdown) for t in tips] == [
        ("indented-tip", "Indented tip"),
        ("one-two-three-four-five-six-seven-eight", "one two three four\nfive six seven eight nine ten"),
        ("a", "- a\n- b"),
    ]
    assert [b.kind for b in tips[2].text.blocks] == ["bullet_list"]
    assert diags(result) == [(16, 2, "attr.unknown", "attribute 'allow' has no meaning on a heading")]


def test_a_directive_first_in_a_file_and_a_domain_on_a_cloze_card() -> None:
    result = parse('::: extra\nx\n:::\n\n{domain="x"}\nC: {{c1::a}}\n')
    assert diags(result) == [
        (
            4,
            1,
            "directive.misplaced",
            "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between",
        ),
        (8, 2, "attr.unknown", "attribute 'domain' has no meaning on a card"),  # only a Q: question may name one
    ]
    deep = parse_file(Path("."), "01-a.md", HEAD + "<b>" * 9 + "x" + "</b>" * 9 + "\n", Limits(max_nesting=4))
    assert [(d.path, d.line, d.code) for d in deep.diagnostics] == [("01-a.md", 4, Code.FILE_TOO_DEEP)]


def test_a_directive_opening_a_file_without_front_matter_follows_no_card() -> None:
    result = parse_file(Path("."), "01-a.md", "::: extra\nx\n:::\n", Limits())
    assert [(d.line, d.message) for d in result.diagnostics] == [
        (1, "'::: extra' must directly follow a card's answer (a Q/A, list or cloze card), with no prose between")
    ]


@given(
    kind=st.sampled_from(["- item", "1. item", "> quote", "    code", "| a | b |\n|---|---|\n| 1 | 2 |"]),
    items=st.integers(1, 3),
    blanks=st.integers(1, 4),
)
@settings(max_examples=40, deadline=None)
def test_a_prose_block_ends_at_its_last_written_line_not_the_blank_lines_after_it(
    kind: str, items: int, blanks: int
) -> None:
    """markdown-it's map for a list runs on over the blank lines after it; a span never does."""
    body = "\n".join([kind] * items if not kind.startswith("|") else [kind])
    lines = body.count("\n") + 1
    result = parse("## S\n\n" + body + "\n" * (blanks + 1) + "A closing paragraph.\n")  # blank lines between
    prose = [n for n in nodes(result) if n.kind != "section"]  # the block (prose or a table), the paragraph
    first = HEAD.count("\n") + 3  # the heading, the blank line, then the block
    assert span(prose[0]) == (first, first + lines - 1)
    assert span(prose[1]) == (first + lines + blanks, first + lines + blanks)
