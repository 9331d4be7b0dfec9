"""The settings are declared once; the cache keys and docs/config.md follow from that declaration.

- Every field of ``Config`` (the build stamp's key) and of ``Options`` (the output cache's key),
  and of the dataclasses inside them, is in the derived key or opts out with a reason.
- Changing any field that is in a key changes the key.
- docs/config.md's example and its options table list exactly the declared keys, with the
  declared defaults and CLI flags.
"""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
import typing
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from compiler.anki.identity import Identity, Plan
from compiler.anki.lock import Lock
from compiler.app import cli
from compiler.build.cache import options_key
from compiler.build.stamp import settings_key
from compiler.model import keys
from compiler.model.backend import Options
from compiler.model.weak import WeakCard, WeakSpots
from compiler.settings import DECLARED, Config, Quality, validate

#: The dataclasses whose fields reach a key, and an instance of each.
INSTANCES: dict[type, Any] = {
    Config: Config(),
    Quality: Quality(),
    Options: Options(source_root=Path("notes")),
    Plan: Plan({"c1": Identity("g", 1, 2)}, Lock()),
    Identity: Identity("g", 1, 2),
    WeakSpots: WeakSpots((WeakCard("c1", 1, 0.5),), 1, "collection.anki2"),
    WeakCard: WeakCard("c1", 1, 0.5),
}
#: Values no type rule below can guess.
SAMPLES: dict[tuple[type, str], Any] = {
    (Options, "identity"): INSTANCES[Plan],
    (Options, "weak_spots"): INSTANCES[WeakSpots],
    (Config, "suppress_warnings"): ("quality.yes-no",),
    (Config, "formats"): ("json",),
    (Options, "extra"): {"k": "v"},
    (Plan, "note_types"): {"basic": 1},
}


def test_derivation_reaches_every_dataclass_that_holds_settings() -> None:
    """A dataclass inside Config/Options/Plan must be listed in INSTANCES, so its fields are checked too."""
    for cls in list(INSTANCES):
        for f in fields(cls):
            if f.name in keys.opted_out(cls):
                continue
            value = getattr(_with_other(cls, f.name), f.name)
            inner = value if not isinstance(value, tuple | list | dict) else next(iter(_values(value)), None)
            if is_dataclass(inner):
                assert type(inner) in INSTANCES, f"{cls.__name__}.{f.name} holds {type(inner).__name__}"


def _values(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else list(value)


@pytest.mark.parametrize("cls", list(INSTANCES), ids=lambda c: c.__name__)
def test_every_field_is_in_the_key_or_opts_out_with_a_reason(cls: type) -> None:
    derived = set(keys.output_key(INSTANCES[cls]))
    out = keys.opted_out(cls)
    names = {f.name for f in fields(cls)}
    assert derived | set(out) == names
    assert not derived & set(out)
    assert all(len(reason.split()) >= 3 for reason in out.values()), out


def test_the_stamp_and_output_keys_are_the_derived_ones() -> None:
    """The two keys the build uses are the derivation (plus the environment), not a hand-written list."""
    config, options = Config(), INSTANCES[Options]
    assert set(settings_key(config)) == {f.name for f in fields(Config)} - set(keys.opted_out(Config))
    expected = {f.name for f in fields(Options)} - set(keys.opted_out(Options))
    assert set(options_key(options)) == expected | {f"env.{name}" for name in keys.ENVIRONMENT}
    assert keys.opted_out(Config) == {"source": _reason(Config, "source"), "keys": _reason(Config, "keys")}
    assert keys.opted_out(Options) == {"cache_dir": _reason(Options, "cache_dir")}


def _reason(cls: type, name: str) -> str:
    return str(next(f for f in fields(cls) if f.name == name).metadata[keys.NOT_IN_KEY])


def _other(cls: type, name: str, value: Any) -> Any:
    """A value of field ``name`` different from ``value``."""
    if (cls, name) in SAMPLES:
        return SAMPLES[cls, name]
    hint = typing.get_type_hints(cls)[name]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, Path):
        return value / "other"
    if isinstance(value, tuple) and value:
        return (*value, value[0])
    if isinstance(value, dict) and value:
        return {**value, "other": next(iter(value.values()))}
    if is_dataclass(value):
        first = fields(value)[0].name
        return replace(value, **{first: _other(type(value), first, getattr(value, first))})  # type: ignore[type-var]
    if value is None:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        literal = [a for a in args if typing.get_origin(a) is typing.Literal]
        if literal:
            return typing.get_args(literal[0])[-1]
        if int in args:
            return 1
        if str in args:
            return "x{line}"
        if Path in args:
            return Path("elsewhere")
    raise AssertionError(f"no other value for {cls.__name__}.{name}: add one to SAMPLES")


