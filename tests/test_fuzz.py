"""Property-based fuzzing: any note text yields an IR or diagnostics, never an exception.

Budget: 200 examples per property by default; set ``STUDYC_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.texmath import texmath_plugin

from compiler.checks import run_checks
from compiler.export import json_backend
from compiler.frontend import FileResult, assemble, parse_file, read_text
from compiler.frontend.cloze import strip_cloze
from compiler.frontend.markdown import make_parser
from compiler.model import backend as backends
from compiler.model import ir
from compiler.model.backend import Options
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.ir import Course
from compiler.settings import Limits

#: 100 examples per property in `make test`; `STUDYC_FUZZ_EXAMPLES=1000` for a deeper run.
EXAMPLES = int(os.environ.get("STUDYC_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
COURSE = "---\ntitle: Fuzz\nexam: Fuzz (FZ-01)\ndomains:\n  - id: data\n    name: Data\n    weight: 100\n---\nAbout.\n"
LIMITS = Limits(max_file_bytes=1 << 20, max_nesting=12)
CHAPTER = "---\ntitle: Chapter\n---\n"

# -- strategies built from the format's own constructs ------------------------------------

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
word = st.text("abcxyz019 -_*`$\\[](){}<>|:#!.~=\"'/&;", min_size=0, max_size=12)
ident = st.sampled_from(["t1", "t2", "tip-a", "card-1", "Bad Id", "", "ü", "a b"])
inline = st.one_of(
    word,
    text,
    st.sampled_from(
        [
            "**bold**",
            "`code`",
            "$x^2$",
            "\\(a+b\\)",
            "\\(",
            "$$",
            "{{c1::x}}",
            "{{c2::y::hint}}",
            "{{c1::",
            "{{ jinja }}",
            "{% if %}",
            "<kbd>k</kbd>",
            "<script>x</script>",
            '<a href="javascript:x">j</a>',
            "<img src=x onerror=y>",
            "![img](images/pic.png)",
            "![gone](missing.png)",
            "![up](../../etc/passwd)",
            "![abs](/etc/passwd)",
            "![r](https://e.com/x.png)",
            "[link](https://example.com)",
            "[bad](javascript:alert(1))",
            "<",
            "&amp;",
            "\\",
            "|",
        ]
    ),
)
line = st.lists(inline, min_size=0, max_size=5).map(" ".join)


@st.composite
def attr_line(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(
                ident.map(lambda i: f"#{i}"),
                st.sampled_from([".cards", ".reverse", ".nocards", ".x"]),
                st.tuples(st.sampled_from(["covers", "front", "back", "ask", "tags", "id", "zz"]), word).map(
                    lambda kv: f'{kv[0]}="{kv[1]}"'
                ),
            ),
            max_size=3,
        )
    )
    return "{" + " ".join(parts) + "}"


@st.composite
def table(draw: st.DrawFn) -> str:
    cols = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(word, min_size=0, max_size=cols + 1), max_size=4))
    head = "| " + " | ".join(draw(st.lists(word, min_size=cols, max_size=cols))) + " |"
    sep = "|" + "---|" * cols
    body = ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join([head, sep, *body])


@st.composite
def nested(draw: st.DrawFn) -> str:
    markers = draw(st.lists(st.sampled_from(["- ", "> ", "1. ", "* ", ": "]), min_size=1, max_size=30))
    return "".join(markers) + draw(line)


block = st.one_of(
    line,
    line.map(lambda s: f"Q: {s}"),
    line.map(lambda s: f"A: {s}"),
    line.map(lambda s: f"C: {s}"),
    st.sampled_from(["Q:", "A:", "C:", "Q: q\nA: a", "Q: q?\n\nA: a.", "C: {{c1::x}} and {{c3::y}}"]),
    st.tuples(st.integers(1, 7), line).map(lambda t: "#" * t[0] + " " + t[1]),
    st.lists(line, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(line, min_size=1, max_size=4).map(lambda items: "\n".join(f"{n}. {i}" for n, i in enumerate(items))),
    st.tuples(line, line).map(lambda t: f"{t[0]}\n: {t[1]}"),
    table(),
    attr_line(),
    line.map(lambda s: f"> [!TIP]\n> {s}"),
    line.map(lambda s: f"> [!NOTE]\n> {s}"),
    line.map(lambda s: f"> {s}"),
    st.tuples(st.sampled_from(["extra", "exta", "", "extra x"]), line, st.booleans()).map(
        lambda t: f"::: {t[0]}\n{t[1]}" + ("\n:::" if t[2] else "")
    ),
    st.just(":::"),
    line.map(lambda s: f"```python\n{s}\n```"),
    line.map(lambda s: f"$$\n{s}\n$$"),
    line.map(lambda s: f"\\[\n{s}\n\\]"),
    line.map(lambda s: f"<div>{s}</div>"),
    st.sampled_from(["---", "***", "<!-- c -->", "<script>\nalert(1)\n</script>", "<style>x{}</style>"]),
    nested(),
)
YAML_LINES = [
    "title: T",
    "exam: E",
    "title: 123",
    "title: null",
    "title: !!binary aGk=",
    "title: !!set {a}",
    "title: [1, [2]]",
    'title: "\\ud800"',
    "title: 2024-13-45",
    "title: .inf",
    "tags: {a: 1}",
    "tags: [a, 'b c', !!float nan]",
    "domain: data",
    "domain: [x]",
    "domains: 5",
    "domains: [{id: X, name: '', weight: -1}]",
    "domains: [{id: a, name: b, weight: 50}, {id: a, name: c, weight: 50}]",
    "domains:\n  - 5",
    "paper: a5",
    "slug: '!!'",
    "deck: ''",
    "? [complex]\n: key",
    "1: x",
    "'': x",
    "  bad: indent",
    "- item",
    "a: &x 1",
    "b: *x",
]
front_matter = st.one_of(
    st.just(""),
    st.sampled_from(
        [
            "---\ntitle: T\n---\n",
            "---\ntitle: T\ndomain: data\ntags: [a, b]\n---\n",
            "---\ntitle: [unclosed\n---\n",
            "---\ntitel: T\n---\n",
            "---\n- a list\n---\n",
            "---\na: &a [1]\nb: *a\n---\n",
            "---\ntitle: T\ndomain: nowhere\ntags: 'a b'\n---\n",
            "---\n---\n",
            "---\ntitle: T\n",
        ]
    ),
    st.lists(st.sampled_from(YAML_LINES), min_size=1, max_size=5).map(lambda ls: "---\n" + "\n".join(ls) + "\n---\n"),
    text.map(lambda s: f"---\n{s}\n---\n"),
)


@st.composite
def note(draw: st.DrawFn) -> str:
    head = draw(front_matter)
    blocks = draw(st.lists(block, max_size=12))
    seps = draw(st.lists(st.sampled_from(["\n\n", "\n", "\n\n\n", "\r\n\r\n", "\n  \n"]), min_size=len(blocks)))
    return head + "".join(b + s for b, s in zip(blocks, seps, strict=False))


# -- the properties -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "images").mkdir()
    (folder / "images" / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return folder


def compile_note(root: Path, source: str) -> tuple[Course | None, Diagnostics]:
    """Everything from parsing to the JSON backend, in process."""
    results = [parse_file(root, "course.md", COURSE, LIMITS), parse_file(root, "01-fuzz.md", source, LIMITS)]
    lines = source.replace("\r\n", "\n").count("\n") + source.count("\r") + 2
    for diag in results[1].diagnostics:
        assert isinstance(diag.code, Code)
        assert 1 <= diag.line <= lines, diag
    diags = Diagnostics()
    course = assemble(results, diags)
    if course is not None:
        run_checks(course, diags)
        for output in json_backend.render(course, Options(source_root=root), Diagnostics()):
            json.loads(output.data)
    return course, diags


@FUZZ
@given(source=note())
def test_constructs_never_raise(root: Path, source: str) -> None:
    course, diags = compile_note(root, source)
    assert course is not None or diags.errors()


@FUZZ
@given(course=note(), chapter=note())
def test_course_file_and_two_chapters_never_raise(root: Path, course: str, chapter: str) -> None:
    results = [parse_file(root, name, src, LIMITS) for name, src in (("course.md", course), ("01-a.md", chapter))]
    results.append(parse_file(root, "02-a.md", chapter, LIMITS))  # same chapter id, same card ids
    diags = Diagnostics()
    compiled = assemble(results, diags)
    if compiled is not None:
        run_checks(compiled, diags)
        for output in json_backend.render(compiled, Options(source_root=root), Diagnostics()):
            json.loads(output.data)
    else:
        assert diags.errors()


clean = st.one_of(text, inline).map(lambda s: s.replace("\n", " ")).filter(lambda s: s.strip() != "")
valid_card = st.one_of(
    st.tuples(clean, clean).map(lambda t: f"Q: {t[0]}\n\nA: {t[1]}"),
    st.tuples(clean, clean, clean).map(lambda t: f"C: {t[0]} {{{{c1::{t[1]}}}}} {t[2]}"),
    st.tuples(clean, st.lists(clean, min_size=1, max_size=3)).map(
        lambda t: f"Q: {t[0]}\n\n" + "\n".join(f"- {i}" for i in t[1])
    ),
    st.tuples(clean, clean).map(lambda t: f"{t[0]}\n: {t[1]}"),
    st.tuples(clean, clean, clean, clean).map(
        lambda t: f'{{.cards front="K"}}\n| K | V |\n|---|---|\n| {t[0]} | {t[1]} |\n| {t[2]} | {t[3]} |'
    ),
    st.tuples(clean, clean, clean).map(lambda t: f"Q: {t[0]}\n\nA: {t[1]}\n\n::: extra\n{t[2]}\n:::"),
)
FAST_BACKENDS = [name for name in ("json", "csv", "anki") if name in backends.REGISTRY]  # PDFs take seconds


@FUZZ
@given(cards=st.lists(valid_card, min_size=1, max_size=6), headings=st.lists(clean, max_size=3))
def test_clean_notes_render_in_every_fast_backend(root: Path, cards: list[str], headings: list[str]) -> None:
    body = "".join(f"## {h}\n\n" for h in headings) + "\n\n".join(cards) + "\n"
    results = [parse_file(root, "course.md", COURSE, LIMITS), parse_file(root, "01-a.md", CHAPTER + body, LIMITS)]
    diags = Diagnostics()
    course = assemble(results, diags)
    if course is None:
        return
    run_checks(course, diags)
    if diags.errors():
        return  # e.g. two cards with the same derived id; the other properties cover diagnostics
    for name in FAST_BACKENDS:
        outputs = backends.load(name)(course, Options(source_root=root), Diagnostics())
        assert outputs and all(o.data for o in outputs)


@FUZZ
@given(source=text)
def test_arbitrary_text_never_raises(root: Path, source: str) -> None:
    compile_note(root, source)


@FUZZ
@given(source=st.lists(st.one_of(text, block), max_size=20).map("".join))
def test_constructs_glued_without_blank_lines(root: Path, source: str) -> None:
    compile_note(root, source)


@FUZZ
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_are_read_or_reported(root: Path, data: bytes) -> None:
    path = root / "01-bytes.md"
    path.write_bytes(data)
    diags = Diagnostics()
    source = read_text(root, path.name, LIMITS, diags)
    if source is None:
        assert diags.errors() or [d.code for d in diags.items] == [Code.FILE_EMPTY]
        return
    compile_note(root, source)


# -- regressions the fuzzer found ----------------------------------------------------------


def test_control_characters_in_front_matter_are_a_syntax_error(root: Path) -> None:
    result = parse_file(root, "01-fuzz.md", "---\ntitle: T\n\x1f\n---\n", LIMITS)
    assert [d.format() for d in result.diagnostics] == [
        "01-fuzz.md:3:1: error: front matter is not valid YAML: unacceptable character #x001f: special characters "
        "are not allowed [front-matter.syntax]"
    ]


def test_lone_surrogate_escape_in_front_matter_is_a_syntax_error(root: Path) -> None:
    result = parse_file(root, "01-fuzz.md", '---\ntitle: "\\ud800"\n---\n', LIMITS)
    assert [d.code for d in result.diagnostics] == [Code.FRONT_MATTER_SYNTAX]
    assert result.meta is None


@pytest.mark.parametrize("value", ["2024-13-45", "2020-02-30 25:61:00", "!!timestamp nope"])
def test_impossible_dates_in_front_matter_stay_strings(root: Path, value: str) -> None:
    result = parse_file(root, "01-fuzz.md", f"---\ntitle: {value}\n---\n", LIMITS)
    assert result.diagnostics == []
    assert isinstance(result.meta, dict) and result.meta["title"] == value.removeprefix("!!timestamp ")


@pytest.mark.parametrize("odd", ["\x0c", "\u2028", "\x1c", "\x85", "\r"])
def test_odd_line_breaks_keep_card_sources_aligned(root: Path, odd: str) -> None:
    source = f"Intro{odd}more\n\nQ: What?\n\nA: That.\n\n::: extra\nMore.\n:::\n"
    result = parse_file(root, "01-fuzz.md", source, LIMITS)
    [card] = [b for b in result.blocks if not isinstance(b, ir.Prose)]
    assert isinstance(card, ir.BasicCard) and card.extra is not None
    assert (card.front.markdown, card.back.markdown, card.extra.markdown) == ("What?", "That.", "More.")


OLD_CLOZE_RE = re.compile(r"\{\{c\d+::(.*?)(::.*?)?\}\}")


@FUZZ
@given(source=st.lists(st.sampled_from(["{{c1::", "{{c22::", "::", "}}", "}", "{", ":", "a", "\n", "c1"])).map("".join))
def test_strip_cloze_matches_the_regex_it_replaces(source: str) -> None:
    assert strip_cloze(source) == OLD_CLOZE_RE.sub(r"\1", source)


def test_unclosed_cloze_openers_take_linear_time(root: Path) -> None:
    # the old regex needed minutes here; the test would hit pytest's patience, not a timer
    result = parse_file(root, "01-fuzz.md", "C: " + "{{c1::" * 20_000 + "}}\n", LIMITS)
    assert [d.code for d in result.diagnostics] == []
    assert strip_cloze("{{c1::" * 20_000) == "{{c1::" * 20_000


@pytest.mark.parametrize("number", ["0", "1000", "9" * 5000])
def test_cloze_numbers_out_of_range_are_reported(root: Path, number: str) -> None:
    result = parse_file(root, "01-fuzz.md", f"C: {{{{c{number}::x}}}}\n", LIMITS)
    [diag] = result.diagnostics
    assert diag.code is Code.CLOZE_BAD_NUMBER and diag.line == 1
    assert "is not between c1 and c999" in diag.message and len(diag.message) < 80


def _token_dump(tokens: list[Token]) -> list[object]:
    return [(t.type, t.tag, t.content, t.info, t.markup, t.map, t.block, _token_dump(t.children or [])) for t in tokens]


MATH_PIECES = ["\\(", "\\)", "\\[", "\\]", "(", ")", "a", " ", "\n", "\n\n", "> ", "- ", "$", "1", "\\"]


@FUZZ
@given(source=st.lists(st.sampled_from(MATH_PIECES), max_size=40).map("".join))
def test_hardened_math_rules_match_the_plugins(source: str) -> None:
    # studyc's linear-time \( \) and \[ \] rules give the tokens texmath's plugin gives
    # (except that "$1" is a price, which the plugins would read as math)
    assume(not re.search(r"\$\d", source))
    hardened = make_parser().parse(source, {})
    assert _token_dump(hardened) == _token_dump(_texmath_parser().parse(source, {}))


def _texmath_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True})
    md.enable(["table", "strikethrough"])
    md.use(front_matter_plugin).use(deflist_plugin).use(attrs_block_plugin)
    md.use(container_plugin, name="directive", validate=lambda params, markup: True)
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False)
    md.use(texmath_plugin, delimiters="brackets")
    return md


@pytest.mark.parametrize(
    "source",
    [
        "\\( " * 100_000,  # took minutes: each opener sliced and scanned the rest
        "\\[ x\n\n" * 50_000,
        "> \\[ x\n" * 20_000 + "\n\\]\n",
        ">:::\n>",  # IndexError in the container plugin
        "> ::: extra\n>",
        "|a|b|\n|-|-|\n" + "|x|y|\n" * 50_000,  # the ragged check recounted the header per row
    ],
    ids=["inline-openers", "block-openers", "quoted-openers", "container-eof", "container-eof-named", "table-rows"],
)
def test_parser_survives_hostile_math_and_containers(root: Path, source: str) -> None:
    result = parse_file(root, "01-fuzz.md", source, Limits(max_file_bytes=1 << 22, max_nesting=40))
    assert all(isinstance(d.code, Code) for d in result.diagnostics)


def test_results_are_plain_data(root: Path) -> None:
    result = parse_file(root, "01-fuzz.md", "Q: q?\n\nA: a.\n", LIMITS)
    assert isinstance(result, FileResult)
    assert result.blocks and not result.diagnostics
