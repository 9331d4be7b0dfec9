"""studyc init: the scaffold checks clean under --strict and builds at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, studyc_here

from compiler.app.scaffold import FILES, create
from compiler.model.errors import UsageError


def test_init_check_build_round_trip(tmp_path: Path) -> None:
    project = tmp_path / "my-first-course"
    made = studyc_here("init", str(project))
    assert made.returncode == 0, made.stderr
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == set(FILES.values())

    checked = studyc_here("check", "--strict", str(project))
    assert checked.returncode == 0, checked.stderr
    assert "0 error(s), 0 warning(s)" in checked.stdout
    assert "3/3 exam tips covered" in checked.stdout

    built = studyc_here("build", str(project))
    assert built.returncode == 0, built.stderr
    out = project / "build"  # from the scaffold's studyc.toml
    course = json.loads((out / "my-first-course.json").read_text(encoding="utf-8"))
    assert course["title"] == "My First Course"
    kinds = {
        block["kind"]
        for chapter in course["chapters"]
        for section in chapter["sections"]
        for sub in (section, *section["sections"])
        for block in sub["blocks"]
    }
    # The example chapter shows every construct.
    assert {"basic", "list", "cloze", "definition", "table_row", "tip", "prose", "table"} <= kinds
    assert course["assets"], "the example image is part of the course"
    assert all(p.stat().st_size > 0 for p in out.iterdir())
    # .gitignore keeps the outputs out of git.
    assert "build/" in (project / ".gitignore").read_text(encoding="utf-8")


def test_title_with_yaml_specials_is_quoted(tmp_path: Path) -> None:
    create(tmp_path / "c", title='AWS: "ML" – Specialty #1')
    proc = studyc_here("check", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stderr
    from compiler.build.pipeline import check

    course = check(tmp_path / "c").course
    assert course is not None and course.title == 'AWS: "ML" – Specialty #1'
    assert course.slug == "aws-ml-specialty-1"


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty"):
        create(tmp_path)
    proc = studyc_here("init", str(tmp_path))
    assert proc.returncode == 2
    assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "course.md").exists()


def test_pre_commit_hook_manifest_runs_studyc_check(tmp_path: Path) -> None:
    import re
    import tomllib

    import yaml

    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "studyc-check"
    command, *args = hook["entry"].split()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert command in scripts and args == ["check"]
    assert hook["pass_filenames"] is False  # studyc checks the folder, not single files
    files = re.compile(hook["files"])
    assert files.search("source/02-data-collection.md") and files.search("source/images/a.png")
    assert files.search("source/studyc.toml") and not files.search("compiler/cli.py")

    # The scaffold's local hook runs the same command in the new project.
    create(tmp_path / "p")
    (local,) = yaml.safe_load((tmp_path / "p" / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"]
    entry = local["hooks"][0]["entry"].split()
    assert entry[:2] == ["studyc", "check"]
    proc = studyc_here(*entry[1:], cwd=tmp_path / "p")
    assert proc.returncode == 0, proc.stderr
