"""Printables: cheat sheet, study guide and flashcards, checked through their PDFs.

Each PDF is laid out once per session (fixtures below; the shipped course's in conftest.py,
shared with the docs tests' build); the tests read text and positions back with pypdf and
inspect WeasyPrint's layout boxes.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE, SHIPPED_GROUP, SOURCE, assert_snapshot, studyc_here
from printables_helpers import Built, lay_out
from pypdf import PdfReader

from compiler.frontend import load_course
from compiler.model.backend import Options, load
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.doc import Cloze, Image, Math, MathBlock, Para, Str, Text, text_inlines, walk_blocks
from compiler.model.ir import Course, Prose, Span, iter_blocks, iter_cards, iter_sections, iter_tips
from compiler.print import cheatsheet, flashcards, guide
from compiler.print.common import build_date, iter_boxes, layout, pdf_bytes
from compiler.print.math import TexMathError, split_points, tex_svg
from compiler.print.render import Images, PrintRenderer, card_views, cloze_tex
from compiler.settings import DEFAULT_CHEATSHEET_PAGES
from compiler.text.plain import html_text, plain

GOLDEN = Path(__file__).resolve().parent / "golden" / "printables"


@pytest.fixture(scope="session")
def sample() -> Built:
    return lay_out(SAMPLE)


@pytest.fixture(scope="session")
def shipped(shipped_printables: Built) -> Built:
    """The shipped course's layout (conftest.py), whose pieces the docs tests' first build starts from."""
    return shipped_printables


def test_runs_in_its_xdist_group(request: pytest.FixtureRequest) -> None:
    """Under ``make test`` this file stays on one worker, so its shipped-course layouts are made once.

    The group must reach the test id xdist schedules by. It silently did not (pytest 9 with
    pytest-xdist 3.8, or conftest's marker added after xdist read the groups): both workers laid
    out the shipped course, 60 s, while every test passed. The docs tests share the group: their
    build of ``source/`` starts from this file's pieces.
    """
    if not getattr(request.config.option, "loadgroup", False):  # set by xdist in its workers
        pytest.skip("only under --dist loadgroup (make test)")
    assert request.node.nodeid.endswith(f"@{SHIPPED_GROUP}")


def _squash(text: str) -> str:
    """Drop whitespace and hyphens so line breaks and hyphenation do not matter."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def _missing(needles: list[str], haystack: str) -> list[str]:
    squashed = _squash(haystack)
    return [n for n in needles if _squash(n) not in squashed]


def _titles_and_tips(course: Course) -> list[str]:
    return [s.title for _, s in iter_sections(course)] + [plain(t.text) for _, _, t in iter_tips(course)]


def _fronts(built: Built, source: Path = SAMPLE) -> list[str]:
    """The text of every printed front (formulas are SVG, so they have none)."""
    views = card_views(built.course, PrintRenderer(Images(built.course, source), Diagnostics()))
    return [" ".join(html_text(v.front)) for v in views]


# --- text content -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cheatsheet", "guide"])
def test_sample_sections_and_tips_appear(sample: Built, name: str) -> None:
    assert _missing(_titles_and_tips(sample.course), sample.text(name)) == []


# the shipped cheat sheet runs over its page budget, which leaves sections out: the whole one has them all
@pytest.mark.parametrize("name", ["cheatsheet-whole", "guide"])
def test_shipped_sections_and_tips_appear(shipped: Built, name: str) -> None:
    needles = _titles_and_tips(shipped.course)
    assert len(needles) > 20
    assert _missing(needles, shipped.text(name)) == []


def test_every_card_front_is_printed(sample: Built, shipped: Built) -> None:
    for built, source in ((sample, SAMPLE), (shipped, SOURCE)):
        fronts = _fronts(built, source)
        assert fronts and _missing(fronts, built.text("flashcards")) == []


def test_cloze_prints_gap_on_front_and_answer_on_back(sample: Built) -> None:
    pages = sample.pages("flashcards")
    front, back = (" ".join(pages[i].split()) for i in (0, 1))
    assert "Records stay in a stream for [...] by default, up to [max]" in front
    assert "24 hours" not in front and "24 hours" in back and "7 days" in back


def test_guide_lists_covering_cards_beside_each_tip(sample: Built) -> None:
    html = sample.html["guide"]
    tip = html[html.index('id="tip-shard-facts"') :]
    tip = tip[: tip.index("</aside>")]
    assert [int(n) for n in re.findall(r'href="#card-(\d+)"', tip)] == [1, 2, 3]


def test_sample_math_is_typeset(sample: Built) -> None:
    for name in ("cheatsheet", "guide"):
        assert "\\(" not in sample.html[name]
        assert '<span class="math math-inline" role="img" aria-label="x^2"><svg ' in sample.html[name]


# --- layout -------------------------------------------------------------------------------


def _label_cells(pdf: bytes, grid: flashcards.Grid) -> list[dict[int, tuple[int, int]]]:
    """Per page: card number → (row, col) of the cell its "#n" label sits in."""
    mm = 25.4 / 72
    pages: list[dict[int, tuple[int, int]]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        runs: list[tuple[str, list[float], list[float]]] = []
        page.extract_text(visitor_text=lambda text, cm, tm, *_, runs=runs: runs.append((text, cm, tm)))
        height = float(page.mediabox.height)
        found: dict[int, tuple[int, int]] = {}
        for text, cm, tm in runs:
            if match := re.fullmatch(r"#(\d+)", text.strip()):
                x = (cm[0] * tm[4] + cm[2] * tm[5] + cm[4]) * mm
                y = (height - (cm[1] * tm[4] + cm[3] * tm[5] + cm[5])) * mm
                row = math.floor((y - grid.margin_y) / grid.cell_height)
                found[int(match.group(1))] = (row, math.floor((x - grid.margin_x) / grid.cell_width))
        pages.append(found)
    return pages


def test_flashcards_pair_fronts_with_mirrored_backs(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):
        grid = flashcards.grid_for(built.course.paper)
        count = sum(1 for _ in iter_cards(built.course))
        pages = _label_cells(built.pdf["flashcards"], grid)
        assert len(pages) == 2 * math.ceil(count / grid.per_sheet)
        fronts = {n: (i, cell) for i, page in enumerate(pages[0::2]) for n, cell in page.items()}
        backs = {n: (i, cell) for i, page in enumerate(pages[1::2]) for n, cell in page.items()}
        assert sorted(fronts) == sorted(backs) == list(range(1, count + 1))
        for n in range(1, count + 1):
            sheet, (row, col) = fronts[n]
            assert 0 <= row < grid.rows and 0 <= col < grid.cols
            assert (sheet, (row, grid.cols - 1 - col)) == backs[n], f"card #{n}"
            assert (sheet, (row, col)) == (
                divmod(n - 1, grid.per_sheet)[0],
                divmod((n - 1) % grid.per_sheet, grid.cols),
            )


def test_flashcard_text_fits_its_cell(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):  # every piece measured its cells; an overflow would be a diagnostic
        assert [d.format() for d in built.diags.items if d.code is Code.PRINT_OVERFLOW] == []


def test_long_answer_shrinks_until_it_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "course.md").write_text("---\ntitle: T\nexam: E\ndeck: D\nslug: t\npaper: letter\n---\n")
    answer = " ".join(f"Fact number {i} is stated at some length here." for i in range(25))
    (tmp_path / "01-a.md").write_text(f"---\ntitle: A\n---\n## S\n\nQ: Short?\n\nA: {answer}\n")
    course, _ = load_course(tmp_path)
    assert course is not None
    monkeypatch.setattr(flashcards, "_FIRST_GUESS", (10_000,) * 7)  # start every cell at the largest size
    html, doc = flashcards.render_document(course, Options(source_root=tmp_path))
    assert flashcards.overflowing(doc.pages) == {}
    sizes = [float(s) for s in re.findall(r'data-side="back" style="font-size: ([\d.]+)pt"', html)]
    assert sizes and sizes[0] < flashcards.FONT_SIZES[0]
    assert 'data-side="front" style="font-size: 13.0pt"' in html


def _overruns(doc: Any) -> list[str]:
    """Tables, images and text runs wider than the box that holds them."""
    bad = []
    for page in doc.pages:
        for box in iter_boxes(page._page_box):
            for child in getattr(box, "children", ()):
                kind = type(child).__name__
                if kind not in {"TableWrapperBox", "TableBox", "TextBox", "InlineReplacedBox", "BlockReplacedBox"}:
                    continue
                right = box.content_box_x() + box.width
                if child.position_x + child.margin_width() > right + 0.5:
                    bad.append(f"{kind} {getattr(child, 'text', '')[:40]!r}")
    return bad


def test_cheatsheet_nothing_runs_past_its_column(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):
        assert _overruns(built.docs["cheatsheet"]) == []


def test_cheatsheet_is_a_few_pages(shipped: Built) -> None:
    assert len(shipped.docs["cheatsheet"].pages) <= 6  # the whole course, without a budget


def test_shipped_cheatsheet_fills_its_budget_as_the_readme_says(shipped: Built) -> None:
    diags = Diagnostics()  # the pages come from the fixture's pieces: the same sheet, not laid out again
    _, laid, _ = cheatsheet.sheet(shipped.course, Options(source_root=SOURCE, cache_dir=shipped.cache), diags)
    pages = sum(piece.pages for piece in laid)
    assert pages == DEFAULT_CHEATSHEET_PAGES
    assert f"({pages} A4 pages" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert [d.code for d in diags.items] in ([], [Code.PRINT_LEFT_OUT])


#: Warnings that say nothing about the layout, with the reason they are allowed.
EXPLAINED = (
    # Debian without libharfbuzz-subset0: WeasyPrint falls back to fontTools to subset fonts; same output, slower.
    "Using fontTools instead of HarfBuzz-Subset",
)


def test_no_unexplained_weasyprint_warnings_or_diagnostics(sample: Built, shipped: Built) -> None:
    unexplained = [w for w in sample.warnings + shipped.warnings if not any(e in w for e in EXPLAINED)]
    assert unexplained == []
    # the shipped cheat sheet leaves cards out to fit its pages: information, not a problem
    problems = [d.format() for d in sample.diags.items + shipped.diags.items if d.severity != "info"]
    assert problems == []
    assert [d.code for d in shipped.diags.items if d.severity == "info"] in ([], [Code.PRINT_LEFT_OUT])


def test_every_page_has_header_and_page_x_of_y(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):
        for name in ("cheatsheet", "guide"):
            pages = built.pages(name)
            for number, page in enumerate(pages, start=1):
                text = " ".join(page.split())
                assert f"Page {number} of {len(pages)}" in text, (name, number)
                if name == "cheatsheet" or number > 1:  # the guide's cover page has the title in large type instead
                    assert built.course.title in text, (name, number)


def test_cheatsheet_shows_domain_weights(sample: Built) -> None:
    text = " ".join(sample.text("cheatsheet").split())
    assert "Data Engineering 40 %" in text and "Modeling 60 %" in text


def test_guide_pdf_has_bookmarks_for_chapters_and_sections(shipped: Built) -> None:
    reader = PdfReader(io.BytesIO(shipped.pdf["guide"]))

    def titles(items: list[Any]) -> list[str]:
        out: list[str] = []
        for item in items:
            out.extend(titles(item) if isinstance(item, list) else [item.title])
        return out

    marks = titles(reader.outline)
    assert [c.title for c in shipped.course.chapters] == [
        t for t in marks if t in {c.title for c in shipped.course.chapters}
    ]
    assert all(s.title in marks for _, s in iter_sections(shipped.course))
    assert "Contents" in marks


# --- outputs, files and reproducibility ---------------------------------------------------


def test_guide_html_is_self_contained(sample: Built) -> None:
    html = sample.html["guide"]
    assert "<style>" in html and ".highlight" in html
    assert re.findall(r"<img\b[^>]*>", html) and all(
        'src="data:image/png;base64,' in t for t in re.findall(r"<img\b[^>]*>", html)
    )
    assert not re.search(r"""(?:src|srcset|poster|data)\s*=\s*["']?(?!data:)[a-z]+:""", html, re.IGNORECASE)
    assert not re.search(r"<link\b|<script\b|@import|url\(\s*['\"]?(?!data:)", html, re.IGNORECASE)


def test_render_is_reproducible_and_dated_from_content(sample: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    options = Options(source_root=SAMPLE)
    outputs = {
        o.name: o.data
        for name in ("cheatsheet", "guide", "flashcards")
        for o in load(name)(sample.course, options, Diagnostics())
    }
    names = ["cheatsheet.html", "cheatsheet.pdf", "flashcards.pdf", "guide.html", "guide.pdf"]
    assert sorted(outputs) == [f"sample-{n}" for n in names]
    for name in ("cheatsheet", "guide", "flashcards"):
        assert outputs[f"sample-{name}.pdf"] == sample.pdf[name], name
    created = PdfReader(io.BytesIO(sample.pdf["guide"])).metadata
    assert created is not None and created.creation_date is not None
    assert created.creation_date.strftime("%Y-%m-%dT%H:%M:%SZ") == build_date(sample.course)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_date(sample.course) == "2023-11-14T22:13:20Z"


def test_paper_option_overrides_course(sample: Built) -> None:
    assert sample.course.paper == "a4"
    a4 = PdfReader(io.BytesIO(sample.pdf["cheatsheet"])).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    html = cheatsheet.render_html(sample.course, Options(source_root=SAMPLE, paper="letter"))
    letter = PdfReader(io.BytesIO(pdf_bytes(layout(html)))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


@pytest.mark.parametrize("name", ["guide", "cheatsheet", "flashcards"])
def test_sample_html_golden(sample: Built, name: str) -> None:
    assert_snapshot(GOLDEN / f"sample-{name}.html", sample.html[name])


# --- math, cloze gaps and images from the text tree ---------------------------------------

MATH_CHAPTER = r"""---
title: Metrics
---
## Classification

Precision is $\frac{TP}{TP+FP}$; set $\text{num\_samples}$ and leave room: $a \qquad b$.

$$
F_1 = \frac{2 \cdot P \cdot R}{P + R}
$$

| Metric | Formula |
|---|---|
| MSE | $\frac{1}{n}\sum_{i=1}^{n}(y_i-\hat{y}_i)^2$ |
| Broken | $\frac{1}{$ |

![Pipeline](images/pipeline.png)

Q: What is the F1 score of precision $P$ and recall $R$?

A: Their harmonic mean:

$$F_1 = 2\,\frac{P R}{P + R}$$

Q: How do you compute accuracy?

A: With `accuracy_score`:

```python
acc = accuracy_score(y_true, y_pred)
```

C: Softmax turns logits into {{c1::probabilities::what}} with
$\operatorname{softmax}(z)_i = {{c2::\frac{e^{z_i}}{\sum_j e^{z_j}}}}$.

Q: What does $\unknowncmd{x}$ mean?

A: Nothing; the command does not exist.
"""


@pytest.fixture(scope="module")
def mathy(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("mathy")
    (root / "course.md").write_text("---\ntitle: Math\nexam: E\nslug: math\n---\nAbout $\\sigma(z)$.\n")
    (root / "images").mkdir()
    (root / "images" / "pipeline.png").write_bytes((SAMPLE / "images" / "pipeline.png").read_bytes())
    (root / "01-metrics.md").write_text(MATH_CHAPTER)
    return lay_out(root)


def _formulas(course: Course) -> list[str]:
    """The TeX of every formula in the course, blocks and inlines, in reading order."""
    texts: list[Text] = [course.description] if course.description else []
    for _, _, block in iter_blocks(course):
        texts.extend(t for t in (getattr(block, "text", None),) if isinstance(t, Text))
        texts.extend(c for row in getattr(block, "rows", ()) for c in row)
        texts.extend(getattr(block, f) for f in ("front", "back") if isinstance(getattr(block, f, None), Text))
    found = [b.tex for t in texts for b in walk_blocks(t.blocks) if isinstance(b, MathBlock)]
    return found + [n.tex for t in texts for n in text_inlines(t) if isinstance(n, Math)]


def test_math_is_typeset_not_printed_as_tex(mathy: Built) -> None:
    formulas = _formulas(mathy.course)
    assert len(formulas) == 12
    guide_html = mathy.html["guide"]
    typeset = guide_html.count('<span class="math math-inline"') + guide_html.count('<span class="math math-display"')
    assert typeset == len(formulas) - 2  # the two broken ones print as source
    assert guide_html.count('<code class="math-fallback') == 2
    for name in ("cheatsheet", "guide", "flashcards"):
        text = mathy.text(name)
        assert "qquad" not in text and "\\text" not in text and "num\\_" not in text, name
        assert "\\frac{1}{" in text or name == "flashcards", name  # the broken cell shows its source


def test_bad_tex_is_a_warning_at_its_line(mathy: Built) -> None:
    found = sorted({d.format() for d in mathy.diags.items if d.code is Code.MATH_INVALID})
    assert found == [
        "01-metrics.md:12:1: warning: cannot typeset the formula `\\frac{1}{` for print: unexpected end of formula"
        " (missing argument or brace?); the PDFs show its TeX source [math.invalid]",
        "01-metrics.md:36:1: warning: cannot typeset the formula `\\unknowncmd{x}` for print: unknown command"
        " \\unknowncmd; the PDFs show its TeX source [math.invalid]",
    ]
    # each backend reports a formula once per place, however often it prints the text
    diags = Diagnostics()
    guide.render_html(mathy.course, Options(source_root=mathy.source), diags)
    assert sorted(d.format() for d in diags.items) == found


def test_cloze_front_shows_gaps_also_inside_math(mathy: Built) -> None:
    views = card_views(mathy.course, PrintRenderer(Images(mathy.course, mathy.source), Diagnostics()))
    cloze = next(v for v in views if v.card.kind == "cloze")
    assert '<span class="gap">[what]</span>' in cloze.front and "probabilities" not in cloze.front
    assert '<mark class="cloze">probabilities</mark>' in cloze.back
    assert "e^{z_i}" not in cloze.front and "[...]" in cloze.front  # the aria-label of the formula's gap
    assert "e^{z_i}" in cloze.back


def test_images_become_data_uris(mathy: Built) -> None:
    for name in ("cheatsheet", "guide"):
        tags = [t for t in mathy.html[name].split("<img ")[1:]]
        assert tags and all(t.startswith('src="data:image/png;base64,') for t in tags), name


def test_code_block_in_an_answer_is_highlighted(mathy: Built) -> None:
    assert '<pre class="highlight"><code class="language-python">' in mathy.html["guide"]


def test_math_svg_is_the_same_in_every_process() -> None:
    script = (
        "import hashlib; from compiler.print.math import tex_svg; "
        "print(hashlib.sha256(''.join(tex_svg(t, display=d) for t in "
        + repr(GOOD_TEX)
        + " for d in (False, True)).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": seed}
        ).stdout.strip()
        for seed in ("0", "1")
    }
    here = hashlib.sha256("".join(tex_svg(t, display=d) for t in GOOD_TEX for d in (False, True)).encode())
    assert digests == {here.hexdigest()}


# --- the renderer on hand-built trees (no layout) -------------------------------------------

SPAN = Span(path="01-a.md", line=7, end_line=7)
GOOD_TEX = [
    r"\sqrt{\frac{2}{n}}", r"a \qquad b", r"\text{num\_samples}", r"\sum_{i=1}^{n} x_i^2", r"\hat{y}",
    r"\mathbb{R}", r"\operatorname{softmax}(z)", r"5\%", r"\log(1+e^{-x})", r"\left( \frac{a}{b} \right)",
    r"\begin{cases} 1 & x>0 \\ 0 & \text{else}\end{cases}", r"\text{a<b \& c}",
    r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
]  # fmt: skip
BAD_TEX = [r"\frac{", r"\unknowncmd{x}", "}}{{", "", "   ", "x^", r"\left( x", r"\begin{cases} x", "a&b", "x" * 3000]


def _renderer(diags: Diagnostics | None = None) -> PrintRenderer:
    course = _minimal_course()
    return PrintRenderer(Images(course, SAMPLE), diags or Diagnostics())


def _minimal_course() -> Course:
    course, _ = load_course(SAMPLE)
    assert course is not None
    return course


def _para(*inlines: Any) -> Text:
    return Text(markdown="", blocks=(Para(content=tuple(inlines)),))


@pytest.mark.parametrize("tex", GOOD_TEX)
def test_good_tex_is_one_svg_without_ids(tex: str) -> None:
    for display in (False, True):
        out = tex_svg(tex, display=display)
        assert out.count("<svg") == 1 and " id=" not in out and "<use" not in out
        assert out.startswith(f'<span class="math math-{"display" if display else "inline"}"')
        assert ("vertical-align:" in out) is not display


@pytest.mark.parametrize("tex", BAD_TEX)
def test_bad_tex_raises(tex: str) -> None:
    with pytest.raises(TexMathError):
        tex_svg(tex, display=False)


def test_long_inline_formula_is_cut_to_wrap() -> None:
    tex = r"\mathcal{L} = -\frac{1}{N}\sum_{i=1}^{N} y_i \log \hat{y}_i + (1-y_i)\log(1-\hat{y}_i) + \lambda w"
    assert tex_svg(tex, display=False).count("<svg") > 2
    assert split_points("a = b + c") == ["a ={}", "b +{}", "c"]
    assert split_points(r"f(a + b)") == []


def test_renderer_math_fallback_reports_once_at_the_span() -> None:
    diags = Diagnostics()
    fmt = _renderer(diags)
    text = _para(Str(text="x "), Math(tex=r"\frac{", display=False))
    first, second = fmt.html(text, SPAN), fmt.html(text, SPAN)
    assert first == second == '<p>x <code class="math-fallback math-inline">\\frac{</code></p>'
    assert [(d.code, d.path, d.line, d.severity) for d in diags.items] == [(Code.MATH_INVALID, "01-a.md", 7, "warning")]


def test_renderer_cloze_gap_and_answer() -> None:
    fmt = _renderer()
    text = _para(Str(text="Up to "), Cloze(number=1, content=(Str(text="7 days"),), hint=None), Str(text=" or "),
                 Cloze(number=2, content=(Str(text="365"),), hint="max"))  # fmt: skip
    front = fmt.html(text, SPAN, cloze="front")
    assert front == '<p>Up to <span class="gap">[...]</span> or <span class="gap">[max]</span></p>'
    assert fmt.html(text, SPAN, cloze="back") == (
        '<p>Up to <mark class="cloze">7 days</mark> or <mark class="cloze">365</mark></p>'
    )
    assert cloze_tex(r"a = {{c1::\frac{1}{2}::half}}", gaps=True) == r"a = {\color{#0b63c4}{\textbf{[half]}}}"
    assert cloze_tex(r"a = {{c1::\frac{1}{2}}}", gaps=False) == r"a = {\color{#0b4f9c}{\frac{1}{2}}}"


def test_renderer_images() -> None:
    course = _minimal_course()
    media = course.assets[0].media_name
    fmt = PrintRenderer(Images(course, SAMPLE), Diagnostics())
    local = fmt.html(_para(Image(src="images/pipeline.png", media=media, alt="A <b>", title=None)), SPAN)
    assert local.startswith('<p><img src="data:image/png;base64,') and local.endswith('alt="A &lt;b&gt;"></p>')
    remote = fmt.html(_para(Image(src="https://x.test/a.png", media=None, alt="R", title=None)), SPAN)
    assert remote == '<p><a class="remote-image" href="https://x.test/a.png">[image: R]</a></p>'
    missing = fmt.html(_para(Image(src="nope.png", media=None, alt="M", title=None)), SPAN)
    assert missing == '<p><span class="missing-image">[image: M]</span></p>'


def test_cheatsheet_leaves_out_plain_paragraphs_only() -> None:
    def prose(*blocks: Any) -> Prose:
        return Prose(span=SPAN, text=Text(markdown="", blocks=blocks))

    assert cheatsheet.is_paragraphs(prose(Para(content=(Str(text="Words."),))))
    assert not cheatsheet.is_paragraphs(prose(Para(content=(Math(tex="x", display=False),))))
    assert not cheatsheet.is_paragraphs(prose(Para(content=(Image(src="a", media=None, alt="", title=None),))))
    assert not cheatsheet.is_paragraphs(prose(MathBlock(tex="x")))


def test_flashcard_that_cannot_fit_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "course.md").write_text("---\ntitle: T\nexam: E\nslug: t\n---\n")
    answer = " ".join(f"Fact number {i} is stated at some length here." for i in range(400))
    (tmp_path / "01-a.md").write_text(f"---\ntitle: A\n---\n## S\n\nQ: Short?\n\nA: {answer}\n")
    course, _ = load_course(tmp_path)
    assert course is not None
    diags = Diagnostics()
    flashcards.render(course, Options(source_root=tmp_path), diags)
    assert [(d.code, d.path, d.line, d.severity) for d in diags.items] == [
        (Code.PRINT_OVERFLOW, "01-a.md", 6, "warning")
    ]


def test_emoji_print_in_colour_not_as_empty_boxes(tmp_path: Path) -> None:
    """Notes use emoji (✅ ❌ in tables, a heading's 🚀); the PDF must draw them, not a missing-glyph box.

    Without an emoji font Pango draws a box outline in the text colour: no green, no red.
    """
    from PIL import Image

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "course.md").write_text((SAMPLE / "course.md").read_text(encoding="utf-8"), encoding="utf-8")
    table = "| Check | Result |\n|---|---|\n| passed | ✅ |\n| failed | ❌ |\n"
    chapter = f"---\ntitle: Checks\n---\n\n## Results 🚀\n\n{table}"
    (notes / "01-checks.md").write_text(chapter, encoding="utf-8")
    out = tmp_path / "out"
    proc = studyc_here("build", str(notes), "-o", str(out), "--format", "guide", "--no-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(out / "sample-guide.pdf"), str(tmp_path / "page")], check=True)
    green = red = 0
    for page in sorted(tmp_path.glob("page-*.png")):
        rgb = Image.open(page).convert("RGB").tobytes()
        for r, g, b in zip(rgb[0::3], rgb[1::3], rgb[2::3], strict=True):
            green += g > 150 and r < 140 and b < 140
            red += r > 180 and g < 110 and b < 110
    assert green > 15 and red > 15, (green, red)
