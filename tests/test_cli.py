"""The CLI as users run it: exit codes, output shape, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, ROOT, SAMPLE


def studyc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_help_lists_commands() -> None:
    proc = studyc("--help")
    assert proc.returncode == 0
    assert "build" in proc.stdout and "check" in proc.stdout


def test_check_reports_coverage_summary() -> None:
    proc = studyc("check", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert "4/4 exam tips covered, 9 cards" in proc.stderr


def test_check_broken_course_exits_1_with_file_line_errors() -> None:
    proc = studyc("check", str(FIXTURES / "broken"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "01-chapter.md:9:1: error:" in proc.stderr or "01-chapter.md:" in proc.stderr
    assert "[coverage.no-cards]" in proc.stderr


def test_check_json_format_is_machine_readable() -> None:
    proc = studyc("check", str(FIXTURES / "broken"), "--format", "json")
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    assert {"path", "line", "col", "severity", "code", "message"} <= set(items[0])
    assert any(i["code"] == "id.duplicate-card" for i in items)


def test_usage_errors_exit_2() -> None:
    assert studyc("build", "--format", "nonsense", str(SAMPLE)).returncode == 2
    missing = studyc("check", "does/not/exist")
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert studyc("frobnicate").returncode == 2


def test_build_writes_json_and_failed_build_writes_nothing(tmp_path: Path) -> None:
    # a build writes the identity lock next to the notes, so work on a copy
    sample = tmp_path / "sample"
    shutil.copytree(SAMPLE, sample, ignore=shutil.ignore_patterns("studyc.lock"))
    out = tmp_path / "out"
    ok = studyc("build", str(sample), "-o", str(out), "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert (out / "sample.json").is_file()
    bad_out = tmp_path / "bad"
    bad = studyc("build", str(FIXTURES / "broken"), "-o", str(bad_out), "--format", "json")
    assert bad.returncode == 1
    assert not bad_out.exists()


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    src = tmp_path / "course"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    (src / "01-a.md").write_text(
        '---\ntitle: A\n---\n## S\n\nSee {{c1::this}}.\n\n{#t}\n> [!TIP]\n> Tip.\n\n{covers="t"}\nQ: Q?\n\nA: A.\n',
        encoding="utf-8",
    )
    assert studyc("check", str(src)).returncode == 0
    strict = studyc("check", str(src), "--strict")
    assert strict.returncode == 1
    assert "[cloze.stray]" in strict.stderr
