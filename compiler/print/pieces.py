"""Incremental PDFs: a document laid out in pieces, each cached by its own HTML, then joined.

Laying out is what makes the printables slow, and WeasyPrint lays out a whole
document at once. So the long documents are cut into pieces that lay out on
their own (a study guide's chapters, a few flashcard sheets), each a complete
HTML document:

- a piece whose HTML was laid out before comes from ``build/.cache/pieces/``;
- the others are laid out on every core at once (forked workers);
- pypdf joins the pieces in order, keeping each one's bookmarks and named
  destinations, and adds the links that point into another piece.

A cold build goes through the very same steps, so an incremental build and a
cold build of the same notes give the same bytes. Anything unreadable in the
cache is a miss; deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.model.atomic import write_atomic
from compiler.model.errors import OutputError

if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter
    from weasyprint import Document

Rect = tuple[float, float, float, float]
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Piece:
    """One laid-out piece of a document."""

    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    """Anchor name → page index within the piece."""
    links: tuple[tuple[int, str, Rect], ...] = ()
    """Internal links to an anchor in another piece: (page index, anchor, PDF rectangle)."""
    data: dict[str, Any] = field(default_factory=dict)
    """What the backend needs besides the PDF (e.g. cells that overflow), JSON-compatible."""


def code_version(*names: str) -> str:
    """A hash of the print modules that decide a piece's layout (a changed module misses the cache)."""
    from importlib.metadata import version

    # the installed version, without importing WeasyPrint (a second): a cache hit needs no layout engine
    digest = hashlib.sha256(version("weasyprint").encode())
    for name in ("pieces.py", "common.py", *names):
        digest.update((_HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def piece_key(version: str, html: str, *extra: str) -> str:
    """The cache key of a piece: the code that lays it out, its HTML and anything else it depends on."""
    return hashlib.sha256("\x1f".join((version, html, *extra)).encode("utf-8")).hexdigest()[:32]


def from_document(document: Document, data: dict[str, Any] | None = None) -> Piece:
    """A piece from a laid-out WeasyPrint document."""
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            anchors.setdefault(name, index)
    links: list[tuple[int, str, Rect]] = []
    for index, page in enumerate(document.pages):
        height = page.height * 0.75  # CSS px → PDF points; PDF y grows upwards
        for kind, target, (x1, y1, x2, y2), *_ in page.links:
            if kind == "internal" and target not in anchors:
                rect = (
                    round(x1 * 0.75, 3),
                    round(height - y2 * 0.75, 3),
                    round(x2 * 0.75, 3),
                    round(height - y1 * 0.75, 3),
                )
                links.append((index, str(target), rect))
    pdf: bytes = document.write_pdf()
    return Piece(pdf, len(document.pages), anchors, tuple(links), data or {})


class Store:
    """Pieces of one document under ``<cache>/pieces/<document>/``; ``None`` as folder: no caching (``--no-cache``)."""

    def __init__(self, folder: Path | None, document: str) -> None:
        self.folder = folder / "pieces" / document if folder is not None else None
        self.used: set[str] = set()
        """Keys looked up since this store was opened (what :meth:`prune` keeps)."""

    def _paths(self, key: str) -> tuple[Path, Path]:
        assert self.folder is not None
        return self.folder / f"{key}.pdf", self.folder / f"{key}.json"

    def get(self, key: str) -> Piece | None:
        """The cached piece, or None."""
        self.used.add(key)
        if self.folder is None:
            return None
        pdf_path, meta_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            pdf = pdf_path.read_bytes()
            if hashlib.sha256(pdf).hexdigest() != meta["sha256"]:
                return None
            links = tuple((int(p), str(t), (r[0], r[1], r[2], r[3])) for p, t, r in meta["links"])
            return Piece(pdf, int(meta["pages"]), dict(meta["anchors"]), links, dict(meta["data"]))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def put(self, key: str, piece: Piece) -> None:
        """Remember a piece; a failure only means a miss next time."""
        if self.folder is None:
            return
        pdf_path, meta_path = self._paths(key)
        meta = {
            "sha256": hashlib.sha256(piece.pdf).hexdigest(),
            "pages": piece.pages,
            "anchors": piece.anchors,
            "links": [list(link) for link in piece.links],
            "data": piece.data,
        }
        with contextlib.suppress(OutputError):
            write_atomic(pdf_path, piece.pdf)
            write_atomic(meta_path, json.dumps(meta, sort_keys=True).encode("utf-8"))

    def prune(self) -> None:
        """Delete this document's pieces that this build did not look up."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


# -- laying out the misses on every core ------------------------------------------------------

_JOBS: list[Callable[[], Piece]] = []
#: Whether this process has warmed up (:func:`warm_up`); forked processes inherit it.
_warm = False


def die_with_parent() -> None:
    """Linux: this process is killed when its parent ends (a stopped build leaves no layout running)."""
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _run(index: int) -> Piece:
    return _JOBS[index]()


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this process may fork helpers: Linux, one thread, allowed children, not debugging."""
    import multiprocessing
    import sys

    return (
        sys.platform == "linux"
        and threading.active_count() == 1  # forking a process that runs threads is unsafe
        and not multiprocessing.current_process().daemon
        and not os.environ.get("STUDYC_DEBUG")
    )


def lay_out(jobs: Sequence[Callable[[], Piece]]) -> list[Piece]:
    """Run the jobs, on every core when there are several and forking is safe; results in order.

    Before its first fork a process warms up (:func:`warm_up`), so that no forked process loads
    the fonts again: the PDF worker has done so already, a process that lays out in-process
    (tests, a library caller) does it here once.
    """
    workers = min(cores(), len(jobs))
    if workers < 2 or not can_fork():
        return [job() for job in jobs]
    if not _warm:
        with contextlib.suppress(Exception):  # a broken layout engine is reported by the jobs themselves
            warm_up()
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOBS
    _JOBS = list(jobs)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
            return list(pool.map(_run, range(len(_JOBS))))
    except (BrokenProcessPool, OSError):  # cannot start processes, or a worker died: do it here
        return [job() for job in jobs]
    finally:
        _JOBS = []


def cached(store: Store, keyed: Sequence[tuple[str, Callable[[], Piece]]]) -> list[Piece]:
    """Each piece from the store when its key is there, the rest laid out (in parallel) and stored.

    Call ``store.prune()`` once the document is complete, to forget pieces it no longer uses.
    """
    found: list[Piece | None] = [store.get(key) for key, _ in keyed]
    missing = [i for i, piece in enumerate(found) if piece is None]
    for i, piece in zip(missing, lay_out([keyed[i][1] for i in missing]), strict=True):
        store.put(keyed[i][0], piece)
        found[i] = piece
    return [piece for piece in found if piece is not None]


class _OtherPieces(logging.Filter):
    """Drops WeasyPrint's complaint about a link into another piece: :func:`join` adds those links."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No anchor #")


#: A few words in each face the print CSS uses, one of them hyphenated (a narrow line): see :func:`warm_up`.
_WARM_UP = (
    '<!DOCTYPE html><html lang="en"><head><style>{css}</style></head><body>'
    '<p style="hyphens: auto">Warming <b>up</b> <i>the</i> <code>fonts</code></p>'
    "<p style=\"font-family: 'DejaVu Sans Condensed'; hyphens: auto; width: 4em\">and <b>hyphenation</b></p>"
    "</body></html>"
)


def warm_up() -> None:
    """Lay out a few words, so that every process forked from this one starts warm.

    A process's first layout loads fontconfig's configuration, Pango's fonts and the
    hyphenation dictionary: about 0.6 s of CPU that every forked layout process would pay
    again. The PDF worker calls this once, before it forks.
    """
    from compiler.print.common import layout, stylesheet

    global _warm
    layout(_WARM_UP.format(css=stylesheet("base.css"))).write_pdf()
    _warm = True


def lay_out_html(html: str) -> Piece:
    """Lay out one HTML document as a piece."""
    piece = lay_out_if(html, lambda document: True)
    assert piece is not None
    return piece


def lay_out_if(html: str, accept: Callable[[Document], bool]) -> Piece | None:
    """Lay out one HTML document as a piece, or None when ``accept`` rejects its layout."""
    from compiler.print.common import layout

    logger, quiet = logging.getLogger("weasyprint"), _OtherPieces()
    logger.addFilter(quiet)
    try:
        document = layout(html)
        return from_document(document) if accept(document) else None
    finally:
        logger.removeFilter(quiet)


def whole(store: Store, version: str, html: str) -> Piece:
    """A document laid out as one piece, from the store when this exact HTML was laid out before."""
    return cached(store, [(piece_key(version, html), partial(lay_out_html, html))])[0]


def overlay_html(styles: str, pages: int) -> str:
    """A document of ``pages`` empty pages that carry only what ``styles``' ``@page`` rules draw.

    Laid out once and drawn over a joined document (:func:`join`), it gives the pieces running
    heads and "Page x of y" that no piece can know (where it lands, how many pages there are).
    """
    body = '<div style="break-after: page"></div>' * (pages - 1) + "<div></div>"
    return f"<!DOCTYPE html><html><head><style>{styles}</style></head><body>{body}</body></html>"


# -- joining ------------------------------------------------------------------------------------


def pdf_date(iso: str) -> str:
    """``2016-11-13T14:41:38Z`` as a PDF date, ``D:20161113144138Z`` (what WeasyPrint writes)."""
    return "D:" + "".join(ch for ch in iso if ch.isdigit()) + "Z"


def join(pieces: Sequence[Piece], date: str, overlay: bytes | None = None) -> bytes:
    """One PDF: the pieces in order, the links between them, and ``overlay``'s pages drawn over each page.

    The document information is the first piece's (title, producer) with ``date`` (ISO) as its
    dates: the pieces leave the date out, so that a content-derived date does not change every
    piece's key. Deterministic: the same pieces give the same bytes.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    writer = PdfWriter()
    first = PdfReader(io.BytesIO(pieces[0].pdf))
    starts: list[int] = []
    for piece in pieces:
        starts.append(len(writer.pages))
        writer.append(PdfReader(io.BytesIO(piece.pdf)))
    targets = {name for piece in pieces for name in piece.anchors}
    for piece, start in zip(pieces, starts, strict=True):
        for index, target, rect in piece.links:
            if target not in targets:
                continue
            link = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
                    NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
                    NameObject("/Dest"): TextStringObject(target),
                }
            )
            writer.add_annotation(start + index, link)
    if overlay is not None:
        marks = PdfReader(io.BytesIO(overlay))
        for index, (page, mark) in enumerate(zip(writer.pages, marks.pages, strict=True)):
            if not _draw_over(writer, page, mark, f"/StudycOverlay{index}"):
                page.merge_page(mark)
                page.compress_content_streams()  # merging leaves the page's content uncompressed
    info = {k: v for k, v in (first.metadata or {}).items() if isinstance(k, str)}
    writer.add_metadata({**info, "/CreationDate": pdf_date(date), "/ModDate": pdf_date(date)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw_over(writer: PdfWriter, page: PageObject, mark: PageObject, name: str) -> bool:
    """Draw ``mark`` over ``page`` as a form XObject; False when either page's content is not one stream.

    pypdf's ``merge_page`` parses both pages' content into operators in Python, which took
    more time than the rest of a join. This leaves the page's operators alone: its content is
    wrapped in ``q … Q`` (so whatever state it leaves does not move the mark) and then draws
    the mark's content, cloned as a form with its own resources.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    content, marks = page.get("/Contents"), mark.get("/Contents")
    if content is None or marks is None:
        return False
    stream = content.get_object()
    if not isinstance(stream, StreamObject) or not isinstance(marks.get_object(), StreamObject):
        return False  # checked before cloning: a clone left unused would still be written
    form = marks.clone(writer).get_object()
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(mark.mediabox),
            NameObject("/Resources"): mark.get("/Resources", DictionaryObject()).clone(writer),
        }
    )
    resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
    forms = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    forms[NameObject(name)] = form.indirect_reference
    resources[NameObject("/XObject")] = forms
    page[NameObject("/Resources")] = resources
    stream.set_data(b"q\n" + stream.get_data() + f"\nQ\nq {name} Do Q\n".encode("ascii"))
    return True
