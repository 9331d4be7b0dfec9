"""Terminal output: compiler-style diagnostics, a delayed progress bar, the summary line.

rich is imported here only, and this module is imported only once a command
runs, so ``studyc --help`` never pays for it. Every diagnostic starts with the
plain ``path:line:col: severity: message [code]`` line that editors parse; the
source line and caret follow, indented, like gcc and rustc.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from compiler.build.pipeline import Result
    from compiler.model.diagnostics import Diagnostic

QUIET, NORMAL, VERBOSE = 0, 1, 2
#: Builds faster than this never show a progress bar.
PROGRESS_DELAY = 1.0
_SEVERITY_STYLE = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}


def no_color() -> bool:
    """https://no-color.org: any non-empty ``NO_COLOR`` turns color off."""
    return bool(os.environ.get("NO_COLOR"))


def make_console(file: TextIO | None = None, width: int | None = None, force_terminal: bool | None = None) -> Console:
    """A console that never wraps, highlights or reads emoji codes in our text.

    With ``NO_COLOR`` there are no escape codes at all (rich's own ``no_color``
    would still print bold and dim).
    """
    return Console(
        file=file,
        stderr=file is None,
        force_terminal=force_terminal,
        color_system=None if no_color() else "auto",
        highlight=False,
        emoji=False,
        markup=False,
        width=width,
        soft_wrap=True,
    )


def human_size(size: int) -> str:
    """``1536`` → ``1.5 KiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class SourceLines:
    """Reads note files once each, to show the offending line under a diagnostic."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._cache: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        """Line ``number`` (1-based) of ``path``, or None if it cannot be read."""
        if self.root is None:
            return None
        if path not in self._cache:
            try:
                text = (self.root / path).read_text(encoding="utf-8-sig", errors="replace")
                self._cache[path] = text.split("\n")  # the parser counts only \n as a line break
            except OSError:
                self._cache[path] = None
        lines = self._cache[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]


def snippet(diag: Diagnostic, source: str, style: str) -> Text:
    """The gutter, the source line and a caret under the column."""
    number = str(diag.line)
    pad = " " * len(number)
    col = max(diag.col, 1)
    # Keep tabs so the caret lines up with the tab-expanded source line.
    lead = "".join(ch if ch == "\t" else " " for ch in source[: col - 1])
    shown = source if len(source) <= 200 else source[:199] + "…"
    text = Text()
    text.append(f" {number} | ", style="blue")
    text.append(shown + "\n")
    text.append(f" {pad} | ", style="blue")
    text.append(lead)
    text.append("^", style=style)
    return text


def headline(diag: Diagnostic, strict: bool) -> Text:
    """The parseable first line, with color that disappears when piped."""
    style = _SEVERITY_STYLE[diag.severity]
    text = Text()
    text.append(f"{diag.path}:{diag.line}:{diag.col}:", style="bold")
    text.append(" ")
    text.append(f"{diag.severity}:", style=style)
    text.append(f" {diag.message} ")
    text.append(f"[{diag.code.value}]", style="dim")
    if strict and diag.severity == "warning":
        text.append(" (error: --strict)", style="red")
    return text


class Reporter:
    """Everything a command prints on stderr, at the chosen verbosity."""

    def __init__(self, verbosity: int = NORMAL, console: Console | None = None) -> None:
        self.verbosity = verbosity
        self.console = console or make_console()
        self.started = time.perf_counter()

    def info(self, message: str) -> None:
        """A normal-verbosity line (hidden by ``-q``)."""
        if self.verbosity >= NORMAL:
            self.console.print(message)

    def debug(self, message: str) -> None:
        """A ``-v`` line."""
        if self.verbosity >= VERBOSE:
            self.console.print(Text(message, style="dim"))

    def error(self, message: str) -> None:
        """Always shown, even with ``-q``."""
        self.console.print(Text(message, style="bold red"))

    def diagnostics(self, diags: Iterable[Diagnostic], source_root: Path | None, strict: bool) -> None:
        """Each diagnostic as a headline plus its source line and caret.

        The headline's path is joined to ``source_root`` as the user typed it,
        so an editor or pre-commit run from the repository finds the file.
        """
        lines = SourceLines(source_root)
        for diag in diags:
            if diag.severity == "info" and self.verbosity < VERBOSE:
                continue  # notices, not problems: only with -v (JSON output keeps them)
            shown = diag if source_root is None else replace(diag, path=(source_root / diag.path).as_posix())
            self.console.print(headline(shown, strict))
            source = lines.line(diag.path, diag.line)
            if source is not None and source.strip():
                self.console.print(snippet(diag, source, _SEVERITY_STYLE[diag.severity]))

    def start(self) -> None:
        """Restart the clock of :meth:`elapsed` (each run of ``watch``)."""
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds since the reporter was made (the command started)."""
        return time.perf_counter() - self.started

    def summary(self, written: list[Path], unchanged: list[Path]) -> None:
        """One line per written output with its size, then the final line with the total and the time."""
        if self.verbosity < NORMAL:
            return
        sizes = [(path.as_posix(), path.stat().st_size) for path in written]
        width = max((len(name) for name, _ in sizes), default=0)
        for name, size in sizes:
            self.console.print(f"  {name:<{width}}  {human_size(size):>10}")
        for path in unchanged:
            self.debug(f"  unchanged {path.as_posix()}")
        line = Text()
        if sizes:
            line.append(f"wrote {len(sizes)} output(s)", style="green")
            line.append(f" ({human_size(sum(size for _, size in sizes))})")
            if unchanged:
                line.append(f", {len(unchanged)} unchanged")
        else:
            line.append("nothing changed", style="green")
            line.append(f": {len(unchanged)} output(s) up to date")
        line.append(f" in {self.elapsed():.2f} s")
        self.console.print(line)

    @contextmanager
    def progress(self, total: int, label: str) -> Iterator[Step]:
        """A bar that appears only after ``PROGRESS_DELAY`` and only on a terminal."""
        if self.verbosity < NORMAL or not self.console.is_terminal:
            yield Step(None)
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        task = bar.add_task(label, total=total)
        lock = threading.Lock()
        finished = False

        def start() -> None:
            # The timer may fire while the build is finishing; never start after stop.
            with lock:
                if not finished:
                    bar.start()

        timer = threading.Timer(PROGRESS_DELAY, start)
        timer.daemon = True
        timer.start()
        try:
            yield Step(bar, task)
        finally:
            timer.cancel()
            with lock:
                finished = True
                bar.stop()


