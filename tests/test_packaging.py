"""An installed wheel works outside the checkout: templates and scaffold ship inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

RUN_INSTALLED = (
    "import compiler, sys; from compiler.app.cli import main; "
    "print(compiler.__file__, file=sys.stderr); sys.exit(main())"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # copy the tracked tree so the build leaves no egg-info or build/ in the checkout
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        target = src / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / rel).is_file():
            shutil.copy2(ROOT / rel, target)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(src)],
        check=True,
        capture_output=True,
    )
    return next(dist.glob("studyc-*.whl"))


def test_wheel_contains_templates_and_every_module(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    # pyproject lists packages explicitly (for the templates mapping); a new subpackage must be added there
    modules = [p.relative_to(ROOT).as_posix() for p in (ROOT / "compiler").rglob("*.py")]
    assert sorted(set(modules) - set(names)) == []
    for rel in (
        "compiler/templates/anki/style.css",
        "compiler/templates/guide.html.j2",
        "compiler/app/scaffold/files/course.md",
    ):
        assert rel in names


def test_installed_wheel_builds_anki_deck_outside_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    notes = tmp_path / "notes"
    shutil.copytree(SAMPLE, notes, ignore=shutil.ignore_patterns("studyc.lock"))
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_INSTALLED,
            "build",
            str(notes),
            "-o",
            str(tmp_path / "out"),
            "--format",
            "anki",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert str(target) in proc.stderr  # the installed copy ran, not the checkout
    assert (tmp_path / "out" / "sample.apkg").is_file()


def test_real_anki_tests_fail_not_skip_without_anki() -> None:
    # anki is a test dependency: a machine without it must not turn the Anki tests into skips
    code = (
        "import sys; sys.modules['anki'] = None; import pytest; "
        "sys.exit(pytest.main(['-q', '--collect-only', '-p', 'no:cacheprovider', '-p', 'no:xdist', "
        "'tests/test_anki.py', 'tests/test_csv.py', 'tests/test_identity.py']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout  # collection errors, not "0 passed, N skipped"
    assert "skipped" not in proc.stdout
    assert proc.stdout.count("ERROR tests/") == 3, proc.stdout
