"""``studyc pull``: fields edited only in Anki go back into the Markdown; what cannot is listed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from compiler.app.console import Reporter


def run(args: argparse.Namespace, reporter: Reporter) -> int:
    """Read the collection (never write it), rewrite the notes, list what needs a hand."""
    from compiler.anki.package import strip_html
    from compiler.anki.sync import collection
    from compiler.anki.sync import state as statefile
    from compiler.anki.sync.plan import make_plan
    from compiler.anki.sync.pull import pull
    from compiler.app.sync import collection_of, prepare
    from compiler.model.atomic import write_atomic

    prepared = prepare(args, reporter)
    state = statefile.read(args.source / statefile.STATE_NAME)
    path = collection_of(args)
    with collection.opened(path) as col:
        snap = collection.snapshot(col, prepared.target, state)
    plan = make_plan(prepared.target, snap, state)
    paths = {prepared.cards[e.spec.key].span.path for e in plan.kept}
    sources = {p: (args.source / p).read_text(encoding="utf-8") for p in sorted(paths)}
    result = pull(prepared.cards, plan.kept, sources)
    for item in result.pulled:
        reporter.result(f"{item.where}: {item.key}: {item.field} ← Anki: {item.markdown}")
    for miss in result.unmapped:
        text = " ".join(strip_html(miss.anki).split())
        reporter.result(f"{miss.where}: {miss.key}: {miss.field} not pulled ({miss.reason}); in Anki: {text}")
    for edit in plan.conflicts:
        reporter.result(f"{edit.where}: {edit.spec.key}: edited in Anki and in the notes; see studyc sync --dry-run")
    if args.dry_run:
        reporter.result(f"dry run: {len(result.pulled)} field(s) would be pulled; nothing was changed")
        return 0
    for rel, text in sorted(result.files.items()):
        write_atomic(Path(args.source) / rel, text.encode("utf-8"))
    reporter.result(
        f"pulled {len(result.pulled)} field(s) into {len(result.files)} file(s); "
        f"{len(result.unmapped)} to apply by hand; run studyc sync to record them"
    )
    return 0