class Step:
    """Advances a progress bar, or does nothing when there is none."""

    def __init__(self, bar: Progress | None, task: TaskID | None = None) -> None:
        self.bar = bar
        self.task = task
        self.count = 0

    def __call__(self, description: str) -> None:
        """Mark the previous step done and name the next one."""
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1 if self.count else 0, description=description)
        self.count += 1


def verbosity(quiet: bool, verbose: bool) -> int:
    """``-q`` beats ``-v`` beats the default."""
    return QUIET if quiet else VERBOSE if verbose else NORMAL


def stdout_console() -> Console:
    """For command results (stats tables) that belong on stdout."""
    return make_console(file=sys.stdout)


def outcome_line(coverage_line: str, errors: int, warnings: int) -> str:
    """``24/24 exam tips covered, 182 notes, 210 cards; 0 error(s), 0 warning(s)``."""
    return f"{coverage_line}; {errors} error(s), {warnings} warning(s)"


def report_result(
    reporter: Reporter,
    result: Result,
    command: str,
    output_format: str,
    strict: bool,
    source_root: Path,
    notes: Iterable[str] = (),
    dry_run: bool = False,
) -> None:
    """Diagnostics, the coverage line, ``notes`` (the card plan) and the summary of a ``check`` or ``build``."""
    from compiler.checks.coverage import coverage
    from compiler.model.diagnostics import to_json

    diags = result.diagnostics.sorted()
    if output_format == "json":
        print(to_json(diags))
        return
    reporter.diagnostics(diags, source_root, strict)
    failed = result.failed(strict)
    errors = result.diagnostics.count("error")
    warnings = result.diagnostics.count("warning")
    if result.course is not None:
        reporter.info(outcome_line(coverage(result.course).line(), errors, warnings))
    if failed:
        reporter.error(
            "build stopped: fix the errors above; no output was written" if command == "build" else "check failed"
        )
        return
    for note in notes:
        reporter.info(note)
    if command == "build" and dry_run:
        reporter.info(f"dry run: nothing was written ({reporter.elapsed():.2f} s)")
    elif command == "build":
        reporter.summary(result.written, result.unchanged)
    else:
        reporter.debug(f"checked in {reporter.elapsed():.2f} s")
