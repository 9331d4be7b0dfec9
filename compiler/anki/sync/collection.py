"""Apply a sync plan to a collection file through Anki's own backend (the ``anki`` package).

Notes to add go in through Anki's importer with a package of just those notes,
which is the one public way to create notes and note types with studyc's fixed
ids and GUIDs; everything else uses the collection's own operations. The whole
apply is merged into one undo step ("studyc sync"), and undone if any part fails.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.anki.backend import deck_id
from compiler.anki.models import NOTE_TYPES
from compiler.anki.package import package
from compiler.anki.sync.plan import AnkiNote, AnkiNoteType, Snapshot, SyncPlan, Target
from compiler.anki.sync.state import State
from compiler.model.errors import CollectionBusyError, OutputError, UsageError

if TYPE_CHECKING:
    from anki.collection import Collection
    from anki.dbproxy import DBProxy

_CHUNK = 500


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size`` (SQLite limits the number of ``?`` in one query)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _anki() -> Any:
    try:
        import anki.collection
    except ImportError as exc:
        raise UsageError(
            "studyc sync needs Anki's backend: pip install 'studyc[anki]' (make build installs it)"
        ) from exc
    return anki


@contextmanager
def opened(path: Path) -> Iterator[Collection]:
    """The collection at ``path``, refused (nothing written) while Anki has it open."""
    anki = _anki()
    if not path.is_file():
        raise UsageError(
            f"no Anki collection at {path}; pass the collection.anki2 file of a profile, or --profile NAME"
        )
    try:
        col = anki.collection.Collection(str(path))
    except anki.errors.DBError as exc:
        raise CollectionBusyError(
            f"{path} is open in Anki ({exc}); close Anki (or switch profile) and sync again, "
            "or sync into the running Anki with --ankiconnect"
        ) from exc
    try:
        yield col
    finally:
        col.close()


def _db(col: Collection) -> DBProxy:
    assert col.db is not None, "the collection is closed"
    return col.db


def _guids(target: Target, state: State) -> set[str]:
    return {s.guid for s in target.specs} | set(target.removed) | set(state.notes)


def snapshot(col: Collection, target: Target, state: State) -> Snapshot:
    """What the collection holds for the target's notes, note types and media."""
    decks = {d.id: d.name for d in col.decks.all_names_and_ids()}
    field_names: dict[int, tuple[str, ...]] = {}
    rows: list[Any] = []
    for chunk in batched(sorted(_guids(target, state)), _CHUNK):
        marks = ",".join("?" * len(chunk))
        rows += _db(col).all(f"select id, guid, mid, mod, tags, flds from notes where guid in ({marks})", *chunk)
    cards: dict[int, list[tuple[int, str]]] = {}
    for chunk in batched([r[0] for r in rows], _CHUNK):
        marks = ",".join("?" * len(chunk))
        for cid, nid, did in _db(col).all(
            f"select id, nid, did from cards where nid in ({marks}) order by ord", *chunk
        ):
            cards.setdefault(nid, []).append((cid, decks.get(did, "")))
    notes = {}
    for nid, guid, mid, mod, tags, flds in rows:
        if mid not in field_names:
            model = col.models.get(mid)
            field_names[mid] = tuple(f["name"] for f in model["flds"]) if model else ()
        names = field_names[mid]
        notes[guid] = AnkiNote(
            nid, guid, mid, names, tuple(flds.split("\x1f")), tuple(tags.split()), tuple(cards.get(nid, [])), mod
        )
    types = {}
    for nt in NOTE_TYPES:
        model = col.models.get(nt.id)  # type: ignore[arg-type]
        if model is not None:
            tmpls = tuple((t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"])
            types[nt.id] = AnkiNoteType(nt.id, tuple(f["name"] for f in model["flds"]), tmpls, model["css"])
    media = frozenset(name for name, _ in target.media if col.media.have(name))
    return Snapshot(notes, types, media)


def backup(col: Collection, folder: Path) -> None:
    """Anki's own backup of the collection (kept and rotated with Anki's), before anything changes."""
    folder.mkdir(parents=True, exist_ok=True)
    col.create_backup(backup_folder=str(folder), force=True, wait_for_completion=True)


def apply(col: Collection, plan: SyncPlan, target: Target) -> None:
    """Apply ``plan`` as one undo step; on failure undo what was done."""
    step = col.add_custom_undo_entry("studyc sync")
    try:
        _update_types(col, plan, target)
        for name, data in plan.media:
            col.media.write_data(name, data)
        if plan.add:
            _import(col, plan, target)
        _migrate(col, plan)
        _update(col, plan)
        _move(col, plan)
        if plan.delete:
            col.remove_notes([n.nid for n in plan.delete])  # type: ignore[misc]
        col.merge_undo_entries(step)
    except Exception as exc:
        col.merge_undo_entries(step)
        col.undo()
        raise OutputError(
            f"sync failed and was undone; the collection is as before ({type(exc).__name__}: {exc})"
        ) from exc


def _update_types(col: Collection, plan: SyncPlan, target: Target) -> None:
    """New template bodies and CSS, in place: same id, same fields and template names."""
    for nt in plan.update_types:
        model = col.models.get(nt.id)  # type: ignore[arg-type]
        assert model is not None
        want = target.models[nt.id]
        for have, new in zip(model["tmpls"], want["tmpls"], strict=False):
            have["qfmt"], have["afmt"] = new["qfmt"], new["afmt"]
        model["css"] = want["css"]
        col.models.update_dict(model)


def _import(col: Collection, plan: SyncPlan, target: Target) -> None:
    """New notes (and the note types they need) through Anki's importer: their GUIDs, ids and times kept."""
    from anki import import_export_pb2
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    decks = {spec.deck: deck_id(spec.deck) for spec in plan.add}
    data = package(decks, list(target.models.values()), plan.add, [])
    never = import_export_pb2.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER
    options = ImportAnkiPackageOptions(
        merge_notetypes=False, update_notes=never, update_notetypes=never, with_scheduling=False
    )
    with tempfile.TemporaryDirectory(prefix="studyc-sync-") as tmp:
        path = Path(tmp) / "new.apkg"
        path.write_bytes(data)
        log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options)).log
    if len(log.new) != len(plan.add):
        raise OutputError(f"Anki added {len(log.new)} of {len(plan.add)} new notes")


