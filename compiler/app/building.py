"""``studyc check`` and ``studyc build``: the stamp that skips an unchanged build, the pipeline, the report.

``compiler.app.cli`` parses the flags and loads the config; ``watch`` runs one
of these builds per round. Heavy imports stay lazy: a build the stamp skips
never imports the parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from compiler.model.errors import DiagnosticsFailed, UsageError

if TYPE_CHECKING:
    from compiler.app.console import Reporter
    from compiler.build.pdf_worker import PdfWorker
    from compiler.build.pipeline import Result
    from compiler.settings import Config

EXIT_OK, EXIT_DIAGNOSTICS = 0, DiagnosticsFailed.exit_code
SKIPPED = "build stamp: nothing this build reads has changed"


def _up_to_date(args: argparse.Namespace, config: Config, reporter: Reporter) -> bool:
    """Report and return True when the stamped last build still stands (no parser import)."""
    from compiler.build import stamp

    found = stamp.fresh(args.source, config.out, stamp.settings_key(config))
    if found is None:
        return False
    if args.diagnostics == "json":
        print("[]")
        return True
    notices, lines, outputs = found
    for notice in notices:  # on stderr and even with -q, as the build printed them
        reporter.console.print(notice)
    for line in lines:
        reporter.result(line)
    reporter.debug(f"{SKIPPED}; parsing and rendering skipped")
    reporter.summary([], outputs)
    return True


def check_or_build(
    args: argparse.Namespace, config: Config, reporter: Reporter, stale: Callable[[], bool] | None = None
) -> int:
    """``studyc check`` or ``studyc build`` (also each round of ``watch``) with ``config``; the exit code."""
    if getattr(args, "profile", None) is not None:
        from compiler.anki.profiles import collection_path

        args.collection = collection_path(args.profile)
    # a collection changes with every review, so a build that reads one is never skipped by the stamp
    reads_reviews = getattr(args, "collection", None) is not None
    use_cache = args.command == "build" and not args.dry_run and not args.no_cache and not reads_reviews
    if use_cache and _up_to_date(args, config, reporter):
        return EXIT_OK
    before = _snapshot(args, config) if use_cache else None
    worker = _pdf_worker(args, config, stale)  # first: the imports below take a quarter second
    from compiler.app.console import report_result
    from compiler.build import pipeline

    if args.command == "check":
        result = pipeline.check(args.source, config.limits(), quality=config.quality, suppress=config.suppress_warnings)
    else:
        result = _build(args, config, reporter, stale, worker)
    if result.cancelled:
        reporter.info("PDFs stopped: a newer save is being built")
        return EXIT_DIAGNOSTICS
    failed = result.failed(config.strict)
    plan_lines: list[str] = []
    if result.plan is not None and not failed:
        from compiler.anki.report import lines

        plan_lines = lines(result.plan, verbose=args.verbose or args.dry_run)
    dry_run = getattr(args, "dry_run", False)
    report_result(reporter, result, args.command, args.diagnostics, config.strict, args.source, plan_lines, dry_run)
    # information (what the cheat sheet left out) does not stop the stamp: a skipped build repeats it
    quiet = all(d.severity == "info" for d in result.diagnostics.items)
    if use_cache and not failed and quiet and result.course is not None:
        _save_stamp(args, config, result, before)
    return EXIT_DIAGNOSTICS if failed else EXIT_OK


def _formats(args: argparse.Namespace, config: Config) -> list[str]:
    from compiler.model.backend import REGISTRY

    formats = list(config.formats or REGISTRY)
    if args.collection is not None and "cheatsheet" not in formats:
        raise UsageError("--collection prints the weak-spots sheet, which the cheatsheet format makes; add it")
    return formats


def _pdf_worker(args: argparse.Namespace, config: Config, stale: Callable[[], bool] | None) -> PdfWorker | None:
    """A build's PDF worker, started before the pipeline's imports and the progress bar's thread.

    WeasyPrint's import (most of a second) then runs while this process imports and parses; and
    with no thread running yet, the worker is a fork, not a fresh interpreter.
    """
    if args.command != "build" or args.dry_run:
        return None
    from compiler.build import pdf_worker

    return pdf_worker.start(_formats(args, config), always=stale is not None)


def _build(
    args: argparse.Namespace,
    config: Config,
    reporter: Reporter,
    stale: Callable[[], bool] | None,
    worker: PdfWorker | None,
) -> Result:
    """Run the build pipeline with the progress bar; ``-v`` adds the time of each stage."""
    from compiler.build import pipeline

    formats = _formats(args, config)
    options = pipeline.options_for(args.source, config)
    timings: dict[str, float] = {}
    with reporter.progress(pipeline.steps(formats), "building") as step:
        result = pipeline.build(
            args.source,
            config.out,
            formats,
            options,
            strict=config.strict,
            limits=config.limits(),
            step=step,
            lock=args.source / "studyc.lock",
            dry_run=args.dry_run,
            cache=None if args.no_cache or args.dry_run else config.out / ".cache",
            quality=config.quality,
            suppress=config.suppress_warnings,
            landed=reporter.landed if stale is not None else None,
            cancel=stale,
            collection=args.collection,
            timings=timings,
            worker=worker,
        )
    reporter.debug("timings: " + (" · ".join(f"{k} {v:.2f} s" for k, v in timings.items()) or "none"))
    if args.collection is None and "cheatsheet" in formats:
        reporter.debug("weak-spots sheet not built: pass --collection PATH to read your Anki reviews")
    return result


def _snapshot(args: argparse.Namespace, config: Config) -> dict[str, str]:
    """The notes' bytes as this build is about to read them (what its stamp may vouch for)."""
    from compiler.build import stamp

    return stamp.snapshot(args.source, config.out)


def _save_stamp(args: argparse.Namespace, config: Config, result: Result, before: dict[str, str] | None) -> None:
    """Stamp a clean build with what the next one would report if nothing changed."""
    from dataclasses import replace

    from compiler.anki.report import summary
    from compiler.app.console import outcome_line
    from compiler.build import stamp
    from compiler.checks.coverage import coverage

    shown = [d for d in result.diagnostics.sorted() if not d.code.verbose_only]  # as a build without -v shows
    notices = [replace(d, path=(args.source / d.path).as_posix()).format() for d in shown]
    lines = [outcome_line(coverage(result.course).line(), 0, 0)] if result.course is not None else []
    if result.plan is not None:
        p = result.plan
        lines.append(summary(replace(p, added=[], updated=[], unchanged=p.added + p.updated + p.unchanged, removed=[])))
    outputs = [*result.written, *result.unchanged]
    stamp.save(args.source, config.out, stamp.settings_key(config), outputs, lines, before, notices)
