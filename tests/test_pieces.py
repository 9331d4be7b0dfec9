"""Incremental PDFs (compiler/print/pieces.py): laid out in pieces, cached, joined.

The oracle for the joined study guide is WeasyPrint laying out the whole guide
as one document, as studyc did before: the same pages, bookmarks on the same
pages, contents links landing where the heading is, and "Page x of y" on every
page. The incremental build is held to a cold ``--no-cache`` build of the same
final notes, byte for byte.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import studyc_here
from pypdf import PdfReader

from compiler.build import pdf_worker
from compiler.build.pipeline import check
from compiler.model.backend import Options
from compiler.model.diagnostics import Diagnostics
from compiler.print import flashcards, guide, pieces
from compiler.print.common import layout

FORMATS = "guide,flashcards,cheatsheet,mock-exam"
PDFS = ("guide", "flashcards", "cheatsheet", "mock-exam")


def write_course(root: Path, chapters: int = 3, sections: int = 2, cards: int = 10) -> None:
    """A course with several chapters (guide pieces) and more cards than one flashcard piece holds.

    The last chapter's sections also cover a tip of the first, so the guide links across pieces.
    """
    root.mkdir(parents=True)
    (root / "course.md").write_text(
        "---\ntitle: Pieces\nexam: Piece exam\ndeck: Pieces\nslug: pieces\n---\nA course.\n"
    )
    for c in range(1, chapters + 1):
        lines = ["---", f"title: Chapter {c}", "---", f"Chapter {c} is about topic {c}.", ""]
        for s in range(1, sections + 1):
            covers = f"t{c}-{s}" + (" t1-1" if c == chapters else "")
            lines += [f'{{covers="{covers}"}}', f"## Section {c}.{s}", ""]
            for n in range(1, cards + 1):
                lines += [
                    f"Q: What is fact {n} of section {c}.{s}?",
                    "",
                    f"A: Fact {n} of {c}.{s} is value {n * c * s}.",
                    "",
                ]
        lines += ["## Exam tips", ""]
        for s in range(1, sections + 1):
            lines += [f"{{#t{c}-{s}}}", "> [!TIP]", f"> Know the facts of section {c}.{s}.", ""]
        (root / f"0{c}-chapter.md").write_text("\n".join(lines), encoding="utf-8")


def _pdf(out: Path, name: str) -> bytes:
    return (out / f"pieces-{name}.pdf").read_bytes()


@pytest.fixture
def studyc(monkeypatch: pytest.MonkeyPatch) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``studyc ARGS`` in this process (``studyc_here``), each run with its PDF worker as a CLI's first build.

    The pieces, their cache and the joins are what these tests are about, not the process: in this
    process a build skips the second of start-up and WeasyPrint's import, which the worker forked
    from here inherits.
    """

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(pdf_worker, "_used", False)  # a process's later builds render without one
        return studyc_here(*args)

    return run


def _pieces(out: Path, document: str) -> set[str]:
    return {p.name for p in (out / ".cache" / "pieces" / document).glob("*.pdf")}


