"""``studyc sync``: the notes straight into an Anki collection (or a running Anki through AnkiConnect).

Order of work: check the notes, match them to the lock, plan against the
collection, show the plan, back the collection up with Anki's own backup, apply
in one undo step, then write ``studyc.lock`` and ``studyc.sync.json``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.model.errors import DiagnosticsFailed, SyncConflictError, UsageError

if TYPE_CHECKING:
    from compiler.anki.identity import Plan
    from compiler.anki.lock import Lock
    from compiler.anki.sync.plan import SyncPlan, Target
    from compiler.app.console import Reporter
    from compiler.model.ir import AnyCard

LOCK_NAME = "studyc.lock"
ANKICONNECT = "http://127.0.0.1:8765"


def _target_flags(parser: argparse.ArgumentParser, with_ankiconnect: bool = False) -> None:
    help_ = "notes folder holding course.md (default: . when it holds course.md, else source)"
    parser.add_argument("source", nargs="?", default=None, type=Path, help=help_)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--collection", type=Path, metavar="PATH", help="the collection.anki2 file (Anki closed)")
    where.add_argument("--profile", metavar="NAME", help="an Anki profile's collection (Anki closed)")
    if with_ankiconnect:
        where.add_argument(
            "--ankiconnect", nargs="?", const=ANKICONNECT, metavar="URL", help=f"a running Anki (default {ANKICONNECT})"
        )


def add_parser(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Register ``sync`` and ``pull`` (cli.py calls this)."""
    sync = sub.add_parser("sync", parents=[common], help="write the notes straight into an Anki collection")
    _target_flags(sync, with_ankiconnect=True)
    sync.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    sync.add_argument("--delete", action="store_true", help="delete notes studyc made that left the notes")
    sync.add_argument("--prefer", choices=["notes", "anki"], default=None, help="settle conflicts for one side")
    sync.add_argument("--deck-depth", type=int, default=None, metavar="N", help="heading levels that become subdecks")
    pull = sub.add_parser("pull", parents=[common], help="take fields edited in Anki back into the notes")
    _target_flags(pull)
    pull.add_argument("--dry-run", action="store_true", help="print what would be pulled; change nothing")


@dataclass(frozen=True)
class Prepared:
    """The notes, ready to plan against a collection."""

    target: Target
    identity: Plan
    where: dict[str, str]
    """Card key → ``source/path:line`` as the user typed the source folder."""
    cards: dict[str, AnyCard]
    """Card key → card."""


def prepare(args: argparse.Namespace, reporter: Reporter) -> Prepared:
    """Check the notes (stopping on errors) and render the notes Anki gets."""
    from compiler.anki import lock as lockfile
    from compiler.anki.backend import note_type_hashes
    from compiler.anki.identity import resolve
    from compiler.anki.sync.target import target
    from compiler.build import pipeline
    from compiler.model.diagnostics import Diagnostics
    from compiler.model.ir import iter_cards
    from compiler.settings import load_config

    if not args.source.is_dir():
        raise UsageError(f"source folder '{args.source}' does not exist; pass the folder that holds course.md")
    config = load_config(args.source).override(deck_depth=getattr(args, "deck_depth", None))
    result = pipeline.check(args.source, config.limits(), quality=config.quality, suppress=config.suppress_warnings)
    diags = result.diagnostics
    reporter.diagnostics(diags.sorted(), args.source, config.strict)  # warnings too, as `build` shows them
    if result.course is None or diags.errors(config.strict):
        raise DiagnosticsFailed("the notes have errors (listed above); nothing was synced")
    old: Lock = lockfile.read(args.source / LOCK_NAME)
    identity = resolve(result.course, old, note_type_hashes())
    render_diags = Diagnostics()
    tgt = target(result.course, pipeline.options_for(args.source, config), identity, old, render_diags)
    reporter.diagnostics(render_diags.sorted(), args.source, config.strict)
    where = {key: (args.source / w).as_posix() for key, w in tgt.where.items()}
    cards = {ctx.card.id: ctx.card for ctx in iter_cards(result.course)}
    return Prepared(replace(tgt, where=where), identity, where, cards)


