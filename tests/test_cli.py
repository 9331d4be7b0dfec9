"""The CLI as users run it: exit codes, output shape, no tracebacks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import FIXTURES, SAMPLE, studyc

from compiler.model.backend import FORMATS

BROKEN_DIAGNOSTICS = (FIXTURES / "broken.diagnostics.txt").read_text(encoding="utf-8").splitlines()
_DIAG_LINE = re.compile(r"^(?P<path>\S+?):\d+:\d+: (?:error|warning): .* \[[a-z.-]+\]( \(error: [^)]+\))?$")


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
    assert listed == ["build", "check", "stats", "tips", "watch", "keep", "init", "sync", "pull", "lsp"]


def test_help_lists_every_output_from_the_registry() -> None:
    for args in (["--help"], ["build", "--help"], ["watch", "--help"]):
        shown = studyc(*args).stdout
        for fmt in FORMATS:
            assert re.search(rf"^  {fmt.name} +{re.escape(fmt.help)}$", shown, re.M), (args, fmt.name)


def test_watch_takes_every_build_flag() -> None:
    def flags(command: str) -> set[str]:
        return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", studyc(command, "--help").stdout))

    assert flags("build") == flags("watch")
    assert {"--paper", "--deck-depth", "--strict", "--no-cache", "--diagnostics", "--format"} <= flags("watch")


def test_check_reports_coverage_summary() -> None:
    proc = studyc("check", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    # a result: on stdout; nothing on stderr for a clean course
    assert "4/4 exam tips covered, 9 notes, 14 cards" in proc.stdout
    assert proc.stderr == ""


def test_source_defaults_to_the_current_folder_when_it_holds_course_md(tmp_path: Path) -> None:
    here = studyc("check", cwd=SAMPLE)
    assert here.returncode == 0, here.stderr
    assert "4/4 exam tips covered" in here.stdout
    elsewhere = studyc("check", cwd=tmp_path)
    assert elsewhere.returncode == 2
    assert "source folder 'source' does not exist" in elsewhere.stderr


def test_check_broken_course_exits_1_with_file_line_errors() -> None:
    proc = studyc("check", str(FIXTURES / "broken"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    # every diagnostic, in order, with its exact file:line:col, and nothing else
    assert diagnostic_lines(proc.stderr, FIXTURES / "broken") == BROKEN_DIAGNOSTICS


def test_check_json_diagnostics_are_machine_readable() -> None:
    proc = studyc("check", str(FIXTURES / "broken"), "--diagnostics", "json")
    assert proc.returncode == 1
    assert proc.stderr == ""
    items = json.loads(proc.stdout)
    assert all(set(i) == {"path", "line", "col", "severity", "code", "message"} for i in items)
    as_text = [f"{i['path']}:{i['line']}:{i['col']}: {i['severity']}: {i['message']} [{i['code']}]" for i in items]
    assert as_text == BROKEN_DIAGNOSTICS


def test_old_diagnostics_flags_still_work_with_a_deprecation_warning(tmp_path: Path) -> None:
    new = studyc("check", str(FIXTURES / "broken"), "--diagnostics", "json")
    old = studyc("check", str(FIXTURES / "broken"), "--format", "json")
    assert old.stdout == new.stdout
    assert old.stderr == "studyc: warning: --format is deprecated; use --diagnostics json\n"
    out = tmp_path / "out"
    built = studyc("build", str(FIXTURES / "broken"), "-o", str(out), "--output-format", "json")
    assert built.returncode == 1 and json.loads(built.stdout) == json.loads(new.stdout)
    assert "--output-format is deprecated; use --diagnostics json" in built.stderr
    for command in ("check", "build"):
        assert "--output-format" not in studyc(command, "--help").stdout


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
        "[cloze.stray] (error: strict = true in studyc.toml)"
    ]
    flagged = studyc("check", str(src), "--strict")
    assert diagnostic_lines(flagged.stderr, src)[0].endswith("[cloze.stray] (error: --strict)")


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


def test_tips_lists_every_tip_with_its_cards() -> None:
    proc = studyc("tips", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    check = json.loads(studyc("tips", str(SAMPLE), "--json").stdout)
    tips = [line.split()[0] for line in proc.stdout.splitlines() if not line.startswith(" ")]
    assert tips == [t["id"] for t in check] and len(tips) == 4
    cards = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert cards == [c["id"] for t in check for c in t["cards"]]
    assert all(t["cards"] for t in check)


def test_tips_counts_cards_the_way_stats_does() -> None:
    tips = json.loads(studyc("tips", str(SAMPLE), "--json").stdout)
    stats = json.loads(studyc("stats", str(SAMPLE), "--json").stdout)
    assert {t["id"]: len(t["cards"]) for t in tips} == {r["id"]: r["cards"] for r in stats["per_tip"]}
