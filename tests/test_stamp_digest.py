"""The build stamp in process (tests/test_stamp.py drives the CLI): what changes the digest, when a stamp holds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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


@pytest.fixture
def code_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A stand-in for studyc's package folder and its templates, so code_hash can be watched changing."""
    root, templates = tmp_path / "compiler", tmp_path / "templates"
    for rel in ("model/ir.py", "frontend/tree.py", "text/render.py", "settings.py", "anki/notes.py", "app/cli.py"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n")
    (root / "README.txt").write_text("not code")
    (templates / "anki").mkdir(parents=True)
    (templates / "anki" / "style.css").write_text("body {}")
    monkeypatch.setattr(stamp, "_ROOT", root)
    monkeypatch.setattr(stamp, "templates_dir", lambda: templates)
    stamp.code_hash.cache_clear()
    yield root, templates
    monkeypatch.undo()
    stamp.code_hash.cache_clear()  # the real code's hash again for the tests that follow


def _hashes() -> tuple[str, str]:
    stamp.code_hash.cache_clear()
    return stamp.code_hash(), stamp.code_hash(parsing=True)


def test_code_hash_of_everything_and_of_the_parsing_code(code_tree: tuple[Path, Path]) -> None:
    root, templates = code_tree
    full, parsing = base = _hashes()
    assert full != parsing
    assert all(len(h) == 20 and int(h, 16) >= 0 for h in base)
    # the parser's own code: both hashes change
    for rel in ("model/ir.py", "frontend/tree.py", "text/render.py", "settings.py"):
        before = _hashes()
        (root / rel).write_text((root / rel).read_text() + "x = 1\n")
        after = _hashes()
        assert after[0] != before[0] and after[1] != before[1], rel
    # a backend, the CLI or a template: only the full hash (the parse cache is kept)
    for path in (root / "anki" / "notes.py", root / "app" / "cli.py", templates / "anki" / "style.css"):
        before = _hashes()
        path.write_text(path.read_text() + "\n/* edit */\n")
        after = _hashes()
        assert after[0] != before[0] and after[1] == before[1], path
    # a new template in a subfolder counts; a file that is not Python code does not
    before = _hashes()
    (templates / "print").mkdir()
    (templates / "print" / "sheet.html").write_text("<p>")
    assert _hashes()[0] != before[0]
    before = _hashes()
    (root / "README.txt").write_text("still not code")
    assert _hashes() == before
    # the same bytes under another name are other code
    (root / "anki" / "notes.py").rename(root / "anki" / "renamed.py")
    assert _hashes()[0] != before[0]


def test_code_hash_without_a_templates_folder(code_tree: tuple[Path, Path]) -> None:
    _, templates = code_tree
    with_templates = _hashes()
    shutil.rmtree(templates)
    without = _hashes()
    assert without[0] != with_templates[0] and without[1] == with_templates[1]


def test_the_version_and_the_code_are_in_the_digest(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    base = stamp.digest(src, out, SETTINGS)
    monkeypatch.setattr(stamp, "__version__", "0.0.0-other")
    other_version = stamp.digest(src, out, SETTINGS)
    monkeypatch.undo()
    monkeypatch.setattr(stamp, "code_hash", lambda parsing=False: "0" * 20)
    other_code = stamp.digest(src, out, SETTINGS)
    assert len({base, other_version, other_code}) == 3


def test_settings_may_hold_paths_and_the_snapshot_gives_the_same_digest(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with_path = {**SETTINGS, "out": tmp_path / "out"}
    first = stamp.digest(src, out, with_path)
    assert first != stamp.digest(src, out, {**SETTINGS, "out": tmp_path / "elsewhere"})
    files = stamp.snapshot(src, out)
    assert stamp.digest(src, out, with_path, files) == first
    assert stamp.digest(src, out, with_path, {}) != first  # the files given are the ones hashed
    note = sorted(src.glob("0*.md"))[0]
    note.write_text(note.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    assert stamp.digest(src, out, with_path, files) == first != stamp.digest(src, out, with_path)


def test_snapshot_hashes_each_file_and_survives_an_unreadable_one(src: Path, tmp_path: Path) -> None:
    import hashlib

    out = tmp_path / "out"
    files = stamp.snapshot(src, out)
    note = sorted(src.glob("0*.md"))[0]
    assert files[note.name] == hashlib.sha256(note.read_bytes()).hexdigest()
    assert files["images/pipeline.png"] == hashlib.sha256((src / "images" / "pipeline.png").read_bytes()).hexdigest()
    (src / "dangling.png").symlink_to(src / "missing.png")  # listed, but cannot be read
    broken = stamp.snapshot(src, out)
    assert set(broken) == {*files, "dangling.png"}
    assert broken["dangling.png"] not in files.values()
    (src / "missing.png").write_bytes(b"now here")
    assert stamp.snapshot(src, out)["dangling.png"] == hashlib.sha256(b"now here").hexdigest()


def test_any_changed_output_of_several_voids_the_stamp(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first, second = out / "a.json", out / "b.csv"
    first.write_text("{}")
    second.write_text("x,y")
    stamp.save(src, out, SETTINGS, [first, second], ["built"])
    assert stamp.fresh(src, out, SETTINGS) == ([], ["built"], [first, second])
    second.write_text("x,y,z")
    assert stamp.fresh(src, out, SETTINGS) is None


def test_the_lock_written_by_the_build_is_stamped_as_written(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    lock = src / stamp.LOCK_NAME
    lock.unlink(missing_ok=True)
    before = stamp.snapshot(src, out)  # taken before the build read the notes
    lock.write_text("# written by the build\n")
    stamp.save(src, out, SETTINGS, [], ["built"], before=before)
    assert stamp.fresh(src, out, SETTINGS) == ([], ["built"], [])
    lock.write_text("# edited by hand afterwards\n")
    assert stamp.fresh(src, out, SETTINGS) is None
    # other files keep the snapshot's bytes: a note saved during the build is not stamped as read
    stamp.save(src, out, SETTINGS, [], ["built"], before=stamp.snapshot(src, out))
    assert stamp.fresh(src, out, SETTINGS) is not None
    before = stamp.snapshot(src, out)
    note = sorted(src.glob("0*.md"))[0]
    note.write_text(note.read_text(encoding="utf-8") + "\nsaved during the build\n", encoding="utf-8")
    stamp.save(src, out, SETTINGS, [], ["built"], before=before)
    assert stamp.fresh(src, out, SETTINGS) is None


def test_a_stamp_that_cannot_be_written_costs_only_the_shortcut(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file where the output folder should be")
    stamp.save(src, out, SETTINGS, [], ["built"])  # no error
    assert stamp.fresh(src, out, SETTINGS) is None


def test_a_stamp_missing_a_part_is_not_fresh(src: Path, tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    stamp.save(src, out, SETTINGS, [], ["built"], notices=["note"])
    path = out / ".cache" / stamp.STAMP_NAME
    whole = json.loads(path.read_text(encoding="utf-8"))
    assert stamp.fresh(src, out, SETTINGS) == (["note"], ["built"], [])
    for part in ("digest", "outputs", "notices", "lines"):
        path.write_text(json.dumps({k: v for k, v in whole.items() if k != part}), encoding="utf-8")
        assert stamp.fresh(src, out, SETTINGS) is None, part
    path.write_text(json.dumps({**whole, "outputs": {str(out / "gone.json"): None}}), encoding="utf-8")
    assert stamp.fresh(src, out, SETTINGS) is not None  # recorded as missing, still missing


def test_the_settings_key_holds_every_setting_that_shapes_an_output() -> None:
    from compiler.settings import Config

    base = stamp.settings_key(Config())
    assert base["deck_depth"] == 2 and base["paper"] is None and base["source_url"] is None
    assert stamp.settings_key(Config(paper="a4"))["paper"] == "a4"
    assert stamp.settings_key(Config(deck_depth=3)) != base
    assert "source" not in base and "keys" not in base  # opted out, with a reason