def _migrate(col: Collection, plan: SyncPlan) -> None:
    """Notes on an older note type move to the current one (fields and templates matched by name)."""
    groups: dict[tuple[int, int], list[int]] = {}
    nids = {n.guid: n for n in _notes_by_guid(col, [s.guid for s in plan.migrate])}
    for spec in plan.migrate:
        note = nids[spec.guid]
        groups.setdefault((note.mid, spec.note_type.id), []).append(note.nid)
    for (old, new), ids in groups.items():
        info = col.models.change_notetype_info(old_notetype_id=old, new_notetype_id=new)  # type: ignore[arg-type]
        request = info.input
        request.note_ids.extend(ids)
        col.models.change_notetype_of_notes(request)
    moved = []
    for spec in plan.migrate:
        moved_note = col.get_note(nids[spec.guid].nid)  # type: ignore[arg-type]
        for name, value in zip(spec.note_type.fields, spec.fields, strict=True):
            moved_note[name] = value
        moved_note.tags = list(spec.tags)
        moved.append(moved_note)
    if moved:
        col.update_notes(moved)


def _notes_by_guid(col: Collection, guids: Iterable[str]) -> list[AnkiNote]:
    out = []
    for guid in guids:
        row = _db(col).first("select id, mid from notes where guid = ?", guid)
        if row:
            out.append(AnkiNote(row[0], guid, row[1], (), (), (), (), 0))
    return out


def _update(col: Collection, plan: SyncPlan) -> None:
    changed = []
    for change in plan.update:
        note = col.get_note(change.note.nid)  # type: ignore[arg-type]
        for name, value in change.fields.items():
            note[name] = value
        if change.tags is not None:
            note.tags = list(change.tags)
        changed.append(note)
    if changed:
        col.update_notes(changed)


def _move(col: Collection, plan: SyncPlan) -> None:
    """Every card of a moved, updated or migrated note into its deck (cards a new field made, too)."""
    specs = {m.spec.guid: m.spec for m in plan.move}
    specs |= {c.spec.guid: c.spec for c in plan.update} | {s.guid: s for s in plan.migrate}
    by_deck: dict[str, list[int]] = {}
    names = {d.id: d.name for d in col.decks.all_names_and_ids()}
    for guid, spec in specs.items():
        for cid, did in _db(col).all(
            "select c.id, c.did from cards c join notes n on n.id = c.nid where n.guid = ?", guid
        ):
            if names.get(did, "").casefold() != spec.deck.casefold():
                by_deck.setdefault(spec.deck, []).append(cid)
    for deck, cids in sorted(by_deck.items()):
        col.set_deck(cids, col.decks.id(deck))  # type: ignore[arg-type]