def test_incremental_build_equals_cold_build_and_lays_out_only_what_changed(
    tmp_path: Path, studyc: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    write_course(notes, cards=7)  # 42 cards
    first = studyc("build", str(notes), "-o", str(out), "--format", FORMATS)
    assert first.returncode == 0, first.stderr
    before = {doc: _pieces(out, doc) for doc in ("guide-chapters", "flashcards")}
    per_piece = 8 * flashcards.PIECE_BATCHES  # 8 cells a sheet on A4
    assert len(before["guide-chapters"]) == 3 and len(before["flashcards"]) == -(-42 // per_piece)

    chapter = notes / "02-chapter.md"
    chapter.write_text(chapter.read_text().replace("A: Fact 3 of 2.1 is value 6.", "A: Fact 3 of 2.1 is value 7."))
    second = studyc("build", str(notes), "-o", str(out), "--format", FORMATS)
    assert second.returncode == 0, second.stderr
    after = {doc: _pieces(out, doc) for doc in ("guide-chapters", "flashcards")}
    # one chapter and one flashcard piece (the one that holds card 17) were laid out again
    assert len(after["guide-chapters"] - before["guide-chapters"]) == 1
    assert len(before["guide-chapters"] & after["guide-chapters"]) == 2
    assert len(after["flashcards"] - before["flashcards"]) == 1

    cold_notes, cold_out = tmp_path / "cold-notes", tmp_path / "cold-out"
    shutil.copytree(notes, cold_notes)
    cold = studyc("build", str(cold_notes), "-o", str(cold_out), "--format", FORMATS, "--no-cache")
    assert cold.returncode == 0, cold.stderr
    assert not (cold_out / ".cache").exists()
    for name in PDFS:
        assert _pdf(out, name) == _pdf(cold_out, name), name
    assert "value 7" in _text(_pdf(out, "flashcards"))


def test_a_damaged_piece_is_laid_out_again(
    tmp_path: Path, studyc: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    notes, out = tmp_path / "notes", tmp_path / "out"
    write_course(notes, chapters=2, cards=4)
    assert studyc("build", str(notes), "-o", str(out), "--format", "guide").returncode == 0
    good = _pdf(out, "guide")
    for piece in (out / ".cache" / "pieces" / "guide-chapters").glob("*.pdf"):
        piece.write_bytes(piece.read_bytes()[:100])
    (out / "pieces-guide.pdf").unlink()
    assert studyc("build", str(notes), "-o", str(out), "--format", "guide").returncode == 0
    assert _pdf(out, "guide") == good


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _outline(reader: PdfReader, items: list[Any] | None = None, level: int = 1) -> list[tuple[int, str, int]]:
    found: list[tuple[int, str, int]] = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += _outline(reader, item, level + 1)
        else:
            found.append((level, str(item.title), reader.get_destination_page_number(item)))
    return found


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory) -> tuple[PdfReader, Any]:
    """The pieced guide of a generated course, and WeasyPrint's one-document layout of the same guide."""
    root = tmp_path_factory.mktemp("joined") / "notes"
    write_course(root, chapters=3, sections=3, cards=5)
    course = check(root).course
    assert course is not None
    options = Options(source_root=root)
    parts, overlay = guide.render_pieces(course, options, Diagnostics())
    reader = PdfReader(io.BytesIO(pieces.join(parts, "2024-01-02T03:04:05Z", overlay.pdf)))
    return reader, layout(guide.render_html(course, options))


def test_joined_guide_has_the_pages_and_bookmarks_of_one_layout(joined: tuple[PdfReader, Any]) -> None:
    reader, whole = joined
    assert len(reader.pages) == len(whole.pages) > 4
    expected = [(level, label, page) for page, p in enumerate(whole.pages) for level, label, *_ in p.bookmarks]
    assert _outline(reader) == expected
    assert reader.metadata is not None and reader.metadata["/CreationDate"] == "D:20240102030405Z"


def test_joined_guide_numbers_every_page_and_its_contents(joined: tuple[PdfReader, Any]) -> None:
    reader, whole = joined
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in page.extract_text()
    anchor_page = {name: i for i, p in enumerate(whole.pages) for name in p.anchors}
    contents = reader.pages[1].extract_text()  # the cover is page 1
    for level, label, page in _outline(reader):
        if label.startswith("Chapter") and level == 1:
            # the contents line of the chapter ends with its page number
            line = next(line for line in contents.splitlines() if line.startswith(label))
            assert line.rstrip().endswith(str(page + 1)), line
    # every link, within a piece or across pieces, lands on the page of its target
    dests = reader.named_destinations
    links: list[tuple[int, str]] = []
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            target = str(annot.get_object()["/Dest"])
            assert reader.get_destination_page_number(dests[target]) == anchor_page[target], target
            links.append((index, target))
    assert len(links) > 20
    # chapter 1's tip t1-1 lists the chapter 3 cards that cover it: links into another piece
    starts = {label: page for level, label, page in _outline(reader) if level == 1}
    crossing = [t for i, t in links if i < starts["Chapter 2"] and anchor_page[t] >= starts["Chapter 3"]]
    assert len(crossing) >= 8


def test_a_process_warms_up_once_before_it_forks_layout_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its forks start with the fonts loaded (0.6 s of CPU each otherwise): it warms up before the first."""
    warmed: list[bool] = []
    real = pieces.warm_up

    def warm_up() -> None:
        warmed.append(True)
        real()

    monkeypatch.setattr(pieces, "_warm", False)
    monkeypatch.setattr(pieces, "warm_up", warm_up)
    monkeypatch.setattr(pieces, "cores", lambda: 2)
    assert pieces.can_fork()

    def job() -> pieces.Piece:  # runs in a forked process
        return pieces.Piece(b"", 1, data={"warm": pieces._warm, "parent": os.getppid()})

    for _ in range(2):
        assert [p.data for p in pieces.lay_out([job, job])] == [{"warm": True, "parent": os.getpid()}] * 2
    assert warmed == [True]


def test_flashcard_pieces_hold_whole_sheet_pairs(tmp_path: Path) -> None:
    write_course(tmp_path / "n", chapters=2, cards=13)  # 52 cards, 8 cells a sheet: the last sheet holds 4
    course = check(tmp_path / "n").course
    assert course is not None
    parts = flashcards.render_pieces(course, Options(source_root=tmp_path / "n"), Diagnostics())
    pairs = 2 * flashcards.PIECE_BATCHES  # pages of a full piece: each sheet pair is a front and a back
    full, rest = divmod(7, flashcards.PIECE_BATCHES)  # 7 sheet pairs in all
    assert [p.pages for p in parts] == [pairs] * full + ([2 * rest] if rest else [])
    text = _text(pieces.join(parts, "2024-01-02T03:04:05Z"))
    assert "cards 49–52" in text and "#52" in text


def _pixels(pdf: bytes, folder: Path) -> list[bytes]:
    """Each page as poppler draws it (PPM bytes at 60 dpi): what a reader of the PDF sees."""

    (folder / "doc.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "60", str(folder / "doc.pdf"), str(folder / "page")], check=True)
    return [page.read_bytes() for page in sorted(folder.glob("page-*.ppm"))]


def test_running_heads_are_drawn_as_pypdfs_merge_would_draw_them(tmp_path: Path) -> None:
    """The overlay goes over each page as a form (fast); pypdf's ``merge_page`` is the oracle.

    A page whose content is an array of streams takes ``merge_page`` itself, so the same piece
    with its content wrapped in an array gives the slow path's pixels.
    """
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    size = "@page { size: 90mm 70mm; margin: 12mm; }"
    body = "".join(f'<p style="break-after: page">Text of page {n}, <b>bold</b> and <i>italic</i>.</p>' for n in (1, 2))
    piece = pieces.lay_out_html(f"<!DOCTYPE html><html><head><style>{size}</style></head><body>{body}</body></html>")
    heads = "@bottom-right { content: 'Page ' counter(page) ' of ' counter(pages); font-size: 7pt; color: #c00 }"
    overlay = pieces.lay_out_html(pieces.overlay_html(size.replace("}", heads + "}", 1), piece.pages)).pdf

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(piece.pdf)))
    for page in writer.pages:
        page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents")])
    wrapped = io.BytesIO()
    writer.write(wrapped)
    slow_piece = pieces.Piece(pdf=wrapped.getvalue(), pages=piece.pages)

    fast, slow = (pieces.join([p], "2024-01-02T03:04:05Z", overlay) for p in (piece, slow_piece))
    assert fast != slow  # the two paths really differ in how they draw
    (tmp_path / "fast").mkdir(), (tmp_path / "slow").mkdir()
    drawn = _pixels(fast, tmp_path / "fast")
    assert len(drawn) == piece.pages == 2
    assert drawn == _pixels(slow, tmp_path / "slow")
    text = _text(fast)
    assert "Page 1 of 2" in text and "Page 2 of 2" in text and "Text of page 2" in text
