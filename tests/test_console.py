"""Terminal output: parseable first lines, source snippets, color rules, -q/-v, summary."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, SAMPLE, studyc_here

from compiler.app import console
from compiler.app.console import Reporter, human_size, make_console
from compiler.build.pipeline import check
from compiler.model.diagnostics import Code, Diagnostic

LINE_RE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<col>\d+): (error|warning): .* \[[a-z.-]+\]$")


def _capture(verbosity: int = console.NORMAL, terminal: bool = False) -> tuple[Reporter, io.StringIO]:
    buf = io.StringIO()
    return Reporter(verbosity, make_console(file=buf, force_terminal=terminal)), buf


def test_first_line_is_the_plain_format_then_source_and_caret(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("one\n\tsecond line here\n", encoding="utf-8")
    diag = Diagnostic("a.md", 2, 3, "warning", Code.HEADING_SKIP, "m")
    reporter, buf = _capture()
    reporter.diagnostics([diag], tmp_path, strict=False)
    lines = buf.getvalue().splitlines()
    assert lines[0] == replace(diag, path=f"{tmp_path.as_posix()}/a.md").format()
    assert lines[1].startswith(" 2 | ") and lines[1].endswith("second line here")
    # Column 3 is the "e" after the tab; the caret sits under it once tabs are expanded.
    assert lines[2].startswith("   | ")
    assert lines[2].index("^") == lines[1].index("econd")


def test_unreadable_source_prints_only_the_headline(tmp_path: Path) -> None:
    diag = Diagnostic("missing.md", 4, 1, "error", Code.IMAGE_MISSING, "gone")
    reporter, buf = _capture()
    reporter.diagnostics([diag], tmp_path, strict=True)
    assert buf.getvalue() == replace(diag, path=f"{tmp_path.as_posix()}/missing.md").format() + "\n"


def test_strict_marks_warnings(tmp_path: Path) -> None:
    diag = Diagnostic("x.md", 1, 1, "warning", Code.CLOZE_STRAY, "stray")
    reporter, buf = _capture()
    reporter.diagnostics([diag], None, strict=True)
    assert buf.getvalue().splitlines()[0] == diag.format() + " (error: --strict)"


def test_color_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    diag = Diagnostic("x.md", 1, 1, "error", Code.CARD_NO_ANSWER, "no answer")
    monkeypatch.delenv("NO_COLOR", raising=False)
    reporter, buf = _capture(terminal=True)
    reporter.diagnostics([diag], None, strict=False)
    assert "\x1b[" in buf.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    reporter, buf = _capture(terminal=True)
    reporter.diagnostics([diag], None, strict=False)
    assert "\x1b[" not in buf.getvalue()
    assert buf.getvalue().strip() == diag.format()


def test_cli_output_of_broken_course_is_parseable() -> None:
    # Paths are shown as the user can open them: the source folder as typed, then the file.
    proc = studyc_here("check", "tests/fixtures/broken")
    assert proc.returncode == 1
    assert "\x1b[" not in proc.stderr  # not a terminal
    diags = check(FIXTURES / "broken").diagnostics.sorted()
    expected = [replace(d, path=f"tests/fixtures/broken/{d.path}").format() for d in diags]
    headlines = [line for line in proc.stderr.splitlines() if LINE_RE.match(line)]
    assert headlines == expected
    # Every other line is a snippet (indented gutter) or the closing summary.
    others = [line for line in proc.stderr.splitlines() if not LINE_RE.match(line)]
    assert all(re.match(r"^ +(\d+| ) \| ", line) for line in others[:-2]), others
    assert " 3 | domain: nope" in proc.stderr


def test_quiet_and_verbose(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    (src / "studyc.toml").write_text('formats = ["json"]\n', encoding="utf-8")
    out = tmp_path / "out"
    first = studyc_here("build", str(src), "-o", str(out))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert re.fullmatch(r"wrote 3 output\(s\) \(\d+\.\d KiB\) in \d+\.\d\d s", lines[-1]), lines[-1]
    listed = {line.split()[0]: line.split(maxsplit=1)[1] for line in lines if line.startswith("  ")}
    lock = src / "studyc.lock"
    assert set(listed) == {(out / "sample.json").as_posix(), (out / "sample.schema.json").as_posix(), lock.as_posix()}
    assert listed[lock.as_posix()].strip() == human_size(lock.stat().st_size)
    quiet = studyc_here("build", str(src), "-o", str(out), "-q")
    assert quiet.returncode == 0 and quiet.stderr == quiet.stdout == ""
    verbose = studyc_here("build", str(src), "-o", str(out), "-v")
    assert f"config: {src / 'studyc.toml'} (formats)" in verbose.stderr
    assert f"  unchanged {out / 'sample.json'}" in verbose.stdout
    assert re.search(r"^nothing changed: \d output\(s\) up to date in \d+\.\d\d s$", verbose.stdout, re.M)
    assert studyc_here("build", str(src), "-q", "-v").returncode == 2


def test_json_diagnostics_formats_still_work() -> None:
    proc = studyc_here("build", str(FIXTURES / "broken"), "--diagnostics", "json", "-o", "/nonexistent/x")
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    expected = (FIXTURES / "broken.diagnostics.txt").read_text(encoding="utf-8").splitlines()
    assert [f"{i['path']}:{i['line']}:{i['col']}: {i['severity']}: {i['message']} [{i['code']}]" for i in items] == (
        expected
    )


def test_progress_is_silent_off_a_terminal_and_before_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    reporter, buf = _capture(terminal=False)
    with reporter.progress(3, "building") as step:
        assert step.bar is None
        step("parsing")
    monkeypatch.setattr(console, "PROGRESS_DELAY", 3600.0)
    reporter, buf = _capture(terminal=True)
    with reporter.progress(3, "building") as step:
        assert step.bar is not None
        step("parsing")
        step("rendering json")
    assert buf.getvalue() == ""


def test_human_size() -> None:
    assert [human_size(n) for n in (5, 1536, 3 * 1024 * 1024)] == ["5 B", "1.5 KiB", "3.0 MiB"]


def test_make_console_does_not_wrap_or_interpret_markup() -> None:
    buf = io.StringIO()
    con = make_console(file=buf, width=20)
    con.print("x" * 50 + " [bold]kept[/bold] :smile:")
    assert buf.getvalue() == "x" * 50 + " [bold]kept[/bold] :smile:\n"


def test_help_imports_neither_rich_nor_the_compiler() -> None:
    # `studyc --help` must stay fast: rich, pydantic and markdown-it load only when a command runs.
    code = (
        "import sys\nfrom compiler.app.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rich', 'pydantic', 'markdown_it') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_progress_bar_draws_once_the_delay_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    class FiredTimer:
        """Stands in for threading.Timer: the delay has already passed when it starts."""

        def __init__(self, _delay: float, fn: Callable[[], None]) -> None:
            self.fn = fn
            self.daemon = False

        def start(self) -> None:
            self.fn()

        def cancel(self) -> None:
            pass

    monkeypatch.setattr(console.threading, "Timer", FiredTimer)
    reporter, buf = _capture(terminal=True)
    with reporter.progress(3, "building") as step:
        step("rendering anki")
        assert step.bar is not None and step.bar.live.is_started
    assert "rendering anki" in buf.getvalue()
    assert not step.bar.live.is_started  # stopped (and, being transient, erased) at the end
