"""Anki backend: ``<slug>.apkg`` with stable GUIDs, per-note modified times and media.

Identities (GUID, note id and modified time) come from ``options.identity``,
the plan the pipeline computed from ``studyc.lock``. Called without one (as a
library), it matches against an empty lock at ``options.build_time``.
"""

from __future__ import annotations

from compiler.anki.identity import Plan, now, resolve
from compiler.anki.lock import Lock
from compiler.anki.models import NOTE_TYPES, model_hash, model_json, stable_id
from compiler.anki.notes import NoteSpec, SourceLink, note_for
from compiler.anki.package import package
from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.errors import OutputError
from compiler.model.ir import Course, iter_cards


def note_type_hashes() -> dict[str, str]:
    """Note-type key → hash of its templates and CSS (for the lock)."""
    return {nt.key: model_hash(nt) for nt in NOTE_TYPES}


def deck_id(name: str) -> int:
    """Fixed deck id derived from the full deck name."""
    return stable_id(f"studyc/deck/{name}")


def _plan(course: Course, options: Options) -> Plan:
    if isinstance(options.identity, Plan):
        return options.identity
    at = options.build_time if options.build_time is not None else now()
    return resolve(course, Lock(), note_type_hashes(), at=at, source_url=options.source_url)


def notes(course: Course, options: Options, diags: Diagnostics | None = None) -> list[NoteSpec]:
    """Every note of the course, in reading order; a card that would make no Anki card is reported and left out."""
    plan = _plan(course, options)
    out = []
    for ctx in iter_cards(course):
        ident = plan.identities.get(ctx.card.id)
        if ident is None:
            raise OutputError(f"{ctx.card.span.path}:{ctx.card.span.line}: card '{ctx.card.id}' has no identity")
        link = SourceLink(options.source_url, options.source_root) if options.source_url else None
        spec = note_for(course, ctx, ident, options.deck_depth, diags, link)
        if spec is not None:
            out.append(spec)
    return out


def media(course: Course, options: Options, specs: list[NoteSpec]) -> list[tuple[str, bytes]]:
    """Images the notes reference, under their content-hash names."""
    text = "\x1f".join(f for spec in specs for f in spec.fields)
    media = []
    for asset in course.assets:
        if asset.media_name not in text:
            continue
        path = options.source_root / asset.source_path
        try:
            media.append((asset.media_name, path.read_bytes()))
        except OSError as exc:
            raise OutputError(
                f"{asset.span.path}:{asset.span.line}: image '{asset.source_path}' cannot be read "
                f"({exc.strerror or exc}); restore the file or remove the reference"
            ) from exc
    return media


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>.apkg``."""
    plan = _plan(course, options)
    options_with_plan = options if options.identity is not None else _with(options, plan)
    specs = notes(course, options_with_plan, diags)
    seen: dict[str, NoteSpec] = {}
    for spec in specs:
        # Anki would import both and later update only one: never write a package like that
        first = seen.setdefault(spec.guid, spec)
        if first is not spec:
            raise OutputError(
                f"cards '{first.key}' and '{spec.key}' would share one Anki note (GUID {spec.guid}); "
                "give each card its own {#id}"
            )
    decks = {spec.deck: deck_id(spec.deck) for spec in specs}
    first_deck = decks[specs[0].deck] if specs else deck_id(course.deck)
    if not specs:
        decks[course.deck] = first_deck
    models = [model_json(nt, plan.note_types[nt.key], first_deck) for nt in NOTE_TYPES]
    data = package(decks, models, specs, media(course, options, specs))
    return [Output(f"{course.slug}.apkg", data)]


def _with(options: Options, plan: Plan) -> Options:
    from dataclasses import replace

    return replace(options, identity=plan)
