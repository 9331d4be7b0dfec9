"""Bad input gets a clear ``file:line`` diagnostic, the right exit code and never a traceback.

Each folder in ``tests/bad_input/`` is a small course with one kind of defect and an
``expected.txt`` holding the exact diagnostic lines ``studyc check`` prints
(``STUDYC_UPDATE_SNAPSHOTS=1`` rewrites them). Inputs that are big, or that need a
symlink, are generated here in ``tmp_path`` instead of being committed.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, UPDATE, assert_snapshot, studyc, studyc_here

import compiler
from compiler.frontend import SAFE_MAX_NESTING
from compiler.model.diagnostics import Code, code_docs
from compiler.model.doc import Text
from compiler.model.errors import StudycError
from compiler.text.html import HtmlRenderer
from compiler.text.sanitize import MAX_HTML_DEPTH

BAD = Path(__file__).resolve().parent / "bad_input"
CASES = sorted(p for p in BAD.iterdir() if p.is_dir() and not p.name.startswith("."))  # not .ruff_cache
DIAG_RE = re.compile(r"^\S[^\n]*?:\d+:\d+: (?:error|warning|info): .* \[[a-z0-9.-]+\]$")
COURSE = "---\ntitle: Generated\nexam: Robustness (GEN-01)\n---\n"
TOO_LARGE = (
    "01-huge.md:1:1: error: file is 20.0 MiB, over the 4.0 MiB limit (raise limits.max_file_bytes in studyc.toml "
    "if this is really one chapter) [file.too-large]"
)
LINK_OUT = (
    "01-link.md:1:1: error: note file is a link to a file outside the source folder; not read [file.outside-root]"
)
DANGLING = "02-dangling.md:1:1: error: cannot read the file: No such file or directory [file.unreadable]"
BIG_IMAGE = (
    "01-chapter.md:4:1: error: image 'images/huge.png' is 40.0 MiB, over the 32.0 MiB limit "
    "(shrink or compress it) [image.too-large]"
)
CHAPTER = "---\ntitle: Chapter\n---\n"


def diagnostics(stderr: str) -> list[str]:
    """The ``path:line:col: severity: message [code]`` lines, without source excerpts."""
    return [line for line in stderr.splitlines() if DIAG_RE.match(line)]


def course(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    src = tmp_path / "notes"
    src.mkdir(exist_ok=True)
    for name, body in {"course.md": COURSE, **files}.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return src


def copy_case(name: str, tmp_path: Path) -> Path:
    # building writes studyc.lock next to the notes, so never build the committed folder
    dest = tmp_path / name
    shutil.copytree(BAD / name, dest)
    return dest


# -- the committed corpus -------------------------------------------------------------


def test_every_case_has_expectations() -> None:
    assert len(CASES) >= 20
    for case in CASES:
        assert (case / "expected.txt").is_file() or UPDATE, f"{case.name} has no expected.txt"
        assert (case / "course.md").is_file() or case.name == "course-missing", f"{case.name} has no course.md"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_prints_expected_diagnostics(case: Path) -> None:
    proc = studyc_here("check", "-v", ".", cwd=case)  # -v: information diagnostics too
    got = diagnostics(proc.stderr)
    expected_file = case / "expected.txt"
    assert_snapshot(expected_file, "".join(f"{line}\n" for line in got))
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    has_error = any(": error: " in line for line in expected)
    assert proc.returncode == (1 if has_error else 0), proc.stderr


def _expects_error(case: Path) -> bool:
    expected = case / "expected.txt"
    return expected.is_file() and ": error: " in expected.read_text(encoding="utf-8")


ERROR_CASES = [c for c in CASES if _expects_error(c)]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c.name for c in ERROR_CASES])
def test_failed_build_writes_nothing(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = studyc_here("build", "-v", ".", "-o", str(out), "--format", "json", cwd=copy_case(case.name, tmp_path))
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert not out.exists()


# -- untrusted content in every output --------------------------------------------------

PAYLOADS = [b"alert(", b"steal()", b"javascript:", b"onerror", b"onclick", b"<iframe", b"hotpink"]


def _blobs(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, or each member of a zip (an .apkg is one)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return [(f"{path.name}:{n}", zf.read(n)) for n in zf.namelist()]
    return [(path.name, data)]


def _html_fields(node: Any) -> list[str]:
    """Every text of the JSON form of the IR, rendered to HTML (raw HTML pieces included)."""
    if isinstance(node, dict):
        own = [HtmlRenderer().text(Text.model_validate(node))] if node.get("kind") == "text" else []
        return own + [s for v in node.values() for s in _html_fields(v)]
    if isinstance(node, list):
        return [s for v in node for s in _html_fields(v)]
    return []


def _build_all(case: str, tmp_path: Path) -> tuple[Path, list[Path]]:
    out = tmp_path / "out"
    proc = studyc_here("build", ".", "-o", str(out), "--format", "all", cwd=copy_case(case, tmp_path))
    assert proc.returncode == 0, proc.stderr
    outputs = sorted(p for p in out.iterdir() if p.is_file())
    assert outputs
    return out, outputs


def test_no_output_carries_script_handlers_or_javascript_urls(tmp_path: Path) -> None:
    _out, outputs = _build_all("html-unsafe", tmp_path)
    main_json = next(p for p in outputs if p.name == "bad-input.json")
    html = "\n".join(_html_fields(json.loads(main_json.read_text(encoding="utf-8"))))
    assert "<kbd>Ctrl</kbd>" in html  # the allow-list keeps study formatting
    for payload in PAYLOADS:
        assert payload.decode() not in html.lower()
    for path in outputs:
        if path.suffix == ".json":
            continue  # the IR keeps each note's Markdown source as written; its html is checked above
        for name, blob in _blobs(path):
            for payload in PAYLOADS:
                assert payload not in blob.lower(), f"{name} contains {payload!r}"


def test_jinja_syntax_prints_literally(tmp_path: Path) -> None:
    out, outputs = _build_all("jinja-literal", tmp_path)
    data = json.loads((out / "bad-input.json").read_text(encoding="utf-8"))
    html = "\n".join(_html_fields(data))
    assert "What does {{ 7*7 }} print?" in html
    assert "{% if true %}this{% endif %}" in html
    assert "{{ config.items() }}" in html
    texts = [p for p in outputs if p.suffix in (".html", ".csv")]
    assert texts, "no text outputs to check"
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert "{{ 7*7 }}" in text, path.name
        assert "What does 49 print" not in text, path.name
    for path in outputs:
        for name, blob in _blobs(path):
            assert b"What does 49 print" not in blob, name


# -- generated cases: links, big files, deep nesting ------------------------------------


def test_symlinked_image_pointing_out_of_the_root(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "![Leak](images/leak.png)\n"})
    (src / "images").mkdir()
    (src / "images" / "leak.png").symlink_to(secret)
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [
        "01-chapter.md:4:1: error: image 'images/leak.png' lies outside the source folder [image.outside-root]"
    ]


def test_huge_image_is_refused_before_reading(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "![Huge](images/huge.png)\n"})
    (src / "images").mkdir()
    with (src / "images" / "huge.png").open("wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # sparse: no 40 MB written to disk
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [BIG_IMAGE]


def test_symlinked_note_pointing_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(CHAPTER + "Q: Secret?\n\nA: Yes.\n", encoding="utf-8")
    src = course(tmp_path, {})
    (src / "01-link.md").symlink_to(outside)
    (src / "02-dangling.md").symlink_to(src / "gone.md")
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [LINK_OUT, DANGLING]


def test_20_mb_file_is_refused_before_parsing(tmp_path: Path) -> None:
    src = course(tmp_path, {})
    line = "Q: " + "x" * 1020 + "\n"  # 1 KiB
    with (src / "01-huge.md").open("w", encoding="utf-8") as fh:
        fh.write(line * (20 * 1024))
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [TOO_LARGE]


def test_file_size_limit_comes_from_config(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "Q: Question?\n\nA: Answer.\n" + "Prose.\n" * 300})
    assert studyc_here("check", ".", cwd=src).returncode == 0
    (src / "studyc.toml").write_text("[limits]\nmax_file_bytes = 1024\n", encoding="utf-8")
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    assert [d.split(": error: ")[0] for d in diagnostics(proc.stderr)] == ["01-chapter.md:1:1"]
    assert "[file.too-large]" in proc.stderr


def test_one_megabyte_line_is_parsed(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "Q: " + "word " * 200_000 + "?\n\nA: Answer.\n"})
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 0, proc.stderr
    assert diagnostics(proc.stderr) == []
    assert "1 cards" in proc.stdout


def test_quoted_names_in_messages_are_cut_short(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "::: " + "x" * 100_000 + "\nText.\n:::\n"})
    proc = studyc_here("check", ".", cwd=src)
    assert proc.returncode == 1
    [line] = diagnostics(proc.stderr)
    assert line.startswith("01-chapter.md:4:1: error: unknown directive '::: xxx")
    assert line.endswith("… [directive.unknown]") and len(line) < 400


# The nesting tests run studyc in a process of its own (`studyc`, not `studyc_here`): a stack
# overflow there would be a crash of that process, which is what they guard against.
DEEP = [
    ("lists", "- " * 10_000 + "deep\n", 8),
    ("indented-lists", "".join("  " * i + "- item\n" for i in range(1_000)), 26),
    ("blockquotes", "> " * 10_000 + "deep\n", 8),
    ("quote-lists", "> - " * 5_000 + "deep\n", 8),
    ("containers", "::: extra\n" * 10_000, 47),
]


# ids: the names (a body in the test id reaches PYTEST_CURRENT_TEST, too long for the child's environment)
@pytest.mark.parametrize(("name", "body", "line"), DEEP, ids=[name for name, _, _ in DEEP])
def test_ten_thousand_nesting_levels_stop_at_the_limit(tmp_path: Path, name: str, body: str, line: int) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "Q: Question?\n\nA: Answer.\n\n" + body})
    proc = studyc("check", ".", cwd=src)
    assert proc.returncode == 1
    too_deep = [d for d in diagnostics(proc.stderr) if d.endswith("[file.too-deep]")]
    assert too_deep == [
        f"01-chapter.md:{line}:1: error: blocks nest deeper than 40 levels; deeper content was not parsed "
        "[file.too-deep]"
    ]


def test_nesting_limit_above_the_stack_is_an_error_not_a_crash(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "> " * 10_000 + "deep\n"})
    (src / "studyc.toml").write_text("[limits]\nmax_nesting = 1000\n", encoding="utf-8")
    proc = studyc("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [
        "01-chapter.md:1:1: error: blocks nest too deeply to parse with max_nesting=1000; lower it (at most 200 "
        "is safe) or flatten the notes [file.too-deep]"
    ]


def test_html_depth_stays_capped_when_max_nesting_is_raised(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": CHAPTER + "Q: Question?\n\nA: " + "<span>" * 300 + "deep\n"})
    (src / "studyc.toml").write_text("[limits]\nmax_nesting = 1000\n", encoding="utf-8")
    proc = studyc("check", ".", cwd=src)
    assert proc.returncode == 1
    assert diagnostics(proc.stderr) == [
        "01-chapter.md:6:1: error: HTML nests deeper than 200 levels (raw HTML tags or runs of '*'/'_'); "
        "flatten it [file.too-deep]"
    ]


def test_deep_raw_html_and_emphasis_stop_at_the_limit(tmp_path: Path) -> None:
    # neither is limited by markdown-it's max_nesting, and the PDF renderer recursed on them
    body = "<div>" * 10_000 + "x" + "</div>" * 10_000 + "\n\n" + "[" * 10_000 + "x" + "]" * 10_000 + "\n\n"
    body += "*" * 5_000 + "x" + "*" * 5_000 + "\n"
    src = course(tmp_path, {"01-chapter.md": CHAPTER + body + "\nQ: Question?\n\nA: Answer.\n"})
    proc = studyc("check", ".", cwd=src)
    assert proc.returncode == 1
    message = "HTML nests deeper than 80 levels (raw HTML tags or runs of '*'/'_'); flatten it [file.too-deep]"
    assert diagnostics(proc.stderr) == [f"01-chapter.md:{line}:1: error: {message}" for line in (4, 8)]


def test_nesting_just_under_every_limit_builds_every_format(tmp_path: Path) -> None:
    body = "<div>" * 78 + "x" + "</div>" * 78 + "\n\n" + "*" * 150 + "x" + "*" * 150 + "\n\n"
    body += "".join("  " * i + "- item\n" for i in range(18)) + "\n" + "> " * 30 + "deep quote\n\n"
    body += "Q: Question?\n\nA: " + "<span>" * 70 + "deep answer\n"
    src = course(tmp_path, {"01-chapter.md": CHAPTER + body})
    out = tmp_path / "out"
    proc = studyc("build", ".", "-o", str(out), "--format", "all", cwd=src)
    assert proc.returncode == 0, proc.stderr
    assert diagnostics(proc.stderr) == []
    assert len(list(out.iterdir())) >= 8


# -- docs/errors.md: every code with its explanation and a real example ------------------------

ERRORS_PAGE = ROOT / "docs" / "errors.md"
#: Diagnostics only a build reports (the printables find them while laying out); checked below.
MATH_INVALID = (
    "01-chapter.md:4:1: warning: cannot typeset the formula `\\unknowncmd{x}` for print: unknown command "
    "\\unknowncmd; the PDFs show its TeX source [math.invalid]"
)
#: Cards of LONG_CHAPTER that do not fit one page (checked by test_cheat_sheet_says_what_it_left_out).
LEFT_OUT_COUNT = 75
PRINT_OVERFLOW = (
    "01-chapter.md:4:1: warning: flashcard #1 does not fit its printed cell (back) even at 5.2 pt; shorten it "
    "or split it [print.overflow]"
)
LEFT_OUT = (
    "course.md:1:1: info: cheat sheet: {left} of 150 cards left out to fit 1 page (the budget ran out at other "
    "cards); raise cheatsheet.pages or mark key cards with {{.key}} [print.left-out]"
)
#: 150 cards of 12 words each: more than one page of the cheat sheet holds.
LONG_CHAPTER = CHAPTER + "\n".join(
    f"Q: What does step {i} of the long pipeline do?\n\nA: It moves batch {i} from the raw bucket into the curated "
    "table.\n"
    for i in range(150)
)
BUILD_ONLY = {
    "cheatsheet": ("$\\unknowncmd{x}$", MATH_INVALID),
    "flashcards": (" ".join(["word"] * 1500), PRINT_OVERFLOW),
}
GENERATED_EXAMPLES = {
    Code.MATH_INVALID: (MATH_INVALID, "a generated chapter built with `--format cheatsheet`"),
    Code.PRINT_OVERFLOW: (PRINT_OVERFLOW, "a generated chapter built with `--format flashcards`"),
    Code.PRINT_LEFT_OUT: (LEFT_OUT.format(left=LEFT_OUT_COUNT), "a generated 150-card chapter built with `--pages 1`"),
    Code.FILE_TOO_LARGE: (TOO_LARGE, "a generated 20 MB file"),
    Code.FILE_OUTSIDE: (LINK_OUT, "a generated symlink to a note outside the folder"),
    Code.FILE_UNREADABLE: (DANGLING, "a generated dangling symlink"),
    Code.IMAGE_TOO_LARGE: (BIG_IMAGE, "a generated 40 MB image"),
}
PAGE_HEAD = """# Diagnostics and error codes

