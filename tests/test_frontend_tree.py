"""Markdown → the typed text tree (``compiler.frontend.tree``), checked against markdown-it's own HTML.

markdown-it renders its tokens to HTML itself; the tree, rendered by ``HtmlRenderer`` in markdown-it's
spelling (no highlighting, ``<hr />``, no ``rel``), must give the same HTML. That oracle does not know
our tree, so it checks every block and inline kind the tree builds (list tightness, ordered starts,
table alignment, definition lists, code languages) on text nobody wrote for the tree. What markdown-it
renders differently on purpose (images, media, raw HTML, clozes, math) is checked outright below.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.frontend import FileResult, parse_file, tree
from compiler.frontend.markdown import make_parser
from compiler.model import doc
from compiler.model.diagnostics import Code
from compiler.settings import Limits
from compiler.text.html import HtmlRenderer
from compiler.text.sanitize import html_depth, sanitize

HEAD = "---\ntitle: A\n---\n"  # three lines: the body starts on line 4


class MarkdownItSpelling(HtmlRenderer):
    """``HtmlRenderer`` writing the few things markdown-it spells differently its way."""

    def code_block(self, node: doc.CodeBlock) -> str:
        lang = f' class="language-{self.attr_escape(node.lang)}"' if node.lang else ""
        return f"<pre><code{lang}>{self.text_escape(node.code)}</code></pre>\n"

    def rule(self, node: doc.Rule) -> str:
        return "<hr />\n"

    def line_break(self, node: doc.LineBreak) -> str:
        return "<br />\n"

    def link(self, node: doc.Link) -> str:
        title = f' title="{self.attr_escape(node.title)}"' if node.title else ""
        return f'<a href="{self.attr_escape(node.url)}"{title}>{self.inlines(node.content)}</a>'


def parse(body: str, root: Path = Path("."), limits: Limits | None = None) -> FileResult:
    return parse_file(root, "01-a.md", HEAD + body, limits or Limits())


def prose_blocks(body: str, root: Path = Path(".")) -> tuple[doc.AnyBlock, ...]:
    """The tree of every prose block of a file without headings or cards, in order."""
    result = parse(body, root)
    assert all(b.kind == "prose" for b in result.blocks) and not result.sections
    return tuple(node for b in result.blocks for node in b.text.blocks)


def para(body: str, root: Path = Path(".")) -> tuple[doc.AnyInline, ...]:
    """The inlines of a file that is one paragraph."""
    [block] = prose_blocks(body, root)
    assert isinstance(block, doc.Para)
    return block.content


def assert_as_markdown_it(body: str) -> None:
    result = parse(body)
    assert not result.diagnostics, [d.format() for d in result.diagnostics]
    ours = "".join(MarkdownItSpelling().blocks(b.text.blocks) for b in result.blocks)
    # markdown-it also escapes '"' in text; the tree keeps it as a character
    assert ours == make_parser().render(body).replace("&quot;", '"')


# -- the oracle: the same HTML as markdown-it --------------------------------------------------

CORPUS = {
    "lists": "- a\n- b\n\n1. one\n2. two\n\n7) seven\n8) eight\n",
    "loose": "- a\n\n- b\n\n3. x\n\n4. y\n",
    "loose inside tight": "- a\n  - b\n\n  - c\n- d\n",
    "tight inside loose": "- a\n\n  - b\n  - c\n\n- d\n",
    "item with two paragraphs": "1. first\n\n   second\n2. next\n",
    "nested ordered start": "- a\n\n  5. five\n  6. six\n",
    "grid": "> | left | center | right | none |\n> |:--|:-:|--:|---|\n> | 1 | *2* | 3 | 4 |\n> | 5 | 6 | 7 | 8 |\n",
    "grid in a list": "- item\n\n  | a | b |\n  |---|--:|\n  | 1 | 2 |\n",
    "grid without body": "> | a | b |\n> |---|---|\n",
    "code": "```python extra words\nx < y\n```\n\n```\nplain\n```\n\n    indented\n    code\n",
    "quote": "> # Title\n>\n> ### Small *title*\n>\n> text\n>\n> ---\n>\n> > inner\n",
    "inlines": 'A *b* **c** ~~d~~ `e` [f](http://x.org "T") [g](https://y.org) and h  \ni\\\nj\nk &amp; &lt;\n',
    "nested emphasis": "*a **b ~~c~~ b** a* and ***d***\n",
    "links": "[**bold** link](mailto:a@b.org) [rel](docs/x.md) <https://auto.org>\n",
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_tree_renders_as_markdown_it_does(name: str) -> None:
    assert_as_markdown_it(CORPUS[name])


WORDS = st.sampled_from(["alpha", "beta", "gamma", "delta", "x1", "y2"])


@st.composite
def _inline(draw: st.DrawFn) -> str:
    word = draw(WORDS)
    wrap = draw(st.sampled_from(["{}", "*{}*", "**{}**", "~~{}~~", "`{}`", "[{}](http://e.org/{})", "*a **{}** b*"]))
    return wrap.format(word, word)


@st.composite
def _paragraph(draw: st.DrawFn) -> str:
    runs = draw(st.lists(_inline(), min_size=1, max_size=4))
    breaks = draw(st.lists(st.sampled_from([" ", "\n", "  \n", "\\\n"]), min_size=len(runs), max_size=len(runs)))
    return "".join(r + b for r, b in zip(runs, breaks, strict=True)).rstrip(" \\\n") + "\n"


def _indent(text: str, prefix: str) -> str:
    return "".join(prefix + line if line.strip() else "\n" for line in text.splitlines(keepends=True))


@st.composite
def _list(draw: st.DrawFn, depth: int) -> str:
    ordered = draw(st.booleans())
    start = draw(st.integers(0, 12))
    loose = draw(st.booleans())
    out = []
    for i in range(draw(st.integers(1, 3))):
        marker = f"{start + i}." if ordered else "-"
        item = draw(_blocks(depth + 1))
        pad = " " * (len(marker) + 1)
        first, _, rest = item.partition("\n")
        out.append(f"{marker} {first}\n" + _indent(rest, pad))
    return ("\n" if loose else "").join(out)


@st.composite
def _grid(draw: st.DrawFn) -> str:
    cols = draw(st.integers(1, 3))
    aligns = draw(st.lists(st.sampled_from(["---", ":--", ":-:", "--:"]), min_size=cols, max_size=cols))
    rows = draw(st.integers(0, 2))
    cells = [[draw(_inline()) for _ in range(cols)] for _ in range(rows + 1)]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join(aligns) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    return "\n".join(lines) + "\n"


@st.composite
def _blocks(draw: st.DrawFn, depth: int = 0) -> str:
    """A few blocks, nested at most two levels (inside lists and quotes, where the tree builds them)."""
    kinds = ["para", "code"] + (["list", "quote", "grid", "rule", "heading"] if depth < 2 else [])
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        if kind == "para":
            parts.append(draw(_paragraph()))
        elif kind == "code":
            lang = draw(st.sampled_from(["", "python", "sql"]))
            parts.append(f"```{lang}\n{draw(WORDS)} < {draw(WORDS)}\n```\n")
        elif kind == "list":
            parts.append(draw(_list(depth)))
        elif kind == "quote":
            parts.append(_indent(draw(_blocks(depth + 1)), "> ").replace("\n\n", "\n>\n"))
        elif kind == "grid":
            parts.append(draw(_grid()))
        elif kind == "rule":
            parts.append("***\n")
        else:
            parts.append(f"{'#' * draw(st.integers(1, 6))} {draw(_inline())}\n")
    return "\n".join(parts)


@settings(max_examples=60, deadline=None)
@given(_blocks(depth=1).map(lambda text: _indent(text, "> ").replace("\n\n", "\n>\n")))
def test_any_nesting_renders_as_markdown_it_does(body: str) -> None:
    # inside a quote, headings, rules and tables are part of the text (at the top they are sections,
    # card breaks and tables of their own)
    assert_as_markdown_it(body)


# -- what markdown-it renders differently on purpose: stated outright -----------------------------


def test_list_and_grid_fields() -> None:
    lst, quote = prose_blocks("3. a\n\n4. b\n\n> | h | i |\n> |:-:|---|\n> | 1 | 2 |\n> | 3 | 4 |\n")
    assert isinstance(lst, doc.OrderedList) and (lst.start, lst.tight, len(lst.items)) == (3, False, 2)
    assert isinstance(quote, doc.Quote)
    [grid] = quote.blocks
    assert isinstance(grid, doc.Grid)
    assert [(c.align, c.content) for c in grid.header] == [
        ("center", (doc.Str(text="h"),)),
        (None, (doc.Str(text="i"),)),
    ]
    assert [[c.content[0].text for c in row] for row in grid.rows] == [["1", "2"], ["3", "4"]]  # type: ignore[union-attr]
    assert [c.align for row in grid.rows for c in row] == ["center", None, "center", None]


def test_code_blocks_keep_the_first_word_of_the_info_as_language() -> None:
    fenced, bare, indented = prose_blocks("```sql  extra\nSELECT 1\n```\n\n```\nx\n```\n\n    y\n")
    assert fenced == doc.CodeBlock(code="SELECT 1\n", lang="sql")
    assert bare == doc.CodeBlock(code="x\n", lang=None)
    assert indented == doc.CodeBlock(code="y\n", lang=None)


def test_images_and_media_carry_their_file_alt_title_and_label(tmp_path: Path) -> None:
    (tmp_path / "pic one.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    (tmp_path / "clip.mp3").write_bytes(b"ID3fake")
    (tmp_path / "film.mp4").write_bytes(b"fake")
    body = '![an *alt* `x`](pic%20one.png "The title") ![](clip.mp3) ![Film](film.mp4) ![](pic%20one.png)\n'
    result = parse(body, tmp_path)
    assert not result.diagnostics
    [prose] = result.blocks
    nodes = [n for n in prose.text.blocks[0].content if not isinstance(n, doc.Str)]
    media = {a.source_path: a.media_name for a in result.assets}
    assert nodes == [
        doc.Image(src="pic one.png", media=media["pic one.png"], alt="an alt x", title="The title"),
        doc.Media(src="clip.mp3", media=media["clip.mp3"], medium="audio", label="clip.mp3"),
        doc.Media(src="film.mp4", media=media["film.mp4"], medium="video", label="Film"),
        doc.Image(src="pic one.png", media=media["pic one.png"], alt="", title=None),
    ]
    assert media["pic one.png"].startswith("studyc-") and media["pic one.png"].endswith(".png")


def test_a_missing_image_is_reported_at_the_line_of_its_own_block(tmp_path: Path) -> None:
    # one answer of three blocks: the image is in the third, on line 11
    body = "Q: Where?\n\nA: First.\n\n- a list\n- of two\n\nThird ![x](gone.png) here.\n"
    result = parse("\n\n" + body, tmp_path)
    assert [(d.code, d.line) for d in result.diagnostics] == [(Code.IMAGE_MISSING, 13)]
    [card] = result.blocks
    back = card.back.blocks  # type: ignore[union-attr]
    assert isinstance(back[2], doc.Para)
    assert back[2].content[1] == doc.Image(src="gone.png", media=None, alt="x", title=None)


def test_raw_html_is_kept_sanitized_and_script_content_goes_with_its_tags() -> None:
    raw, kept = prose_blocks('<div class="box" onclick="x()">raw <b>bold</b></div>\n\n<p>para</p>\n')
    assert raw == doc.RawBlock(html='<div class="box">raw <b>bold</b></div>')
    assert kept == doc.RawBlock(html="<p>para</p>")
    assert prose_blocks("<script>alert(1)</script>\n") == ()  # nothing left: no block at all
    inlines = para("a <b>b</b> <script>*x* <i>y</i></script> *z* <span>open\n")
    assert inlines == (
        doc.Str(text="a "),
        doc.RawInline(html="<b>"),
        doc.Str(text="b"),
        doc.RawInline(html="</b>"),
        doc.Str(text="  "),
        doc.Emph(content=(doc.Str(text="z"),)),
        doc.Str(text=" "),
        doc.RawInline(html="<span>"),
        doc.Str(text="open"),
        doc.RawInline(html="</span>"),  # balanced: every tag the tree holds is closed
    )


def test_a_link_with_a_scheme_outside_the_allow_list_keeps_only_its_text() -> None:
    inlines = para('[ftp *site*](ftp://files.org "T") and [ok](https://a.org "Title")\n')
    assert inlines == (
        doc.Str(text="ftp "),
        doc.Emph(content=(doc.Str(text="site"),)),
        doc.Str(text=" and "),
        doc.Link(url="https://a.org", title="Title", content=(doc.Str(text="ok"),)),
    )


def test_math_inline_and_display() -> None:
    assert para("a $x^2$ b \\(y\\) c\n") == (
        doc.Str(text="a "),
        doc.Math(tex="x^2", display=False),
        doc.Str(text=" b "),
        doc.Math(tex="y", display=False),
        doc.Str(text=" c"),
    )
    assert prose_blocks("$$\na+b\n$$\n\n\\[\nc\n\\]\n") == (doc.MathBlock(tex="\na+b\n"), doc.MathBlock(tex="\nc\n"))


def test_clozes_are_nodes_only_in_a_cloze_card() -> None:
    result = parse(
        "C: The {{c2::*answer*::a hint}} and {{c1::other}} {{c2::again}}.\n\n---\n\nText {{c1::stays}} literal.\n"
    )
    card, prose = result.blocks
    inlines = card.text.blocks[0].content  # type: ignore[union-attr]
    assert inlines[:4] == (
        doc.Str(text="The "),
        doc.Cloze(number=2, content=(doc.Emph(content=(doc.Str(text="answer"),)),), hint="a hint"),
        doc.Str(text=" and "),
        doc.Cloze(number=1, content=(doc.Str(text="other"),), hint=None),
    )
    assert card.deletions == (1, 2)  # type: ignore[union-attr]
    assert prose.text.blocks == (doc.Para(content=(doc.Str(text="Text {{c1::stays}} literal."),)),)
    assert [(d.code, d.line) for d in result.diagnostics] == [(Code.CLOZE_STRAY, 8)]


@pytest.mark.parametrize(("number", "ok"), [("0", False), ("1", True), ("999", True), ("1000", False), ("007", True)])
def test_cloze_numbers_from_1_to_999(number: str, ok: bool) -> None:
    result = parse(f"C: A {{{{c{number}::gap}}}} here.\n")
    if ok:
        [card] = result.blocks
        assert card.deletions == (int(number),) and not result.diagnostics  # type: ignore[union-attr]
        assert card.text.blocks[0].content[1] == doc.Cloze(
            number=int(number), content=(doc.Str(text="gap"),), hint=None
        )  # type: ignore[union-attr]
    else:
        assert result.blocks == []
        assert [(d.code, d.line, d.message) for d in result.diagnostics] == [
            (Code.CLOZE_BAD_NUMBER, 4, f"cloze number c{number} is not between c1 and c999")
        ]


def test_a_bad_cloze_number_in_prose_is_literal_text() -> None:
    assert para("No {{c0::zero}} here.\n") == (doc.Str(text="No {{c0::zero}} here."),)


def test_definition_lists_keep_every_term_and_definition_in_order() -> None:
    [quote] = prose_blocks("> Term\n> : one\n> : two\n>\n> Other *term*\n>\n> : loose one\n>\n>   more\n")
    assert isinstance(quote, doc.Quote)
    [dl] = quote.blocks
    assert dl == doc.DefinitionList(
        items=(
            doc.Definition(
                term=(doc.Str(text="Term"),),
                definitions=((doc.Para(content=(doc.Str(text="one"),)),), (doc.Para(content=(doc.Str(text="two"),)),)),
            ),
            doc.Definition(
                term=(doc.Str(text="Other "), doc.Emph(content=(doc.Str(text="term"),))),
                definitions=(
                    (doc.Para(content=(doc.Str(text="loose one"),)), doc.Para(content=(doc.Str(text="more"),))),
                ),
            ),
        )
    )


def test_entities_and_escapes_become_plain_characters() -> None:
    assert para("a &amp; b &copy; \\*c\\* &#65;\n") == (doc.Str(text="a & b © *c* A"),)


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        ("plain\n", 1),
        ("*a*\n", 2),
        ("*a **b** a*\n", 3),
        ("<b><i>x</i></b>\n", 3),
        ("<b>x</b><i>y</i>\n", 2),  # siblings, not nested
        ("*<b>x</b>*\n", 3),
        ("> q\n", 1),
        ("> > > q\n", 3),
        ("- a\n", 2),
        ("- a\n  - b\n", 4),
        ("> - *a*\n", 3),
        ("Term\n: d\n", 2),
        ("Term\n: - a\n", 4),
        ("| a |\n|---|\n| *x* |\n", 2),
        ("<div><div><div>x</div></div></div>\n", 3),
        ("<b><br><i>x</i></b>\n", 3),  # a void tag opens nothing
        ("<b>x</b><i><u><s>y</s></u></i>\n", 4),  # a closed tag no longer counts
        ("- ::: x\n  - a\n  :::\n", 5),  # a container inside a list nests too
    ],
)
def test_how_deep_a_text_nests(body: str, depth: int) -> None:
    # block nesting (quotes, lists, definitions) and inline nesting (emphasis, raw tags) are
    # counted apart; the deeper one is what the file.too-deep check compares with its limit
    ctx = tree.TreeContext()
    tree.blocks(make_parser().parse(body), ctx)
    assert ctx.depth == depth


def test_depth_limit_is_exact() -> None:
    limits = Limits(max_nesting=4)  # limit: 8 levels
    ok = parse("<b>" * 7 + "x" + "</b>" * 7 + "\n", limits=limits)
    deep = parse("<b>" * 8 + "x" + "</b>" * 8 + "\n", limits=limits)
    assert not ok.diagnostics
    assert [(d.code, d.line, d.message) for d in deep.diagnostics] == [
        (Code.FILE_TOO_DEEP, 4, "HTML nests deeper than 8 levels (raw HTML tags or runs of '*'/'_'); flatten it")
    ]


def test_plain_renderer_text_matches_the_source_words() -> None:
    # the tree keeps every word in order; markdown-it's text rendering is the reference
    body = "A *b* **c** `d` [e](http://x.org) f\n"
    [block] = prose_blocks(body)
    assert html.unescape(MarkdownItSpelling().block(block)) == html.unescape(make_parser().render(body))


def test_without_a_resolver_images_stay_unresolved() -> None:
    ctx = tree.TreeContext()  # the default: no resolver, as for text lowered outside a course
    blocks = tree.blocks(make_parser().parse("![alt](a.png) ![s](b.mp3)\n"), ctx)
    assert blocks == (
        doc.Para(
            content=(
                doc.Image(src="a.png", media=None, alt="alt", title=None),
                doc.Str(text=" "),
                doc.Media(src="b.mp3", media=None, medium="audio", label="s"),
            )
        ),
    )


def test_a_closer_whose_opener_went_with_a_script_is_dropped_too() -> None:
    assert para("x <script>*a</script> b*\n") == (doc.Str(text="x  b"),)


def test_a_directive_inside_a_list_keeps_its_content() -> None:
    [lst] = prose_blocks("- ::: extra\n  inside *it*\n  :::\n")
    inside = doc.Para(content=(doc.Str(text="inside "), doc.Emph(content=(doc.Str(text="it"),))))
    assert lst == doc.BulletList(tight=True, items=(doc.ListItem(blocks=(inside,)),))


def test_media_in_a_folder_is_labelled_with_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "clip.ogg").write_bytes(b"OggS")
    [media] = para("![](sounds/clip.ogg)\n", tmp_path)
    assert isinstance(media, doc.Media)
    assert (media.src, media.label, media.medium) == ("sounds/clip.ogg", "clip.ogg", "audio")


def test_an_inline_token_alone_is_kept_as_a_paragraph() -> None:
    tokens = make_parser().parse("a *b*\n")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    para_ = doc.Para(content=(doc.Str(text="a "), doc.Emph(content=(doc.Str(text="b"),))))
    assert tree.blocks(tokens[1:2], tree.TreeContext()) == (para_,)  # a slice without its paragraph


def test_emphasis_split_by_a_dropped_script_keeps_the_rest_of_the_paragraph() -> None:
    # the closer's opener went with the script: the closer goes too, and what follows stays
    assert para("x <script>*a</script> b* c\n") == (doc.Str(text="x  b c"),)
    # an opener whose closer went with the script: the emphasis runs to the end, nothing is lost
    assert para("*a <script>**b</script> c** d*\n") == (doc.Emph(content=(doc.Str(text="a  c d"),)),)
    assert para("*a <script>b* c</script> d\n") == (doc.Emph(content=(doc.Str(text="a  d"),)),)


def test_anki_sound_syntax_is_media() -> None:
    ctx = tree.TreeContext()
    assert tree.blocks(make_parser().parse("[sound:clip.mp3]\n"), ctx) == (
        doc.Para(content=(doc.Media(src="clip.mp3", media=None, medium="audio", label="clip.mp3"),)),
    )


# -- raw inline HTML and depth, against nh3 and the rendered HTML --------------------------------

RAW_INLINE = [
    "x <script>a <script> b</script> c\n",  # a script's content is text: the inner <script> opens nothing
    "x <style>a <style> b</style> c\n",
    "x <noscript>a <noscript> b</noscript> c\n",
    "x <iframe>a <iframe> b</iframe> c\n",
    "x <script>a <style> b</style> c</script> d\n",
    "x <object>a <object> b</object> c</object> d\n",  # an object may hold an object: both go
    "x <template>a <template> b</template> c</template> d\n",
    "x <object>a <object>b <object>c</object> d</object> e</object> f\n",  # and that one another
    "x <object>a <script>b</script> c</object> d\n",
    "*a <script>b</script> c* d\n",
    "<b>x <script>y</script></b> <i>z</i>\n",
    "x <!-- c --> y <br> z\n",
]


@pytest.mark.parametrize("body", RAW_INLINE)
def test_raw_inline_html_keeps_what_nh3_keeps_of_markdown_its_html(body: str) -> None:
    ours = "".join(MarkdownItSpelling().blocks(prose_blocks(body)))
    assert ours == sanitize(make_parser().render(body))


_TAGS = ["b", "i", "span", "script", "style", "noscript", "iframe", "object", "template"]


@st.composite
def _raw_html(draw: st.DrawFn, depth: int = 0) -> str:
    """Words and well-formed raw tags, any nesting (what nh3 parses the way the tree reads it)."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            parts.append(f"<{tag}>{draw(_raw_html(depth + 1))}</{tag}>")
        else:
            parts.append(draw(st.sampled_from(["a", "b c", " ", "<br>", "<!-- n -->"])))
    return "".join(parts)


@settings(max_examples=60, deadline=None)
@given(_raw_html())
def test_any_nesting_of_raw_tags_keeps_what_nh3_keeps(raw: str) -> None:
    body = f"x {raw} y\n"
    ours = "".join(MarkdownItSpelling().blocks(prose_blocks(body)))
    assert ours == sanitize(make_parser().render(body))


@pytest.mark.parametrize(
    "body",
    [
        "plain\n",
        "*a **b** a*\n",
        "*<b>x</b>*\n",
        "<b>x</b><i><u><s>y</s></u></i>\n",
        # an emphasis whose closer went with a script's content is closed at the end
        "*a <script>b* c</script> d\n",
        "*a <b>x <script>y* z</script> w\n",
        "**a *b <i>c <script>d* e** f</script> g\n",
    ],
)
def test_inline_depth_is_how_deep_the_rendered_html_nests(body: str) -> None:
    ctx = tree.TreeContext()
    [block] = tree.blocks(make_parser().parse(body), ctx)
    assert isinstance(block, doc.Para)
    assert ctx.depth == 1 + html_depth(MarkdownItSpelling().inlines(block.content))  # 1: the text itself
