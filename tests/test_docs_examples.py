"""The README's example output is real: each `$ .venv/bin/studyc …` block is rerun and compared.

Timings and file sizes vary from run to run and machine to machine; they are
compared as patterns, everything else exactly. `STUDYC_UPDATE_SNAPSHOTS=1`
rewrites the README's blocks from real runs (and still fails, like every snapshot).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SOURCE, UPDATE

from compiler.model.backend import FORMATS

README = ROOT / "README.md"
BLOCK = re.compile(r"```text\n(?P<body>(?:\$ \.venv/bin/studyc .*\n)(?:.*\n)*?)```")
PROMPT = "$ .venv/bin/studyc "
#: The broken example: the first '::: covers' region of this tip gets a mistyped id.
BROKEN_TIP = "loading-public-inhouse-data"


def _sessions(body: str) -> list[tuple[str, list[str]]]:
    """Each command of a README block with the lines it printed."""
    out: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith(PROMPT):
            out.append((line.removeprefix(PROMPT), []))
        elif line and out:
            out[-1][1].append(line)
    return out


def _pattern(line: str) -> re.Pattern[str]:
    """A printed line with its timings and sizes as wildcards."""
    escaped = re.escape(line)
    escaped = re.sub(r"\d+(?:\\\.\d+)?\\ (?:KiB|MiB|B)\b", r"[\\d.]+\\ (?:KiB|MiB|B)", escaped)
    escaped = re.sub(r"\d+(?:\\\.\d+)?\\ s\b", r"[\\d.]+\\ s", escaped)
    # columns are padded to the longest name; one `\ +` per run (two in a row backtrack exponentially)
    escaped = re.sub(r"(?:\\ )+", r"\\ +", escaped)
    return re.compile(escaped)


def _broken(tmp_path: Path) -> Path:
    src = tmp_path / "broken-src"
    shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    chapter = sorted(src.glob("03-*.md"))[0]
    text = chapter.read_text(encoding="utf-8")
    line = f"::: covers {BROKEN_TIP}\n"
    assert line in text
    chapter.write_text(text.replace(line, line.replace(BROKEN_TIP, BROKEN_TIP[:-1]), 1), encoding="utf-8")
    return src


def _terminal(args: list[str], cwd: Path) -> list[str]:
    """What a terminal shows: stdout (results) and stderr (diagnostics) interleaved as printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc.stdout.rstrip("\n").split("\n")


def _run(command: str, tmp_path: Path, first_build: subprocess.CompletedProcess[str]) -> list[str]:
    args = command.split()
    if args == ["build"]:
        # a first build of a fresh copy of source/: the session's one run, which docs/usage.md shows too
        return first_build.stdout.rstrip("\n").split("\n")
    if args[0] == "build" and "--dry-run" not in args:
        # the README's build writes build/ in the checkout; here it writes a copy's
        project = tmp_path / "project"
        if not project.exists():
            shutil.copytree(SOURCE, project / "source")
        return _terminal(args, project)
    cwd = tmp_path if "broken-src" in args else ROOT
    if cwd == tmp_path:
        _broken(tmp_path)
    return _terminal(args, cwd)


def test_readme_blocks_are_real_output(
    tmp_path: Path, built_source: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    readme = README.read_text(encoding="utf-8")
    blocks = list(BLOCK.finditer(readme))
    assert len(blocks) == 2
    new = readme
    problems: list[str] = []
    for block in blocks:
        rebuilt: list[str] = []
        for command, shown in _sessions(block.group("body")):
            actual = _run(command, tmp_path, built_source[1])
            rebuilt += [PROMPT + command, *actual, ""]
            if len(actual) != len(shown) or not all(
                _pattern(s).fullmatch(a) for s, a in zip(shown, actual, strict=True)
            ):
                problems.append(f"$ studyc {command}\n  README: {shown}\n  actual: {actual}")
        new = new.replace(block.group("body"), "\n".join(rebuilt).rstrip("\n") + "\n")
    if UPDATE and new != readme:
        README.write_text(new, encoding="utf-8")
    assert problems == [], "README example output is stale (STUDYC_UPDATE_SNAPSHOTS=1):\n" + "\n".join(problems)


def test_every_quoted_left_out_line_is_the_real_one(
    built_source: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """The shipped cheat sheet's ``print.left-out`` line, quoted outside the checked blocks too, is the build's."""
    real = [line for line in built_source[1].stdout.splitlines() if "[print.left-out]" in line]
    assert len(real) == 1
    quoted = [
        (doc.name, line.strip())
        for doc in (README, *sorted((ROOT / "docs").glob("*.md")))
        for line in doc.read_text(encoding="utf-8").splitlines()
        if "[print.left-out]" in line and "243 cards" in line
    ]
    assert len(quoted) >= 3
    assert [(name, line) for name, line in quoted if line != real[0]] == []


def test_readme_lists_every_output() -> None:
    readme = README.read_text(encoding="utf-8")
    built = re.findall(r"^  build/(\S+)", readme, flags=re.M)
    slug = "aws-ml-specialty"
    expected = {f"{slug}.json", f"{slug}.schema.json", f"{slug}.csv", f"{slug}.apkg"}
    expected |= {f"{slug}-{f.name}.pdf" for f in FORMATS if f.kind == "pdf"}
    expected |= {f"{slug}-{name}.html" for name in ("cheatsheet", "guide", "quiz")}
    assert set(built) == expected


@pytest.mark.parametrize("name", [f.name for f in FORMATS])
def test_readme_names_every_format(name: str) -> None:
    assert name in README.read_text(encoding="utf-8")