<!-- Generated from compiler/model/diagnostics.py, compiler/model/errors.py and tests/bad_input/;
     regenerate with STUDYC_UPDATE_SNAPSHOTS=1 pytest tests/test_bad_input.py -->

studyc reads every note file, reports every problem it finds at once, one line each,
and never shows a Python traceback:

    path:line:col: severity: message [code]

An **error** stops `studyc build` before anything is written and makes `studyc check`
exit 1. A **warning** does neither, unless you pass `--strict`. An **info** line only tells
you something (what the cheat sheet left out to fit its pages) and never fails a build, not
even with `--strict`. `--format json` prints the same diagnostics as a JSON list.

## Exit codes

| Exit | Meaning |
|---|---|
| 0 | Success (warnings may have been printed). |
{exit_rows}| 70 | Internal error: a bug in studyc. `STUDYC_DEBUG=1` shows the traceback. |
| 130 | Interrupted (Ctrl-C); earlier outputs are unchanged. |

Every output, and the identity lock, is first written completely to a temp file next to
it and renamed into place only when all of them are ready, so a failed or killed build
leaves the previous outputs byte-for-byte as they were. Temp files left by a killed
build are removed by the next one.

## Limits and untrusted content

- Note files over `max_file_bytes` (default 4 MiB) are not read (`file.too-large`);
  lists, blockquotes and `:::` containers nested deeper than `max_nesting` (default 40)
  are not parsed (`file.too-deep`). Both are set under `[limits]` in `studyc.toml`;
  beyond about {safe} levels Python's stack is the limit, and studyc reports
  `file.too-deep` instead of crashing. Raw HTML and emphasis may nest twice as deep as
  `max_nesting`, at most {html} levels, so every output (PDFs too) can render them.
  Images over 32 MiB are not read (`image.too-large`).
