"""The build stamp: an unchanged rebuild is skipped; any change to what a build reads is not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, studyc_here

SKIPPED = "build stamp: nothing this build reads has changed"


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    out = tmp_path / "out"
    first = studyc_here("build", str(src), "-o", str(out), "--format", "json,anki", "-v")
    assert first.returncode == 0, first.stderr
    assert SKIPPED not in first.stderr
    return src, out


def mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}


def test_unchanged_rebuild_is_skipped_and_touches_nothing(course: tuple[Path, Path]) -> None:
    src, out = course
    before = mtimes(out)
    again = studyc_here("build", str(src), "-o", str(out), "--format", "json,anki", "-v")
    assert again.returncode == 0
    assert SKIPPED in again.stderr
    assert "notes: 0 added, 0 updated, 9 unchanged, 0 removed" in again.stdout
    assert mtimes(out) == before


def test_edited_note_rebuilds(course: tuple[Path, Path]) -> None:
    src, out = course
    chapter = src / "02-modeling.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Unsupervised learning.", "Unsupervised."))
    again = studyc_here("build", str(src), "-o", str(out), "--format", "json,anki", "-v")
    assert SKIPPED not in again.stderr
    assert "1 updated" in again.stdout
    assert "Unsupervised." in (out / "sample.json").read_text(encoding="utf-8")


def test_changed_image_rebuilds(course: tuple[Path, Path]) -> None:
    src, out = course
    image = src / "images" / "pipeline.png"
    image.write_bytes(image.read_bytes() + b"\0")
    assert SKIPPED not in studyc_here("build", str(src), "-o", str(out), "--format", "json,anki", "-v").stderr


def test_deleted_output_is_rebuilt(course: tuple[Path, Path]) -> None:
    src, out = course
    (out / "sample.apkg").unlink()
    again = studyc_here("build", str(src), "-o", str(out), "--format", "json,anki", "-v")
    assert SKIPPED not in again.stderr
    assert (out / "sample.apkg").is_file()


def test_other_settings_rebuild(course: tuple[Path, Path]) -> None:
    src, out = course
    assert SKIPPED not in studyc_here("build", str(src), "-o", str(out), "--format", "json", "-v").stderr
    assert (
        SKIPPED
        not in studyc_here("build", str(src), "-o", str(out), "--format", "json", "--deck-depth", "1", "-v").stderr
    )
    assert SKIPPED not in studyc_here("build", str(src), "-o", str(out), "--format", "json", "--no-cache", "-v").stderr


def test_build_with_warnings_is_never_skipped(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    chapter = src / "02-modeling.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nStray {{c1::cloze}} here.\n")
    out = tmp_path / "out"
    for _ in range(2):
        proc = studyc_here("build", str(src), "-o", str(out), "--format", "json")
        assert proc.returncode == 0
        assert "[cloze.stray]" in proc.stderr  # the warning is shown again, not swallowed by a skip


def test_skipped_build_never_imports_the_parser(course: tuple[Path, Path]) -> None:
    src, out = course
    probe = (
        "import sys; from compiler.app.cli import main; "
        f"rc = main(['build', {str(src)!r}, '-o', {str(out)!r}, '--format', 'json,anki', '-q']); "
        "print(rc, sorted(m for m in ('pydantic', 'markdown_it', 'genanki', 'weasyprint') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert proc.stdout.split("\n")[0] == "0 []", proc.stdout + proc.stderr


def test_a_note_saved_during_a_build_is_built_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A save while a build runs: the build used the old text, so the next one must not say "nothing changed"."""
    from compiler.app import cli
    from compiler.frontend import files  # the build reads notes through files.read_sources → files.read_text

    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    out = tmp_path / "out"
    note = next(p for p in sorted(src.glob("0*.md")))
    old = note.read_text(encoding="utf-8")
    assert "seven" not in old
    real_read = files.read_text
    saved: list[str] = []

    def read_then_save(root: Path, rel: str, *args: object) -> str | None:
        text = real_read(root, rel, *args)  # type: ignore[arg-type]
        if rel == note.name and not saved:
            # the author saves an edit right after the build read the file
            note.write_text(old.replace("Q: ", "Q: (seven) ", 1), encoding="utf-8")
            saved.append(rel)
        return text

    monkeypatch.setattr(files, "read_text", read_then_save)
    args = ["build", str(src), "-o", str(out), "--format", "json", "-v"]
    assert cli.main(args) == 0
    assert saved == [note.name]
    assert "(seven)" not in (out / "sample.json").read_text(encoding="utf-8")  # the build read the old text
    capsys.readouterr()
    monkeypatch.setattr(files, "read_text", real_read)
    assert cli.main(args) == 0
    assert SKIPPED not in capsys.readouterr().err
    assert "(seven)" in (out / "sample.json").read_text(encoding="utf-8")


def test_skipped_build_repeats_what_the_cheat_sheet_left_out(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    cards = "".join(
        f"Q: What does step {i} of the pipeline do?\n\nA: It moves batch {i} along.\n\n" for i in range(150)
    )
    (src / "09-long.md").write_text(f"---\ntitle: Long\n---\n{cards}", encoding="utf-8")
    out = tmp_path / "out"
    runs = [
        studyc_here("build", str(src), "-o", str(out), "--format", "cheatsheet", "--pages", "1", "-v") for _ in "ab"
    ]
    assert [SKIPPED in r.stderr for r in runs] == [False, True]  # information does not prevent the stamp
    told = [[ln for ln in r.stderr.splitlines() if "[print.left-out]" in ln] for r in runs]
    assert len(told[0]) == 1 and told[1] == told[0]
    # another budget is another build
    assert (
        SKIPPED not in studyc_here("build", str(src), "-o", str(out), "--format", "cheatsheet", "--pages", "2").stderr
    )
