"""The cheat sheet laid out page by page (compiler/print/cheatsheet.py), each page cached, then joined.

The budget cuts what stays into pages by estimated height; each page is a document of
its own. What must hold, whatever the notes: every kept fact is printed exactly once,
in course order; a heading that goes on over a page break is printed again and marked
"continued", but bookmarked once; "Page x of y" is right; an edit lays out only the
pages it changed, and gives the bytes of a build without a cache.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from compiler.build.pipeline import check
from compiler.model.backend import Options
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import BasicCard, Course, Section
from compiler.print import budget, cheatsheet, common, pieces
from compiler.print.common import build_date

# -- paginate, on generated items ----------------------------------------------------------------


@st.composite
def _items(draw: st.DrawFn) -> list[budget.Item]:
    found = []
    for order in range(draw(st.integers(0, 40))):
        chapter = f"c{draw(st.integers(0, 2))}"
        heads = [(chapter, budget.CHAPTER_HEAD)]
        if draw(st.booleans()):
            heads.append((f"{chapter}/s{draw(st.integers(0, 3))}", budget.BOX_HEAD))
        height = draw(st.floats(0.5, 300.0))
        found.append(budget.Item(order, None, budget.REST, height, tuple(heads)))  # type: ignore[arg-type]
    return found


@given(_items(), st.floats(20.0, 400.0), st.floats(20.0, 400.0))
def test_paginate_keeps_every_item_once_in_order_within_each_pages_room(
    found: list[budget.Item], first: float, rest: float
) -> None:
    def room(index: int) -> float:
        return first if index == 0 else rest

    pages = budget.paginate(found, room)
    assert [item for page in pages for item in page] == found
    assert all(pages[1:])  # no empty page after the first
    for index, page in enumerate(pages):
        heads = {key: size for item in page for key, size in item.heads}
        cost = sum(item.height for item in page) + sum(heads.values())
        # a page runs over its room only when it holds a single item that is too big on its own
        assert cost <= room(index) + 1e-9 or len(page) == 1
        if index + 1 < len(pages):  # the next page's first item did not fit here
            nxt = pages[index + 1][0]
            extra = sum(size for key, size in nxt.heads if key not in heads)
            assert cost + nxt.height + extra > room(index)


# -- the real sheet ------------------------------------------------------------------------------


def _write_course(root: Path, sections: int = 4, cards: int = 16) -> None:
    root.mkdir(parents=True)
    (root / "course.md").write_text("---\ntitle: Sheet\nexam: Sheet exam\ndeck: Sheet\nslug: sheet\n---\nA course.\n")
    for c in (1, 2):
        lines = ["---", f"title: Chapter {c}", "---", ""]
        for s in range(1, sections + 1):
            lines += [f"## Topic {c}.{s}", ""]
            for n in range(1, cards + 1):
                lines += [
                    f"Q: Which setting of part {n} decides how topic {c}.{s} behaves under load, "
                    "and why does it matter?",
                    "",
                    f"A: fact{c}x{s}x{n} because the default is a poor fit here.",
                    "",
                ]
        (root / f"0{c}-chapter.md").write_text("\n".join(lines), encoding="utf-8")


def _course(root: Path) -> Course:
    course = check(root).course
    assert course is not None
    return course


def _facts(course: Course) -> list[str]:
    found = []
    for chapter in course.chapters:
        for section in chapter.sections:
            found += [_fact(block) for block in section.blocks if isinstance(block, BasicCard)]
    return found


def _fact(card: BasicCard) -> str:
    match = re.search(r"fact\d+x\d+x\d+", card.model_dump_json())
    assert match is not None
    return match.group(0)


def _outline(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(getattr(item, "title", "")))

    walk(list(reader.outline))
    return titles


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Course, Course, PdfReader, Path]:
    """A course that takes several pages at the default budget, its sheet laid out with a cache."""
    root = tmp_path_factory.mktemp("sheet") / "notes"
    _write_course(root)
    course = _course(root)
    cache = root.parent / "cache"
    chosen, laid, overlay = cheatsheet.sheet(course, Options(source_root=root, cache_dir=cache), Diagnostics())
    assert 3 <= len(laid) <= 4  # several pages, within the default budget of 4
    assert [piece.pages for piece in laid] == [1] * len(laid)  # no page ran over in the end
    reader = PdfReader(io.BytesIO(pieces.join(laid, build_date(course), overlay.pdf)))
    return course, chosen, reader, root


def test_every_kept_fact_is_printed_once_in_course_order(sheet: tuple[Course, Course, PdfReader, Path]) -> None:
    course, chosen, reader, _ = sheet
    printed = re.findall(r"fact\d+x\d+x\d+", " ".join(page.extract_text() for page in reader.pages))
    kept = _facts(chosen)
    assert printed == kept
    assert 0 < len(kept) <= len(_facts(course))


def test_a_section_going_on_over_a_page_break_is_marked_continued_and_bookmarked_once(
    sheet: tuple[Course, Course, PdfReader, Path],
) -> None:
    _, chosen, reader, _ = sheet
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    sections: list[Section] = [s for chapter in chosen.chapters for s in chapter.sections]
    continued = 0
    for index, text in enumerate(texts[1:], start=1):
        first_fact = re.search(r"fact(\d+)x(\d+)x(\d+)", text)
        assert first_fact is not None
        c, s, n = (int(g) for g in first_fact.groups())
        # the headings the page's first fact needs, begun on an earlier page, are marked
        marked = [f"fact{c}x" in texts[index - 1], n > 1 and f"fact{c}x{s}x{n - 1}" in texts[index - 1]]
        assert f"Chapter {c}" in text and f"Topic {c}.{s}" in text, index
        assert text.count("continued") == sum(marked), index
        continued += marked[1]
    assert continued >= 1  # the course is written so that some section runs over a page
    titles = _outline(reader)
    assert sorted(titles) == sorted({*titles})  # no heading bookmarked twice
    assert [t for t in titles if t.startswith("Topic")] == [s.title for s in sections]
    assert "Sheet" in texts[0] and "Sheet exam · cheat sheet" in texts[0]
    assert all("cheat sheet" not in t.replace("Cheat sheet", "") for t in texts[1:])  # the title block: page 1


def test_page_x_of_y_on_every_page(sheet: tuple[Course, Course, PdfReader, Path]) -> None:
    _, _, reader, _ = sheet
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {len(reader.pages)}" in page.extract_text()


def test_an_edit_lays_out_only_its_page_and_equals_a_build_without_cache(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    _write_course(root, sections=3, cards=10)  # two pages
    cache = tmp_path / "cache"
    # pages enough for the whole course: with less, a changed height can change what the budget keeps
    options = Options(source_root=root, cache_dir=cache, cheatsheet_pages=8)
    cheatsheet.sheet(_course(root), options, Diagnostics())
    before = {p.name for p in (cache / "pieces" / "cheatsheet").glob("*.pdf")}

    path = root / "02-chapter.md"  # the last chapter: its pages are the last ones
    path.write_text(path.read_text().replace("A: fact2x3x10 because", "A: fact2x3x10 since"))
    course = _course(root)
    _, laid, overlay = cheatsheet.sheet(course, options, Diagnostics())
    assert len(laid) >= 2
    after = {p.name for p in (cache / "pieces" / "cheatsheet").glob("*.pdf")}
    # laid out again: only the page with the edit (once per attempt, when a page ran over its estimate)
    new = after - before
    assert new and after & before
    for name in new:
        text = " ".join(page.extract_text() for page in PdfReader(cache / "pieces" / "cheatsheet" / name).pages)
        assert "fact2x3x10 since" in " ".join(text.split()), name

    _, cold, cold_overlay = cheatsheet.sheet(course, replace(options, cache_dir=None), Diagnostics())
    date = build_date(course)
    assert pieces.join(laid, date, overlay.pdf) == pieces.join(cold, date, cold_overlay.pdf)


# -- the last page: filled when nearly full, else balanced ---------------------------------------


def _columns(html: str) -> list[float]:
    """The bottom of each column's content on a one-page layout of ``html`` (CSS px)."""
    document = common.layout(html)
    assert len(document.pages) == 1
    boxes = [box for box in common.iter_boxes(document.pages[0]._page_box) if getattr(box, "is_column", False)]
    return [max((c.position_y + c.margin_height() for c in box.children), default=0.0) for box in boxes]


