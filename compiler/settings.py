"""Project configuration: ``studyc.toml`` or ``[tool.studyc]`` in the notes folder.

Every problem in the file is collected and raised as one :class:`ConfigError`,
so an author fixes them all in one go. CLI flags override the file.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from compiler.model import keys as cache_keys
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
DEFAULT_CHEATSHEET_PAGES = 4


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


#: Placeholders a ``source_url`` template may use.
SOURCE_URL_FIELDS = ("path", "abs_path", "line")


def _url_template(value: Any) -> str | None:
    import string

    if not isinstance(value, str) or not value.strip():
        return f"must be a URL template string, got {_show(value)}"
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        return f"is not a valid template ({exc}); write {{path}}, {{abs_path}} or {{line}}, and {{{{ for a brace"
    for name in names:
        if name not in SOURCE_URL_FIELDS:
            hint = _suggest(name, list(SOURCE_URL_FIELDS))
            return f"unknown placeholder '{{{name}}}'{hint}; use {{path}}, {{abs_path}} or {{line}}"
    return None


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {_show(value)}"


def _path(value: Any) -> str | None:
    # a flag's value is a Path already, a file's a string
    ok = isinstance(value, Path) or (isinstance(value, str) and value.strip())
    return None if ok else f"must be a non-empty path string, got {_show(value)}"


def _paper(value: Any) -> str | None:
    return None if value in PAPERS else f"must be one of {', '.join(PAPERS)}, got {_show(value)}"


def _formats(value: Any) -> str | None:
    from compiler.model.backend import REGISTRY

    if value == "all":
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) for v in value):
        return f'must be "all" or a list of format names, got {_show(value)}'
    bad = [v for v in value if v not in REGISTRY]
    if bad:
        hints = [f"'{b}'{_suggest(b, REGISTRY)}" for b in bad]
        return f"unknown format {', '.join(hints)}; choose from {', '.join(REGISTRY)}"
    return None


# -- the declaration ----------------------------------------------------------
#
# Each setting is declared once, as a field: its name, type, default and docstring, and in
# its metadata the key a config file sets it with (``table.key`` inside a table), the check
# of a file or flag value, its CLI flag, and whether it is left out of the cache keys
# (compiler/model/keys.py: every field is in them unless it opts out with a reason).
# The file keys, the flag checks, the build stamp's key and docs/config.md's tables
# (tests/test_settings_keys.py) all come from here.


def setting(
    default: Any = MISSING,
    *,
    key: str | None,
    check: Check | None = None,
    flag: str | None = None,
    convert: Callable[[Any], Any] | None = None,
    factory: Callable[[], Any] | None = None,
    table: type | None = None,
    not_in_key: str | None = None,
) -> Any:
    """One setting's field. ``key``: its config-file key (``None``: not set by a file);
    ``convert``: file value → field value; ``table``: the dataclass a ``[key]`` table fills."""
    meta: dict[str, Any] = {"key": key, "check": check, "flag": flag, "convert": convert, "table": table}
    if not_in_key is not None:
        meta = cache_keys.not_in_key(not_in_key, **meta)
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _formats_value(value: Any) -> tuple[str, ...] | None:
    return None if value == "all" else tuple([value] if isinstance(value, str) else value)


@dataclass(frozen=True)
class Quality:
    """Thresholds of the card-quality checks (``[quality]`` in ``studyc.toml``)."""

    max_answer_words: int = setting(DEFAULT_MAX_ANSWER_WORDS, key="max_answer_words", check=_int_range(1, 1000))
    """An answer with more words is reported (``quality.long-answer``)."""
    max_list_items: int = setting(DEFAULT_MAX_LIST_ITEMS, key="max_list_items", check=_int_range(1, 1000))
    """A list card with more items is reported (``quality.long-list``)."""
    near_duplicate: float = setting(DEFAULT_NEAR_DUPLICATE, key="near_duplicate", check=_number_range(0.5, 1.0))
    """Word-set similarity (Jaccard) from which two prompts are near duplicates (``quality.near-duplicate``)."""


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from exhausting memory (a view of :class:`Config`'s ``limits.*``)."""

    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Note files larger than this are refused with ``file.too-large``."""
    max_nesting: int = DEFAULT_MAX_NESTING
    """Deepest list/blockquote/container nesting that is parsed (``file.too-deep`` beyond)."""
    max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    """Images larger than this are refused with ``image.too-large`` (they are read whole)."""


_BYTES = _int_range(1024, 1024 * 1024 * 1024)


@dataclass(frozen=True)
class Config:
    """Resolved settings for one run; every field has a usable default."""

    out: Path = setting(DEFAULT_OUT, key="out", check=_path, flag="-o/--out")
    """Output folder. A relative path in a config file is relative to that file's folder."""
    formats: tuple[str, ...] | None = setting(
        None, key="formats", check=_formats, flag="--format", convert=_formats_value
    )
    """Formats to build; ``None`` means every registered format."""
    paper: Paper | None = setting(None, key="paper", check=_paper, flag="--paper")
    """PDF paper size; ``None`` means the course's ``paper`` front matter."""
    deck_depth: int = setting(2, key="deck_depth", check=_int_range(1, 6), flag="--deck-depth")
    """How many heading levels become Anki subdecks (chapter = 1)."""
    strict: bool = setting(False, key="strict", check=_bool, flag="--strict")
    """Treat warnings as errors."""
    max_file_bytes: int = setting(DEFAULT_MAX_FILE_BYTES, key="limits.max_file_bytes", check=_BYTES)
    """Note files larger than this are refused."""
    max_nesting: int = setting(DEFAULT_MAX_NESTING, key="limits.max_nesting", check=_int_range(4, 1000))
    """Deepest list/blockquote nesting that is parsed."""
    max_image_bytes: int = setting(DEFAULT_MAX_IMAGE_BYTES, key="limits.max_image_bytes", check=_BYTES)
    """Images larger than this are refused."""
    quality: Quality = setting(key="quality", factory=Quality, table=Quality)
    """Thresholds of the card-quality checks."""
    cheatsheet_pages: int = setting(
        DEFAULT_CHEATSHEET_PAGES, key="cheatsheet.pages", check=_int_range(1, 100), flag="--pages"
    )
    """Page budget of the cheat sheet and the weak-spots sheet (``cheatsheet.pages``)."""
    suppress_warnings: tuple[str, ...] = setting((), key="suppress_warnings", check=_warning_codes, convert=tuple)
    """Warning codes that are not reported at all (e.g. ``quality.yes-no``)."""
    source_url: str | None = setting(None, key="source_url", check=_url_template)
    """Template that turns each Anki note's Source field into a link (``{path}``, ``{abs_path}``, ``{line}``)."""
    source: Path | None = setting(None, key=None, not_in_key="the file is under the notes folder: its bytes are hashed")
    """The file the settings came from, if any."""
    keys: frozenset[str] = setting(
        key=None, factory=frozenset, not_in_key="which keys the file set, for -v; their values are in the key"
    )
    """Dotted keys the file set, so ``-v`` can say where a value came from."""

    def limits(self) -> Limits:
        """The parse limits."""

        return Limits(
            max_file_bytes=self.max_file_bytes, max_nesting=self.max_nesting, max_image_bytes=self.max_image_bytes
        )

    def override(self, **flags: Any) -> Config:
        """A copy with every flag that is not ``None`` applied (CLI wins over the file).

        Flag values get the same checks as the file's (a bad one is a usage error).
        """
        given = {k: v for k, v in flags.items() if v is not None}
        for name, value in given.items():
            declared = FIELDS.get(name)
            if (
                declared is not None
                and declared.flag is not None
                and declared.check is not None
                and (err := declared.check(value))
            ):
                raise UsageError(f"{declared.flag.split('/')[-1]} {err}")
        return replace(self, **given)


