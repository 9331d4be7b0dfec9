"""The snapshot helper itself: an update writes the new text and still fails, naming the change."""

from __future__ import annotations

from pathlib import Path

import conftest
import pytest
from conftest import assert_snapshot

OLD = "alpha\nbeta\ngamma\n"
NEW = "alpha\nBETA\ngamma\n"


def _fail(path: Path, actual: str) -> str:
    with pytest.raises(pytest.fail.Exception) as info:
        assert_snapshot(path, actual)
    return str(info.value)


def test_equal_snapshot_passes_with_and_without_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "snap.txt"
    path.write_text(OLD, encoding="utf-8")
    assert_snapshot(path, OLD)
    monkeypatch.setattr(conftest, "UPDATE", True)
    assert_snapshot(path, OLD)
    assert path.read_text(encoding="utf-8") == OLD


def test_changed_snapshot_fails_with_a_diff_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "snap.txt"
    path.write_text(OLD, encoding="utf-8")
    message = _fail(path, NEW)
    assert "differs from its snapshot" in message
    assert "\n-beta\n+BETA\n" in message
    assert path.read_text(encoding="utf-8") == OLD


def test_update_writes_the_new_snapshot_and_still_fails_listing_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(conftest, "UPDATE", True)
    path = tmp_path / "snap.txt"
    path.write_text(OLD, encoding="utf-8")
    message = _fail(path, NEW)
    assert message.startswith(f"updated snapshot {path}")
    assert "\n-beta\n+BETA\n" in message and "alpha" in message  # the change, with context
    assert path.read_text(encoding="utf-8") == NEW
    monkeypatch.setattr(conftest, "UPDATE", False)
    assert_snapshot(path, NEW)  # the next plain run passes


def test_missing_snapshot_fails_and_update_creates_it_but_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sub" / "snap.txt"
    assert "missing snapshot" in _fail(path, NEW)
    assert not path.exists()
    monkeypatch.setattr(conftest, "UPDATE", True)
    assert _fail(path, NEW).startswith(f"created snapshot {path} (3 lines)")
    assert path.read_text(encoding="utf-8") == NEW


def test_long_diffs_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "snap.txt"
    path.write_text("".join(f"{i}\n" for i in range(200)), encoding="utf-8")
    message = _fail(path, "".join(f"{i}!\n" for i in range(200)))
    assert "more diff lines" in message and len(message.splitlines()) < 70
