"""The example output in docs/*.md is real: each `$ studyc …` block is rerun and compared.

Every command runs in a temporary project holding copies of `source/` and
`tests/fixtures/sample`, so paths print as in the docs and nothing is written
into the checkout. Blocks that continue an earlier block's state (a rebuild
after a build) run in one test with it. Timings and sizes are compared as
patterns (the README test's `_pattern`). A block the test cannot run is named
in `UNCHECKED` with its reason; any other block that is not run fails.
`STUDYC_UPDATE_SNAPSHOTS=1` rewrites the blocks from real runs and still fails.
"""

from __future__ import annotations

import fcntl
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, SOURCE, UPDATE, in_terminal
from test_docs_examples import _broken, _pattern

DOCS = ROOT / "docs"
PROMPT = "$ studyc "
BLOCK = re.compile(r"```text\n(?P<body>(?:\$ studyc .*\n)(?:.*\n)*?)```")

#: Blocks not rerun, by file and first command, each with why.
UNCHECKED: dict[tuple[str, str], str] = {
    ("config.md", "build -v notes"): "an excerpt: only the config line of a whole build -v",
    (
        "usage.md",
        "sync my-course --profile 'User 1'",
    ): "needs an Anki profile (ANKI_BASE) and edits in Anki",
    ("usage.md", "pull my-course --profile 'User 1'"): "needs a collection with fields edited in Anki",
}
#: Blocks that continue the block before them (same project, same state), by file, first command and occurrence.
CONTINUES = {("usage.md", "build", 1)}
#: The block showing the first build of a fresh copy of source/: it (and the block after it) runs in the
#: project of the session's one such build (conftest.built_source), which the README's test reads too.
FIRST_BUILD = ("usage.md", "build", 0)
#: Blocks showing a bad studyc.toml: the notes folder it goes into (a copy of source/) and its text.
BAD_CONFIG = {
    ("usage.md", "build", 2): ("source", 'formts = ["csv"]\npaper = "a5"\n[limits]\nmax_file_byte = 1\n'),
    ("config.md", "check notes", 0): (
        "notes",
        'formts = ["csv"]\npaper = "a5"\nmax_nesting = 3\n[limits]\nmax_file_byte = 1\n',
    ),
}


def _blocks() -> list[tuple[str, str, int, str]]:
    """(file, first command, occurrence of that command in the file, body) of every `$ studyc` block."""
    found: list[tuple[str, str, int, str]] = []
    for doc in sorted(DOCS.glob("*.md")):
        seen: dict[str, int] = {}
        for match in BLOCK.finditer(doc.read_text(encoding="utf-8")):
            first = _command(match.group("body").split("\n", 1)[0].removeprefix(PROMPT))
            found.append((doc.name, first, seen.get(first, 0), match.group("body")))
            seen[first] = seen.get(first, 0) + 1
    return found


def _command(line: str) -> str:
    """A command line in one spelling (quotes normalised), for the tables above."""
    return shlex.join(shlex.split(line))


def _groups() -> list[list[tuple[str, str, int, str]]]:
    groups: list[list[tuple[str, str, int, str]]] = []
    for block in _blocks():
        if (block[0], block[1]) in UNCHECKED:
            continue
        if block[:3] in CONTINUES:
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _sessions(body: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for line in body.rstrip("\n").split("\n"):
        if line.startswith(PROMPT):
            out.append((line.removeprefix(PROMPT), []))
        elif out:
            out[-1][1].append(line)
    return out


def _project(tmp_path: Path, key: tuple[str, str, int]) -> Path:
    project = tmp_path / "project"
    shutil.copytree(SOURCE, project / "source")
    shutil.copytree(SAMPLE, project / "tests" / "fixtures" / "sample")
    _broken(project)
    if key in BAD_CONFIG:
        folder, toml = BAD_CONFIG[key]
        if not (project / folder).exists():
            shutil.copytree(SOURCE, project / folder)
        (project / folder / "studyc.toml").write_text(toml, encoding="utf-8")
    return project


def _run(command: str, project: Path) -> list[str]:
    """What a terminal shows, stdout and stderr interleaved; `| head -N` and a non-zero exit as in the docs."""
    line, _, pipe = command.partition(" | head -")
    return _shown(in_terminal(shlex.split(line), project), project, pipe)


def _shown(proc: subprocess.CompletedProcess[str], project: Path, pipe: str = "") -> list[str]:
    lines = proc.stdout.replace(str(project) + "/", "").rstrip("\n").split("\n")
    if pipe:
        return lines[: int(pipe)]
    return lines + ([f"[exit {proc.returncode}]"] if proc.returncode else [])


def _rewrite(doc: Path, old: str, new: str) -> None:
    """Replace one block's body; tests in other workers may rewrite the same file, hence the lock."""
    with doc.open("r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        text = handle.read()
        assert old in text
        handle.seek(0)
        handle.write(text.replace(old, new, 1))
        handle.truncate()


@pytest.mark.parametrize("group", _groups(), ids=lambda g: f"{g[0][0]}:{g[0][1]}#{g[0][2]}")
def test_docs_blocks_are_real_output(
    group: list[tuple[str, str, int, str]],
    tmp_path: Path,
    built_source: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    first_build = group[0][:3] == FIRST_BUILD
    project = built_source[0] if first_build else _project(tmp_path, group[0][:3])
    problems: list[str] = []
    for name, _, _, body in group:
        rebuilt: list[str] = []
        for command, shown in _sessions(body):
            if first_build:  # the session's one first build of source/ (the README shows it too)
                assert command == "build"
                actual, first_build = _shown(built_source[1], project), False
            else:
                actual = _run(command, project)
            rebuilt += [PROMPT + command, *actual]
            if len(actual) != len(shown) or not all(
                _pattern(s).fullmatch(a) for s, a in zip(shown, actual, strict=True)
            ):
                problems.append(f"{name}: $ studyc {command}\n  docs:   {shown}\n  actual: {actual}")
        new = "\n".join(rebuilt) + "\n"
        if UPDATE and new != body:
            _rewrite(DOCS / name, body, new)
    assert problems == [], "docs example output is stale (STUDYC_UPDATE_SNAPSHOTS=1):\n" + "\n".join(problems)


def test_every_block_is_checked_or_listed() -> None:
    blocks = {(name, first) for name, first, _, _ in _blocks()}
    assert set(UNCHECKED) <= blocks, "UNCHECKED names a block the docs no longer have"
    # a plain line scan finds the same blocks as BLOCK, so none escapes the parametrisation above
    opened = sum(doc.read_text(encoding="utf-8").count("```text\n" + PROMPT) for doc in DOCS.glob("*.md"))
    assert opened == len(_blocks())