def collection_of(args: argparse.Namespace) -> Path:
    from compiler.anki.profiles import collection_path

    if args.profile is not None:
        return collection_path(args.profile)
    path: Path = args.collection
    return path / "collection.anki2" if path.is_dir() else path


def show(plan: SyncPlan, prepared: Prepared, into: str, reporter: Reporter, verbose: bool) -> None:
    """The plan on the terminal: where to, counts, then details."""
    from compiler.app.console import NORMAL
    from compiler.app.sync_view import counts, details

    reporter.result(f"sync plan for {into}:")
    if reporter.verbosity >= NORMAL:
        reporter.out.print(counts(plan))
    for line in details(plan, prepared.where, verbose):
        reporter.result(line)


def run(args: argparse.Namespace, reporter: Reporter) -> int:
    """``studyc sync``."""
    from compiler.anki.sync import state as statefile

    prepared = prepare(args, reporter)
    state = statefile.read(args.source / statefile.STATE_NAME)
    if args.ankiconnect is not None:
        plan = _sync_ankiconnect(args, prepared, state, reporter)
    else:
        plan = _sync_collection(args, prepared, state, reporter)
    if plan is None:  # dry run
        return 0
    _save(args, prepared, plan)
    if plan.conflicts:
        raise SyncConflictError(
            f"{len(plan.conflicts)} note(s) changed both in Anki and in the notes were left as Anki has them; "
            "everything else was synced"
        )
    return 0


def _sync_collection(
    args: argparse.Namespace, prepared: Prepared, state: object, reporter: Reporter
) -> SyncPlan | None:
    from compiler.anki.sync import collection
    from compiler.anki.sync.plan import make_plan
    from compiler.anki.sync.state import State

    assert isinstance(state, State)
    path = collection_of(args)
    with collection.opened(path) as col:
        snap = collection.snapshot(col, prepared.target, state)
        plan = make_plan(prepared.target, snap, state, delete=args.delete, prefer=args.prefer)
        show(plan, prepared, str(path), reporter, args.verbose or args.dry_run)
        if args.dry_run:
            reporter.result("dry run: nothing was changed")
            return None
        if plan.empty:
            kept = plan.kept or plan.conflicts
            reporter.result(
                "nothing to change" + (" besides the edits above" if kept else ": the collection matches the notes")
            )
            return plan
        backups = path.parent / "backups"
        collection.backup(col, backups)
        reporter.debug(f"backed up the collection into {backups}")
        collection.apply(col, plan, prepared.target)
    reporter.result(f"synced into {path} in {reporter.elapsed():.2f} s")
    return plan


def _sync_ankiconnect(
    args: argparse.Namespace, prepared: Prepared, state: object, reporter: Reporter
) -> SyncPlan | None:
    from compiler.anki.sync import ankiconnect
    from compiler.anki.sync.plan import make_plan
    from compiler.anki.sync.state import State

    assert isinstance(state, State)
    client = ankiconnect.Client(args.ankiconnect)
    snap = ankiconnect.snapshot(client, prepared.target, state)
    plan = make_plan(prepared.target, snap, state, delete=args.delete, prefer=args.prefer)
    limits = ankiconnect.limit(plan)
    show(plan, prepared, f"AnkiConnect at {args.ankiconnect}", reporter, args.verbose or args.dry_run)
    for line in limits:
        reporter.info(f"note: {line}")
    if args.dry_run:
        reporter.result("dry run: nothing was changed")
        return None
    if plan.empty:
        reporter.result("nothing to change" + (" besides the edits above" if plan.kept or plan.conflicts else ""))
        return plan
    # AnkiConnect has no backup action; Anki's own periodic backups are the safety net on this path
    ankiconnect.apply(client, plan, prepared.target)
    reporter.result(f"synced through AnkiConnect at {args.ankiconnect} in {reporter.elapsed():.2f} s")
    return plan


def _save(args: argparse.Namespace, prepared: Prepared, plan: SyncPlan) -> None:
    """The lock and the sync state, once Anki holds what they describe."""
    from compiler.anki import lock as lockfile
    from compiler.anki.sync import state as statefile

    lockfile.write(args.source / LOCK_NAME, prepared.identity.lock)
    statefile.write(args.source / statefile.STATE_NAME, plan.state)
