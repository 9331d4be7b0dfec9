"""JSON backend: the whole IR plus its JSON Schema."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pydantic_core

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import SCHEMA_VERSION, Course


def schema() -> dict[str, Any]:
    """The JSON Schema of the IR, generated from the pydantic models."""
    doc = Course.model_json_schema(mode="serialization")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["$id"] = f"https://studyc.dev/schema/course-{SCHEMA_VERSION}.json"
    return doc


@lru_cache(maxsize=1)
def _schema_bytes() -> bytes:
    # the same for every build of this code: generated once per process (0.13 s), e.g. once per watch
    return dumps(schema())


def warm_up() -> None:
    """Generate the JSON Schema now (see :func:`compiler.build.pipeline.warm_up`)."""
    _schema_bytes()


def dumps(data: Any) -> bytes:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return (json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


_CHAPTERS = "\x00studyc-chapters\x00"


def _pretty(data: Any) -> bytes:
    """``dumps`` without the trailing newline, fast: the C encoder sorts keys, pydantic-core indents.

    (The stdlib only indents in pure Python, which is most of the time for a large course.)
    """
    return pydantic_core.to_json(json.loads(json.dumps(data, sort_keys=True, ensure_ascii=False)), indent=2)


def course_json(course: Course) -> bytes:
    """The same bytes as ``dumps(course.model_dump(mode="json"))``, built one chapter at a time.

    Only one chapter's plain-data copy exists at once, which keeps a large course's peak memory down.
    """
    head = course.model_dump(mode="json", exclude={"chapters"})
    head["chapters"] = _CHAPTERS if course.chapters else []
    text = dumps(head)
    if not course.chapters:
        return text
    # chapters sit in a list under a top-level key: four spaces deeper than a top-level dump
    before, after = text.split(b'"chapters": ' + json.dumps(_CHAPTERS).encode("utf-8"), 1)
    parts = [before, b'"chapters": [\n']
    for i, chapter in enumerate(course.chapters):
        parts += [b",\n    " if i else b"    ", _pretty(chapter.model_dump(mode="json")).replace(b"\n", b"\n    ")]
    parts += [b"\n  ]", after]
    return b"".join(parts)  # one join: the pieces and the result are the only two copies


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>.json`` and ``<slug>.schema.json``."""
    return [
        Output(f"{course.slug}.json", course_json(course)),
        Output(f"{course.slug}.schema.json", _schema_bytes()),
    ]
