"""Printables: cheat sheet, study guide and flashcards, checked through their PDFs.

Each PDF is laid out once per session (fixtures below); the tests read text and
positions back with pypdf and inspect WeasyPrint's layout boxes.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, SOURCE, assert_snapshot
from pypdf import PdfReader

from compiler.backends import Options, cheatsheet, flashcards, guide, load
from compiler.backends.printing import build_date, iter_boxes, layout, pdf_bytes, plain
from compiler.frontend import load_course
from compiler.ir import Course, iter_sections, iter_tips

GOLDEN = Path(__file__).resolve().parent / "golden" / "printables"


@dataclass
class Built:
    """One course laid out into all three printables."""

    course: Course
    html: dict[str, str] = field(default_factory=dict)
    docs: dict[str, Any] = field(default_factory=dict)
    pdf: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def text(self, name: str) -> str:
        """Text of a PDF as pypdf extracts it."""
        reader = PdfReader(io.BytesIO(self.pdf[name]))
        return "\n".join(page.extract_text() for page in reader.pages)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


def _build(source: Path) -> Built:
    course, _ = load_course(source)
    assert course is not None
    built = Built(course)
    handler = _Collect()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("studyc.flashcards")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        options = Options(source_root=source)
        for name, module in (("cheatsheet", cheatsheet), ("guide", guide)):
            built.html[name] = module.render_html(course, options)
            built.docs[name] = layout(built.html[name])
        built.html["flashcards"], built.docs["flashcards"] = flashcards.render_document(course, options)
        for name, doc in built.docs.items():
            built.pdf[name] = pdf_bytes(doc)
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    built.warnings = handler.messages
    return built


@pytest.fixture(scope="session")
def sample() -> Built:
    return _build(SAMPLE)


@pytest.fixture(scope="session")
def shipped() -> Built:
    return _build(SOURCE)


def _squash(text: str) -> str:
    """Drop whitespace and hyphens so line breaks and hyphenation do not matter."""
    return re.sub(r"[\s\-\u00ad\u2010]+", "", text)


def _missing(needles: list[str], haystack: str) -> list[str]:
    squashed = _squash(haystack)
    return [n for n in needles if _squash(n) not in squashed]


def _titles_and_tips(course: Course) -> list[str]:
    return [s.title for _, s in iter_sections(course)] + [plain(t.text.html) for _, _, t in iter_tips(course)]


def _fronts(built: Built) -> list[str]:
    views = flashcards.card_views(built.course, flashcards.Formatter(flashcards.Images(built.course, SAMPLE)))
    return [plain(v.front) for v in views]


# --- text content -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cheatsheet", "guide"])
def test_sample_sections_and_tips_appear(sample: Built, name: str) -> None:
    assert _missing(_titles_and_tips(sample.course), sample.text(name)) == []


@pytest.mark.parametrize("name", ["cheatsheet", "guide"])
def test_shipped_sections_and_tips_appear(shipped: Built, name: str) -> None:
    needles = _titles_and_tips(shipped.course)
    assert len(needles) > 20
    assert _missing(needles, shipped.text(name)) == []


def test_every_card_front_is_printed(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):
        fronts = _fronts(built)
        assert fronts and _missing(fronts, built.text("flashcards")) == []


def test_cloze_prints_gap_on_front_and_answer_on_back(sample: Built) -> None:
    pages = PdfReader(io.BytesIO(sample.pdf["flashcards"])).pages
    front, back = (" ".join(pages[i].extract_text().split()) for i in (0, 1))
    assert "Records stay in a stream for [...] by default, up to [max]" in front
    assert "24 hours" not in front and "24 hours" in back and "7 days" in back


def test_guide_lists_covering_cards_beside_each_tip(sample: Built) -> None:
    html = sample.html["guide"]
    tip = html[html.index('id="tip-shard-facts"') :]
    tip = tip[: tip.index("</aside>")]
    assert [int(n) for n in re.findall(r'href="#card-(\d+)"', tip)] == [1, 2, 3]


def test_math_is_readable_text(sample: Built) -> None:
    for name in ("cheatsheet", "guide"):
        assert "\\(" not in sample.html[name]
        assert '<span class="math">x<sup>2</sup></span>' in sample.html[name]


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
        count = len(_fronts(built))
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
    for built in (sample, shipped):
        assert flashcards.overflowing(built.docs["flashcards"].pages) == {}


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
    assert len(shipped.docs["cheatsheet"].pages) <= 5


#: Warnings that say nothing about the layout, with the reason they are allowed.
EXPLAINED = (
    # Debian without libharfbuzz-subset0: WeasyPrint falls back to fontTools to subset fonts; same output, slower.
    "Using fontTools instead of HarfBuzz-Subset",
)


def test_no_unexplained_weasyprint_warnings(sample: Built, shipped: Built) -> None:
    unexplained = [w for w in sample.warnings + shipped.warnings if not any(e in w for e in EXPLAINED)]
    assert unexplained == []


def test_every_page_has_header_and_page_x_of_y(sample: Built, shipped: Built) -> None:
    for built in (sample, shipped):
        for name in ("cheatsheet", "guide"):
            pages = PdfReader(io.BytesIO(built.pdf[name])).pages
            for number, page in enumerate(pages, start=1):
                text = " ".join(page.extract_text().split())
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
        o.name: o.data for name in ("cheatsheet", "guide", "flashcards") for o in load(name)(sample.course, options)
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
