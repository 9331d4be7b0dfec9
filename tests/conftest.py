"""Shared test helpers: paths and snapshot comparison."""

from __future__ import annotations

import contextlib
import difflib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # it imports this module
    from printables_helpers import Built

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = FIXTURES / "sample"
SOURCE = ROOT / "source"
UPDATE = os.environ.get("STUDYC_UPDATE_SNAPSHOTS") == "1"


def snapshot_diff(path: Path, expected: str, actual: str, limit: int = 60) -> str:
    """A unified diff from the snapshot to the actual text, cut after ``limit`` lines."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"{path.name} (snapshot)", f"{path.name} (actual)", lineterm=""
        )
    )
    more = f"\n... {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def assert_snapshot(path: Path, actual: str) -> None:
    """Compare with a checked-in snapshot.

    ``STUDYC_UPDATE_SNAPSHOTS=1`` writes the new text but the test still fails, showing what
    changed: an update can never pass silently, so every changed snapshot is looked at (and
    the next run without the variable passes). An unchanged snapshot passes either way.
    """
    if not path.exists():
        if not UPDATE:
            pytest.fail(f"missing snapshot {path}; run with STUDYC_UPDATE_SNAPSHOTS=1 to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"created snapshot {path} ({len(actual.splitlines())} lines); review it and rerun", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if actual == expected:
        return
    diff = snapshot_diff(path, expected, actual)
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"updated snapshot {path}; review the change and rerun:\n{diff}", pytrace=False)
    pytest.fail(
        f"{path} differs from its snapshot (STUDYC_UPDATE_SNAPSHOTS=1 rewrites it and lists the change):\n{diff}",
        pytrace=False,
    )


def to_json(data: Any) -> str:
    """Stable JSON text for snapshots."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: Files whose tests share a costly module- or session-scoped fixture (a PDF layout of the shipped
#: course takes 25 s, a wheel build 10 s, starting the language server or Chromium 2-5 s), by the
#: xdist group they run in. Under xdist (`make test` runs ``--dist loadgroup``) a group stays on one
#: worker, so its fixture is built once; other tests spread freely. The printables and the docs tests
#: share one layout of the shipped course (``shipped_printables`` and ``built_source`` below).
SHIPPED_GROUP = "shipped"
SHARED_FIXTURE_FILES = {
    "test_printables": SHIPPED_GROUP, "test_course": "test_course", "test_packaging": "test_packaging",
    "test_bench": "test_bench", "test_anki_truth": "test_anki_truth", "test_rewordings_anki": "test_rewordings_anki",
    "test_lsp": "test_lsp", "test_lsp_actions": "test_lsp_actions", "test_quiz_browser": "test_quiz_browser",
    "test_docs_examples": SHIPPED_GROUP, "test_docs_usage": SHIPPED_GROUP,
}  # fmt: skip


@pytest.hookimpl(tryfirst=True)  # xdist's worker reads the groups into the test ids in its own hook, after this
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in SHARED_FIXTURE_FILES:
            item.add_marker(pytest.mark.xdist_group(SHARED_FIXTURE_FILES[item.path.stem]))


def studyc(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would (``python -m compiler``); no run may show a traceback or an internal error."""
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    if not (env or os.environ).get("STUDYC_DEBUG"):
        for stream in (proc.stdout, proc.stderr):
            assert "Traceback" not in stream, stream
            assert "internal error" not in stream, stream
    return proc


def studyc_here(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``studyc ARGS`` run in this process (``compiler.app.cli.main``): its exit code, stdout and stderr.

    For the many tests about what the CLI prints and returns, not about the process: it saves the
    second of interpreter start-up and imports a ``python -m compiler`` costs. Same checks as ``studyc``.
    """
    from compiler.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    before, environ = Path.cwd(), dict(os.environ)
    os.chdir(cwd)
    if env is not None:  # the run's whole environment, as for a process
        os.environ.clear()
        os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(environ)
    proc = subprocess.CompletedProcess(["studyc", *args], code, out.getvalue(), err.getvalue())
    if not (env or os.environ).get("STUDYC_DEBUG"):
        for stream in (proc.stdout, proc.stderr):
            assert "Traceback" not in stream, stream
            assert "internal error" not in stream, stream
    return proc


@pytest.fixture(scope="session")
def shipped_printables(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The shipped course's cheat sheet, guide and flashcards laid out in this process (test_printables.py).

    25 s of layout, on one core, so that WeasyPrint's warnings reach the tests. Its pieces are kept
    in a cache folder, which ``built_source`` starts from.
    """
    from printables_helpers import lay_out

    return lay_out(SOURCE, cache=tmp_path_factory.mktemp("shipped-pieces"))


@pytest.fixture(scope="session")
def built_source(
    tmp_path_factory: pytest.TempPathFactory, shipped_printables: Built
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``studyc build`` run once in a project holding a copy of ``source/``: (project, the run).

    The README and docs/usage.md both show this first build of the shipped course (every format);
    their tests compare the one run. stdout and stderr are interleaved as a terminal shows them.
    Its ``build/.cache/pieces`` starts as the printables' pieces of the same notes, which a build
    takes instead of laying them out again (20 s); it prints the same lines either way, and the
    bytes are the same (test_pieces.py, test_cache_property.py). Only the docs tests use it, and
    they stay on the printables' xdist worker.
    """
    project = tmp_path_factory.mktemp("built-source")
    shutil.copytree(SOURCE, project / "source")
    assert shipped_printables.cache is not None
    pieces = project / "build" / ".cache" / "pieces"
    shutil.copytree(shipped_printables.cache / "pieces", pieces)
    seeded = {p.relative_to(pieces) for p in pieces.rglob("*.pdf")}
    run = in_terminal(["build"], project)
    # a build prunes the pieces it did not look up: all still there, so none was laid out twice
    missed = seeded - {p.relative_to(pieces) for p in pieces.rglob("*.pdf")}
    assert not missed, f"the build laid out again what the printables' pieces hold: {sorted(map(str, missed))}"
    return project, run


def in_terminal(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m compiler ARGS`` with stdout and stderr interleaved as a 100-column terminal shows them."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc
