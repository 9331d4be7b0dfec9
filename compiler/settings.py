"""Project configuration: ``studyc.toml`` or ``[tool.studyc]`` in the notes folder.

Every problem in the file is collected and raised as one :class:`ConfigError`,
so an author fixes them all in one go. CLI flags override the file.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from compiler.model.errors import ConfigError, UsageError

CONFIG_FILE = "studyc.toml"
PYPROJECT = "pyproject.toml"
PAPERS = ("a4", "letter")
DEFAULT_OUT = Path("build")
DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_NESTING = 40
DEFAULT_MAX_IMAGE_BYTES = 32 * 1024 * 1024
#: markdown-it recurses per nesting level; well above this, Python's stack overflows (the
#: frontend reports a course that needs more as file.too-deep instead of crashing).
SAFE_MAX_NESTING = 200

Paper = Literal["a4", "letter"]

DEFAULT_MAX_ANSWER_WORDS = 20
DEFAULT_MAX_LIST_ITEMS = 4
DEFAULT_NEAR_DUPLICATE = 0.8


@dataclass(frozen=True)
class Quality:
    """Thresholds of the card-quality checks (``[quality]`` in ``studyc.toml``)."""

    max_answer_words: int = DEFAULT_MAX_ANSWER_WORDS
    """An answer with more words is reported (``quality.long-answer``)."""
    max_list_items: int = DEFAULT_MAX_LIST_ITEMS
    """A list card with more items is reported (``quality.long-list``)."""
    near_duplicate: float = DEFAULT_NEAR_DUPLICATE
    """Word-set similarity (Jaccard) from which two prompts are near duplicates (``quality.near-duplicate``)."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from exhausting memory.

    Plain values so the config (``[limits]`` in ``studyc.toml``) can set them.
    """

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Note files larger than this are refused with ``file.too-large``."""
    max_nesting: int = DEFAULT_MAX_NESTING
    """Deepest list/blockquote/container nesting that is parsed (``file.too-deep`` beyond)."""
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    """Images larger than this are refused with ``image.too-large`` (they are read whole)."""


@dataclass(frozen=True)
class Config:
    """Resolved settings for one run; every field has a usable default."""

    out: Path = DEFAULT_OUT
    """Output folder. A relative path in a config file is relative to that file's folder."""
    formats: tuple[str, ...] | None = None
    """Formats to build; ``None`` means every registered format."""
    paper: Paper | None = None
    """PDF paper size; ``None`` means the course's ``paper`` front matter."""
    deck_depth: int = 2
    """How many heading levels become Anki subdecks (chapter = 1)."""
    strict: bool = False
    """Treat warnings as errors."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Note files larger than this are refused."""
    max_nesting: int = DEFAULT_MAX_NESTING
    """Deepest list/blockquote nesting that is parsed."""
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    """Images larger than this are refused."""
    quality: Quality = field(default_factory=Quality)
    """Thresholds of the card-quality checks."""
    suppress_warnings: tuple[str, ...] = ()
    """Warning codes that are not reported at all (e.g. ``quality.yes-no``)."""
    source: Path | None = None
    """The file the settings came from, if any."""
    keys: frozenset[str] = field(default_factory=frozenset)
    """Dotted keys the file set, so ``-v`` can say where a value came from."""

    def limits(self) -> Limits:
        """The parse limits."""

        return Limits(
            max_file_bytes=self.max_file_bytes, max_nesting=self.max_nesting, max_image_bytes=self.max_image_bytes
        )

    def override(self, **flags: Any) -> Config:
        """A copy with every flag that is not ``None`` applied (CLI wins over the file).

        Flag values get the same range checks as the file's (a bad one is a usage error).
        """
        given = {k: v for k, v in flags.items() if v is not None}
        for key in ("deck_depth",):
            if key in given and (err := TOP_KEYS[key](given[key])) is not None:
                raise UsageError(f"--{key.replace('_', '-')} {err}")
        return replace(self, **given)


# -- validation ---------------------------------------------------------------

Check = Callable[[Any], str | None]
"""Returns an error text for a bad value, or ``None``."""


