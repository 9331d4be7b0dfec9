"""The language server reads ``::: covers`` regions from the lines as the compiler pairs them.

Checked against the compiler on the shipped course and the sample (inputs written
for the course, not for this test): every card's covers are exactly its own
``covers``, its headings' and those of the regions the server finds around it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE, SOURCE
from lsp_helpers import apply

from compiler.app.lsp import actions
from compiler.app.lsp import lines as attrs
from compiler.app.lsp.workspace import Snapshot
from compiler.build import pipeline
from compiler.model.ir import iter_cards


@pytest.mark.parametrize("root", [SOURCE, SAMPLE], ids=["source", "sample"])
def test_regions_found_in_the_lines_give_each_card_the_compilers_covers(root: Path) -> None:
    result = pipeline.check(root)
    assert result.course is not None
    inside = 0
    for ctx in iter_cards(result.course):
        card = ctx.card
        lines = (root / card.span.path).read_text(encoding="utf-8").splitlines(True)
        snap = Snapshot.of(result.course, [])
        at = snap.card_at(card.span.path, card.span.line)
        assert at is not None
        top = actions.block_lines(at)[0] - 1
        own = {
            w.text
            for i in attrs.attr_lines_above(lines, top)
            for p in attrs.parts(lines[i])
            if p.key == "covers"
            for w in attrs.words(p)
        }
        heads = {tid for s in ctx.sections for tid in s.covers}
        around = [r for r in attrs.regions(lines) if r.open < top and (r.close is None or top < r.close)]
        inside += bool(around)
        assert set(card.covers) == own | heads | {tid for r in around for tid in r.ids}, (card.span, card.covers)
    assert inside >= 2  # the files do use regions


def test_a_marker_inside_fenced_code_or_an_extra_is_not_a_region_boundary() -> None:
    text = "::: covers a b\n\n```\n:::\n```\n\nQ: x\n\nA: y\n\n::: extra\nmore\n:::\n\n:::\n\n::: covers c\n"
    assert attrs.regions(text.splitlines(True)) == [
        attrs.Region(0, 14, ("a", "b")),
        attrs.Region(16, None, ("c",)),
    ]


def test_extending_a_region_over_the_last_card_of_a_file(tmp_path: Path) -> None:
    course = tmp_path / "c"
    course.mkdir()
    (course / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    text = (
        "# A\n\n{#shards}\n> [!TIP]\n> Know what a shard holds.\n\n"
        "::: covers shards\n\nQ: What does a shard hold?\n\nA: Records.\n\n:::\n\n"
        "Q: How long does a shard keep its records?\n\nA: A day."  # no line break at the end
    )
    (course / "01-a.md").write_text(text, encoding="utf-8")
    result = pipeline.check(course)
    snap = Snapshot.of(result.course, [])
    lines = text.splitlines(True)
    found = actions.code_actions(snap, "01-a.md", "u", lines, len(lines) - 3, [], lambda r: r)
    assert found and found[0].title == "Extend the '::: covers shards' region over this card"
    assert found[0].edit is not None and found[0].edit.changes is not None
    fixed = apply(text, list(found[0].edit.changes["u"]))
    assert fixed.endswith("A: Records.\n\nQ: How long does a shard keep its records?\n\nA: A day.\n\n:::")
    (course / "01-a.md").write_text(fixed, encoding="utf-8")
    after = pipeline.check(course)
    assert after.diagnostics.sorted() == [] and after.course is not None
    assert [c.card.covers for c in iter_cards(after.course)] == [("shards",), ("shards",)]
