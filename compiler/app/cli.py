"""Command line: ``studyc build|check|stats|tips|watch|keep|init|sync|pull|lsp``. Heavy imports stay lazy.

Output (colors, source snippets, progress, summary) lives in
``compiler.app.console``; this module parses flags, merges them over the config
file and runs the pipeline.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler import __version__
from compiler.model.errors import DiagnosticsFailed, StudycError, UsageError

if TYPE_CHECKING:
    from compiler.app.console import Reporter
    from compiler.settings import Config

EXIT_OK, EXIT_INTERNAL = 0, 70
EXIT_DIAGNOSTICS, EXIT_USAGE = DiagnosticsFailed.exit_code, UsageError.exit_code
COLLECTION_HELP = "your Anki collection.anki2, read-only: also write <slug>-weak-spots.pdf"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


class _Deprecated(argparse.Action):
    """A flag name kept for one release: it still works, with a warning naming its successor."""

    def __init__(self, option_strings: list[str], dest: str, successor: str = "", **kwargs: Any) -> None:
        self.successor = successor
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: Any, opt: str | None = None
    ) -> None:
        print(f"studyc: warning: {opt} is deprecated; use {self.successor} {value}", file=sys.stderr)
        setattr(ns, self.dest, value)


def _outputs_help() -> str:
    """Every output name with its one line, from the format registry (the single source)."""
    from compiler.model.backend import FORMATS

    width = max(len(f.name) for f in FORMATS)
    return "outputs (--format):\n" + "\n".join(f"  {f.name:<{width}}  {f.help}" for f in FORMATS)


def _source_argument(p: argparse.ArgumentParser) -> None:
    help_ = "notes folder holding course.md (default: . when it holds course.md, else source)"
    p.add_argument("source", nargs="?", default=None, type=Path, help=help_)


def _diagnostics_argument(p: argparse.ArgumentParser, old: str | None = None) -> None:
    p.add_argument("--diagnostics", choices=["text", "json"], default="text", help="diagnostics format (text)")
    if old is not None:  # the old spelling, hidden, for one release
        kw: dict[str, Any] = {"choices": ["text", "json"], "help": argparse.SUPPRESS, "successor": "--diagnostics"}
        p.add_argument(old, dest="diagnostics", action=_Deprecated, **kw)


def _build_arguments(p: argparse.ArgumentParser) -> None:
    """Every flag of ``build``; ``watch`` takes the same ones (each rebuild is a build)."""
    from compiler.model.backend import FORMATS

    names = ",".join(f.name for f in FORMATS)
    p.add_argument("-o", "--out", default=None, type=Path, help="output folder (default: build)")
    p.add_argument(
        "--format",
        dest="formats",
        default=None,
        metavar="NAMES",
        help=f"comma-separated outputs: {names} (default: all)",
    )
    p.add_argument("--paper", choices=["a4", "letter"], default=None, help="paper size for PDFs")
    p.add_argument("--deck-depth", type=int, default=None, metavar="N", help="heading levels that become subdecks")
    p.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None, help=STRICT_HELP)
    _diagnostics_argument(p, old="--output-format")
    p.add_argument("--dry-run", action="store_true", help="print the card plan; write nothing")
    p.add_argument("--no-cache", action="store_true", help="parse and render everything (ignore build/.cache)")
    p.add_argument("--pages", type=int, default=None, metavar="N", help="cheat sheet page budget (default: 4)")
    reviews = p.add_mutually_exclusive_group()
    reviews.add_argument("--collection", type=Path, default=None, metavar="PATH", help=COLLECTION_HELP)
    reviews.add_argument(
        "--profile", default=None, metavar="NAME", help="an Anki profile's collection, as --collection"
    )


STRICT_HELP = "treat warnings as errors (overrides 'strict' in studyc.toml)"


def _delay(text: str) -> int:
    """``lsp --delay``: whole milliseconds, 0 or more."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected whole milliseconds (0 or more), got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="studyc",
        description="Compile Markdown study notes into Anki decks, PDFs and JSON.",
        epilog=_outputs_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"studyc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    common = _Parser(add_help=False)
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only diagnostics")
    loud.add_argument("-v", "--verbose", action="store_true", help="also print config, timings and unchanged outputs")
    raw: dict[str, Any] = {"parents": [common], "formatter_class": argparse.RawDescriptionHelpFormatter}

    build = sub.add_parser("build", help="check the notes and write the outputs", epilog=_outputs_help(), **raw)
    _source_argument(build)
    _build_arguments(build)

    check = sub.add_parser("check", parents=[common], help="check the notes; write nothing")
    _source_argument(check)
    check.add_argument("--strict", action=argparse.BooleanOptionalAction, default=None, help=STRICT_HELP)
    _diagnostics_argument(check, old="--format")

    stats = sub.add_parser("stats", parents=[common], help="cards per chapter, section, domain and exam tip")
    _source_argument(stats)
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON on stdout")
    stats.add_argument("--thin", type=int, default=1, metavar="N", help="tips with at most N cards are thin (1)")

    tips = sub.add_parser("tips", parents=[common], help="every exam tip id with the cards that cover it")
    _source_argument(tips)
    tips.add_argument("--json", action="store_true", help="print the list as JSON on stdout")

    watch = sub.add_parser("watch", help="rebuild on every save; Ctrl-C stops", epilog=_outputs_help(), **raw)
    _source_argument(watch)
    _build_arguments(watch)

    keep = sub.add_parser("keep", parents=[common], help="bind a new card to a removed card's Anki note")
    keep.add_argument("where", metavar="FILE:LINE", help="the new card, as the build report names it")
    keep.add_argument("old", metavar="OLD", help="the removed card: its GUID (from the report) or its question")
    _source_argument(keep)
    keep.add_argument("-o", "--out", default=None, type=Path, help="output folder holding removed.txt (default: build)")
    keep.add_argument("--dry-run", action="store_true", help="show the pairing; write nothing")

    init = sub.add_parser("init", parents=[common], help="create a new notes project with an example chapter")
    init.add_argument("dir", type=Path, help="folder to create (may exist if empty)")
    init.add_argument("--title", default=None, help="course title (default: from the folder name)")

    from compiler.app import sync as sync_command

    sync_command.add_parser(sub, common)

    from compiler.app.lsp import DELAY_MS

    lsp_about = "Each open note belongs to the course in the nearest folder above it with course.md (docs/editor.md)."
    lsp = sub.add_parser("lsp", help="language server for editors (speaks LSP on stdin/stdout)", description=lsp_about)
    lsp.add_argument(
        "--delay",
        type=_delay,
        default=DELAY_MS,
        metavar="MS",
        help=f"milliseconds without typing before the notes are checked again (default: {DELAY_MS})",
    )
    return parser


