"""Parser fixtures: each tests/fixtures/parser/NAME.md → NAME.json (lowered IR + diagnostics)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, assert_snapshot, to_json

from compiler.frontend import parse_file
from compiler.settings import Limits

PARSER = FIXTURES / "parser"
CASES = sorted(PARSER.glob("*.md"))


def lower(path: Path) -> dict[str, object]:
    result = parse_file(PARSER, path.name, path.read_text(encoding="utf-8"), Limits())
    return {
        "title": result.title,
        "meta": result.meta,
        "blocks": [b.model_dump(mode="json") for b in result.blocks],
        "sections": [s.model_dump(mode="json") for s in result.sections],
        "diagnostics": [d.format() for d in result.diagnostics],
    }


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixture(case: Path) -> None:
    assert_snapshot(case.with_suffix(".json"), to_json(lower(case)))


def test_every_fixture_has_a_snapshot() -> None:
    assert CASES, "no parser fixtures found"
    missing = [c.name for c in CASES if not c.with_suffix(".json").exists()]
    assert not missing