def _with_other(cls: type, name: str) -> Any:
    obj = INSTANCES[cls]
    return replace(obj, **{name: _other(cls, name, getattr(obj, name))})


@pytest.mark.parametrize(
    ("cls", "name"),
    [(cls, f.name) for cls in INSTANCES for f in fields(cls) if f.name not in keys.opted_out(cls)],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_changing_a_field_in_the_key_changes_the_key(cls: type, name: str) -> None:
    before, after = INSTANCES[cls], _with_other(cls, name)
    assert getattr(after, name) != getattr(before, name)
    assert keys.output_key(after) != keys.output_key(before)


def test_the_environment_is_in_both_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    config_key, options = settings_key(Config()), options_key(INSTANCES[Options])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert options_key(INSTANCES[Options]) != options
    assert settings_key(Config()) == config_key  # the stamp's digest adds keys.environment() itself


def test_a_value_without_an_encoding_is_refused() -> None:
    with pytest.raises(TypeError, match="no cache-key encoding for object"):
        keys.jsonable(object())
    with pytest.raises(ValueError, match="reason"):
        keys.not_in_key(" ")


def test_a_plan_keys_on_what_the_backends_read() -> None:
    """The identities and note types; the report lists and the lock are opted out."""
    assert set(keys.output_key(INSTANCES[Plan])) == {"identities", "note_types"}


# -- docs/config.md -----------------------------------------------------------

CONFIG_MD = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")


def _example() -> dict[str, Any]:
    block = re.search(r"```toml\n(# source/studyc.toml[^\n]*\n.*?)```", CONFIG_MD, re.S)
    assert block is not None
    return tomllib.loads(block.group(1))


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _toml_default(value: Any) -> Any:
    return str(value) if isinstance(value, Path) else list(value) if isinstance(value, tuple) else value


def test_the_example_file_sets_every_key_to_its_default(tmp_path: Path) -> None:
    """ "every option with its default": all declared keys but those without a TOML default (None)."""
    example = _example()
    config = validate(example, "docs/config.md", tmp_path)
    set_keys = set(_flat(example))
    assert set_keys == set(config.keys)
    declared = {d.key: d for d in DECLARED}
    assert set_keys <= set(declared)
    assert set(declared) - set_keys == {"source_url"}  # no value to write for "none"
    for key, value in _flat(example).items():
        default = declared[key].default
        if default is not None:
            assert value == _toml_default(default), key


def _rows() -> dict[str, list[str]]:
    section = CONFIG_MD.split("## Options", 1)[1].split("\n\n", 2)[1]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| `")]
    return {row[0].strip("| `"): [cell.strip() for cell in row[1:]] for row in rows}


def test_the_options_table_lists_every_declared_key_with_its_default_and_flag() -> None:
    rows = _rows()
    assert set(rows) == {d.key for d in DECLARED}
    for d in DECLARED:
        _type, default, flag, _meaning = rows[d.key]
        if d.default is not None:
            assert default.strip('`"') == str(_toml_default(d.default)).lower().strip('"'), d.key
        if d.flag is None:
            assert flag == "—", d.key
        else:
            assert flag.split()[0].strip("`") == d.flag, d.key


def test_every_declared_flag_is_a_build_flag() -> None:
    text = io.StringIO()
    with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
        cli._parser().parse_args(["build", "--help"])
    for d in DECLARED:
        if d.flag is not None:
            for spelling in d.flag.split("/"):
                assert re.search(rf"(^|[\s\[,]){re.escape(spelling)}[\s,\]]", text.getvalue()), spelling
