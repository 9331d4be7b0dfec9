"""JSON backend: the whole IR plus its JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from compiler.backends import Options, Output
from compiler.ir import SCHEMA_VERSION, Course


def schema() -> dict[str, Any]:
    """The JSON Schema of the IR, generated from the pydantic models."""
    doc = Course.model_json_schema(mode="serialization")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["$id"] = f"https://studyc.dev/schema/course-{SCHEMA_VERSION}.json"
    return doc


def dumps(data: Any) -> bytes:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def render(course: Course, options: Options) -> list[Output]:
    """``<slug>.json`` and ``<slug>.schema.json``."""
    return [
        Output(f"{course.slug}.json", dumps(course.model_dump(mode="json"))),
        Output(f"{course.slug}.schema.json", dumps(schema())),
    ]
