"""Render the PDF formats in a second process, in parallel with everything else.

WeasyPrint is slow to import (≈1 s) and to lay out (seconds), and it runs in
pure Python on one core. A build that asks for a PDF starts a worker process
first thing: it imports WeasyPrint while the main process parses the notes,
then lays out the PDFs while the main process renders the Anki and JSON
outputs. Outputs come back in the order they were asked for, so the build is
the same as rendering them in-process; any problem with the worker itself
falls back to exactly that.

Only a process's first build uses a worker: ``studyc watch`` rebuilds render
in-process, where WeasyPrint stays imported between builds.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from compiler.model.backend import PDF_FORMATS, Options, Output
from compiler.model.errors import BackendError, StudycError

if TYPE_CHECKING:  # the IR's models take a quarter second to import: the worker starts before that
    from multiprocessing.connection import Connection

    from compiler.model.diagnostics import Diagnostic
    from compiler.model.ir import Course

#: A backend's outputs and the diagnostics it reported.
Rendered = tuple[list[Output], list["Diagnostic"]]

_used = False


def _serve(conn: Connection, names: list[str]) -> None:
    """Worker: warm up the imports, then render what the main process sends."""
    import multiprocessing

    from compiler.model import backend as backends
    from compiler.print.pieces import die_with_parent

    # A daemon may not start processes; this one lays out PDF pieces on every core
    # (compiler.print.pieces). Only this process's own flag changes: the main process still
    # ends it as a daemon, and its helpers die with it.
    with contextlib.suppress(AssertionError):
        multiprocessing.current_process().daemon = False
    die_with_parent()

    # read the job while importing, so the main process never blocks on a full pipe
    received: list[Any] = []
    reader = threading.Thread(target=_receive, args=(conn, received), daemon=True)
    reader.start()
    try:
        for name in names:
            backends.load(name)
        import weasyprint  # noqa: F401  (the slow import, done while the main process parses)

        from compiler.print.pieces import warm_up

        warm_up()  # the layout processes forked below start with the fonts loaded
    except Exception:  # a broken import or layout is reported by the render below
        pass
    reader.join()
    job = received[0] if received else None
    if job is None:  # the build stopped before rendering: nothing to do
        return
    course, options, todo = job
    for name, result in _results(course, options, todo):  # each PDF goes back as soon as it is laid out
        try:
            conn.send((name, result))
        except Exception:  # an exception that does not pickle: report it as text
            conn.send((name, ("crash", str(result[1]), "")))


#: Formats laid out in big pieces: a guide chapter is one layout of up to a dozen pages, the
#: longest layout of a build, which nothing can split. The other formats' pieces are small (a
#: cheat-sheet page, a sheet pair of flashcards) and lay out on every core.
BIG_PIECES = ("guide",)
#: The niceness the other formats' processes take: when there are more layouts than cores, the
#: big piece keeps its core and the small ones share the other, instead of all slowing it down.
SMALL_PIECES_NICE = 5


def _render_yielding(name: str, course: Course, options: Options, base: int) -> tuple[Any, ...]:
    """:func:`_render` in a helper process, behind the big pieces (see :data:`BIG_PIECES`).

    ``base``: the niceness the helper was started with. A helper renders several formats one
    after another, so it is set, not added to (and the big pieces, sent first, start at ``base``).
    """
    want = base + (0 if name in BIG_PIECES else SMALL_PIECES_NICE)
    with contextlib.suppress(OSError):  # lowering it again may not be allowed: it then stays lower
        os.nice(want - os.nice(0))
    return _render(name, course, options)


def _render(name: str, course: Course, options: Options) -> tuple[Any, ...]:
    """One format's outputs and diagnostics, or what went wrong, as a picklable tuple."""
    from compiler.model import backend as backends
    from compiler.model.diagnostics import Diagnostics

    try:
        diags = Diagnostics()
        return ("ok", (backends.load(name)(course, options, diags), diags.items))
    except StudycError as exc:
        return ("studyc", exc)
    except Exception as exc:
        return ("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc())


def _results(course: Course, options: Options, todo: list[str]) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each format's result as it is ready: several formats at once when there are cores for them."""
    from compiler.print.pieces import can_fork, cores, die_with_parent

    workers = min(cores(), len(todo))
    if workers < 2 or not can_fork():
        for name in todo:
            yield name, _render(name, course, options)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
        first = sorted(todo, key=lambda name: name not in BIG_PIECES)  # the longest layouts start first
        base = os.nice(0)
        futures = {pool.submit(_render_yielding, name, course, options, base): name for name in first}
        for future in as_completed(futures):
            result: tuple[Any, ...]
            try:
                result = future.result()
            except Exception as exc:  # the helper died, or its result did not pickle
                result = ("crash", f"{type(exc).__name__}: {exc}", "")
            yield futures[future], result


def _receive(conn: Connection, into: list[Any]) -> None:
    with contextlib.suppress(EOFError, OSError):
        into.append(conn.recv())


class PdfWorker:
    """A started worker process; ``render`` hands it the course, ``outputs`` collects the PDFs."""

    def __init__(self, names: list[str]) -> None:
        import multiprocessing

        # fork shares the imports already done (≈0.2 s of start-up saved), but is unsafe once
        # another thread runs (the progress bar's): then a fresh interpreter
        single = threading.active_count() == 1 and sys.platform == "linux"
        context = multiprocessing.get_context("fork") if single else multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, names), daemon=True, name="studyc-pdf")
        self.process.start()
        child.close()
        self.todo: list[str] = []

    def render(self, names: list[str], course: Course, options: Options) -> bool:
        """Send the job; False if the worker cannot take it (render in-process then)."""
        try:
            self.conn.send((course, options, names))
        except (OSError, ValueError, TypeError, AttributeError):  # broken pipe or something that does not pickle
            self.close()
            return False
        self.todo = names
        return True

    def outputs(
        self,
        fallback: Callable[[str], Rendered],
        step: Callable[[str], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> dict[str, Rendered]:
        """Each format's outputs and diagnostics; a format the worker could not render is rendered by ``fallback``.

        ``step`` is called as each format arrives. When ``cancel`` says so, the worker is stopped mid-layout
        and nothing is returned.
        """
        results: dict[str, Any] = {}
        with contextlib.suppress(EOFError, OSError):  # the worker died (killed, out of memory): redo its work here
            while len(results) < len(self.todo):
                while cancel is not None and not self.conn.poll(0.05):
                    if cancel():
                        self.process.terminate()
                        self.close()
                        return {}
                name, result = self.conn.recv()
                results[name] = result
                if step is not None:
                    step(f"rendered {name}")
        self.close()
        done: dict[str, Rendered] = {}
        for name in self.todo:
            status, *rest = results.get(name, ("missing",))
            if status == "ok":
                done[name] = rest[0]
            elif status == "studyc":
                raise rest[0]
            elif status == "crash":
                raise BackendError(
                    f"the {name} backend failed ({rest[0]}); the PDFs were not written (this build's deck, JSON "
                    "and CSV were). This is a bug in studyc: rerun with STUDYC_DEBUG=1 for a traceback and report it"
                )
            else:
                done[name] = fallback(name)
                if step is not None:
                    step(f"rendered {name}")
        return done

    def close(self) -> None:
        """Stop the worker (it exits on its own once the pipe closes)."""
        try:
            self.conn.close()
        finally:
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.terminate()

    def __del__(self) -> None:
        # a build that stops early (errors in the notes, dry run) just drops the worker
        conn = getattr(self, "conn", None)
        if conn is not None and not conn.closed:
            conn.close()


def start(formats: list[str], always: bool = False) -> PdfWorker | None:
    """A worker for the PDF formats among ``formats``, when one can help.

    ``always``: also after the first build (watch, whose rounds must be able to stop PDF work).
    """
    global _used
    names = [f for f in formats if f in PDF_FORMATS]
    if not names or (_used and not always) or os.environ.get("STUDYC_DEBUG"):
        return None
    from compiler.print.pieces import cores  # only when a PDF is asked for

    if cores() < 2:
        return None
    _used = True
    try:
        return PdfWorker(names)
    except OSError:  # cannot start processes here: render in-process
        return None
