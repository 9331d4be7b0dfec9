"""What a sync would change in a collection, worked out before anything is touched.

Inputs: the notes as studyc renders them (``Target``), what the collection holds
for those GUIDs (``Snapshot``, read by the collection or AnkiConnect path) and
what sync last wrote (``State``). Nothing here talks to Anki, so both paths
share one plan and ``--dry-run`` shows exactly what would be applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from compiler.anki.models import NOTE_TYPES, NoteType
from compiler.anki.notes import NoteSpec
from compiler.anki.sync.markdown import same
from compiler.anki.sync.state import IGNORED_FIELDS, State, Written, field_hash, written

Prefer = Literal["notes", "anki"] | None
#: The record of a field whose last written text is unknown (never equal to a real hash).
UNKNOWN = "unknown"


@dataclass(frozen=True)
class AnkiNote:
    """One note as the collection holds it."""

    nid: int
    guid: str
    mid: int
    """Note-type id."""
    names: tuple[str, ...]
    """Field names of its note type."""
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    cards: tuple[tuple[int, str], ...]
    """(card id, deck name) of each of its cards."""
    mod: int


@dataclass(frozen=True)
class AnkiNoteType:
    """A note type as the collection holds it (only what sync compares)."""

    id: int
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]
    """(name, question, answer) in order."""
    css: str


@dataclass(frozen=True)
class Target:
    """What the notes want the collection to hold."""

    specs: list[NoteSpec]
    where: dict[str, str]
    """Card key → ``path:line`` (for messages)."""
    models: dict[int, dict[str, Any]]
    """Note-type id → the note type's JSON as studyc writes it."""
    media: list[tuple[str, bytes]]
    """Media the notes reference: (name, bytes)."""
    removed: dict[str, str]
    """GUID → card key of notes the lock says studyc made that left the notes."""
    baseline: dict[str, int]
    """GUID → modified time the previous lock gave the note (what an import left in Anki)."""
    slug: str
    """The course slug: tags under ``<slug>::`` are studyc's."""
    nids: dict[str, int] = field(default_factory=dict)
    """GUID → note id the lock gave it (what the collection path and an import keep)."""
    changed_types: frozenset[int] = frozenset()
    """Note types whose templates or CSS changed since the lock was written."""


@dataclass(frozen=True)
class Snapshot:
    """What the collection holds for the notes, note types and media of a target."""

    notes: dict[str, AnkiNote]
    """GUID → note."""
    note_types: dict[int, AnkiNoteType]
    media: frozenset[str]
    """Media names (of those the target references) already in the collection."""


@dataclass(frozen=True)
class Change:
    """An existing note to update: new field values (by name) and/or new tags."""

    spec: NoteSpec
    note: AnkiNote
    fields: dict[str, str]
    """Field name → new text (only the fields that change)."""
    tags: tuple[str, ...] | None
    """The note's new tags, or None when they stay."""


@dataclass(frozen=True)
class Edit:
    """A note whose text differs between Anki and the notes."""

    spec: NoteSpec
    note: AnkiNote
    names: tuple[str, ...]
    """The fields that differ."""
    where: str


@dataclass(frozen=True)
class Move:
    """Cards to move to the deck their chapter maps to now."""

    spec: NoteSpec
    cards: tuple[int, ...]
    old: tuple[str, ...]
    """The decks they are in now."""


@dataclass
class SyncPlan:
    """Everything a sync would do, and the state to record once it is done."""

    add: list[NoteSpec] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    migrate: list[NoteSpec] = field(default_factory=list)
    """Notes whose note type in Anki is not the one studyc writes now (a new note-type version)."""
    move: list[Move] = field(default_factory=list)
    conflicts: list[Edit] = field(default_factory=list)
    """Edited in Anki and in the notes: left alone until ``--prefer``."""
    kept: list[Edit] = field(default_factory=list)
    """Edited in Anki only (or ``--prefer anki``): left alone; ``studyc pull`` takes them."""
    delete: list[AnkiNote] = field(default_factory=list)
    left: list[tuple[str, AnkiNote]] = field(default_factory=list)
    """(card key, note) of notes that left the notes but stay (no ``--delete``)."""
    create_types: list[NoteType] = field(default_factory=list)
    update_types: list[NoteType] = field(default_factory=list)
    media: list[tuple[str, bytes]] = field(default_factory=list)
    state: State = field(default_factory=State)

    @property
    def empty(self) -> bool:
        """True when applying would change nothing in the collection."""
        work = (self.add, self.update, self.migrate, self.move, self.delete, self.create_types, self.update_types)
        return not any(work) and not self.media


def by_name(names: tuple[str, ...], values: tuple[str, ...]) -> dict[str, str]:
    """Fields by name (a note type with fewer fields leaves the rest empty)."""
    return dict(zip(names, values, strict=False))


def _sides(record: Written | None, name: str, notes: str, anki: str, anki_newer: bool) -> tuple[bool, bool]:
    """(edited in Anki, edited in the notes) for one field that differs, against what sync last wrote.

    With no record (the first sync after an import) the note's modified time tells whether Anki
    changed it; whether the notes did cannot be known, so they count as edited.
    """
    if record is None or name not in record.fields:
        return anki_newer, True
    last = record.fields[name]
    return field_hash(anki) != last, field_hash(notes) != last


