"""The Anki field renderer on hand-built trees: exact markup, and the encoding's invariants (no Anki needed)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st

from compiler.anki.render import (
    CLOZE_TEXT,
    FIELD,
    cloze_safe_attr,
    cloze_safe_html,
    cloze_safe_tex,
    cloze_safe_text,
    deletion_numbers,
    list_field,
)
from compiler.model import doc

ADVERSARIAL = st.text(alphabet="{}:\\()[]<>&\"' ci1$`\n", max_size=12)
SYNTAX = ("{{", "}}", "::")


def para(*inlines: doc.AnyInline) -> doc.Text:
    return doc.Text(markdown="", blocks=(doc.Para(content=inlines),))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def visible(fragment: str) -> str:
    reader = _Text()
    reader.feed(fragment)
    reader.close()
    return "".join(reader.out)


@given(st.lists(ADVERSARIAL, max_size=4))
@example(["c} "])  # only whitespace beyond a brace: the stripped item puts it next to "}}"
@example(["\n:c"])
def test_safe_fragments_never_form_cloze_syntax_together(parts: list[str]) -> None:
    joined = "".join(cloze_safe_text(p) for p in parts)
    assert not any(s in joined for s in SYNTAX)
    assert not any(d in joined for d in ("\\(", "\\)", "\\[", "\\]"))
    deletion = "{{c1::" + joined + "}}"
    assert (deletion.count("{{"), deletion.count("}}"), deletion.count("::")) == (1, 1, 1)
    hinted = "{{c1::x::" + joined + "}}"
    assert (hinted.count("{{"), hinted.count("}}"), hinted.count("::")) == (1, 1, 2)
    # a list item is stripped of its outer whitespace before it goes between "{{c1::" and "}}"
    item = "{{c1::" + joined.strip(" \t\n\r\f") + "}}"
    assert (item.count("{{"), item.find("}}"), item.find("::", 5)) == (1, len(item) - 2, -1)
    assert visible(joined) == "".join(parts)


@given(ADVERSARIAL)
def test_safe_attribute_values_hold_no_syntax_and_read_back(value: str) -> None:
    encoded = cloze_safe_attr(value)
    assert not any(ch in encoded for ch in '{}:\\"<')
    assert html.unescape(encoded) == value


@given(st.text(alphabet="{}:\\()[]<>&ab ", max_size=12))
def test_safe_tex_has_no_syntax_no_tags_and_only_adds_spaces_and_braces(tex: str) -> None:
    out = cloze_safe_tex(tex)
    assert not any(s in out for s in SYNTAX) and "<" not in out
    canon = "".join(html.unescape(out).split())
    for pair in ("\\(", "\\)", "\\[", "\\]"):
        canon = canon.replace("{" + pair + "}", pair)
    assert canon == "".join(tex.split())


def test_deletion_with_math_ending_in_braces() -> None:
    text = para(
        doc.Str(text="RMS "),
        doc.Cloze(number=1, content=(doc.Math(tex=r"\sqrt{\frac{2}{n}}", display=False),), hint=None),
    )
    assert CLOZE_TEXT.text(text) == '<p>RMS {{c1::<span class="math">\\(\\sqrt{\\frac{2}{n} } \\)</span>}}</p>'
    assert deletion_numbers(text) == (1,)


def test_code_and_hints_are_neutralised_in_cloze_fields() -> None:
    text = para(
        doc.Code(text="{{c1::x}}"),
        doc.Str(text=" "),
        doc.Cloze(number=2, content=(doc.Code(text="arn:aws:iam::aws:policy/x"),), hint="a::b}"),
    )
    assert CLOZE_TEXT.text(text) == (
        "<p><code>&#123;&#123;c1&#58;&#58;x&#125;&#125;</code> "
        "{{c2::<code>arn:aws:iam&#58;&#58;aws:policy/x</code>::a&#58;&#58;b&#125;}}</p>"
    )


def test_list_items_are_one_deletion_each() -> None:
    items = (para(doc.Code(text="arn:aws:iam::aws:policy/x")), para(doc.Str(text="}}")), para(doc.Str(text="{{ x }}")))
    assert list_field(para(doc.Str(text="Which?")), items, ordered=True) == (
        '<p>Which?</p><ol class="items"><li>{{c1::<code>arn:aws:iam&#58;&#58;aws:policy/x</code>}}</li>'
        "<li>{{c2::&#125;&#125;}}</li><li>{{c3::&#123;&#123; x &#125;&#125;}}</li></ol>"
    )


def test_basic_fields_keep_text_readable_but_keep_mathjax_out_of_it() -> None:
    text = para(doc.Str(text="{{ x }} a < b \\(no\\)"), doc.Math(tex="a<b", display=False))
    assert FIELD.text(text) == (
        '<p>{{ x }} a &lt; b &#92;<span></span>(no&#92;<span></span>)<span class="math">\\(a&lt;b\\)</span></p>'
    )


def test_tex_control_symbols_cannot_end_the_formula() -> None:
    assert FIELD.math(doc.Math(tex=r"a\)b\\", display=False)) == '<span class="math">\\(a{\\)}b\\\\\\)</span>'
    assert FIELD.math(doc.Math(tex="a\\", display=True)) == '<span class="math">\\[a\\ \\]</span>'


def test_raw_html_in_cloze_fields_is_reemitted_neutralised() -> None:
    assert cloze_safe_html('<a href="https://x/a::b" title="{{c1::t}}">x}}</a>') == (
        '<a href="https&#58;//x/a&#58;&#58;b" title="&#123;&#123;c1&#58;&#58;t&#125;&#125;">x&#125;&#125;</a>'
    )


def test_highlighted_code_is_neutralised_token_by_token() -> None:
    block = doc.Text(markdown="", blocks=(doc.CodeBlock(code="d = {'a': {'b': 1}}\n", lang="python"),))
    out = CLOZE_TEXT.text(block)
    assert out.startswith('<pre class="highlight"><code class="language-python">')
    assert not any(s in out for s in SYNTAX)
    assert visible(out) == "d = {'a': {'b': 1}}\n"
