"""How ``studyc sync`` shows its plan: counts, then what each note will go through."""

from __future__ import annotations

from collections.abc import Iterator

from rich.table import Table
from rich.text import Text

from compiler.anki.package import strip_html
from compiler.anki.sync.plan import Edit, SyncPlan

#: Lines per category shown without ``-v``.
SHOWN = 10
#: Longest field text shown in a conflict.
_CLIP = 160


def counts(plan: SyncPlan) -> Table:
    """One row of counts."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    columns = {
        "add": len(plan.add),
        "update": len(plan.update) + len(plan.migrate),
        "move": len(plan.move),
        "delete": len(plan.delete),
        "left": len(plan.left),
        "kept": len(plan.kept),
        "conflicts": len(plan.conflicts),
        "note types": len(plan.create_types) + len(plan.update_types),
        "media": len(plan.media),
    }
    for name in columns:
        table.add_column(name, justify="right", style="red" if name == "conflicts" and plan.conflicts else None)
    table.add_row(*(str(n) for n in columns.values()))
    return table


def _clip(html: str) -> str:
    text = " ".join(strip_html(html).split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def _edit_lines(edit: Edit, both: bool) -> Iterator[str]:
    yield f"  {edit.where}  {edit.spec.key}: {', '.join(edit.names)}"
    if both:
        notes = dict(zip(edit.spec.note_type.fields, edit.spec.fields, strict=True))
        anki = dict(zip(edit.note.names, edit.note.fields, strict=False))
        for name in edit.names:
            yield f"    {name} in the notes: {_clip(notes.get(name, ''))}"
            yield f"    {name} in Anki:      {_clip(anki.get(name, ''))}"


def details(plan: SyncPlan, where: dict[str, str], verbose: bool) -> Iterator[str | Text]:
    """Detail lines per category (the first ``SHOWN`` of each without ``verbose``)."""
    limit = None if verbose else SHOWN
    sections: list[tuple[str, list[str]]] = [
        ("add", [f"  {where.get(s.key, s.key)}  {s.key} → {s.deck}" for s in plan.add]),
        ("update", [f"  {where.get(c.spec.key, c.spec.key)}  {c.spec.key}" for c in plan.update]),
        ("new note type version", [f"  {where.get(s.key, s.key)}  {s.key}" for s in plan.migrate]),
        (
            "move",
            [
                f"  {where.get(m.spec.key, m.spec.key)}  {m.spec.key}: {' + '.join(m.old) or '?'} → {m.spec.deck}"
                for m in plan.move
            ],
        ),
        ("delete", [f"  nid:{n.nid}  guid {n.guid}" for n in plan.delete]),
        (
            "note types",
            [f"  create {t.name}" for t in plan.create_types] + [f"  update {t.name}" for t in plan.update_types],
        ),
        ("media", [f"  {name}" for name, _ in plan.media]),
    ]
    for title, lines in sections:
        if lines:
            yield Text(f"{title}:", style="bold")
            yield from lines[:limit]
            if limit is not None and len(lines) > limit:
                yield f"  (and {len(lines) - limit} more; -v lists all)"
    if plan.left:
        nids = ",".join(str(n.nid) for _, n in plan.left)
        yield Text(f"{len(plan.left)} note(s) left the notes and stay in Anki; --delete removes them:", style="bold")
        yield f"  nid:{nids}"
    if plan.kept:
        yield Text("edited in Anki, kept (studyc pull writes them into the notes):", style="bold")
        for edit in plan.kept[:limit]:
            yield from _edit_lines(edit, False)
    if plan.conflicts:
        yield Text("conflicts: edited in Anki and in the notes; Anki's side is untouched", style="bold red")
        for edit in plan.conflicts:
            yield from _edit_lines(edit, True)
        yield "  sync again with --prefer notes (overwrite Anki) or --prefer anki (keep Anki's, then studyc pull)"
