"""The CLI as users run it: exit codes, output shape, no tracebacks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import FIXTURES, SAMPLE, studyc

BROKEN_DIAGNOSTICS = (FIXTURES / "broken.diagnostics.txt").read_text(encoding="utf-8").splitlines()
_DIAG_LINE = re.compile(r"^(?P<path>\S+?):\d+:\d+: (?:error|warning): .* \[[a-z.-]+\]( \(error: --strict\))?$")


def diagnostic_lines(stderr: str, folder: Path) -> list[str]:
    """The ``path:line:col: severity: message [code]`` lines, paths relative to ``folder``."""
    prefix = f"{folder}/"
    found = [line for line in stderr.splitlines() if _DIAG_LINE.match(line)]
    assert all(line.startswith(prefix) for line in found), found
    return [line[len(prefix) :] for line in found]


def test_help_lists_commands() -> None:
    proc = studyc("--help")
    assert proc.returncode == 0
    listed = re.findall(r"^    ([a-z]+) +\S", proc.stdout, re.M)
    assert listed == ["build", "check", "stats", "watch", "keep", "init", "sync", "pull", "lsp"]


def test_check_reports_coverage_summary() -> None:
    proc = studyc("check", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    assert "4/4 exam tips covered, 9 notes, 14 cards" in proc.stderr


def test_check_broken_course_exits_1_with_file_line_errors() -> None:
    proc = studyc("check", str(FIXTURES / "broken"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    # every diagnostic, in order, with its exact file:line:col, and nothing else
    assert diagnostic_lines(proc.stderr, FIXTURES / "broken") == BROKEN_DIAGNOSTICS


def test_check_json_format_is_machine_readable() -> None:
    proc = studyc("check", str(FIXTURES / "broken"), "--format", "json")
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    assert all(set(i) == {"path", "line", "col", "severity", "code", "message"} for i in items)
    as_text = [f"{i['path']}:{i['line']}:{i['col']}: {i['severity']}: {i['message']} [{i['code']}]" for i in items]
    assert as_text == BROKEN_DIAGNOSTICS


def test_stats_exits_1_on_a_course_with_errors_like_check() -> None:
    broken = FIXTURES / "broken"
    for extra in ([], ["--json"]):
        proc = studyc("stats", str(broken), *extra)
        assert proc.returncode == studyc("check", str(broken)).returncode == 1, proc.stderr
        assert diagnostic_lines(proc.stderr, broken) == BROKEN_DIAGNOSTICS
        assert "studyc: error:" not in proc.stderr and "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["cards"] == 2  # the numbers still come, on stdout


def test_stats_fails_on_warnings_when_the_config_is_strict(tmp_path: Path) -> None:
    src = tmp_path / "course"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    (src / "01-a.md").write_text("---\ntitle: A\n---\n## S\n\nSee {{c1::this}}.\n\nQ: Q?\n\nA: A.\n", encoding="utf-8")
    ok = studyc("stats", str(src))
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    (src / "studyc.toml").write_text("strict = true\n", encoding="utf-8")
    strict = studyc("stats", str(src))
    assert strict.returncode == 1
    assert diagnostic_lines(strict.stderr, src) == [
        "01-a.md:6:1: warning: cloze syntax outside a 'C:' card prints literally; start the paragraph with 'C:' "
        "[cloze.stray] (error: --strict)"
    ]


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
