"""The build stamp in process (tests/test_stamp.py drives the CLI): what changes the digest, when a stamp holds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.build import stamp

SETTINGS = {"formats": ["json"], "paper": None, "deck_depth": 2, "strict": False, "limits": [1, 2, 3]}


@pytest.fixture
def src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return Path(shutil.copytree(SAMPLE, tmp_path / "src"))


def test_digest_is_stable_and_ignores_key_order(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = stamp.digest(src, out, SETTINGS)
    assert stamp.digest(src, out, dict(reversed(list(SETTINGS.items())))) == first
    assert len(first) == 64


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_setting_changes_the_digest(src: Path, tmp_path: Path, key: str) -> None:
    out = tmp_path / "out"
    changed = {**SETTINGS, key: "other"}
    assert stamp.digest(src, out, changed) != stamp.digest(src, out, SETTINGS)


def test_source_date_epoch_and_files_change_the_digest(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    base = stamp.digest(src, out, SETTINGS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert stamp.digest(src, out, SETTINGS) != base
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    unset = stamp.digest(src, out, SETTINGS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "")
    assert stamp.digest(src, out, SETTINGS) == unset != base
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (src / "extra.txt").write_text("x")
    added = stamp.digest(src, out, SETTINGS)
    assert added != base
    (src / "extra.txt").rename(src / "renamed.txt")
    assert stamp.digest(src, out, SETTINGS) not in (base, added)  # same bytes, another name
    (src / "renamed.txt").unlink()
    (src / "images" / "pipeline.png").write_bytes(b"other")
    assert stamp.digest(src, out, SETTINGS) != base


def test_the_output_folder_and_hidden_folders_are_not_inputs(src: Path) -> None:
    out = src / "build"
    base = stamp.digest(src, out, SETTINGS)
    out.mkdir()
    (out / "sample.json").write_text("{}")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref")
    assert stamp.digest(src, out, SETTINGS) == base
    (src / "notes").mkdir()
    (src / "notes" / "x.md").write_text("x")
    assert stamp.digest(src, out, SETTINGS) != base


def test_fresh_only_while_nothing_changed(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert stamp.fresh(src, out, SETTINGS) is None  # no stamp yet
    out.mkdir()
    output = out / "sample.json"
    output.write_text("{}")
    stamp.save(src, out, SETTINGS, [output], ["line one", "line two"], notices=["a notice"])
    assert stamp.fresh(src, out, SETTINGS) == (["a notice"], ["line one", "line two"], [output])
    assert stamp.fresh(src, out, {**SETTINGS, "paper": "a4"}) is None
    stat = output.stat()
    output.write_text("[]")  # same size, new bytes and mtime
    os.utime(output, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert stamp.fresh(src, out, SETTINGS) is None
    os.utime(output, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert stamp.fresh(src, out, SETTINGS) is not None  # size and mtime are what is compared
    output.unlink()
    assert stamp.fresh(src, out, SETTINGS) is None
    (out / ".cache" / stamp.STAMP_NAME).write_text("not json")
    assert stamp.fresh(src, out, SETTINGS) is None