def _last_page(monkeypatch: pytest.MonkeyPatch, options: Options, course: Course) -> tuple[list[str], bytes]:
    """The HTML of every layout the sheet's last page gets (in the attempt that was kept), and the joined sheet."""
    laid_out: list[str] = []
    real_if, real_html = cheatsheet.lay_out_if, cheatsheet.lay_out_html
    monkeypatch.setattr(cheatsheet, "lay_out_if", lambda html, accept: laid_out.append(html) or real_if(html, accept))
    monkeypatch.setattr(cheatsheet, "lay_out_html", lambda html: laid_out.append(html) or real_html(html))
    attempts: list[list[cheatsheet.PageDoc]] = []

    def lay(docs: list[cheatsheet.PageDoc]) -> list[pieces.Piece]:
        attempts.append(docs)
        return [cheatsheet.lay_out_page(html, balanced) for html, balanced in docs]

    _, laid = cheatsheet.paginated(course, options, Diagnostics(), lay)
    laid_out.clear()
    assert cheatsheet.lay_out_page(*attempts[-1][-1]) == laid[-1]
    overlay = pieces.lay_out_html(pieces.overlay_html("", len(laid)))
    return list(laid_out), pieces.join(laid, build_date(course), overlay.pdf)


def test_a_nearly_full_last_page_fills_its_columns_in_one_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "notes"
    _write_course(root)
    options = Options(source_root=root, cheatsheet_pages=1)  # the budget cuts: its one page is full
    last, _ = _last_page(monkeypatch, options, _course(root))
    assert len(last) == 1 and 'class="columns fill"' in last[0]  # one layout, column after column
    bottoms = _columns(last[0])
    assert len(bottoms) == budget.COLUMNS and min(bottoms) > 0  # its content reaches the third column


