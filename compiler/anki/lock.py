"""``studyc.lock``: the committed map from cards to Anki identities.

One line per card, tab-separated, sorted by card key, so that two branches that
each add cards merge without conflicts in most cases; when git does report a
conflict, the reader keeps both sides (marker lines are skipped, duplicates are
resolved deterministically) and the next build rewrites the file cleanly.
See ``docs/updating.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from compiler.model.atomic import write_atomic
from compiler.model.errors import StudycError

LOCK_NAME = "studyc.lock"
VERSION = "1"
HEADER = (
    "# studyc.lock: which Anki note each card is. Commit it with your notes; see docs/updating.md.\n"
    "# card\tkey\tguid\tnote-type\tnote-id\tmodified\tfingerprint\tcontent\tprompt\tanswer\tkind\tsection\tafter\n"
)
#: Longest prompt/answer text kept for fuzzy matching.
TEXT_LIMIT = 200
_CONFLICT_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


class LockError(StudycError):
    """The identity lock (``studyc.lock``) cannot be read; fix or restore it from git."""

    exit_code = 6


@dataclass(frozen=True)
class Entry:
    """What the lock remembers about one card."""

    key: str
    """The card's id when it was last built (explicit or derived)."""
    guid: str
    """The Anki note GUID; never changes once given."""
    nid: int
    """Anki note id: milliseconds when the card first appeared (Anki keeps it on import)."""
    modified: int
    """Unix time the card's note content last changed (the note's mod time)."""
    fingerprint: str
    """Hash of the card's own text, independent of where it sits."""
    content: str
    """Hash of everything that goes into the note (text, location, tags)."""
    prompt: str
    """Normalised question text, for fuzzy matching."""
    answer: str
    """Normalised answer text, for fuzzy matching."""
    note_type: str = ""
    """``basic`` or ``cloze``: Anki cannot move a note to another note type on import
    (it reports "conflicting"), so a card that changes type needs a new note. Empty in
    locks written before this column existed: matches any type."""
    kind: str = ""
    """The card kind (``basic``, ``definition``…); empty in locks written before it existed."""
    section: str = ""
    """Chapter id then section ids, ``/``-separated: where the card stood, for alignment."""
    after: str = ""
    """Key of the card before it in its chapter (empty for the first): the old reading order.
    A neighbour rather than a position, so adding a card changes one other line, not all below."""


@dataclass(frozen=True)
class NoteTypeEntry:
    """Modified time of a note type, which rises only when its templates or CSS change."""

    key: str
    modified: int
    content: str


@dataclass
class Lock:
    """The whole lock file."""

    entries: list[Entry] = field(default_factory=list)
    note_types: dict[str, NoteTypeEntry] = field(default_factory=dict)


def clean_text(text: str) -> str:
    """One line, no tabs, bounded length: what the lock stores for matching."""
    return " ".join(text.split())[:TEXT_LIMIT]


def _same_time(a: Entry, b: Entry) -> bool:
    """Whether two lock lines give one note the same modified time."""
    return (a.nid, a.guid, a.modified) == (b.nid, b.guid, b.modified)


def parse(text: str, where: str = LOCK_NAME) -> Lock:
    """Read a lock; tolerant of merged conflict markers, strict about malformed lines."""
    lock = Lock()
    by_key: dict[str, Entry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\n")
        if not line.strip() or line.startswith("#") or line.startswith(_CONFLICT_MARKERS):
            continue
        cols = line.split("\t")
        try:
            if cols[0] == "version":
                if cols[1] != VERSION:
                    raise LockError(
                        f"{where}:{number}: lock version {cols[1]} is not supported by this studyc; upgrade studyc"
                    )
            elif cols[0] == "notetype" and len(cols) == 4:
                entry_nt = NoteTypeEntry(cols[1], int(cols[2]), cols[3])
                old_nt = lock.note_types.get(entry_nt.key)
                if old_nt is None or entry_nt.modified > old_nt.modified:
                    lock.note_types[entry_nt.key] = entry_nt
            elif cols[0] == "card" and len(cols) in (9, 10, 13):
                family = cols.pop(3) if len(cols) >= 10 else ""
                place = cols[9:12] if len(cols) == 12 else ["", "", ""]
                nums = int(cols[3]), int(cols[4])
                entry = Entry(cols[1], cols[2], *nums, cols[5], cols[6], cols[7], cols[8], family, *place)
                old = by_key.get(entry.key)
                # Both sides of a merge kept the same card: the older identity wins; of one identity
                # (both edited it), the newer time, so the next change rises above what both imported.
                if old is None or (entry.nid, entry.guid, -entry.modified) < (old.nid, old.guid, -old.modified):
                    by_key[entry.key] = entry
                elif _same_time(entry, old) and entry.content != old.content:
                    # both sides edited it in the same second: neither hash is the merged text's,
                    # so the next build counts the card as changed and raises its time above both
                    by_key[entry.key] = replace(old, content="")
            else:
                raise ValueError(cols[0])
        except (ValueError, IndexError) as exc:
            raise LockError(
                f"{where}:{number}: malformed line; fix it by hand from version control, "
                "or delete the line (that card then gets a new Anki identity)"
            ) from exc
    seen: set[str] = set()
    for entry in sorted(by_key.values(), key=lambda e: (e.nid, e.key)):
        if entry.guid not in seen:  # a merged lock may list one GUID twice
            seen.add(entry.guid)
            lock.entries.append(entry)
    lock.entries.sort(key=lambda e: e.key)
    return lock


def dumps(lock: Lock) -> str:
    """Text form: header, version, note types, then cards sorted by key."""
    out = [HEADER, f"version\t{VERSION}\n"]
    for nt in sorted(lock.note_types.values(), key=lambda n: n.key):
        out.append(f"notetype\t{nt.key}\t{nt.modified}\t{nt.content}\n")
    for e in sorted(lock.entries, key=lambda e: e.key):
        cols: tuple[str, ...] = (e.key, e.guid, e.note_type, str(e.nid), str(e.modified), e.fingerprint, e.content)
        cols = (*cols, e.prompt, e.answer, e.kind, e.section, e.after)
        out.append("card\t" + "\t".join(cols) + "\n")
    return "".join(out)


def read(path: Path) -> Lock:
    """The lock at ``path``, or an empty one when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock()
    except OSError as exc:
        raise LockError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse(text, str(path))


def write(path: Path, lock: Lock) -> bool:
    """Write atomically; False when the file already had these bytes."""
    return write_atomic(path, dumps(lock).encode("utf-8"))
