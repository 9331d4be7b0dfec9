"""A protocol-level stand-in for the AnkiConnect add-on, for tests.

It speaks AnkiConnect's JSON protocol (``{"action", "version", "params"}`` in,
``{"result", "error"}`` out for version 6) on 127.0.0.1 and implements the
actions ``studyc sync --ankiconnect`` uses against a real ``anki`` Collection,
following the add-on's own implementation of each action (the add-on needs
Anki's Qt GUI, which a test cannot start). It is not the add-on: behaviour of
the GUI (editing windows, undo entries, the review screen) is not modelled.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from anki.collection import Collection
from anki.consts import MODEL_CLOZE


class Actions:
    """The AnkiConnect actions, each as the add-on implements it, on one collection."""

    def __init__(self, col: Collection, api_version: int = 6) -> None:
        self.col = col
        self.api_version = api_version
        self.calls: list[str] = []

    def handle(self, request: dict[str, Any]) -> Any:
        """One request: the reply in the shape the request's version asks for."""
        name = request.get("action", "")
        version = request.get("version", 4)
        self.calls.append(name)
        try:
            method = getattr(self, f"do_{name}", None)
            if method is None:
                raise Exception("unsupported action")
            result = method(**request.get("params", {}))
            error = None
        except Exception as exc:
            result, error = None, str(exc)
        if version <= 4:
            return result if error is None else {"result": None, "error": error}
        return {"result": result, "error": error}

    def do_version(self) -> int:
        return self.api_version

    def do_multi(self, actions: list[dict[str, Any]]) -> list[Any]:
        return [self.handle(action) for action in actions]

    def do_findNotes(self, query: str) -> list[int]:
        return list(self.col.find_notes(query))

    def do_notesInfo(self, notes: list[int]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for nid in notes:
            try:
                note = self.col.get_note(nid)  # type: ignore[arg-type]
            except Exception:
                out.append({})
                continue
            model = note.note_type()
            assert model is not None
            fields = {f["name"]: {"value": note.fields[f["ord"]], "order": f["ord"]} for f in model["flds"]}
            assert self.col.db is not None
            cards = self.col.db.list("select id from cards where nid = ? order by ord", nid)
            out.append(
                {
                    "noteId": note.id,
                    "profile": "test",
                    "tags": note.tags,
                    "fields": fields,
                    "modelName": model["name"],
                    "mod": note.mod,
                    "cards": cards,
                }
            )
        return out

    def do_addNotes(self, notes: list[dict[str, Any]]) -> list[int]:
        added: list[int] = []
        try:
            for spec in notes:
                model = self.col.models.by_name(spec["modelName"])
                if model is None:
                    raise Exception(f"model was not found: {spec['modelName']}")
                deck = self.col.decks.by_name(spec["deckName"])
                if deck is None:
                    raise Exception(f"deck was not found: {spec['deckName']}")
                note = self.col.new_note(model)
                for name, value in spec["fields"].items():
                    for key in note.keys():  # noqa: SIM118 (a Note is not a dict)
                        if key.lower() == name.lower():
                            note[key] = value
                note.tags = list(spec.get("tags", []))
                if not spec.get("options", {}).get("allowDuplicate", False) and note.fields_check() != 0:
                    raise Exception("cannot create note because it is a duplicate")
                self.col.add_note(note, deck["id"])
                added.append(note.id)
        except Exception:
            self.col.remove_notes(added)  # type: ignore[arg-type]
            raise
        return added

    def do_updateNoteFields(self, note: dict[str, Any]) -> None:
        target = self.col.get_note(note["id"])
        for name, value in note["fields"].items():
            if name in target:
                target[name] = value
        self.col.update_note(target)

    def do_changeDeck(self, cards: list[int], deck: str) -> None:
        self.col.set_deck(cards, self.col.decks.id(deck))  # type: ignore[arg-type]

    def do_createDeck(self, deck: str) -> int:
        did = self.col.decks.id(deck)
        assert did is not None
        return int(did)

    def do_deleteNotes(self, notes: list[int]) -> None:
        self.col.remove_notes(notes)  # type: ignore[arg-type]

    def do_storeMediaFile(self, filename: str, data: str) -> str:
        return self.col.media.write_data(filename, base64.b64decode(data))

    def do_modelNames(self) -> list[str]:
        return [n.name for n in self.col.models.all_names_and_ids()]

    def do_createModel(
        self,
        modelName: str,
        inOrderFields: list[str],
        cardTemplates: list[dict[str, str]],
        css: str | None = None,
        isCloze: bool = False,
    ) -> dict[str, Any]:
        if modelName in self.do_modelNames():
            raise Exception("Model name already exists")
        mm = self.col.models
        model = mm.new(modelName)
        if isCloze:
            model["type"] = MODEL_CLOZE
        for name in inOrderFields:
            mm.add_field(model, mm.new_field(name))
        if css is not None:
            model["css"] = css
        for number, card in enumerate(cardTemplates, start=1):
            template = mm.new_template(card.get("Name", f"Card {number}"))
            template["qfmt"], template["afmt"] = card["Front"], card["Back"]
            mm.add_template(model, template)
        mm.add(model)
        return dict(model)

    def do_updateModelTemplates(self, model: dict[str, Any]) -> None:
        have = self.col.models.by_name(model["name"])
        if have is None:
            raise Exception(f"model was not found: {model['name']}")
        for template in have["tmpls"]:
            new = model["templates"].get(template["name"])
            if new:
                template["qfmt"] = new.get("Front") or template["qfmt"]
                template["afmt"] = new.get("Back") or template["afmt"]
        self.col.models.update_dict(have)


@contextmanager
def serve(col: Collection, api_version: int = 6) -> Iterator[tuple[str, Actions]]:
    """Serve ``col`` on 127.0.0.1 (a free port); yields the URL and the action log."""
    actions = Actions(col, api_version)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = json.dumps(actions.handle(json.loads(body))).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", actions
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
