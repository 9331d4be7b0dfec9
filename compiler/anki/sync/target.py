"""The sync target: the course's notes as the Anki backend renders them, with their identities."""

from __future__ import annotations

from dataclasses import replace

from compiler.anki.backend import deck_id, media, notes
from compiler.anki.identity import Plan
from compiler.anki.lock import Lock
from compiler.anki.models import NOTE_TYPES, model_json
from compiler.anki.sync.plan import Target
from compiler.model.backend import Options
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import Course, iter_cards


def target(course: Course, options: Options, identity: Plan, old: Lock, diags: Diagnostics) -> Target:
    """What the notes want in Anki, given the identity plan matched against the ``old`` lock."""
    opts = replace(options, identity=identity)
    specs = notes(course, opts, diags)
    where = {ctx.card.id: f"{ctx.card.span.path}:{ctx.card.span.line}" for ctx in iter_cards(course)}
    home = deck_id(course.deck)
    models = {nt.id: model_json(nt, identity.note_types[nt.key], home) for nt in NOTE_TYPES}
    return Target(
        specs=specs,
        where=where,
        models=models,
        media=media(course, opts, specs),
        removed={e.guid: e.key for e in identity.removed},
        baseline={e.guid: e.modified for e in old.entries},
        slug=course.slug,
        nids={e.guid: e.nid for e in (*old.entries, *identity.lock.entries)},
        changed_types=frozenset(
            nt.id
            for nt in NOTE_TYPES
            if (o := old.note_types.get(nt.key)) is None or o.content != _content(identity, nt.key)
        ),
    )


def _content(identity: Plan, key: str) -> str:
    entry = identity.lock.note_types.get(key)
    return entry.content if entry is not None else ""