@dataclass(frozen=True)
class Declared:
    """One config-file key, as :class:`Config` declares it."""

    key: str
    """Dotted file key (``limits.max_nesting``)."""
    field: str
    """The :class:`Config` field it sets."""
    sub: str | None
    """The field of a table's dataclass (``quality.near_duplicate`` → ``near_duplicate``), else ``None``."""
    check: Check | None
    flag: str | None
    convert: Callable[[Any], Any] | None
    default: Any


def _declared() -> list[Declared]:
    found: list[Declared] = []
    for f in fields(Config):
        m = f.metadata
        table = m.get("table")
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        if table is not None:
            for g in fields(table):
                gm = g.metadata
                found.append(
                    Declared(f"{m['key']}.{gm['key']}", f.name, g.name, gm["check"], None, gm["convert"], g.default)
                )
        elif m.get("key") is not None:
            found.append(Declared(m["key"], f.name, None, m["check"], m["flag"], m["convert"], default))
    return found


#: Every key a config file may set, in declaration order.
DECLARED: tuple[Declared, ...] = tuple(_declared())
#: Config field → its declaration (fields set by a table's keys are left out).
FIELDS: dict[str, Declared] = {d.field: d for d in DECLARED if d.sub is None}
#: Top-level keys and their checks.
TOP_KEYS: dict[str, Check] = {d.key: d.check for d in DECLARED if "." not in d.key and d.check is not None}
#: Keys that are tables of their own, with their keys.
TABLES: dict[str, dict[str, Check]] = {}
for _d in DECLARED:
    if "." in _d.key and _d.check is not None:
        _table, _sub = _d.key.split(".", 1)
        TABLES.setdefault(_table, {})[_sub] = _d.check


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"


def _suggest(key: str, known: Mapping[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate(data: Mapping[str, Any], where: str, base: Path) -> Config:
    """Turn a parsed table into a :class:`Config`, or raise one error listing every problem."""
    problems: list[str] = []
    found: dict[str, Any] = {}
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
                    found[f"{key}.{sub}"] = subvalue
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
            found[key] = value
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"{where} has {len(problems)} problem(s):\n{listing}\nsee docs/config.md for every option")
    values: dict[str, Any] = {}
    tables: dict[str, dict[str, Any]] = {}
    for d in DECLARED:
        if d.key not in found:
            continue
        value = d.convert(found[d.key]) if d.convert is not None else found[d.key]
        if isinstance(d.default, Path):  # relative to the config file's folder
            value = Path(value).expanduser()
            value = value if value.is_absolute() else base / value
        if d.sub is None:
            values[d.field] = value
        else:
            tables.setdefault(d.field, {})[d.sub] = value
    for name, given in tables.items():
        values[name] = replace(getattr(Config(), name), **given)
    return Config(**values, keys=frozenset(found))


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
