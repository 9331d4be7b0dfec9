"""Shared test helpers: paths and snapshot comparison."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "sample"
SOURCE = ROOT / "source"
UPDATE = os.environ.get("STUDYC_UPDATE_SNAPSHOTS") == "1"


def snapshot_diff(path: Path, expected: str, actual: str, limit: int = 60) -> str:
    """A unified diff from the snapshot to the actual text, cut after ``limit`` lines."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"{path.name} (snapshot)", f"{path.name} (actual)", lineterm=""
        )
    )
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def assert_snapshot(path: Path, actual: str) -> None:
    """Compare with a checked-in snapshot.

    ``STUDYC_UPDATE_SNAPSHOTS=1`` writes the new text but the test still fails, showing what
    changed: an update can never pass silently, so every changed snapshot is looked at (and
    the next run without the variable passes). An unchanged snapshot passes either way.
    """
    if not path.exists():
        if not UPDATE:
            pytest.fail(f"missing snapshot {path}; run with STUDYC_UPDATE_SNAPSHOTS=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"created snapshot {path} ({len(actual.splitlines())} lines); review it and rerun", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if actual == expected:
        return
    diff = snapshot_diff(path, expected, actual)
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"updated snapshot {path}; review the change and rerun:\n{diff}", pytrace=False)
    pytest.fail(
        f"{path} differs from its snapshot (STUDYC_UPDATE_SNAPSHOTS=1 rewrites it and lists the change):\n{diff}",
        pytrace=False,
    )


def to_json(data: Any) -> str:
    """Stable JSON text for snapshots."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: Files whose tests share a costly module- or session-scoped fixture (a PDF layout of the shipped
#: course takes 20 s, a wheel build 10 s, starting the language server 5 s). Under xdist (`make test` runs
#: ``--dist loadgroup``) each of these files stays on one worker, so its fixture is built once; other tests
#: spread freely.
SHARED_FIXTURE_FILES = {
    "test_printables", "test_course", "test_packaging", "test_bench", "test_anki_truth", "test_rewordings_anki",
    "test_lsp",
}  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in SHARED_FIXTURE_FILES:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


def studyc(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would (``python -m compiler``); no run may show a traceback or an internal error."""
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if not (env or os.environ).get("STUDYC_DEBUG"):
        for stream in (proc.stdout, proc.stderr):
            assert "Traceback" not in stream, stream
            assert "internal error" not in stream, stream
    return proc
