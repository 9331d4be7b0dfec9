"""Natural rewordings of real cards (tests/fixtures/rewordings.yaml) through the matcher.

Each edit is applied to a copy of its course, the course is rebuilt against the
lock of the unedited course, and the edited card must keep (or, for a look-alike
card, must not take) the old card's Anki identity.
"""

from __future__ import annotations

import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from compiler.anki import lock as lockfile
from compiler.anki.backend import note_type_hashes
from compiler.anki.identity import Plan, resolve
from compiler.frontend import load_course
from compiler.model.ir import Course, iter_cards

T1, T2 = 1_700_000_000, 1_700_086_400
CORPUS: list[dict[str, Any]] = yaml.safe_load((ROOT / "tests" / "fixtures" / "rewordings.yaml").read_text())


def load(folder: Path) -> Course:
    course, diags = load_course(folder)
    assert course is not None, [d.format() for d in diags.sorted()]
    return course


@cache
def baseline(folder: str) -> tuple[Course, Plan]:
    """The unedited course and its first build's plan (the lock goes through its text form)."""
    course = load(ROOT / folder)
    plan = resolve(course, lockfile.Lock(), note_type_hashes(), at=T1)
    plan.lock = lockfile.parse(lockfile.dumps(plan.lock))
    return course, plan


def card_at(course: Course, name: str, line: int) -> str:
    """Id of the card in file ``name`` that the text at ``line`` belongs to."""
    before = [c.card for c in iter_cards(course) if Path(c.card.span.path).name == name and c.card.span.line <= line]
    assert before, f"no card in {name} before line {line}"
    return max(before, key=lambda card: card.span.line).id


def apply(edit: dict[str, Any], tmp: Path) -> tuple[str, str, Plan]:
    """(old card id, new card id, plan of the edited course against the baseline lock)."""
    path = ROOT / edit["file"]
    course, first = baseline(str(path.parent.relative_to(ROOT)))
    text = path.read_text(encoding="utf-8")
    # exactly once: an edit that finds nothing (or the wrong copy) would test another card, or none
    assert text.count(edit["old"]) == 1, (
        f"fixture changed: {edit['old']!r} is in {path.name} {text.count(edit['old'])} times"
    )
    start = text.index(edit["old"])
    old_line = text[: start + len(edit["old"])].count("\n") + 1
    new_text = text.replace(edit["old"], edit["new"], 1)
    new_line = new_text[: start + len(edit["new"])].count("\n") + 1
    src = shutil.copytree(path.parent, tmp / "src", ignore=shutil.ignore_patterns("studyc.lock"))
    (src / path.name).write_text(new_text, encoding="utf-8")
    edited = load(src)
    plan = resolve(edited, first.lock, note_type_hashes(), at=T2)
    return card_at(course, path.name, old_line), card_at(edited, path.name, new_line), plan


def _label(edit: dict[str, Any]) -> str:
    return f"{edit['what']}: {edit['new'].splitlines()[0][:50]}"


def test_the_corpus_is_big_and_varied() -> None:
    keep = [e for e in CORPUS if e["keep"]]
    assert len(keep) >= 40 and len(CORPUS) - len(keep) >= 6
    assert len({e["what"] for e in keep}) >= 8
    assert sum(1 for e in CORPUS if e.get("anki")) >= 10


def test_every_edit_finds_its_text_exactly_once() -> None:
    """Checked outside the strict-xfail cases too, where a missing text would pass as the known limit."""
    missing = [e["old"] for e in CORPUS if (ROOT / e["file"]).read_text(encoding="utf-8").count(e["old"]) != 1]
    assert not missing, f"fixture changed: not exactly once in their files: {missing}"


LIMIT = pytest.mark.xfail(strict=True, reason="known limit, see tests/fixtures/rewordings.yaml")


@pytest.mark.parametrize("edit", [pytest.param(e, marks=[LIMIT] if e.get("limit") else []) for e in CORPUS], ids=_label)
def test_rewording_keeps_or_refuses_the_identity(edit: dict[str, Any], tmp_path: Path) -> None:
    old_id, new_id, plan = apply(edit, tmp_path)
    _, first = baseline(str((ROOT / edit["file"]).parent.relative_to(ROOT)))
    old_guid = first.identities[old_id].guid
    new_guid = plan.identities[new_id].guid
    if edit["keep"]:
        assert new_guid == old_guid, f"{new_id} lost the history of {old_id}"
        assert not plan.removed and len(plan.added) == 0
    else:
        assert new_guid != old_guid, f"{new_id} took the identity of the different card {old_id}"
        assert [e.guid for e in plan.removed] == [old_guid]