def _default_source(args: argparse.Namespace) -> None:
    """No SOURCE given: the current folder when it is a notes folder, else ``source``."""
    if getattr(args, "source", "") is None:
        args.source = Path(".") if Path("course.md").is_file() else Path("source")


def _config(args: argparse.Namespace, reporter: Reporter) -> Config:
    """The config file in the source folder, with CLI flags on top."""
    from compiler.settings import load_config

    if not args.source.is_dir():
        raise UsageError(f"source folder '{args.source}' does not exist; pass the folder that holds course.md")
    config = load_config(args.source)
    if config.source is not None:
        reporter.debug(f"config: {config.source} ({', '.join(sorted(config.keys)) or 'no keys'})")
    flags: dict[str, Any] = {"strict": getattr(args, "strict", None)}
    reporter.strict_why = "--strict" if flags["strict"] else "strict = true in studyc.toml"
    if args.command in ("build", "watch"):
        formats = None if args.formats is None else tuple(_formats(args.formats))
        flags.update(out=args.out, paper=args.paper, deck_depth=args.deck_depth, formats=formats)
        flags.update(cheatsheet_pages=args.pages)
    return config.override(**flags)


def _formats(spec: str) -> list[str]:
    from compiler.model.backend import parse_formats

    return parse_formats(spec)


def _check_or_build(args: argparse.Namespace, reporter: Reporter, stale: Callable[[], bool] | None = None) -> int:
    from compiler.app.building import check_or_build

    reporter.start()  # per run, so `watch` reports each rebuild's own time
    return check_or_build(args, _config(args, reporter), reporter, stale)


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

    # each rebuild is a plain `studyc build` with the same flags
    build_args = argparse.Namespace(**{**vars(args), "command": "build"})

    rounds = 0

    def rebuild(stale: Callable[[], bool]) -> bool:
        nonlocal rounds
        rounds += 1
        try:
            ok = _check_or_build(build_args, reporter, stale) == EXIT_OK
            if rounds == 1:  # while waiting for the first save, which then lands as fast as the next
                from compiler.build.pipeline import warm_up

                warm_up(_formats("all"))  # every data format: cheap, and no second read of the config
            return ok
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
    if args.command == "lsp":
        from compiler.app.lsp import serve

        return serve(args.delay)
    from compiler.app.console import Reporter, verbosity

    reporter = Reporter(verbosity(args.quiet, args.verbose))
    _default_source(args)
    if args.command == "tips":
        from compiler.app.tips import run as tips

        return tips(args, _config(args, reporter), reporter)
    if args.command == "stats":
        return _stats(args, reporter)
    if args.command == "init":
        return _init(args, reporter)
    if args.command == "watch":
        return _watch(args, reporter)
    if args.command == "sync":
        from compiler.app import sync as sync_command

        return sync_command.run(args, reporter)
    if args.command == "pull":
        from compiler.app import pull

        return pull.run(args, reporter)
    if args.command == "keep":
        from compiler.app.keep import keep

        for line in keep(args.source, args.where, args.old, args.out or _config(args, reporter).out, args.dry_run):
            reporter.info(line)
        return EXIT_OK
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
