"""Notes nobody here wrote: the Markdown READMEs of the packages ``make build`` installs.

About fifty real documents by other people (badges, raw HTML, tables, emoji, code,
changelogs, GitHub alerts), read from the installed packages' metadata, so nothing
third-party is committed. Each becomes a chapter of one course. ``studyc check`` must
get through all of them without a traceback, and every diagnostic must point at the
line that holds what it names: the remote image's URL, the missing file, the raw
HTML, the heading. Then the files that check clean are built to JSON, which must
validate against the schema studyc publishes. Last, their paragraphs become the
answers of cards, which real Anki must show as the notes say (the Anki oracle).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from conftest import SAMPLE, studyc_here
from test_anki_oracle import import_notes
from third_party import paragraph_cards, readmes

#: ``path:line:col: severity: message [code]``, as studyc prints every diagnostic.
DIAGNOSTIC = re.compile(
    r"^(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info): "
    r"(?P<message>.*) \[(?P<code>[a-z.-]+)\]$"
)
#: What the line a diagnostic points at must hold, per code (the name it quotes, where it quotes one).
HOLDS = {
    "image.remote": lambda line, quoted, lines: _names(line, quoted, lines),
    "image.missing": lambda line, quoted, lines: _names(line, quoted, lines),
    "html.unsafe": lambda line, quoted, lines: "<" in line,
    "heading.skip": lambda line, quoted, lines: line.lstrip().startswith("#"),
}
#: A link reference definition: ``[label]: url``.
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:")
#: JSON validation against the published schema runs at about 13 s a megabyte: the smaller READMEs only.
SCHEMA_SAMPLE_BYTES = 3000


def _names(line: str, quoted: str, lines: list[str]) -> bool:
    """The line names the file: written out (percent-encoded or not), or as ``![alt][label]`` defined elsewhere."""
    if quoted in unquote(line):
        return True
    return "![" in line and any(REFERENCE.match(d) and quoted in unquote(d) for d in lines)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("third-party") / "notes"
    src.mkdir()
    shutil.copy(SAMPLE / "course.md", src / "course.md")
    for n, (name, body) in enumerate(readmes().items(), start=1):
        (src / f"{n:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower())}.md").write_text(
            f"---\ntitle: {json.dumps(name)}\n---\n\n{body}", encoding="utf-8"
        )
    return src


@pytest.fixture(scope="module")
def checked(course: Path) -> subprocess.CompletedProcess[str]:
    """``studyc check`` of the course, once for the module (no traceback, no internal error: studyc_here checks)."""
    return studyc_here("check", str(course))


def diagnostics(proc: subprocess.CompletedProcess[str]) -> list[re.Match[str]]:
    return [m for line in (proc.stdout + proc.stderr).splitlines() if (m := DIAGNOSTIC.match(line)) is not None]


def test_there_are_real_notes_to_read() -> None:
    found = readmes()
    assert len(found) >= 30, sorted(found)  # the test dependencies alone bring more than this
    assert sum(len(body) for body in found.values()) > 200_000


def test_every_diagnostic_points_at_the_line_that_holds_what_it_names(
    course: Path, checked: subprocess.CompletedProcess[str]
) -> None:
    assert checked.returncode in (0, 1), checked.stderr
    found = diagnostics(checked)
    assert found, "these READMEs hold remote images and raw HTML: expected warnings"
    wrong: list[str] = []
    for m in found:
        path = Path(m["path"])
        path = path if path.is_absolute() else course / path
        lines = path.read_text(encoding="utf-8").split("\n")
        number, column = int(m["line"]), int(m["col"])
        if not (1 <= number <= len(lines) and column >= 1):
            wrong.append(f"{m.group(0)}: outside the file")
            continue
        quoted = m["message"].split("'")[1] if "'" in m["message"] else ""
        holds = HOLDS.get(m["code"])
        if holds is not None and not holds(lines[number - 1], quoted, lines):
            wrong.append(f"{m.group(0)}\n    line {number}: {lines[number - 1][:120]!r}")
    assert wrong == [], "\n".join(wrong)


def test_the_notes_that_check_clean_build_to_json_that_matches_the_schema(
    course: Path, checked: subprocess.CompletedProcess[str], tmp_path: Path
) -> None:
    failing = {Path(m["path"]).name for m in diagnostics(checked) if m["severity"] == "error"}
    clean = tmp_path / "notes"
    shutil.copytree(course, clean, ignore=lambda _, names: [n for n in names if n in failing])
    out = tmp_path / "out"
    built = studyc_here("build", str(clean), "-o", str(out), "--format", "json,anki,csv", "--no-cache")
    assert built.returncode == 0, built.stdout + built.stderr
    data = json.loads((out / "sample.json").read_text(encoding="utf-8"))
    schema = json.loads((out / "sample.schema.json").read_text(encoding="utf-8"))
    titles = [chapter["title"] for chapter in data["chapters"]]
    assert len(titles) == len(list(clean.glob("[0-9]*.md"))) > 25
    sizes = {name: len(body) for name, body in readmes().items()}
    assert set(titles) <= set(sizes)
    sample = [chapter for chapter in data["chapters"] if sizes[chapter["title"]] <= SCHEMA_SAMPLE_BYTES]
    assert len(sample) >= 10
    jsonschema.validate({**data, "chapters": sample}, schema, cls=jsonschema.Draft202012Validator)


def test_readme_paragraphs_as_answers_show_in_anki_as_written(tmp_path: Path) -> None:
    """The first paragraphs of each README (badges, raw HTML, emoji, code spans, links) as card answers."""
    chapter = paragraph_cards()
    assert chapter.count("\nQ: ") > 150
    assert import_notes(chapter, tmp_path) == []
