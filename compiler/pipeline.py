"""load → parse → lower → checks → backends. Nothing is written until all pass."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from compiler import backends
from compiler.checks import run_checks
from compiler.diagnostics import Diagnostics
from compiler.errors import BackendError, StudycError, UsageError
from compiler.frontend import Limits, load_course
from compiler.identity import Plan
from compiler.ir import Course
from compiler.output import write_all


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


def check(source: Path, limits: Limits | None = None, timings: dict[str, float] | None = None) -> Result:
    """Parse and check; write nothing. ``timings`` receives seconds per stage (see ``build``)."""
    if not source.is_dir():
        raise UsageError(f"source folder '{source}' does not exist; pass the folder that holds course.md")
    course, diags = load_course(source, limits, timings=timings)
    if course is not None:
        started = time.perf_counter()
        run_checks(course, diags)
        _record(timings, "checks", started)
    return Result(course, diags)


def _record(timings: dict[str, float] | None, stage: str, started: float) -> None:
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def parse_formats(spec: str | None) -> list[str]:
    """``json,anki`` → validated list; ``None``/``all`` → every registered format."""
    if not spec or spec == "all":
        return list(backends.REGISTRY)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in backends.REGISTRY]
    if unknown:
        raise UsageError(f"unknown format(s): {', '.join(unknown)}; choose from {', '.join(backends.REGISTRY)}")
    return names


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
) -> Result:
    """Check, render every format in memory, then write each output atomically.

    ``step`` is called with a label before parsing, before each format and
    before writing (the CLI's progress bar). ``lock`` is the identity lock to
    match cards against and to update (``None``: match against nothing and
    write no lock). ``dry_run`` computes the plan and writes nothing.
    ``timings``, if given, receives seconds per stage: ``load``, ``parse``,
    ``ir``, ``checks``, ``identity``, ``backend:<name>`` and ``write``.
    """
    step = step or (lambda _label: None)
    step("parsing")
    result = check(source, limits, timings)
    if result.failed(strict) or result.course is None:
        return result
    from compiler import identity_report

    started = time.perf_counter()
    result.plan = identity_report.plan(result.course, lock)
    _record(timings, "identity", started)
    if dry_run:
        return result
    if options.identity is None:
        options = replace(options, identity=result.plan, build_time=options.build_time or result.plan.build_time)
    outputs: list[backends.Output] = []
    for name in formats:
        step(f"rendering {name}")
        started = time.perf_counter()
        outputs.extend(_render(name, result.course, options))
        _record(timings, f"backend:{name}", started)
    step("writing")
    started = time.perf_counter()
    # all outputs, then the identity lock, staged together: a failure leaves every old file whole
    files = [(out / output.name, output.data) for output in outputs]
    files.extend(identity_report.files(result.plan, out, lock))
    written, unchanged = write_all(files)
    result.written.extend(written)
    result.unchanged.extend(unchanged)
    _record(timings, "write", started)
    return result


def _render(name: str, course: Course, options: backends.Options) -> list[backends.Output]:
    """Run one backend; a crash becomes a clean error and nothing is written."""
    try:
        return backends.load(name)(course, options)
    except StudycError:
        raise
    except Exception as exc:
        if os.environ.get("STUDYC_DEBUG"):
            raise
        raise BackendError(
            f"the {name} backend failed ({type(exc).__name__}: {exc}); no output was written and earlier "
            "outputs are unchanged. This is a bug in studyc: rerun with STUDYC_DEBUG=1 for a traceback and report it"
        ) from exc