def test_a_short_last_page_is_balanced_and_a_fill_that_falls_short_gives_the_same_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "notes"
    _write_course(root, sections=2, cards=5)  # a third of a page
    options = Options(source_root=root)
    course = _course(root)
    last, balanced_pdf = _last_page(monkeypatch, options, course)
    assert len(last) == 1 and 'class="columns"' in last[0]
    bottoms = _columns(last[0])
    assert len(bottoms) == budget.COLUMNS and max(bottoms) - min(bottoms) < 0.35 * max(bottoms)  # balanced
    # tried filled first (as if nearly full), it does not reach its third column: balanced after all
    monkeypatch.setattr(cheatsheet, "_NEARLY_FULL", 0.0)
    tried, pdf = _last_page(monkeypatch, options, course)
    assert len(tried) == 2 and 'class="columns fill"' in tried[0] and tried[1] == last[0]
    assert len([b for b in _columns(tried[0]) if b > 0]) < budget.COLUMNS
    assert pdf == balanced_pdf


def _three_columns(main: str, after: str = "") -> bool:
    style = "@page { size: 120mm 60mm; margin: 5mm } main { column-count: 3; column-fill: auto }"
    more = f'<div style="break-before: page">{after}</div>' if after else ""
    return cheatsheet.reaches_last_column(common.layout(f"<style>{style}</style><main>{main}</main>{more}"))


def test_reaches_last_column_reads_the_laid_out_columns() -> None:
    assert not _three_columns("<p>short</p>" * 3)
    assert _three_columns("<p>line</p>" * 40)
    assert not _three_columns("<p>line</p>" * 7)  # two columns of five
    # a page that ran over is kept as it is: balancing would not fit more
    assert _three_columns("<p>short</p>", after="next page")
