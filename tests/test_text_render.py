"""Renderers of the typed text tree (HTML, plain text) and the single-tag sanitizer."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.model.doc import (
    AnyBlock,
    AnyInline,
    BulletList,
    Cell,
    Cloze,
    Code,
    CodeBlock,
    Definition,
    DefinitionList,
    Emph,
    Grid,
    Heading,
    Image,
    LineBreak,
    Link,
    ListItem,
    Math,
    MathBlock,
    OrderedList,
    Para,
    Quote,
    RawBlock,
    RawInline,
    Rule,
    SoftBreak,
    Str,
    Strike,
    Strong,
    Text,
)
from compiler.text.html import HtmlRenderer
from compiler.text.plain import PlainRenderer, html_text, plain
from compiler.text.sanitize import (
    VOID_TAGS,
    balance,
    html_depth,
    sanitize,
    sanitize_tag,
    tag_shape,
    unsafe_parts,
    url_allowed,
)

MEDIA = "studyc-0123456789abcdef0123.png"
REL = 'rel="noopener noreferrer"'


def s(text: str) -> Str:
    return Str(text=text)


def para(*content: AnyInline) -> Para:
    return Para(content=content)


def item(*blocks: AnyBlock) -> ListItem:
    return ListItem(blocks=blocks)


def doc(*blocks: AnyBlock, inline: bool = False) -> Text:
    return Text(markdown="", blocks=blocks, inline=inline)


def html(*blocks: AnyBlock) -> str:
    return HtmlRenderer().text(doc(*blocks))


# -- HTML: one case per node kind ----------------------------------------------------------------

CLOZE = Cloze(number=2, content=(s("ans"), Code(text="x")), hint="h")
INLINE_CASES: dict[str, tuple[AnyInline, str, str]] = {
    "str": (s("a < b & \"c\" 'd'"), "a &lt; b &amp; \"c\" 'd'", "a < b & \"c\" 'd'"),
    "softbreak": (SoftBreak(), "", ""),
    "linebreak": (LineBreak(), "<br>", ""),
    "code": (Code(text="<a href='x'>&"), "<code>&lt;a href='x'&gt;&amp;</code>", "<a href='x'>&"),
    "emph": (Emph(content=(s("e"),)), "<em>e</em>", "e"),
    "strong": (Strong(content=(s("s"),)), "<strong>s</strong>", "s"),
    "strike": (Strike(content=(s("k"),)), "<s>k</s>", "k"),
    "link": (
        Link(url='https://x.org/?a=1&b="2"', title=None, content=(s("l"),)),
        f'<a href="https://x.org/?a=1&amp;b=&quot;2&quot;" {REL}>l</a>',
        "l",
    ),
    "link-title": (
        Link(url="#sec", title='t "q"', content=(s("l"),)),
        f'<a href="#sec" title="t &quot;q&quot;" {REL}>l</a>',
        "l",
    ),
    "link-unsafe": (Link(url=" JaVa\tScript:alert(1)", title=None, content=(s("l"),)), "l", "l"),
    "image": (
        Image(src="a.png", media=MEDIA, alt='a "b"', title=None),
        f'<img src="{MEDIA}" alt="a &quot;b&quot;">',
        'a "b"',
    ),
    "image-title": (Image(src="a.png", media=MEDIA, alt="a", title="t"), f'<img src="{MEDIA}" alt="a" title="t">', "a"),
    "image-missing": (
        Image(src="a.png", media=None, alt="x<y", title=None),
        '<span class="missing-image">[image: x&lt;y]</span>',
        "[image: x<y]",  # what the HTML shows, and Anki (the hover says so too)
    ),
    "math": (
        Math(tex="a<b & {{c}}", display=False),
        '<span class="math">\\(a&lt;b &amp; {{c}}\\)</span>',
        "a<b & {{c}}",
    ),
    "math-display": (Math(tex="x^2", display=True), '<span class="math">\\[x^2\\]</span>', "x^2"),
    "cloze": (CLOZE, '<span class="cloze">ans<code>x</code></span>', "ansx"),
    "raw-inline": (RawInline(html="<br>"), "<br>", ""),
}


@pytest.mark.parametrize("case", list(INLINE_CASES))
def test_inline_node_html_and_plain(case: str) -> None:
    node, expected_html, expected_plain = INLINE_CASES[case]
    text = doc(para(node), inline=True)
    assert HtmlRenderer().text(text) == expected_html
    assert plain(text) == expected_plain
    inner = HtmlRenderer().inlines((node,))
    assert inner.strip() == expected_html
    assert HtmlRenderer().text(doc(para(s("x"), node, s("y")))) == f"<p>x{inner}y</p>"


TABLE = Grid(
    header=(Cell(align="left", content=(s("a"),)), Cell(align=None, content=(s("b"),))),
    rows=((Cell(align="right", content=(s("1"),)), Cell(align="center", content=(s("2"),))),),
)
BLOCK_CASES: dict[str, tuple[AnyBlock, str, str]] = {
    "para": (para(s("a"), SoftBreak(), s("b")), "<p>a\nb</p>", "a b"),
    "heading": (Heading(level=3, content=(s("H"),)), "<h3>H</h3>", "H"),
    "bullet-tight": (
        BulletList(tight=True, items=(item(para(s("a"))), item(para(s("b"))))),
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
        "a b",
    ),
    "bullet-tight-nested": (
        BulletList(tight=True, items=(item(para(s("a")), BulletList(tight=True, items=(item(para(s("b"))),))),)),
        "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>",
        "a b",
    ),
    "bullet-empty-item": (BulletList(tight=True, items=(item(),)), "<ul>\n<li></li>\n</ul>", ""),
    "ordered-loose": (
        OrderedList(start=1, tight=False, items=(item(para(s("x")), para(s("y"))), item(para(s("z"))))),
        "<ol>\n<li>\n<p>x</p>\n<p>y</p>\n</li>\n<li>\n<p>z</p>\n</li>\n</ol>",
        "x y z",
    ),
    "ordered-start": (
        OrderedList(start=3, tight=True, items=(item(para(s("q"))),)),
        '<ol start="3">\n<li>q</li>\n</ol>',
        "q",
    ),
    "code-plain": (CodeBlock(code="a < b\n", lang=None), "<pre><code>a &lt; b\n</code></pre>", "a < b"),
    "code-unknown-lang": (
        CodeBlock(code="x\n", lang="nolang"),
        '<pre><code class="language-nolang">x\n</code></pre>',
        "x",
    ),
    "code-python": (
        CodeBlock(code="x = 1\n", lang="python"),
        '<pre class="highlight"><code class="language-python"><span class="n">x</span> <span class="o">=</span> '
        '<span class="mi">1</span>\n</code></pre>',
        "x = 1",
    ),
    "quote": (Quote(blocks=(para(s("q")), para(s("r")))), "<blockquote>\n<p>q</p>\n<p>r</p>\n</blockquote>", "q r"),
    "deflist": (
        DefinitionList(
            items=(
                Definition(term=(s("T"),), definitions=((para(s("d")),), (para(s("e")), para(s("f"))))),
                Definition(term=(s("U"),), definitions=((CodeBlock(code="c\n", lang=None),),)),
            )
        ),
        "<dl>\n<dt>T</dt>\n<dd>d</dd>\n<dd>\n<p>e</p>\n<p>f</p>\n</dd>\n"
        "<dt>U</dt>\n<dd>\n<pre><code>c\n</code></pre>\n</dd>\n</dl>",
        "T d e f U c",
    ),
    "grid": (
        TABLE,
        '<table>\n<thead>\n<tr>\n<th style="text-align:left">a</th>\n<th>b</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr>\n<td style="text-align:right">1</td>\n<td style="text-align:center">2</td>\n</tr>\n'
        "</tbody>\n</table>",
        "a b 1 2",
    ),
    "grid-header-only": (
        Grid(header=(Cell(align=None, content=(s("a"),)),), rows=()),
        "<table>\n<thead>\n<tr>\n<th>a</th>\n</tr>\n</thead>\n</table>",
        "a",
    ),
    "math-block": (MathBlock(tex="\na<b\n"), '<div class="math">\\[\na&lt;b\n\\]</div>', "a<b"),
    "rule": (Rule(), "<hr>", ""),
    "raw-block": (
        RawBlock(html="<div><p>a &amp; b</p><p>c<kbd>d</kbd></p></div>"),
        "<div><p>a &amp; b</p><p>c<kbd>d</kbd></p></div>",
        "a & b cd",
    ),
}


@pytest.mark.parametrize("case", list(BLOCK_CASES))
def test_block_node_html_and_plain(case: str) -> None:
    node, expected_html, expected_plain = BLOCK_CASES[case]
    assert html(node) == expected_html
    assert plain(doc(node)) == expected_plain


def test_blocks_are_separated_by_newlines_and_result_is_stripped() -> None:
    assert html(para(s("a")), Rule(), para(s("b"), LineBreak())) == "<p>a</p>\n<hr>\n<p>b<br>\n</p>"
    assert HtmlRenderer().blocks((para(s("a")),)) == "<p>a</p>\n"
    assert HtmlRenderer().inlines((s(" a "), LineBreak())) == " a <br>\n"


def test_inline_text_without_a_single_paragraph_renders_its_blocks() -> None:
    assert HtmlRenderer().text(doc(para(s("a")), para(s("b")), inline=True)) == "<p>a</p>\n<p>b</p>"


def test_escaping_in_the_base_renderer_is_plain_html_escaping() -> None:
    nasty = '<&"{{c1::x}}::'
    out = HtmlRenderer().text(doc(para(s(nasty), Code(text=nasty), Math(tex=nasty, display=False)), inline=True))
    assert out == (
        '&lt;&amp;"{{c1::x}}::<code>&lt;&amp;"{{c1::x}}::</code><span class="math">\\(&lt;&amp;"{{c1::x}}::\\)</span>'
    )


class _AnkiLike(HtmlRenderer):
    """What a subclass looks like: escaping and cloze overridden, nothing else."""

    def text_escape(self, s: str) -> str:
        return super().text_escape(s).replace("{{", "{&#8203;{").replace("}}", "}&#8203;}")

    def cloze(self, node: Cloze) -> str:
        hint = f"::{node.hint}" if node.hint else ""
        return f"{{{{c{node.number}::{self.inlines(node.content)}{hint}}}}}"


def test_subclass_overrides_reach_every_text_node() -> None:
    text = doc(para(s("{{a}}"), Cloze(number=1, content=(Code(text="}}"),), hint="h")), inline=True)
    assert _AnkiLike().text(text) == "{&#8203;{a}&#8203;}{{c1::<code>}&#8203;}</code>::h}}"


# -- raw inline tags are balanced at every level -------------------------------------------------


def raw(tag: str) -> RawInline:
    return RawInline(html=tag)


BALANCE_CASES = [
    ((raw("<kbd>"), s("x"), raw("</kbd>")), "<kbd>x</kbd>"),
    ((raw("<kbd>"), s("x")), "<kbd>x</kbd>"),
    ((s("x"), raw("</kbd>")), "x"),
    ((raw("<b>"), raw("<i>"), s("x"), raw("</b>"), raw("</i>")), "<b><i>x</i></b>"),
    ((raw("<br>"), raw("<img>"), s("x")), "<br><img>x"),
    ((raw("<kbd>x</kbd>"), raw("<kbd>y</b>")), "<kbd>x</kbd>"),
    # a broken piece or a stray closer is dropped alone: what follows it stays
    ((s("a"), raw("<b><i>"), s("b"), raw("</kbd>"), raw("<kbd>"), s("c")), "ab<kbd>c</kbd>"),
    ((raw("<sub>"), Emph(content=(s("a"), raw("</sub>"), raw("<sup>"))), s("b")), "<sub><em>a<sup></sup></em>b</sub>"),
]


@pytest.mark.parametrize(("nodes", "expected"), BALANCE_CASES)
def test_raw_inline_tags_are_balanced(nodes: tuple[AnyInline, ...], expected: str) -> None:
    assert HtmlRenderer().inlines(nodes) == expected


def test_balance_leaves_runs_without_raw_tags_alone() -> None:
    nodes = (s("a"), Emph(content=(s("b"),)))
    assert balance(nodes) == nodes
    assert balance([raw("</kbd>"), raw("<kbd>")]) == (raw("<kbd>"), raw("</kbd>"))


def test_tag_shape() -> None:
    assert tag_shape("<kbd>") == ("open", "kbd")
    assert tag_shape("</kbd>") == ("close", "kbd")
    assert tag_shape("<br>") == ("neutral", "")
    assert tag_shape("<kbd/>") == ("neutral", "")
    assert tag_shape("text") == ("neutral", "")
    assert tag_shape("<b>x</b>") == ("neutral", "")
    assert tag_shape("<b><i>") == ("broken", "i")
    assert tag_shape("</b></i>") == ("broken", "b")


# -- plain text ----------------------------------------------------------------------------------

CLOZE_TEXT = doc(
    para(s("The  "), Cloze(number=1, content=(s("mitochondria"),), hint=None), SoftBreak()),
    BulletList(
        tight=True,
        items=(
            item(para(s("is the "), Cloze(number=2, content=(Emph(content=(s("power"),)),), hint="what?"))),
            item(para(Cloze(number=1, content=(s("house"),), hint=""), s(" of the cell"))),
        ),
    ),
    RawBlock(html="<p>raw <b>bold</b></p><p>next&nbsp;one</p>"),
    MathBlock(tex="e = mc^2"),
)


@pytest.mark.parametrize(
    ("renderer", "expected"),
    [
        (PlainRenderer(), "The mitochondria is the power house of the cell raw bold next one e = mc^2"),
        (PlainRenderer(front_of=1), "The [...] is the power [...] of the cell raw bold next one e = mc^2"),
        (PlainRenderer(front_of=2), "The mitochondria is the [what?] house of the cell raw bold next one e = mc^2"),
        (
            PlainRenderer(lines=True),
            "The mitochondria\nis the power\nhouse of the cell\nraw bold\nnext one\ne = mc^2",
        ),
    ],
)
def test_plain_text_modes(renderer: PlainRenderer, expected: str) -> None:
    assert renderer.text(CLOZE_TEXT) == expected


def test_plain_lines_for_code_tables_and_definitions() -> None:
    text = doc(
        CodeBlock(code="a  =  1\n\n  b\n", lang="python"),
        TABLE,
        DefinitionList(items=(Definition(term=(s("T"),), definitions=((para(s("d")),),)),)),
        Rule(),
    )
    assert plain(text, lines=True) == "a = 1\nb\na b\n1 2\nT\nd"
    assert plain(text) == "a = 1 b a b 1 2 T d"


def test_plain_subclass_can_change_the_gap() -> None:
    class Blank(PlainRenderer):
        def gap(self, node: Cloze) -> str:
            return "___"

    assert Blank(front_of=1).text(CLOZE_TEXT).startswith("The ___ is")


def test_html_text_extraction() -> None:
    assert html_text("<div>a<br>b</div><span>c</span> <i>d</i><script>x</script>") == ["a", "b", "c d"]
    assert html_text("") == []


# -- well-formedness and agreement under random trees --------------------------------------------


class _TagStack(HTMLParser):
    """Fails on any closer that does not match the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def _boundary(self, tag: str) -> None:
        if tag not in {"a", "code", "em", "strong", "s", "span", "kbd", "b", "i", "sub", "sup", "img"}:
            self.text.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID_TAGS:
            self.stack.append(tag)
        self._boundary(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self.stack or self.stack.pop() != tag:
            self.errors.append(f"</{tag}>")
        self._boundary(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _check(fragment: str) -> _TagStack:
    parser = _TagStack()
    parser.feed(fragment)
    parser.close()
    assert parser.errors == [], fragment
    assert parser.stack == [], fragment
    return parser


CHARS = st.text(st.sampled_from(list("ab <>&\"'{}:\n\t\\é")), max_size=8)
RAW_TAGS = ["<kbd>", "</kbd>", '<span class="x">', "</span>", "<b>", "</b>", "</i>", "<br>", f'<img src="{MEDIA}">']
RAW_BLOCKS = [sanitize(f) for f in ("<div><p>a<b>b</div>", "<table><tr><td>x", "<ul><li>1<li>2</ul>", "text")]


def _inlines(visible: bool) -> st.SearchStrategy[AnyInline]:
    """Random inlines; ``visible`` leaves out nodes whose HTML text content differs from their plain text."""
    leaf_kinds: list[st.SearchStrategy[AnyInline]] = [
        st.builds(Str, text=CHARS),
        st.just(SoftBreak()),
        st.just(LineBreak()),
        st.builds(Code, text=CHARS),
    ]
    if not visible:
        leaf_kinds += [
            st.builds(Image, src=CHARS, media=st.sampled_from([None, MEDIA]), alt=CHARS, title=st.none() | CHARS),
            st.builds(Math, tex=CHARS, display=st.booleans()),
            st.builds(RawInline, html=st.sampled_from(RAW_TAGS)),
        ]
    leaves = st.one_of(leaf_kinds)

    def extend(inner: st.SearchStrategy[AnyInline]) -> st.SearchStrategy[AnyInline]:
        run = st.lists(inner, max_size=4).map(tuple)
        return st.one_of(
            st.builds(Emph, content=run),
            st.builds(Strong, content=run),
            st.builds(Strike, content=run),
            st.builds(
                Link, url=st.sampled_from(["https://x", "#a", "javascript:x"]), title=st.none() | CHARS, content=run
            ),
            st.builds(Cloze, number=st.integers(1, 3), content=run, hint=st.none() | CHARS),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def _blocks(visible: bool) -> st.SearchStrategy[AnyBlock]:
    runs = st.lists(_inlines(visible), max_size=5).map(tuple)
    cells = st.lists(
        st.builds(Cell, align=st.sampled_from([None, "left", "center", "right"]), content=runs), max_size=3
    )
    leaf_kinds: list[st.SearchStrategy[AnyBlock]] = [
        st.builds(Para, content=runs),
        st.builds(Heading, level=st.integers(1, 6), content=runs),
        st.builds(CodeBlock, code=CHARS, lang=st.sampled_from([None, "python", "nolang", 'x"y'])),
        st.just(Rule()),
        st.builds(Grid, header=cells.map(tuple), rows=st.lists(cells.map(tuple), max_size=2).map(tuple)),
    ]
    if not visible:
        leaf_kinds += [st.builds(MathBlock, tex=CHARS), st.builds(RawBlock, html=st.sampled_from(RAW_BLOCKS))]
    leaves = st.one_of(leaf_kinds)

    def extend(inner: st.SearchStrategy[AnyBlock]) -> st.SearchStrategy[AnyBlock]:
        blocks = st.lists(inner, max_size=3).map(tuple)
        items = st.lists(st.builds(ListItem, blocks=blocks), max_size=3).map(tuple)
        definition = st.builds(Definition, term=runs, definitions=st.lists(blocks, min_size=1, max_size=2).map(tuple))
        return st.one_of(
            st.builds(BulletList, tight=st.booleans(), items=items),
            st.builds(OrderedList, start=st.integers(0, 5), tight=st.booleans(), items=items),
            st.builds(Quote, blocks=blocks),
            st.builds(DefinitionList, items=st.lists(definition, min_size=1, max_size=2).map(tuple)),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def _texts(visible: bool) -> st.SearchStrategy[Text]:
    blocks = st.lists(_blocks(visible), max_size=4).map(tuple)
    return st.builds(Text, markdown=st.just(""), blocks=blocks, inline=st.booleans())


RANDOM = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RANDOM
@given(_texts(visible=False))
def test_random_trees_render_well_formed_html(text: Text) -> None:
    _check(HtmlRenderer().text(text))
    assert "\n\n" not in PlainRenderer(lines=True).text(text)


@RANDOM
@given(_texts(visible=True))
def test_plain_text_is_the_text_content_of_the_html(text: Text) -> None:
    """Without formulas, images and raw HTML, plain text is exactly the words a browser shows."""
    parsed = _check(HtmlRenderer().text(text))
    assert " ".join("".join(parsed.text).split()) == plain(text)


def test_a_raw_line_break_or_block_tag_keeps_the_words_either_side_apart() -> None:
    """``0BSD<br>disputed`` in a table cell (a real README): Anki shows two words, so must a hover."""
    words = (Str(text="0BSD"), RawInline(html="<br>"), Str(text="disputed"), RawInline(html="<div>"), Str(text="a"))
    inline = (RawInline(html="<b>"), Str(text="b"), RawInline(html="</b>"), Str(text="c"), RawInline(html="<br/>"))
    assert plain(Text(markdown="", blocks=(Para(content=words + inline),))) == "0BSD disputed abc"


# -- the single-tag sanitizer --------------------------------------------------------------------

TAG_CASES = {
    "<kbd>": "<kbd>",
    "</kbd>": "</kbd>",
    "<KBD>": "<kbd>",
    "</KBD >": "</kbd>",
    "<br/>": "<br>",
    "<br />": "<br>",
    "<kbd/>": "<kbd>",
    "</br>": None,
    "<!-- comment -->": None,
    "<!DOCTYPE html>": None,
    "<?php x ?>": None,
    "<![CDATA[x]]>": None,
    "<script>": None,
    "</script>": None,
    "<SCRIPT SRC=//evil.example/x.js>": None,
    "<style>": None,
    "<iframe src=x>": None,
    "<svg onload=alert(1)>": None,
    "<math>": None,
    "<details>": None,
    "<custom-tag>": None,
    "<kbd>x</kbd>": None,
    "<kbd": None,
    "text": None,
    "": None,
    '<span class="a" onclick="b">': '<span class="a">',
    "<span class=a title='x\"y'>": '<span class="a" title="x&quot;y">',
    "<span class>": '<span class="">',
    '<span class="a" class="b">': '<span class="a">',
    "<span style='color:red'>": "<span>",
    f'<img src="{MEDIA}" alt="d" width=10>': f'<img src="{MEDIA}" alt="d" width="10">',
    "<img src=x onerror=y>": "<img>",
    '<img src="images/pic.png">': "<img>",
    '<img src="https://evil.example/t.png">': "<img>",
    f'<img src="{MEDIA}/../x">': "<img>",
    '<a href="https://example.com" target="_blank">': f'<a href="https://example.com" {REL}>',
    '<a href="mailto:a@b.c">': f'<a href="mailto:a@b.c" {REL}>',
    '<a href="#sec">': f'<a href="#sec" {REL}>',
    '<a href="page.html">': f'<a href="page.html" {REL}>',
    '<a href="a&amp;b">': f'<a href="a&amp;b" {REL}>',
    "<a rel=opener>": f"<a {REL}>",
    '<td style="text-align: Center; color: red">': '<td style="text-align:center">',
    '<th style="color:red;text-align:right">': '<th style="text-align:right">',
    '<td style="text-align:expression(alert(1))">': "<td>",
    '<td colspan="2" onclick=x>': '<td colspan="2">',
    '<ol start="3">': '<ol start="3">',
}
HANDLERS = [
    "onclick", "ONCLICK", "OnMouseOver", "onerror", "onload", "onfocus", "onblur", "onanimationstart",
    "onpointerenter", "ontoggle", "onbegin", "onauxclick", "onwheel", "onbeforeprint", "oncopy", "onpaste",
]  # fmt: skip
HANDLER_FORMS = ['<span {h}="alert(1)">', "<span {h}=alert(1)>", "<span {h} = 'alert(1)'>", "<span/{h}=alert(1)>"]
HANDLER_FORMS += ['<img src="' + MEDIA + '" {h}="alert(1)">', "<a {h}=alert(1) href=https://x>", "<kbd\n{h}=alert(1)>"]
BAD_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java&#x09;script:alert(1)",
    "java&#10;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1)",
    "\x00javascript:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD4=",
    " data:image/svg+xml,x",
    "file:///etc/passwd",
    "ftp://x",
]


@pytest.mark.parametrize("tag", list(TAG_CASES))
def test_sanitize_tag(tag: str) -> None:
    assert sanitize_tag(tag) == TAG_CASES[tag]


@pytest.mark.parametrize("handler", HANDLERS)
@pytest.mark.parametrize("form", HANDLER_FORMS)
def test_sanitize_tag_drops_every_event_handler(handler: str, form: str) -> None:
    cleaned = sanitize_tag(form.format(h=handler))
    assert cleaned is not None
    assert "alert" not in cleaned and " on" not in cleaned.lower(), cleaned


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("quote", ['"', "'", ""])
def test_sanitize_tag_drops_script_and_data_urls(url: str, quote: str) -> None:
    if not quote and any(c in url for c in " \t\n>"):
        return  # unquoted values end at whitespace: a different tag
    for tag in (f"<a href={quote}{url}{quote}>", f"<img src={quote}{url}{quote}>"):
        cleaned = sanitize_tag(tag)
        assert cleaned is not None and "href" not in cleaned and "src" not in cleaned, cleaned


def test_url_allowed() -> None:
    assert url_allowed("https://x") and url_allowed("#a") and url_allowed("rel/path") and url_allowed("MAILTO:a@b")
    assert not url_allowed(" java\tscript:x") and not url_allowed("data:x") and not url_allowed("vbscript:x")


def test_single_tags_and_fragments_agree() -> None:
    for tag in ("<kbd>", '<span class="a" onclick="b">', '<a href="https://x" target=_blank>', f'<img src="{MEDIA}">'):
        cleaned = sanitize_tag(tag)
        assert cleaned is not None
        close = "" if cleaned.startswith("<img") else cleaned.split()[0].rstrip(">").replace("<", "</") + ">"
        assert sanitize(tag + "x" + close) == cleaned + "x" + close


def test_moved_helpers_still_work() -> None:
    assert unsafe_parts('<a href=" JaVaScript:x">') == ["javascript: URL"]
    assert unsafe_parts("<kbd>x</kbd>") == []
    assert html_depth("<div><p>a<br><b>b</b></p><img/></div>") == 3
    assert html_depth("</p></p><i>") == 1
    assert html_depth("<!-- <a><b><c> --><p>x</p>") == 1
    assert html_depth("<div>" * 250 + "</div>" * 250) == 250
