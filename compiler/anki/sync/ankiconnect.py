"""The sync plan through AnkiConnect (protocol version 6), for when Anki is running.

Only AnkiConnect's documented actions are used: ``version`` (the handshake),
``multi`` (batches), ``findNotes``, ``notesInfo``, ``addNotes``,
``updateNoteFields``, ``changeDeck``, ``deleteNotes``, ``storeMediaFile``,
``modelNames``, ``createModel``, ``updateModelTemplates`` and ``createDeck``
(``addNotes`` needs the deck to exist). What that leaves out compared with the
collection path is listed in docs/anki.md ("Sync through AnkiConnect").
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from compiler.anki.models import NOTE_TYPES, NoteType
from compiler.anki.notes import NoteSpec
from compiler.anki.sync.plan import AnkiNote, AnkiNoteType, Snapshot, SyncPlan, Target
from compiler.anki.sync.state import State
from compiler.model.errors import AnkiConnectError

VERSION = 6
#: Actions per ``multi`` request.
BATCH = 200
TIMEOUT = 60.0


class Client:
    """A minimal AnkiConnect client: one JSON POST per call."""

    def __init__(self, url: str) -> None:
        self.url = url

    def call(self, action: str, **params: Any) -> Any:
        """One action; its result, or AnkiConnectError."""
        body = json.dumps({"action": action, "version": VERSION, "params": params}).encode("utf-8")
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                reply = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError) as exc:
            raise AnkiConnectError(
                f"nothing answers at {self.url} ({getattr(exc, 'reason', exc)}); start Anki with the AnkiConnect "
                "add-on, or close Anki and sync with --collection/--profile"
            ) from exc
        except ValueError as exc:
            raise AnkiConnectError(f"{self.url} does not answer like AnkiConnect ({exc})") from exc
        if not isinstance(reply, dict) or set(reply) != {"result", "error"}:
            raise AnkiConnectError(f"{self.url} answers an older AnkiConnect protocol; update the add-on")
        if reply["error"] is not None:
            raise AnkiConnectError(f"AnkiConnect refused {action}: {reply['error']}")
        return reply["result"]

    def many(self, actions: list[tuple[str, dict[str, Any]]]) -> list[Any]:
        """Actions in batches through ``multi``; results in order."""
        out: list[Any] = []
        for start in range(0, len(actions), BATCH):
            chunk = actions[start : start + BATCH]
            calls = [{"action": a, "version": VERSION, "params": p} for a, p in chunk]
            for (action, _), reply in zip(chunk, self.call("multi", actions=calls), strict=True):
                if not isinstance(reply, dict) or reply.get("error") is not None:
                    error = reply.get("error") if isinstance(reply, dict) else reply
                    raise AnkiConnectError(f"AnkiConnect refused {action}: {error}")
                out.append(reply["result"])
        return out


def handshake(client: Client) -> None:
    """Refuse an AnkiConnect older than protocol version 6."""
    version = client.call("version")
    if not isinstance(version, int) or version < VERSION:
        raise AnkiConnectError(
            f"AnkiConnect at {client.url} speaks version {version}; studyc needs {VERSION}: update it"
        )


def _search(deck: str) -> str:
    """A search for cards in exactly ``deck`` (Anki's search syntax escapes ``"*_\\``)."""
    escaped = "".join("\\" + c if c in '"*_\\' else c for c in deck)
    return f'"deck:{escaped}" -"deck:{escaped}::*"'


def snapshot(client: Client, target: Target, state: State) -> Snapshot:
    """What Anki holds for the target, read with findNotes and notesInfo."""
    handshake(client)
    guids = {s.guid for s in target.specs} | set(target.removed) | set(state.notes)
    nid_of = {
        g: (state.notes[g].nid if g in state.notes and state.notes[g].nid else target.nids.get(g, 0)) for g in guids
    }
    wanted = sorted(n for n in nid_of.values() if n)
    decks = sorted({s.deck for s in target.specs})
    found = client.many(
        [("findNotes", {"query": "nid:" + ",".join(map(str, wanted[i : i + 500]))}) for i in range(0, len(wanted), 500)]
        + [("findNotes", {"query": _search(d)}) for d in decks]
    )
    present = [nid for chunk in found[: len(found) - len(decks)] for nid in chunk]
    in_deck = {nid: d for d, nids in zip(decks, found[len(found) - len(decks) :], strict=True) for nid in nids}
    infos = client.call("notesInfo", notes=present) if present else []
    by_nid = {info["noteId"]: info for info in infos if info}
    types = {nt.name: nt for nt in NOTE_TYPES}
    notes = {}
    for guid, nid in nid_of.items():
        info = by_nid.get(nid)
        if info is None:
            continue
        flds = sorted(info["fields"].items(), key=lambda kv: kv[1]["order"])
        nt = types.get(info["modelName"])
        mid = nt.id if nt is not None else -1
        cards = tuple((cid, in_deck.get(nid, "")) for cid in info["cards"])
        names = tuple(n for n, _ in flds)
        values = tuple(v["value"] for _, v in flds)
        notes[guid] = AnkiNote(nid, guid, mid, names, values, tuple(info["tags"]), cards, int(info.get("mod", 0)))
    have = set(client.call("modelNames"))
    note_types = {}
    for nt in NOTE_TYPES:
        if nt.name in have:
            model = target.models[nt.id]
            # AnkiConnect cannot read templates back here: the lock says whether studyc changed them
            tmpls = tuple((t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"])
            css = model["css"] if nt.id not in target.changed_types else ""
            note_types[nt.id] = AnkiNoteType(nt.id, nt.fields, tmpls, css)
    # media: AnkiConnect has no way to ask; what a written note references is stored (see apply)
    return Snapshot(notes, note_types, frozenset(name for name, _ in target.media))


def _note(spec: NoteSpec) -> dict[str, Any]:
    return {
        "deckName": spec.deck,
        "modelName": spec.note_type.name,
        "fields": dict(zip(spec.note_type.fields, spec.fields, strict=True)),
        "tags": list(spec.tags),
        "options": {"allowDuplicate": True},
    }


def _model(nt: NoteType, model: dict[str, Any]) -> dict[str, Any]:
    return {
        "modelName": nt.name,
        "inOrderFields": list(nt.fields),
        "css": model["css"],
        "isCloze": nt.kind == 1,
        "cardTemplates": [{"Name": t["name"], "Front": t["qfmt"], "Back": t["afmt"]} for t in model["tmpls"]],
    }


def _media(target: Target, specs: Iterable[NoteSpec]) -> list[tuple[str, dict[str, Any]]]:
    text = "\x1f".join(f for spec in specs for f in spec.fields)
    return [
        ("storeMediaFile", {"filename": name, "data": base64.b64encode(data).decode("ascii")})
        for name, data in target.media
        if name in text
    ]


def limit(plan: SyncPlan) -> list[str]:
    """Drop what AnkiConnect's actions cannot do from ``plan``; say what was dropped."""
    from dataclasses import replace

    said = []
    tags = [c for c in plan.update if c.tags is not None]
    if tags:
        said.append(f"{len(tags)} note(s) keep their old tags: AnkiConnect's updateNoteFields sets fields only")
    plan.update = [replace(c, tags=None) for c in plan.update if c.fields]
    if plan.migrate:
        said.append(
            f"{len(plan.migrate)} note(s) on another note type were left as they are: changing a note's type "
            "needs the collection path (close Anki, sync with --collection or --profile)"
        )
        plan.migrate = []
    return said


def apply(client: Client, plan: SyncPlan, target: Target) -> None:
    """Apply the plan with batched calls (AnkiConnect has no transaction: a failure stops midway)."""
    first: list[tuple[str, dict[str, Any]]] = [
        ("createModel", _model(nt, target.models[nt.id])) for nt in plan.create_types
    ]
    for nt in plan.update_types:
        tmpls = {t["name"]: {"Front": t["qfmt"], "Back": t["afmt"]} for t in target.models[nt.id]["tmpls"]}
        first.append(("updateModelTemplates", {"model": {"name": nt.name, "templates": tmpls}}))
    first += [("createDeck", {"deck": d}) for d in sorted({s.deck for s in plan.add})]
    first += _media(target, [*plan.add, *(c.spec for c in plan.update)])
    client.many(first)
    if plan.add:
        nids = client.call("addNotes", notes=[_note(s) for s in plan.add])
        for spec, nid in zip(plan.add, nids, strict=True):
            record = plan.state.notes[spec.guid]
            if nid != target.nids.get(spec.guid):
                plan.state.notes[spec.guid] = type(record)(record.fields, record.tags, int(nid))
    rest: list[tuple[str, dict[str, Any]]] = [
        ("updateNoteFields", {"note": {"id": c.note.nid, "fields": c.fields}}) for c in plan.update if c.fields
    ]
    rest += [("changeDeck", {"cards": list(m.cards), "deck": m.spec.deck}) for m in plan.move]
    if plan.delete:
        rest.append(("deleteNotes", {"notes": [n.nid for n in plan.delete]}))
    client.many(rest)
