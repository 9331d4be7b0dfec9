"""Command line: ``studyc build|check|stats|init``. Heavy imports stay lazy.

Output (colors, source snippets, progress, summary) lives in
``compiler.app.console``; this module parses flags, merges them over the config
file and runs the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import __version__
from compiler.model.errors import DiagnosticsFailed, StudycError, UsageError

if TYPE_CHECKING:
    from compiler.app.console import Reporter
    from compiler.build.pipeline import Result
    from compiler.settings import Config

EXIT_OK, EXIT_INTERNAL = 0, 70
SKIPPED = "build stamp: nothing this build reads has changed"
EXIT_DIAGNOSTICS, EXIT_USAGE = DiagnosticsFailed.exit_code, UsageError.exit_code
COLLECTION_HELP = "your Anki collection.anki2, read-only: also write <slug>-weak-spots.pdf"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studyc", description="Compile Markdown study notes into Anki decks, PDFs and JSON.")
    parser.add_argument("--version", action="version", version=f"studyc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    common = _Parser(add_help=False)
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics")
    loud.add_argument("-v", "--verbose", action="store_true", help="also print config, timings and unchanged outputs")
    source_help = "notes folder holding course.md (default: source)"
    strict_help = "treat warnings as errors (overrides 'strict' in studyc.toml)"

    build = sub.add_parser("build", parents=[common], help="check the notes and write the outputs")
    build.add_argument("source", nargs="?", default="source", type=Path, help=source_help)
    build.add_argument("-o", "--out", default=None, type=Path, help="output folder (default: build)")
    build.add_argument("--format", dest="formats", default=None, help="comma-separated outputs (default: all)")
    build.add_argument("--paper", choices=["a4", "letter"], default=None, help="paper size for PDFs")
    build.add_argument("--deck-depth", type=int, default=None, metavar="N", help="heading levels that become subdecks")
    build.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None, help=strict_help)
    build.add_argument("--output-format", choices=["text", "json"], default="text", help="diagnostics format")
    build.add_argument("--dry-run", action="store_true", help="print the card plan; write nothing")
    build.add_argument("--no-cache", action="store_true", help="parse and render everything (ignore build/.cache)")
    build.add_argument("--pages", type=int, default=None, metavar="N", help="cheat sheet page budget (default: 4)")
    build.add_argument("--collection", type=Path, default=None, metavar="PATH", help=COLLECTION_HELP)

    check = sub.add_parser("check", parents=[common], help="check the notes; write nothing")
    check.add_argument("source", nargs="?", default="source", type=Path, help=source_help)
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None, help=strict_help)
    check.add_argument(
        "--format", dest="output_format", choices=["text", "json"], default="text", help="diagnostics format"
    )

    stats = sub.add_parser("stats", parents=[common], help="cards per chapter, section, domain and exam tip")
    stats.add_argument("source", nargs="?", default="source", type=Path, help=source_help)
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON on stdout")
    stats.add_argument("--thin", type=int, default=1, metavar="N", help="tips with at most N cards are thin (1)")

    watch = sub.add_parser("watch", parents=[common], help="rebuild on every save; Ctrl-C stops")
    watch.add_argument("source", nargs="?", default="source", type=Path, help=source_help)
    watch.add_argument("-o", "--out", default=None, type=Path, help="output folder (default: build)")
    watch.add_argument("--format", dest="formats", default=None, help="comma-separated outputs (default: all)")

    init = sub.add_parser("init", parents=[common], help="create a new notes project with an example chapter")
    init.add_argument("dir", type=Path, help="folder to create (may exist if empty)")
    init.add_argument("--title", default=None, help="course title (default: from the folder name)")
    return parser


def _config(args: argparse.Namespace, reporter: Reporter) -> Config:
    """The config file in the source folder, with CLI flags on top."""
    from compiler.settings import load_config

    if not args.source.is_dir():
        raise UsageError(f"source folder '{args.source}' does not exist; pass the folder that holds course.md")
    config = load_config(args.source)
    if config.source is not None:
        reporter.debug(f"config: {config.source} ({', '.join(sorted(config.keys)) or 'no keys'})")
    flags: dict[str, Any] = {"strict": getattr(args, "strict", None)}
    if args.command == "build":
        formats = None if args.formats is None else tuple(_formats(args.formats))
        flags.update(out=args.out, paper=args.paper, deck_depth=args.deck_depth, formats=formats)
        flags.update(cheatsheet_pages=args.pages)
    return config.override(**flags)


def _formats(spec: str) -> list[str]:
    from compiler.model.backend import parse_formats

    return parse_formats(spec)


def _up_to_date(args: argparse.Namespace, config: Config, reporter: Reporter) -> bool:
    """Report and return True when the stamped last build still stands (no parser import)."""
    from compiler.build import stamp

    found = stamp.fresh(args.source, config.out, stamp.settings_key(config))
    if found is None:
        return False
    if args.output_format == "json":
        print("[]")
        return True
    lines, outputs = found
    for line in lines:
        reporter.info(line)
    reporter.debug(f"{SKIPPED}; parsing and rendering skipped")
    reporter.summary([], outputs)
    return True


def _check_or_build(args: argparse.Namespace, reporter: Reporter) -> int:
    reporter.start()  # per run, so `watch` reports each rebuild's own time
    config = _config(args, reporter)
    # a collection changes with every review, so a build that reads one is never skipped by the stamp
    reads_reviews = getattr(args, "collection", None) is not None
    use_cache = args.command == "build" and not args.dry_run and not args.no_cache and not reads_reviews
    if use_cache and _up_to_date(args, config, reporter):
        return EXIT_OK
    before = _snapshot(args, config) if use_cache else None
    from compiler.app.console import report_result
    from compiler.build import pipeline

    if args.command == "check":
        result = pipeline.check(args.source, config.limits(), quality=config.quality, suppress=config.suppress_warnings)
    else:
        from compiler.model.backend import REGISTRY

        formats = list(config.formats or REGISTRY)
        if args.collection is not None and "cheatsheet" not in formats:
            raise UsageError("--collection prints the weak-spots sheet, which the cheatsheet format makes; add it")
        options = pipeline.options_for(args.source, config)
        with reporter.progress(len(formats) + 2, "building") as step:
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
                collection=args.collection,
            )
        if args.collection is None and "cheatsheet" in formats:
            reporter.debug("weak-spots sheet not built: pass --collection PATH to read your Anki reviews")
    failed = result.failed(config.strict)
    plan_lines: list[str] = []
    if result.plan is not None and not failed:
        from compiler.anki.report import lines

        plan_lines = lines(result.plan, verbose=args.verbose or args.dry_run)
    dry_run = getattr(args, "dry_run", False)
    report_result(reporter, result, args.command, args.output_format, config.strict, args.source, plan_lines, dry_run)
    # information (what the cheat sheet left out) does not stop the stamp: a skipped build repeats it
    quiet = all(d.severity == "info" for d in result.diagnostics.items)
    if use_cache and not failed and quiet and result.course is not None:
        _save_stamp(args, config, result, before)
    return EXIT_DIAGNOSTICS if failed else EXIT_OK


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

    lines = [replace(d, path=(args.source / d.path).as_posix()).format() for d in result.diagnostics.sorted()]
    lines += [outcome_line(coverage(result.course).line(), 0, 0)] if result.course is not None else []
    if result.plan is not None:
        p = result.plan
        lines.append(summary(replace(p, added=[], updated=[], unchanged=p.added + p.updated + p.unchanged, removed=[])))
    outputs = [*result.written, *result.unchanged]
    stamp.save(args.source, config.out, stamp.settings_key(config), outputs, lines, before)


def _stats(args: argparse.Namespace, reporter: Reporter) -> int:
    import json

    from compiler.app import stats
    from compiler.app.console import stdout_console
    from compiler.build import pipeline

    config = _config(args, reporter)
    result = pipeline.check(args.source, config.limits(), quality=config.quality, suppress=config.suppress_warnings)
    failed = result.failed(config.strict)
    if failed:
        reporter.diagnostics(result.diagnostics.sorted(), args.source, config.strict)
    if result.course is None:
        reporter.error("stats need a course that loads; fix the errors above")
        return EXIT_DIAGNOSTICS
    numbers = stats.compute(result.course, thin=args.thin)
    if args.json:
        print(json.dumps(numbers.as_json(), indent=2, ensure_ascii=False))
    else:
        stats.render(numbers, stdout_console())
    if failed:
        # like `check`: a course with errors fails, so scripts and CI do not trust its numbers
        reporter.error("the course has errors (listed above); these numbers may be incomplete")
        return EXIT_DIAGNOSTICS
    return EXIT_OK


def _init(args: argparse.Namespace, reporter: Reporter) -> int:
    from compiler.app.scaffold import create

    written = create(args.dir, title=args.title)
    for path in written:
        reporter.debug(f"created {path}")
    reporter.info(f"created {len(written)} files in {args.dir}; next: studyc build {args.dir}")
    return EXIT_OK


def _watch(args: argparse.Namespace, reporter: Reporter) -> int:
    from compiler.app.watch import watch

    # each rebuild is a plain `studyc build` with the same source, output and formats
    flags = {"paper": None, "deck_depth": None, "strict": None, "output_format": "text", "dry_run": False}
    flags.update(no_cache=False, pages=None, collection=None)
    build_args = argparse.Namespace(**{**vars(args), **flags, "command": "build"})

    def rebuild() -> bool:
        try:
            return _check_or_build(build_args, reporter) == EXIT_OK
        except StudycError as exc:
            reporter.error(str(exc))
            return False

    out = _config(build_args, reporter).out
    return watch(args.source, rebuild, info=reporter.info, ignore=(out,))


def run(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run a command; return the exit code."""
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE
    from compiler.app.console import Reporter, verbosity

    reporter = Reporter(verbosity(args.quiet, args.verbose))
    if args.command == "stats":
        return _stats(args, reporter)
    if args.command == "init":
        return _init(args, reporter)
    if args.command == "watch":
        return _watch(args, reporter)
    return _check_or_build(args, reporter)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: no traceback reaches the user."""
    try:
        return run(argv)
    except StudycError as exc:
        print(f"studyc: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("studyc: interrupted; earlier outputs are unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `studyc stats --json | head`: the reader left; stop quietly like other Unix tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:
        if os.environ.get("STUDYC_DEBUG"):
            raise
        print(
            f"studyc: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in studyc; rerun with STUDYC_DEBUG=1 for a traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