def _int_range(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be an integer, got {_show(value)}"
        if not low <= value <= high:
            return f"must be between {low} and {high}, got {value}"
        return None

    return check


def _number_range(low: float, high: float) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"must be a number, got {_show(value)}"
        if not low <= value <= high:
            return f"must be between {low} and {high}, got {value}"
        return None

    return check


def _warning_codes(value: Any) -> str | None:
    from compiler.model.diagnostics import Code

    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return f"must be a list of warning codes, got {_show(value)}"
    codes = {c.value: c for c in Code}
    warnings = [c.value for c in Code if c.severity != "error"]  # warnings and information
    for name in value:
        if name not in codes:
            return f"unknown code '{name}'{_suggest(name, warnings)}"
        if codes[name].severity == "error":
            return f"'{name}' is an error; only warnings can be suppressed"
    return None


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {_show(value)}"


def _path(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"must be a non-empty path string, got {_show(value)}"


def _paper(value: Any) -> str | None:
    return None if value in PAPERS else f"must be one of {', '.join(PAPERS)}, got {_show(value)}"


def _formats(value: Any) -> str | None:
    from compiler.model.backend import REGISTRY

    if value == "all":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return f'must be "all" or a list of format names, got {_show(value)}'
    bad = [v for v in value if v not in REGISTRY]
    if bad:
        hints = [f"'{b}'{_suggest(b, REGISTRY)}" for b in bad]
        return f"unknown format {', '.join(hints)}; choose from {', '.join(REGISTRY)}"
    return None


#: Top-level keys and their checks; ``limits`` is a table of its own.
TOP_KEYS: dict[str, Check] = {
    "out": _path,
    "formats": _formats,
    "paper": _paper,
    "deck_depth": _int_range(1, 6),
    "strict": _bool,
    "suppress_warnings": _warning_codes,
}
LIMIT_KEYS: dict[str, Check] = {
    "max_file_bytes": _int_range(1024, 1024 * 1024 * 1024),
    "max_nesting": _int_range(4, 1000),
    "max_image_bytes": _int_range(1024, 1024 * 1024 * 1024),
}


QUALITY_KEYS: dict[str, Check] = {
    "max_answer_words": _int_range(1, 1000),
    "max_list_items": _int_range(1, 1000),
    "near_duplicate": _number_range(0.5, 1.0),
}
#: Keys that are tables of their own, with their keys.
TABLES: dict[str, dict[str, Check]] = {"limits": LIMIT_KEYS, "quality": QUALITY_KEYS}


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"


def _suggest(key: str, known: Mapping[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate(data: Mapping[str, Any], where: str, base: Path) -> Config:
    """Turn a parsed table into a :class:`Config`, or raise one error listing every problem."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    keys: set[str] = set()
    tables: dict[str, dict[str, Any]] = {name: {} for name in TABLES}
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                problems.append(f"{key}: must be a table ([{key}]), got {_show(value)}")
                continue
            known = TABLES[key]
            for sub, subvalue in value.items():
                check = known.get(sub)
                if check is None:
                    problems.append(f"{key}.{sub}: unknown key{_suggest(sub, known)}")
                elif (err := check(subvalue)) is not None:
                    problems.append(f"{key}.{sub}: {err}")
                else:
                    tables[key][sub] = subvalue
                    keys.add(f"{key}.{sub}")
            continue
        top_check = TOP_KEYS.get(key)
        if top_check is None:
            hint = _suggest(key, [*TOP_KEYS, *TABLES])
            table = next((name for name, known in TABLES.items() if key in known), None)
            if not hint and table is not None:
                hint = f" (did you mean '{table}.{key}'?)"
            problems.append(f"{key}: unknown key{hint}")
        elif (err := top_check(value)) is not None:
            problems.append(f"{key}: {err}")
        else:
            values[key] = value
            keys.add(key)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{where} has {len(problems)} problem(s):\n{listing}\nsee docs/config.md for every option")
    if "out" in values:
        out = Path(values["out"]).expanduser()
        values["out"] = out if out.is_absolute() else base / out
    if "formats" in values:
        fmt = values["formats"]
        values["formats"] = None if fmt == "all" else tuple([fmt] if isinstance(fmt, str) else fmt)
    if "suppress_warnings" in values:
        values["suppress_warnings"] = tuple(values["suppress_warnings"])
    values.update(tables["limits"])
    quality = Quality(**tables["quality"])
    return Config(**values, quality=quality, keys=frozenset(keys))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def find_config(source: Path) -> tuple[Path, dict[str, Any], str] | None:
    """The config file in ``source`` and its studyc table: ``studyc.toml`` first, then pyproject."""
    own = source / CONFIG_FILE
    if own.is_file():
        return own, _read_toml(own), str(own)
    pyproject = source / PYPROJECT
    if pyproject.is_file():
        tool = _read_toml(pyproject).get("tool", {})
        table = tool.get("studyc") if isinstance(tool, dict) else None
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(f"{pyproject}: [tool.studyc] must be a table")
            return pyproject, table, f"{pyproject} [tool.studyc]"
    return None


def load_config(source: Path) -> Config:
    """Settings for the notes in ``source``; defaults when there is no config file."""
    found = find_config(source)
    if found is None:
        return Config()
    path, table, where = found
    return replace(validate(table, where, path.parent), source=path)
