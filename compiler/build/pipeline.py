"""load → parse → lower → checks → backends. Nothing is written until all pass."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
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

    def failed(self, strict: bool) -> bool:
        """Whether diagnostics fail the run."""
        return self.course is None or bool(self.diagnostics.errors(strict))


def options_for(source: Path, config: Config) -> backends.Options:
    """What the backends read, from the resolved settings."""
    return backends.Options(
        source_root=source, paper=config.paper, deck_depth=config.deck_depth, cheatsheet_pages=config.cheatsheet_pages
    )


def check(
    source: Path,
    limits: Limits | None = None,
    timings: dict[str, float] | None = None,
    cache: ParseCache | None = None,
    quality: Quality | None = None,
    suppress: tuple[str, ...] = (),
) -> Result:
    """Parse and check; write nothing. ``timings`` receives seconds per stage (see ``build``).

    ``cache`` reuses files parsed by earlier builds (``build`` saves it once its outputs are written).
    ``quality`` holds the card-quality thresholds; warnings with a code in ``suppress`` are dropped.
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
            course, diags = cache.load_course(source, limits, timings)
        else:
            course, diags = load_course(source, limits, timings=timings)
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
    collection: Path | None = None,
) -> Result:
    """Check, render every format in memory, then write each output atomically.

    ``step`` is called with a label before parsing, before each format and
    before writing (the CLI's progress bar). ``lock`` is the identity lock to
    match cards against and to update (``None``: match against nothing and
    write no lock). ``dry_run`` computes the plan and writes nothing.
    ``timings``, if given, receives seconds per stage: ``load``, ``parse``,
    ``ir``, ``checks``, ``identity``, ``backend:<name>`` and ``write``.
    ``cache`` (``build/.cache``) keeps parsed files and skips backends whose
    inputs did not change since the last build (see ``compiler.build.cache``).
    ``quality`` and ``suppress`` are passed to :func:`check` (suppression also covers backend warnings).
    ``collection`` is the user's Anki collection: read-only, it ranks their weakest notes for the
    weak-spots sheet the cheat sheet backend then prints.
    """
    step = step or (lambda _label: None)
    # started before parsing so WeasyPrint imports while this process parses
    worker = None if dry_run else pdf_worker.start(formats)
    step("parsing")
    parse_cache = None
    if cache is not None:
        from compiler.build.cache import ParseCache

        parse_cache = ParseCache(cache)
    result = check(source, limits, timings, parse_cache, quality, suppress)
    if result.failed(strict) or result.course is None:
        return result
    from compiler.anki import report as identity_report

    started = time.perf_counter()
    result.plan = identity_report.plan(result.course, lock)
    _record(timings, "identity", started)
    if dry_run:
        return result
    if options.identity is None:
        options = replace(options, identity=result.plan, build_time=options.build_time or result.plan.build_time)
    if collection is not None:
        from compiler.anki.collection import weak_spots

        step("reading the Anki collection")
        guids = {ident.guid: key for key, ident in result.plan.identities.items()}
        options = replace(options, weak_spots=weak_spots(collection, guids))
    outputs: list[backends.Output] = []
    course = result.course
    reuse = None
    if cache is not None:
        from compiler.build.cache import OutputCache

        reuse = OutputCache(cache, out, course, options)
    rendered: dict[str, pdf_worker.Rendered] = {}
    offloaded = _offload(worker, formats, reuse, course, options, rendered)
    for name in formats:
        if name in offloaded or name in rendered:
            continue
        step(f"rendering {name}")
        started = time.perf_counter()
        if reuse is not None:
            rendered[name] = reuse.render(name, partial(_render, name, course, options))
        else:
            rendered[name] = _render(name, course, options)
        _record(timings, f"backend:{name}", started)
    if worker is not None and offloaded:
        step(f"rendering {', '.join(offloaded)}")
        started = time.perf_counter()
        rendered.update(worker.outputs(lambda name: _render(name, course, options)))
        _record(timings, "backend:pdf-worker-wait", started)
    outputs.extend(o for name in formats for o in rendered[name][0])
    # several printables report the same formula: once is enough
    unique = dict.fromkeys(d for name in formats for d in rendered[name][1])
    result.diagnostics.items.extend(unique)
    result.diagnostics.suppress(suppress)
    if result.failed(strict):  # a backend found a problem in the notes: write nothing
        return result
    step("writing")
    started = time.perf_counter()
    # all outputs, then the identity lock, staged together: a failure leaves every old file whole
    files = [(out / output.name, output.data) for output in outputs]
    files.extend(identity_report.files(result.plan, out, lock))
    written, unchanged = write_all(files)
    result.written.extend(written)
    result.unchanged.extend(unchanged)
    if reuse is not None and parse_cache is not None:
        parse_cache.save()
        for name, (produced, found) in rendered.items():
            reuse.remember(name, produced, found)
    _record(timings, "write", started)
    return result


_MISS: pdf_worker.Rendered = ([], [])


def _offload(
    worker: pdf_worker.PdfWorker | None,
    formats: list[str],
    reuse: OutputCache | None,
    course: Course,
    options: backends.Options,
    rendered: dict[str, pdf_worker.Rendered],
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
    send = names[:-1] if len(names) > 1 else names
    if send and worker.render(send, course, options):
        return send
    worker.close()
    return []


def _render(name: str, course: Course, options: backends.Options) -> pdf_worker.Rendered:
    """Run one backend; a crash becomes a clean error and nothing is written."""
    diags = Diagnostics()
    try:
        return backends.load(name)(course, options, diags), diags.items
    except StudycError:
        raise
    except Exception as exc:
        if os.environ.get("STUDYC_DEBUG"):
            raise
        raise BackendError(
            f"the {name} backend failed ({type(exc).__name__}: {exc}); no output was written and earlier "
            "outputs are unchanged. This is a bug in studyc: rerun with STUDYC_DEBUG=1 for a traceback and report it"
        ) from exc
