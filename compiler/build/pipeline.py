"""load → parse → lower → checks → backends. Nothing is written until all pass."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.anki.identity import Plan
from compiler.build import pdf_worker
from compiler.checks import run_checks
from compiler.frontend import load_course
from compiler.model import backend as backends
from compiler.model.atomic import write_all
from compiler.model.diagnostics import Diagnostics
from compiler.model.errors import BackendError, StudycError, UsageError
from compiler.model.ir import Course
from compiler.settings import Config, Limits, Quality

if TYPE_CHECKING:
    from compiler.build.cache import OutputCache, ParseCache


@dataclass
class Result:
    """What a run produced."""

    course: Course | None
    diagnostics: Diagnostics
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    plan: Plan | None = None
    """Card identities and the added/updated/unchanged/removed report (builds only)."""
    cancelled: bool = False
    """The PDF round stopped because ``cancel`` said its notes went stale (watch)."""

    def failed(self, strict: bool) -> bool:
        """Whether diagnostics fail the run."""
        return self.course is None or bool(self.diagnostics.errors(strict))


def options_for(source: Path, config: Config) -> backends.Options:
    """What the backends read, from the resolved settings."""
    return backends.Options(
        source_root=source,
        paper=config.paper,
        deck_depth=config.deck_depth,
        source_url=config.source_url,
        cheatsheet_pages=config.cheatsheet_pages,
    )


def check(
    source: Path,
    limits: Limits | None = None,
    timings: dict[str, float] | None = None,
    cache: ParseCache | None = None,
    quality: Quality | None = None,
    suppress: tuple[str, ...] = (),
    overrides: Mapping[str, str] | None = None,
) -> Result:
    """Parse and check; write nothing. ``timings`` receives seconds per stage (see ``build``).

    ``cache`` reuses files parsed by earlier builds (``build`` saves it once its outputs are written).
    ``quality`` holds the card-quality thresholds; warnings with a code in ``suppress`` are dropped.
    ``overrides`` maps paths relative to ``source`` to unsaved text read instead of those files
    (the language server's open documents).
    """
    if not source.is_dir():
        raise UsageError(f"source folder '{source}' does not exist; pass the folder that holds course.md")
    # Python's full GC passes walk every live object; while the course is read they run again and
    # again as it grows (3 of the 7 s of a no-change 50,000-card rebuild). Keep them off while
    # loading, then freeze the loaded course out of later passes; the next build unfreezes it.
    gc.unfreeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        if cache is not None:
            course, diags = cache.load_course(source, limits, timings, overrides)
        else:
            course, diags = load_course(source, limits, timings=timings, overrides=overrides)
    finally:
        gc.collect(1)  # the young garbage of this load, before freezing what survives
        gc.freeze()
        if enabled:
            gc.enable()
    if course is not None:
        started = time.perf_counter()
        run_checks(course, diags, quality)
        _record(timings, "checks", started)
    diags.suppress(suppress)
    return Result(course, diags)


def _record(timings: dict[str, float] | None, stage: str, started: float) -> None:
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def steps(formats: list[str]) -> int:
    """How many times ``build`` calls ``step`` for these formats (the progress bar's length)."""
    pdfs = sum(1 for name in formats if name in backends.PDF_FORMATS)
    writes = (len(formats) > pdfs) + (pdfs > 0)
    return 1 + len(formats) + writes


def build(
    source: Path,
    out: Path,
    formats: list[str],
    options: backends.Options,
    strict: bool = False,
    limits: Limits | None = None,
    step: Callable[[str], None] | None = None,
    lock: Path | None = None,
    dry_run: bool = False,
    timings: dict[str, float] | None = None,
    cache: Path | None = None,
    quality: Quality | None = None,
    suppress: tuple[str, ...] = (),
    landed: Callable[[list[Path]], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    collection: Path | None = None,
    worker: pdf_worker.PdfWorker | None = None,
) -> Result:
    """Check, then write the outputs in two rounds: the deck, JSON, CSV and quiz page first, the PDFs after.

    Nothing is written unless every file parsed and passed the checks. Each
    round renders its formats in memory and writes them (the first round with
    the identity lock) atomically, so a failure in the PDF round leaves that
    build's deck, JSON and CSV written and consistent with each other, and the
    old PDFs whole. ``landed`` is called with each round's files as they land.

    ``step`` is called with a label ``steps(formats)`` times: before parsing,
    after each format renders and after each round's writing (the CLI's
    progress bar). ``lock`` is the identity lock to match cards against and to
    update (``None``: match against nothing and write no lock). ``dry_run``
    computes the plan and writes nothing. ``cancel``, polled during the PDF
    round, stops it (``Result.cancelled``): watch's newer save makes those PDFs
    stale. ``timings``, if given, receives seconds per stage: ``load``,
    ``parse``, ``ir``, ``checks``, ``identity``, ``backend:<name>`` and
    ``write``. ``cache`` (``build/.cache``) keeps parsed files and skips
    backends whose inputs did not change since the last build (see
    ``compiler.build.cache``). ``quality`` and ``suppress`` are passed to
    :func:`check` (suppression also covers backend warnings).
    ``collection`` is the user's Anki collection: read-only, it ranks their weakest notes for the
    weak-spots sheet the cheat sheet backend then prints. ``worker``: a PDF worker the caller
    started earlier (:func:`pdf_worker.start`); without one, the build starts its own if it helps.
    """
    step = step or (lambda _label: None)
    # started before parsing so WeasyPrint imports while this process parses
    if worker is None and not dry_run:
        worker = pdf_worker.start(formats, always=cancel is not None)
    step("parsing")
    parse_cache = None
    if cache is not None:
        from compiler.build.cache import ParseCache

        parse_cache = ParseCache(cache)
    result = check(source, limits, timings, parse_cache, quality, suppress)
    course = result.course
    if result.failed(strict) or course is None:
        return result
    from compiler.anki import report as identity_report

    started = time.perf_counter()
    result.plan = identity_report.plan(course, lock, options.source_url)
    _record(timings, "identity", started)
    if dry_run:
        return result
    if options.identity is None:
        options = replace(options, identity=result.plan, build_time=options.build_time or result.plan.build_time)
    if cache is not None:  # the printables keep laid-out pieces there
        options = replace(options, cache_dir=cache)
    if collection is not None:
        from compiler.anki.collection import weak_spots

        guids = {ident.guid: key for key, ident in result.plan.identities.items()}
        options = replace(options, weak_spots=weak_spots(collection, guids))
    run = _Round(result, out, options, step, timings, strict, suppress, landed)
    if cache is not None:
        from compiler.build.cache import OutputCache

        run.reuse = OutputCache(cache, out, course, options)
    pdfs = [name for name in formats if name in backends.PDF_FORMATS]
    # a cancellable build sends every PDF to the worker: a process can be stopped mid-layout
    offloaded = _offload(worker, pdfs, run.reuse, course, options, run.rendered, keep_one=cancel is None)
    for name in pdfs:
        if name in run.rendered:  # the output cache had it
            step(f"reused {name}")
    data = [name for name in formats if name not in backends.PDF_FORMATS]
    for name in data:
        run.render(name)
    # the first round carries the lock (with no data format asked for, the lock alone)
    if not run.write(data, identity_report.files(result.plan, out, lock)):
        if worker is not None:
            worker.close()
        return result
    if parse_cache is not None:
        parse_cache.save()
    if pdfs:
        _pdf_round(run, pdfs, worker if offloaded else None, offloaded, cancel)
    return result


def _pdf_round(
    run: _Round,
    pdfs: list[str],
    worker: pdf_worker.PdfWorker | None,
    offloaded: list[str],
    cancel: Callable[[], bool] | None,
) -> None:
    """The second round: lay out the PDFs (here and in the worker), then write them, unless cancelled."""
    course = run.result.course
    assert course is not None
    for name in pdfs:
        if name in offloaded or name in run.rendered:
            continue
        if cancel is not None and cancel():
            break
        run.render(name, phase=_PDF_PHASE)
    if worker is not None:
        started = time.perf_counter()
        fallback = partial(_render, course=course, options=run.options, phase=_PDF_PHASE)
        run.rendered.update(worker.outputs(fallback, run.step, cancel))
        _record(run.timings, "backend:pdf-worker-wait", started)
    if cancel is not None and cancel():
        run.result.cancelled = True
        return
    run.write(pdfs, [])


_PDF_PHASE = "the PDFs were not written (this build's deck, JSON and CSV were) and the earlier PDFs are unchanged"


@dataclass
class _Round:
    """What ``build`` carries from format to format: renders, the cache, the callbacks."""

    result: Result
    out: Path
    options: backends.Options
    step: Callable[[str], None]
    timings: dict[str, float] | None
    strict: bool
    suppress: tuple[str, ...]
    landed: Callable[[list[Path]], None] | None
    reuse: OutputCache | None = None
    rendered: dict[str, pdf_worker.Rendered] = field(default_factory=dict)

    def render(self, name: str, phase: str = "") -> None:
        """Render one format in this process (or take it from the output cache)."""
        started = time.perf_counter()
        course = self.result.course
        assert course is not None
        if self.reuse is not None:
            self.rendered[name] = self.reuse.render(name, partial(_render, name, course, self.options, phase))
        else:
            self.rendered[name] = _render(name, course, self.options, phase)
        _record(self.timings, f"backend:{name}", started)
        self.step(f"rendered {name}")

    def write(self, names: list[str], extra: list[tuple[Path, bytes]]) -> bool:
        """Write these formats' outputs (and ``extra``) atomically, unless a backend found a problem."""
        diags = self.result.diagnostics
        # several printables report the same formula: once is enough
        unique = dict.fromkeys(d for name in names for d in self.rendered[name][1])
        diags.items.extend(d for d in unique if d not in diags.items)
        diags.suppress(self.suppress)
        if self.result.failed(self.strict):  # a backend found a problem in the notes: write this round nothing
            return False
        started = time.perf_counter()
        files = [(self.out / o.name, o.data) for name in names for o in self.rendered[name][0]]
        files.extend(extra)
        written, unchanged = write_all(files)
        self.result.written.extend(written)
        self.result.unchanged.extend(unchanged)
        if self.reuse is not None:
            for name in names:
                produced, found = self.rendered[name]
                self.reuse.remember(name, produced, found)
        _record(self.timings, "write", started)
        if names:
            self.step("wrote " + ", ".join(names))
        if self.landed is not None:
            self.landed(written + unchanged)
        return True


_MISS: pdf_worker.Rendered = ([], [])


def _offload(
    worker: pdf_worker.PdfWorker | None,
    formats: list[str],
    reuse: OutputCache | None,
    course: Course,
    options: backends.Options,
    rendered: dict[str, pdf_worker.Rendered],
    keep_one: bool = True,
) -> list[str]:
    """Send PDF formats the output cache cannot supply to the worker; cache hits go to ``rendered``."""
    if worker is None:
        return []
    names = []
    for name in formats:
        if name not in backends.PDF_FORMATS:
            continue
        hit = reuse.render(name, lambda: _MISS) if reuse is not None else _MISS
        if hit is _MISS:
            names.append(name)
        else:
            rendered[name] = hit
    # with several PDFs this process lays out the last one itself: both cores do PDF work
    send = names[:-1] if len(names) > 1 and keep_one else names
    if send and worker.render(send, course, options):
        return send
    worker.close()
    return []


def warm_up(formats: list[str]) -> None:
    """Import the data formats' backends and do their once-per-process work now.

    ``watch`` calls it after its first build, which the build stamp usually skips: otherwise the
    first save pays for the imports and the JSON Schema (about half a second) before its deck lands.
    A backend module opts in with a ``warm_up()`` function. The PDF formats are not warmed here:
    they lay out in a worker process.
    """
    import importlib

    for name in formats:
        if name not in backends.PDF_FORMATS:
            hook = getattr(importlib.import_module(backends.REGISTRY[name]), "warm_up", None)
            if hook is not None:
                hook()


def _render(name: str, course: Course, options: backends.Options, phase: str = "") -> pdf_worker.Rendered:
    """Run one backend; a crash becomes a clean error, and this round writes nothing (``phase`` says what landed)."""
    diags = Diagnostics()
    try:
        return backends.load(name)(course, options, diags), diags.items
    except StudycError:
        raise
    except Exception as exc:
        if os.environ.get("STUDYC_DEBUG"):
            raise
        landed = phase or "no output was written and earlier outputs are unchanged"
        raise BackendError(
            f"the {name} backend failed ({type(exc).__name__}: {exc}); {landed}. "
            "This is a bug in studyc: rerun with STUDYC_DEBUG=1 for a traceback and report it"
        ) from exc
