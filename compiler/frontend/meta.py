"""Front matter: safe YAML parsing and validation of course and chapter metadata."""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from compiler.model.diagnostics import Code, Diagnostics

#: Deeper YAML than this is refused (hostile input, not study notes).
MAX_YAML_DEPTH = 20
TAG_RE = re.compile(r"^[^\s]+$")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class DomainMeta(BaseModel):
    """One exam domain as written in ``course.md``."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    weight: int = Field(ge=0, le=100)


class CourseMeta(BaseModel):
    """Front matter of ``course.md``."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1)
    exam: str = Field(min_length=1)
    deck: str | None = None
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    paper: Literal["a4", "letter"] = "a4"
    domains: list[DomainMeta] = []
    # the exam's format, for the quiz page and the mock exam (docs/format.md)
    questions: int | None = Field(default=None, ge=1, le=1000)
    duration_minutes: int | None = Field(default=None, ge=1, le=1440)
    scale: tuple[int, int] = (0, 100)
    passing_score: int | None = None

    @field_validator("scale")
    @classmethod
    def _rising(cls, scale: tuple[int, int]) -> tuple[int, int]:
        if scale[0] >= scale[1]:
            raise ValueError(f"the lowest score must be below the highest, got [{scale[0]}, {scale[1]}]")
        return scale

    @field_validator("passing_score")
    @classmethod
    def _on_scale(cls, score: int | None, info: ValidationInfo) -> int | None:
        low, high = info.data.get("scale", (0, 100))
        if score is not None and not low <= score <= high:
            raise ValueError(f"must lie on the scale [{low}, {high}], got {score}")
        return score


class ChapterMeta(BaseModel):
    """Front matter of a chapter file."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    domain: str | None = None
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def _no_spaces(cls, tags: list[str]) -> list[str]:
        for tag in tags:
            if not TAG_RE.match(tag):
                raise ValueError(f"tag {tag!r} contains whitespace; use '-' or '_' instead")
        return tags


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (billion laughs) and deep nesting."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, f"nesting deeper than {MAX_YAML_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


# Dates stay strings: front matter needs none, and PyYAML raises ValueError on "2024-13-45".
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _timestamp_as_str(loader: _SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_SafeLoader.add_constructor(_TIMESTAMP, _timestamp_as_str)


def parse_yaml(
    text: str, path: str, first_line: int, diags: Diagnostics
) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Parse front matter; return the mapping and the 1-based line of each top-level key.

    ``first_line`` is the 1-based file line of the YAML's first line.
    """
    loader: _SafeLoader | None = None
    try:
        loader = _SafeLoader(text)  # the reader already rejects control characters here
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        offset = mark.line if mark is not None else text[: getattr(exc, "position", 0)].count("\n")
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.add(Code.FRONT_MATTER_SYNTAX, path, first_line + offset, f"front matter is not valid YAML: {problem}")
        return None
    except Exception as exc:  # PyYAML's constructors raise plain errors on some hostile input
        diags.add(Code.FRONT_MATTER_SYNTAX, path, first_line, f"front matter is not valid YAML: {exc}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        diags.add(Code.FRONT_MATTER_SYNTAX, path, first_line, "front matter must be a mapping of key: value")
        return None
    if _has_surrogate(data):
        diags.add(
            Code.FRONT_MATTER_SYNTAX,
            path,
            first_line,
            "front matter is not valid YAML: a \\u escape names half a character (\\ud800-\\udfff)",
        )
        return None
    lines: dict[str, int] = {}
    if node is not None and isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = first_line + key_node.start_mark.line
    return data, lines


def _has_surrogate(value: Any) -> bool:
    # "\ud800" in double quotes yields a lone surrogate that no UTF-8 output can hold
    if isinstance(value, str):
        return _SURROGATE_RE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_surrogate(v) for v in value)
    return False


def validate(
    model: type[BaseModel],
    data: dict[str, Any],
    key_lines: dict[str, int],
    path: str,
    line: int,
    diags: Diagnostics,
) -> BaseModel | None:
    """Validate front matter, reporting every bad key at once."""
    known = list(model.model_fields)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _report(exc, known, key_lines, path, line, diags)
    # Keep going without the bad entries so later checks still see this file.
    try:
        return model.model_validate(_without_errors(data, model))
    except ValidationError:
        return None


def _without_errors(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    cleaned = dict(data)
    for _ in range(3):
        try:
            model.model_validate(cleaned)
            return cleaned
        except ValidationError as exc:
            for err in exc.errors():
                loc = err["loc"]
                if not loc or str(loc[0]) not in cleaned:
                    continue
                key = str(loc[0])
                value = cleaned[key]
                if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(value, list):
                    cleaned[key] = [v for i, v in enumerate(value) if i != loc[1]]
                else:
                    del cleaned[key]
    return cleaned


def _report(
    exc: ValidationError, known: list[str], key_lines: dict[str, int], path: str, line: int, diags: Diagnostics
) -> None:
    for err in exc.errors():
        loc = err["loc"]
        key = str(loc[0]) if loc else ""
        where = key_lines.get(key, line)
        if err["type"] == "extra_forbidden" and len(loc) == 1:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
            diags.add(Code.FRONT_MATTER_UNKNOWN_KEY, path, where, f"unknown front-matter key '{key}'{hint}")
        else:
            dotted = ".".join(str(p) for p in loc) or "front matter"
            diags.add(Code.FRONT_MATTER_INVALID, path, where, f"{dotted}: {err['msg']}")
