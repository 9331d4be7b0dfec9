"""Shared test helpers: paths and snapshot comparison."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "sample"
SOURCE = ROOT / "source"
UPDATE = os.environ.get("STUDYC_UPDATE_SNAPSHOTS") == "1"


def assert_snapshot(path: Path, actual: str) -> None:
    """Compare with a checked-in snapshot; STUDYC_UPDATE_SNAPSHOTS=1 rewrites it."""
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"missing snapshot {path}; run with STUDYC_UPDATE_SNAPSHOTS=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs from its snapshot (STUDYC_UPDATE_SNAPSHOTS=1 to accept)"


def to_json(data: Any) -> str:
    """Stable JSON text for snapshots."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
