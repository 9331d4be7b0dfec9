"""``studyc keep FILE:LINE OLD``: bind a new card to a removed card's Anki note.

The build report names new cards that may be removed ones ("new card at
02-data-collection.md:112 may be the removed card …"). ``keep`` records the
pairing in ``studyc.lock``: the old note's entry takes the new card's key and
fingerprint, so the next build matches them exactly and updates that note in
place (its review history stays). The old card is looked up in the lock (after
``studyc build --dry-run``) or in ``build/removed.txt`` (after a build that
already dropped it). See docs/updating.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from compiler.anki import lock as lockfile
from compiler.anki.identity import NOTE_FAMILY, fingerprint
from compiler.anki.lock import Entry
from compiler.anki.report import REMOVED_NAME
from compiler.frontend import load_course
from compiler.model.errors import DiagnosticsFailed, UsageError
from compiler.model.ir import AnyCard, Course, iter_cards


def _card(course: Course, where: str) -> AnyCard:
    """The card at ``file:line`` (the line of its question, or any line inside it)."""
    name, _, raw = where.rpartition(":")
    if not name or not raw.isdigit():
        raise UsageError(f"'{where}' is not FILE:LINE, e.g. 02-data-collection.md:112 (from the build report)")
    line = int(raw)
    cards = [c.card for c in iter_cards(course) if c.card.span.path == name or Path(c.card.span.path).name == name]
    if not cards:
        files = sorted({Path(c.card.span.path).name for c in iter_cards(course)})
        raise UsageError(f"no card in '{name}'; the notes' files are: {', '.join(files)}")
    before = [c for c in cards if c.span.line <= line]
    if not before:
        raise UsageError(f"no card at or before {where}; the first card of {name} is at line {cards[0].span.line}")
    return max(before, key=lambda c: c.span.line)


def _removed(out: Path) -> list[Entry]:
    """Cards listed in ``removed.txt`` (nid, guid, key, question): enough to bind a note again."""
    try:
        text = (out / REMOVED_NAME).read_text(encoding="utf-8")
    except OSError:
        return []
    found = []
    for row in text.splitlines():
        cols = row.split("\t")
        if len(cols) == 4 and cols[0].startswith("nid:") and cols[1].startswith("guid "):
            found.append(Entry(cols[2], cols[1][5:], int(cols[0][4:]), 0, "", "", cols[3], ""))
    return found


def _old(entries: list[Entry], ask: str) -> Entry:
    """The entry named by GUID, key or (start of) question."""
    want = " ".join(ask.lower().split()).rstrip("…")
    tests: list[Callable[[Entry], bool]] = [
        lambda e: e.guid == ask,
        lambda e: e.key == ask,
        lambda e: e.prompt.lower() == want,
        lambda e: e.prompt.lower().startswith(want),
    ]
    for test in tests:
        hits = [e for e in entries if test(e)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise UsageError(f"'{ask}' names {len(hits)} cards; use the GUID from the build report")
    raise UsageError(f"no removed card '{ask}' in the lock or {REMOVED_NAME}; use the GUID from the build report")


def keep(source: Path, where: str, old: str, out: Path, dry_run: bool = False) -> list[str]:
    """Record that the card at ``where`` is the old card ``old``; returns what was (or would be) done."""
    course, diags = load_course(source)
    if course is None:
        errors = "; ".join(d.format() for d in diags.sorted()[:3])
        raise DiagnosticsFailed(f"the notes have errors, fix them first (studyc check): {errors}")
    card = _card(course, where)
    path = source / lockfile.LOCK_NAME
    lock = lockfile.read(path)
    entry = _old(lock.entries + _removed(out), old)
    if entry.note_type not in ("", NOTE_FAMILY[card.kind]):
        raise UsageError(f"the old card is a {entry.note_type} note and this one is not; Anki cannot convert it")
    if entry.key == card.id and entry.fingerprint == fingerprint(card):
        return [f"{where} already is the note {entry.guid}; nothing to do"]
    live = {(c.card.id, fingerprint(c.card)): c.card for c in iter_cards(course)}
    other = live.get((entry.key, entry.fingerprint))
    if other is not None:
        raise UsageError(
            f"the old card '{entry.prompt[:60]}' is still in the notes ({other.span.path}:{other.span.line}); "
            "keep binds only a card that left"
        )
    bound = replace(entry, key=card.id, fingerprint=fingerprint(card), content="", note_type=NOTE_FAMILY[card.kind])
    kept = []
    for e in lock.entries:
        if e.guid == entry.guid:
            continue
        if e.key == card.id:
            # the identity the new card got meanwhile: report it as removed next build (it may be in Anki)
            e = replace(e, key=f"{e.key}~unbound", fingerprint="", prompt="", answer="", section="", after="")
        kept.append(e)
    lock.entries = [*kept, bound]
    action = "would bind" if dry_run else "bound"
    lines = [f"{action} {where} to the old note {entry.guid} ('{entry.prompt[:60]}'); the next build updates it"]
    if not dry_run:
        lockfile.write(path, lock)
    return lines
