"""Command line: ``studyc build`` and ``studyc check``. Heavy imports stay lazy."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from compiler import __version__
from compiler.errors import StudycError, UsageError

EXIT_OK, EXIT_DIAGNOSTICS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studyc", description="Compile Markdown study notes into Anki decks, PDFs and JSON.")
    parser.add_argument("--version", action="version", version=f"studyc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    build = sub.add_parser("build", help="check the notes and write the outputs")
    build.add_argument("source", nargs="?", default="source", type=Path, help="notes folder (default: source)")
    build.add_argument("-o", "--out", default="build", type=Path, help="output folder (default: build)")
    build.add_argument("--format", dest="formats", default=None, help="comma-separated outputs (default: all)")
    build.add_argument("--paper", choices=["a4", "letter"], default=None, help="paper size for PDFs")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--output-format", choices=["text", "json"], default="text", help="diagnostics format")

    check = sub.add_parser("check", help="check the notes; write nothing")
    check.add_argument("source", nargs="?", default="source", type=Path, help="notes folder (default: source)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument(
        "--format", dest="output_format", choices=["text", "json"], default="text", help="diagnostics format"
    )
    return parser


def _report(result: object, output_format: str, strict: bool) -> None:
    from compiler.diagnostics import to_json
    from compiler.pipeline import Result

    assert isinstance(result, Result)
    diags = result.diagnostics.sorted()
    if output_format == "json":
        print(to_json(diags))
        return
    for diag in diags:
        line = diag.format()
        if strict and diag.severity == "warning":
            line += " (error: --strict)"
        print(line, file=sys.stderr)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run a command; return the exit code."""
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_USAGE
    from compiler import pipeline
    from compiler.checks.coverage import coverage

    if args.command == "check":
        result = pipeline.check(args.source)
    else:
        from compiler.backends import Options

        formats = pipeline.parse_formats(args.formats)
        options = Options(source_root=args.source, paper=args.paper)
        result = pipeline.build(args.source, args.out, formats, options, strict=args.strict)
    _report(result, args.output_format, args.strict)
    failed = result.failed(args.strict)
    if args.output_format == "text":
        errors = result.diagnostics.count("error")
        warnings = result.diagnostics.count("warning")
        if result.course is not None:
            print(f"{coverage(result.course).line()}; {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        if args.command == "build" and not failed:
            for path in result.written:
                print(f"wrote {path}", file=sys.stderr)
            if result.unchanged:
                print(f"{len(result.unchanged)} output(s) unchanged", file=sys.stderr)
        elif failed:
            print(
                "build stopped: fix the errors above; no output was written"
                if args.command == "build"
                else "check failed",
                file=sys.stderr,
            )
    return EXIT_DIAGNOSTICS if failed else EXIT_OK


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
    except Exception as exc:
        if os.environ.get("STUDYC_DEBUG"):
            raise
        print(
            f"studyc: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in studyc; rerun with STUDYC_DEBUG=1 for a traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