- Front matter is parsed with a safe YAML loader: no aliases (`*name`, so no
  "billion laughs"), no more than 20 levels of nesting, no Python tags; dates stay text.
- Raw HTML is kept only as far as an allow-list for study notes permits: formatting,
  `sub`/`sup`, `kbd`, tables, lists, links to `http`, `https` and `mailto`. Scripts,
  styles, frames, `on*=` handlers and `javascript:` URLs are removed (`html.unsafe`), and
  so is the `src` of a raw `<img>`: use `![alt](path)` so studyc can check the file.
  Raw HTML is sanitized once, when the notes are read; every output renders the same
  sanitized pieces.
- Images are never fetched from the network (`image.remote`) and never read from
  outside the notes folder (`image.outside-root`), whether by `..`, an absolute path or
  a symlink.
- Text that looks like a template (`{{{{ x }}}}`, `{{% if %}}`) prints literally; notes
  are never evaluated as templates.

## Codes
"""


@pytest.mark.parametrize("fmt", list(BUILD_ONLY))
def test_printables_report_what_they_cannot_lay_out(tmp_path: Path, fmt: str) -> None:
    answer, expected = BUILD_ONLY[fmt]
    chapter = f"---\ntitle: Chapter\n---\nQ: What is it?\n\nA: {answer}\n"
    # the long answer is the point here: the course silences quality.long-answer (suppress_warnings)
    src = course(tmp_path, {"01-chapter.md": chapter, "studyc.toml": 'suppress_warnings = ["quality.long-answer"]\n'})
    strict = studyc_here("build", ".", "-o", str(tmp_path / "strict"), "--format", fmt, "--strict", cwd=src)
    assert strict.returncode == 1
    assert [ln for ln in strict.stderr.splitlines() if ln.startswith("01-")] == [expected + " (error: --strict)"]
    # a PDF's warning stops a strict build before that PDF is written (only the parse cache may be saved)
    written = [p.name for p in (tmp_path / "strict").glob("*") if p.name != ".cache"]
    assert written == []
    proc = studyc_here("build", ".", "-o", str(tmp_path / "out"), "--format", fmt, cwd=src)
    assert proc.returncode == 0
    assert diagnostics(proc.stderr) == [expected]


def test_cheat_sheet_says_what_it_left_out(tmp_path: Path) -> None:
    src = course(tmp_path, {"01-chapter.md": LONG_CHAPTER})
    for flags in ((), ("--strict",)):  # information never fails a build, not even a strict one
        out = tmp_path / f"out{len(flags)}"
        proc = studyc_here("build", ".", "-o", str(out), "--format", "cheatsheet", "--pages", "1", *flags, cwd=src)
        assert proc.returncode == 0, proc.stderr
        assert [ln for ln in proc.stderr.splitlines() if ln.startswith("course.md")] == [
            LEFT_OUT.format(left=LEFT_OUT_COUNT)
        ]
        assert (out / "generated-cheatsheet.pdf").is_file()


def _example(code: Code) -> tuple[str, str]:
    if code in GENERATED_EXAMPLES:
        return GENERATED_EXAMPLES[code]
    named = BAD / code.value.replace(".", "-")
    for case in [named, *CASES]:
        expected = case / "expected.txt"
        if expected.is_file():
            for line in expected.read_text(encoding="utf-8").splitlines():
                if line.endswith(f"[{code.value}]"):
                    return line, f"`tests/bad_input/{case.name}/`"
    raise AssertionError(f"no example for {code.value}: add a case to tests/bad_input/")


def errors_page() -> str:
    for module in pkgutil.walk_packages(compiler.__path__, "compiler."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)  # every StudycError subclass, whatever ran before
    exits = sorted(((cls.exit_code, cls.__name__), cls) for cls in _subclasses(StudycError))
    rows = "".join(f"| {code} | {' '.join((cls.__doc__ or '').split())} |\n" for (code, _), cls in exits)
    parts = [PAGE_HEAD.format(exit_rows=rows, safe=SAFE_MAX_NESTING, html=MAX_HTML_DEPTH)]
    for code, doc in code_docs().items():
        line, source = _example(code)
        text = " ".join(doc.split())
        parts.append(f"\n### `{code.value}` ({code.severity})\n\n{text}\n\n    {line}\n\nExample from {source}.\n")
    return "".join(parts)


def _subclasses(cls: type[StudycError]) -> list[type[StudycError]]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_errors_page_lists_every_code_with_an_example() -> None:
    page = errors_page()
    assert_snapshot(ERRORS_PAGE, page)  # docs/errors.md is generated: STUDYC_UPDATE_SNAPSHOTS=1 rewrites it
    for code in Code:
        assert f"### `{code.value}` ({code.severity})" in page
