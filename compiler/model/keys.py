"""Cache keys derived from the settings' declaration, so that a new setting cannot be forgotten.

The build stamp keys on every field of :class:`compiler.settings.Config`, the output
cache on every field of :class:`compiler.model.backend.Options` (recursing into
dataclass values such as the identity plan). A field is in the key unless its
declaration opts out with ``metadata=not_in_key("why")``; the reason is required and
listed by ``tests/test_settings_keys.py``. A value of a type this module cannot encode
is an error, never a silent ``repr``.
"""

from __future__ import annotations

import os
from dataclasses import Field, fields, is_dataclass
from pathlib import Path
from typing import Any

#: Field-metadata entry that keeps a field out of every derived key; its value says why.
NOT_IN_KEY = "studyc.not_in_key"

#: Environment variables that outputs read (the printables' date): part of every key as well.
ENVIRONMENT = ("SOURCE_DATE_EPOCH",)


def not_in_key(reason: str, **more: Any) -> dict[str, Any]:
    """Field metadata: leave this field out of the derived keys, because ``reason``."""
    if not reason.strip():
        raise ValueError("a field leaves the cache keys only with a reason")
    return {NOT_IN_KEY: reason, **more}


_IN_KEY: dict[type, tuple[str, ...]] = {}


def _in_key(cls: type) -> tuple[str, ...]:
    names = _IN_KEY.get(cls)
    if names is None:  # fields() is slow, and a plan holds an identity per card
        names = _IN_KEY[cls] = tuple(f.name for f in fields(cls) if NOT_IN_KEY not in f.metadata)
    return names


def opted_out(cls: type) -> dict[str, str]:
    """Fields of the dataclass ``cls`` that are not in the key → the declared reason."""
    found: tuple[Field[Any], ...] = fields(cls)
    return {f.name: str(f.metadata[NOT_IN_KEY]) for f in found if NOT_IN_KEY in f.metadata}


def output_key(obj: Any) -> dict[str, Any]:
    """Every field of the dataclass instance ``obj`` that did not opt out, as JSON-ready values."""
    return {name: jsonable(getattr(obj, name)) for name in _in_key(type(obj))}


def environment() -> dict[str, str]:
    """The :data:`ENVIRONMENT` variables as set now (unset and empty are the same)."""
    return {f"env.{name}": os.environ.get(name, "") for name in ENVIRONMENT}


def jsonable(value: Any) -> Any:
    """``value`` as JSON data that changes whenever the value does."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Path):
        return str(value.resolve())
    if is_dataclass(value) and not isinstance(value, type):
        return output_key(value)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    raise TypeError(f"no cache-key encoding for {type(value).__name__}; add one in compiler/model/keys.py")
