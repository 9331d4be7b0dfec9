"""The build plan as the user sees it: counts, removed notes, ``build/removed.txt``."""

from __future__ import annotations

from pathlib import Path

from compiler.anki import lock as lockfile
from compiler.anki.identity import Plan, resolve
from compiler.anki.lock import Lock
from compiler.model.ir import Course

REMOVED_NAME = "removed.txt"
#: Longest ``guid:a OR guid:b`` query printed on the terminal.
_MAX_PRINTED = 10


def plan(course: Course, lock: Path | None, source_url: str | None = None) -> Plan:
    """Match the course against the lock at ``lock`` (or nothing); ``source_url`` is part of each note."""
    from compiler.anki.backend import note_type_hashes

    old = lockfile.read(lock) if lock is not None else Lock()
    return resolve(course, old, note_type_hashes(), source_url=source_url)


def query(nids: list[int]) -> str:
    """An Anki browser search that selects exactly these notes.

    Anki has no search by GUID, but its importer keeps a new note's id, and
    the lock assigns ids that are never reused.
    """
    return "nid:" + ",".join(str(n) for n in nids)


def summary(p: Plan) -> str:
    """``notes: 2 added, 1 updated, 40 unchanged, 1 removed`` (Anki notes; a note may make several cards)."""
    return (
        f"notes: {len(p.added)} added, {len(p.updated)} updated, {len(p.unchanged)} unchanged, {len(p.removed)} removed"
    )


def lines(p: Plan, verbose: bool = False) -> list[str]:
    """The plan for the terminal: summary, then what to do about removed notes."""
    out = [summary(p)]
    if verbose:
        out += [f"  added    {key}" for key in p.added]
        out += [f"  updated  {key}" for key in p.updated]
        out += [f"  matched  {old} → {new}" for old, new in p.renamed]
    for u in p.unsure:
        question = u.entry.prompt if len(u.entry.prompt) <= 60 else u.entry.prompt[:59] + "…"
        out.append(f"new card at {u.where} may be the removed card '{question}' (similarity {u.score:.2f});")
        out.append(f"  if it is, keep its review history: studyc keep {u.where} {u.entry.guid}")
    if p.removed:
        out.append(
            f"{len(p.removed)} note(s) left the notes; an Anki import never deletes, so in Anki's browser "
            "search for the line below and delete those notes:"
        )
        shown = p.removed[:_MAX_PRINTED]
        out.append("  " + query([e.nid for e in shown]))
        if len(p.removed) > _MAX_PRINTED:
            out.append(f"  (and {len(p.removed) - _MAX_PRINTED} more: see {REMOVED_NAME})")
    return out


def removed_text(p: Plan) -> str:
    """``build/removed.txt``: one search for all, then one line per removed card."""
    head = [
        "# Cards that left the notes in the last build that removed any. An Anki import never deletes:",
        "# paste the query into Anki's browser search, check the notes, and delete them.",
        query([e.nid for e in p.removed]),
        "",
    ]
    rows = [f"nid:{e.nid}\tguid {e.guid}\t{e.key}\t{e.prompt}" for e in p.removed]
    return "\n".join(head + rows) + "\n"


def files(p: Plan | None, out: Path, lock: Path | None) -> list[tuple[Path, bytes]]:
    """What a build writes besides backend outputs: the lock, and removed.txt when cards left."""
    if p is None:
        return []
    written: list[tuple[Path, bytes]] = []
    if lock is not None:
        written.append((lock, lockfile.dumps(p.lock).encode("utf-8")))
    if p.removed:
        written.append((out / REMOVED_NAME, removed_text(p).encode("utf-8")))
    return written
