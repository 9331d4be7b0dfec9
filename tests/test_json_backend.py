"""JSON backend: output validates against the emitted schema and matches the golden file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, SAMPLE, SOURCE, assert_snapshot

from compiler.build.pipeline import build
from compiler.model.backend import Options
from compiler.model.ir import SCHEMA_VERSION


def _build(source: Path, out: Path) -> tuple[dict[str, object], dict[str, object]]:
    result = build(source, out, ["json"], Options(source_root=source))
    assert not result.failed(strict=True), [d.format() for d in result.diagnostics.items]
    assert result.course is not None
    slug = result.course.slug
    data = json.loads((out / f"{slug}.json").read_text(encoding="utf-8"))
    schema = json.loads((out / f"{slug}.schema.json").read_text(encoding="utf-8"))
    return data, schema


@pytest.mark.parametrize("source", [SAMPLE, SOURCE], ids=["sample", "shipped"])
def test_output_validates_against_emitted_schema(source: Path, tmp_path: Path) -> None:
    data, schema = _build(source, tmp_path)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == SCHEMA_VERSION


def test_schema_rejects_a_card_without_kind(tmp_path: Path) -> None:
    data, schema = _build(SAMPLE, tmp_path)
    chapter = data["chapters"][0]  # type: ignore[index]
    section = chapter["sections"][0]["sections"][0]
    del section["blocks"][0]["kind"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator)


def test_sample_json_matches_golden(tmp_path: Path) -> None:
    _build(SAMPLE, tmp_path)
    assert_snapshot(FIXTURES.parent / "golden" / "json" / "sample.json", (tmp_path / "sample.json").read_text("utf-8"))


def test_rebuild_is_byte_identical_and_not_rewritten(tmp_path: Path) -> None:
    _build(SAMPLE, tmp_path)
    first = (tmp_path / "sample.json").read_bytes()
    result = build(SAMPLE, tmp_path, ["json"], Options(source_root=SAMPLE))
    assert (tmp_path / "sample.json").read_bytes() == first
    assert result.written == []
    assert len(result.unchanged) == 2