def _tags(spec: NoteSpec, note: AnkiNote, record: Written | None, slug: str) -> tuple[str, ...] | None:
    """studyc's tags now plus the user's own; None when the note already has exactly those."""
    ours = set(record.tags) if record is not None else {t for t in note.tags if t.startswith(f"{slug}::")}
    want = set(spec.tags) | {t for t in note.tags if t not in ours}
    return None if {t.casefold() for t in want} == {t.casefold() for t in note.tags} else tuple(sorted(want))


def _note_types(target: Target, snap: Snapshot, plan: SyncPlan) -> None:
    for nt in NOTE_TYPES:
        have = snap.note_types.get(nt.id)
        if have is None:
            if any(s.note_type.id == nt.id for s in target.specs):
                plan.create_types.append(nt)
            continue
        model = target.models[nt.id]
        want = tuple((t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"])
        if want != have.templates or model["css"] != have.css:
            plan.update_types.append(nt)


def _existing(spec: NoteSpec, note: AnkiNote, target: Target, state: State, prefer: Prefer, plan: SyncPlan) -> None:
    """Update, keep or flag one note that is in the collection already, field by field."""
    names = spec.note_type.fields
    notes_side = by_name(names, spec.fields)
    anki_side = by_name(note.names, note.fields)
    record = state.notes.get(spec.guid)
    new_record = written(names, spec.fields, spec.tags)
    anki_newer = note.mod > target.baseline.get(spec.guid, 0)
    update: list[str] = []
    kept: list[str] = []
    conflict: list[str] = []
    for name in names:
        # the same text in another spelling (Anki's editor drops a <p>) is no difference
        if name in IGNORED_FIELDS or same(notes_side[name], anki_side.get(name, "")):
            continue
        in_anki, in_notes = _sides(record, name, notes_side[name], anki_side.get(name, ""), anki_newer)
        if in_anki and in_notes and prefer is None:
            conflict.append(name)
        elif in_anki and prefer != "notes":
            kept.append(name)
        else:
            update.append(name)
    where = target.where.get(spec.key, spec.key)
    if conflict:
        # the whole note waits for a side to be picked; nothing of it is written
        plan.conflicts.append(Edit(spec, note, tuple(conflict), where))
        kept, update = [*conflict, *kept], []
    elif kept:
        plan.kept.append(Edit(spec, note, tuple(kept), where))
    if kept and prefer != "anki":
        # a kept field stays "edited in Anki" until pulled (its record is what sync wrote before), and a
        # conflict stays a conflict until a side is picked (with no record: a hash matching neither side)
        last = record.fields if record is not None else {}
        fields = {
            n: (last.get(n, UNKNOWN if n in conflict else h) if n in kept else h) for n, h in new_record.fields.items()
        }
        new_record = replace(new_record, fields=fields)
    tags = None if conflict else _tags(spec, note, record, target.slug)
    if update or tags is not None:
        # the Source field follows a real edit only (its line moves with every edit above the card)
        changed = [*update, *sorted(IGNORED_FIELDS & set(names))] if update else []
        plan.update.append(Change(spec, note, {n: notes_side[n] for n in changed}, tags))
    deck = spec.deck.casefold()
    away = [(cid, d) for cid, d in note.cards if d.casefold() != deck]
    if away:
        plan.move.append(Move(spec, tuple(c for c, _ in away), tuple(sorted({d for _, d in away}))))
    plan.state.notes[spec.guid] = new_record


def make_plan(target: Target, snap: Snapshot, state: State, delete: bool = False, prefer: Prefer = None) -> SyncPlan:
    """The sync plan for ``target`` against the collection's ``snap``."""
    plan = SyncPlan()
    _note_types(target, snap, plan)
    for spec in target.specs:
        note = snap.notes.get(spec.guid)
        if note is None:
            plan.add.append(spec)
            plan.state.notes[spec.guid] = written(spec.note_type.fields, spec.fields, spec.tags)
        elif note.mid != spec.note_type.id:
            plan.migrate.append(spec)
            plan.state.notes[spec.guid] = written(spec.note_type.fields, spec.fields, spec.tags)
        else:
            _existing(spec, note, target, state, prefer, plan)
    wanted = {s.guid for s in target.specs}
    # the lock's removed notes, and notes an earlier sync wrote and left in Anki
    ours = dict(target.removed) | {g: target.removed.get(g, g) for g in state.notes}
    for guid, key in sorted(ours.items()):
        note = snap.notes.get(guid)
        if guid in wanted or note is None:
            continue
        if delete:
            plan.delete.append(note)
        else:
            plan.left.append((key, note))
            # still studyc's: a later `--delete` may remove it even once the lock has forgotten it
            plan.state.notes[guid] = state.notes.get(guid) or written(note.names, note.fields, ())
    plan.media = [(name, data) for name, data in target.media if name not in snap.media]
    for guid, record in plan.state.notes.items():
        note = snap.notes.get(guid)
        if note is not None and note.nid != target.nids.get(guid) and record.nid != note.nid:
            # a note AnkiConnect added has Anki's id, not the lock's: remember where it is
            plan.state.notes[guid] = replace(record, nid=note.nid)
    return plan
