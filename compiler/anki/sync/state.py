"""``studyc.sync.json``: what sync last wrote into Anki, per note (commit it with the lock).

Per GUID it keeps a short hash of each field it wrote (the Source field aside)
and the tags it set. A field whose Anki text no longer hashes to what sync
wrote was edited in Anki; a field whose notes text no longer does was edited
in the notes. One note per line, sorted, so branches merge like the lock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from compiler.model.atomic import write_atomic
from compiler.model.errors import StudycError

STATE_NAME = "studyc.sync.json"
VERSION = 1
#: Fields studyc rewrites on its own (the line number moves): never an edit, never a conflict.
IGNORED_FIELDS = frozenset({"Source"})


class StateError(StudycError):
    """``studyc.sync.json`` (what sync last wrote into Anki) cannot be read; restore it from version control."""

    exit_code = 6


def field_hash(text: str) -> str:
    """Short hash of one field's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Written:
    """What sync last wrote into one note."""

    fields: dict[str, str]
    """Field name → hash of its text."""
    tags: tuple[str, ...]
    """The tags studyc set (tags the user added in Anki are not listed)."""
    nid: int = 0
    """The note id Anki gave the note when it is not the lock's (added through AnkiConnect); else 0."""


@dataclass
class State:
    """The whole state file."""

    notes: dict[str, Written] = field(default_factory=dict)
    """GUID → what was written."""


def written(names: tuple[str, ...], values: tuple[str, ...], tags: tuple[str, ...]) -> Written:
    """The record for a note with these fields and tags."""
    hashes = {n: field_hash(v) for n, v in zip(names, values, strict=True) if n not in IGNORED_FIELDS}
    return Written(hashes, tuple(sorted(tags)))


def _record(w: Written) -> dict[str, object]:
    out: dict[str, object] = {"fields": w.fields, "tags": list(w.tags)}
    if w.nid:
        out["nid"] = w.nid
    return out


def dumps(state: State) -> str:
    """JSON text, one note per line in GUID order."""
    rows = [
        f"    {json.dumps(guid)}: {json.dumps(_record(w), sort_keys=True)}" for guid, w in sorted(state.notes.items())
    ]
    body = ",\n".join(rows)
    return (
        f'{{\n  "version": {VERSION},\n  "notes": {{\n{body}\n  }}\n}}\n'
        if rows
        else (f'{{\n  "version": {VERSION},\n  "notes": {{}}\n}}\n')
    )


def parse(text: str, where: str = STATE_NAME) -> State:
    """Read the state; a clear error when it is not ours."""
    try:
        data = json.loads(text)
        if data.get("version") != VERSION:
            raise StateError(f"{where}: version {data.get('version')!r} is not supported by this studyc")
        notes = {
            str(guid): Written(
                {str(k): str(v) for k, v in rec["fields"].items()},
                tuple(str(t) for t in rec["tags"]),
                int(rec.get("nid", 0)),
            )
            for guid, rec in data["notes"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateError(
            f"{where}: not a studyc sync state ({exc}); restore it from version control or delete it"
        ) from exc
    return State(notes)


def read(path: Path) -> State:
    """The state at ``path``; empty when there is none yet."""
    try:
        return parse(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        return State()
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from exc


def write(path: Path, state: State) -> bool:
    """Write atomically; False when unchanged."""
    return write_atomic(path, dumps(state).encode("utf-8"))
