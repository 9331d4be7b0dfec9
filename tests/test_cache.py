"""Incremental rebuilds (``build/.cache``): same results as a full build, less work."""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE
from pypdf import PdfReader

from compiler.build import cache as build_cache
from compiler.build import pipeline
from compiler.model.backend import Options

T1 = 1_700_000_000


@pytest.fixture
def src(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1))
    return Path(shutil.copytree(SAMPLE, tmp_path / "src", ignore=shutil.ignore_patterns("studyc.lock")))


def _build(src: Path, out: Path, cached: bool = True) -> pipeline.Result:
    cache = out / ".cache" if cached else None
    result = pipeline.build(src, out, ["json", "anki"], Options(source_root=src), lock=src / "studyc.lock", cache=cache)
    assert not result.failed(False)
    return result


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = build_cache.parse_all

    def counting(parse: Any, root: Path, items: Any, limits: Any, jobs: Any = None) -> Any:
        parsed.extend(rel for rel, _ in items)
        return real(parse, root, items, limits, jobs)

    monkeypatch.setattr(build_cache, "parse_all", counting)
    return parsed


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def test_only_edited_files_are_parsed_and_results_match_a_full_build(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(src, out)
    parsed = _count_parses(monkeypatch)
    _build(src, out)
    assert parsed == []  # nothing changed: every file from the cache
    notes = src / "02-modeling.md"
    notes.write_text(notes.read_text().replace("A: Unsupervised learning.", "A: Clustering, for one."))
    _build(src, out)
    assert parsed == ["02-modeling.md"]
    full = tmp_path / "full"
    _build(src, full, cached=False)
    assert _outputs(out) == _outputs(full)


def test_a_changed_image_invalidates_the_files_that_show_it(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(src, out)
    parsed = _count_parses(monkeypatch)
    image = src / "images" / "pipeline.png"
    image.write_bytes(image.read_bytes() + b"\0")
    result = _build(src, out)
    assert parsed == ["01-streams.md"]
    assert result.course is not None
    full = pipeline.check(src).course
    assert full is not None and result.course.assets == full.assets


def test_unchanged_backends_are_skipped_until_their_output_is_touched(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(src, out)
    calls: list[str] = []
    real = pipeline._render

    def counting(name: str, course: Any, options: Any, phase: str = "") -> Any:
        calls.append(name)
        return real(name, course, options, phase)

    monkeypatch.setattr(pipeline, "_render", counting)
    result = _build(src, out)
    assert calls == [] and result.written == []
    (out / "sample.apkg").write_bytes(b"damaged")
    result = _build(src, out)
    assert calls == ["anki"]
    assert out / "sample.apkg" in result.written


def test_a_corrupt_cache_is_ignored(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(src, out)
    for entry in (out / ".cache").rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"\x80 not a pickle")
    (out / "sample.json").unlink()
    _build(src, out)
    full = tmp_path / "full"
    _build(src, full, cached=False)
    assert _outputs(out) == _outputs(full)


def test_a_new_source_date_epoch_reaches_cached_printables(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The printables' date comes from SOURCE_DATE_EPOCH, not from the IR or the lock's times: a
    # cached build after a new SOURCE_DATE_EPOCH used to keep the old date in the cheat sheet.
    # Its layout is cached by the undated HTML (compiler/print/pieces.py), so the date must
    # still reach both files while the layout is reused.
    def build(out: Path, cached: bool) -> dict[str, bytes]:
        cache = out / ".cache" if cached else None
        lock = src / "studyc.lock"
        result = pipeline.build(src, out, ["cheatsheet"], Options(source_root=src), lock=lock, cache=cache)
        assert not result.failed(False)
        return _outputs(out)

    out = tmp_path / "out"
    build(out, cached=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1 + 100 * 86400))
    cached = build(out, cached=True)
    assert cached == build(tmp_path / "full", cached=False)
    assert b'<meta name="dcterms.created" content="2024-02-22T22:13:20Z">' in cached["sample-cheatsheet.html"]
    info = PdfReader(io.BytesIO(cached["sample-cheatsheet.pdf"])).metadata
    assert info is not None and info["/CreationDate"] == "D:20240222221320Z"
    assert len(list((out / ".cache" / "pieces" / "cheatsheet").glob("*.pdf"))) == 1  # one layout, reused


def test_the_parse_cache_in_process(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compiler.settings import Limits

    folder = tmp_path / "cache"
    parsed = _count_parses(monkeypatch)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    first, _ = build_cache.ParseCache(folder).load_course(src, timings=timings)
    elapsed = time.perf_counter() - started
    assert sorted(timings) == ["ir", "load", "parse"]
    assert all(0 <= t <= elapsed for t in timings.values()) and sum(timings.values()) <= elapsed
    every = sorted(parsed)
    assert every and first is not None
    parsed.clear()
    build_cache.ParseCache(folder).load_course(src)
    assert sorted(parsed) == every  # nothing was saved: a build that fails writes nothing
    parsed.clear()
    cache = build_cache.ParseCache(folder)
    cache.load_course(src)
    cache.save()
    assert cache.pending == {}
    assert len(list((folder / "parse").iterdir())) == len(every)
    parsed.clear()
    again, _ = build_cache.ParseCache(folder).load_course(src)
    assert parsed == [] and again == first
    # other limits are another parse: a file too large now must be refused
    build_cache.ParseCache(folder).load_course(src, Limits(max_nesting=5))
    assert sorted(parsed) == every


def test_the_parse_cache_drops_entries_no_file_uses(src: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    cache = build_cache.ParseCache(folder)
    cache.load_course(src)
    cache.save()
    before = {p.name for p in (folder / "parse").iterdir()}
    notes = src / "02-modeling.md"
    notes.write_text(notes.read_text() + "\nQ: One more?\n\nA: Yes.\n")
    cache = build_cache.ParseCache(folder)
    cache.load_course(src)
    cache.save()
    after = {p.name for p in (folder / "parse").iterdir()}
    assert len(after) == len(before) and len(after - before) == 1  # the edited file's entry replaced
    build_cache.ParseCache(tmp_path / "never-written").save()  # nothing to prune: no error


def test_a_note_with_an_image_problem_or_a_vanished_image_is_parsed_again(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    (src / "03-broken.md").write_text("---\ntitle: Broken\n---\nQ: Where?\n\nA: ![gone](images/gone.png)\n")
    cache = build_cache.ParseCache(folder)
    _, diags = cache.load_course(src)
    assert any(d.code.value.startswith("image.") for d in diags.items)
    cache.save()
    parsed = _count_parses(monkeypatch)
    cache = build_cache.ParseCache(folder)
    cache.load_course(src)
    assert parsed == ["03-broken.md"]
    cache.save()
    parsed.clear()
    (src / "images" / "pipeline.png").rename(src / "images" / "moved.png")
    build_cache.ParseCache(folder).load_course(src)
    assert sorted(parsed) == ["01-streams.md", "03-broken.md"]


def _output_cache(src: Path, out: Path, **options: Any) -> build_cache.OutputCache:
    from compiler.frontend import load_course

    course, _ = load_course(src)
    assert course is not None
    return build_cache.OutputCache(out / ".cache", out, course, Options(source_root=src, **options))


def test_the_output_cache_replays_outputs_and_diagnostics_only_while_all_is_equal(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.model.backend import Output
    from compiler.model.diagnostics import Code, Diagnostic

    out = tmp_path / "out"
    out.mkdir()
    outputs = [Output("a.json", b"{}"), Output("b.csv", b"x,y")]
    for o in outputs:
        (out / o.name).write_bytes(o.data)
    warning = Diagnostic("01-streams.md", 3, 2, "warning", Code.CLOZE_NO_DELETION, "no deletion")
    runs: list[str] = []

    def run() -> Any:
        runs.append("run")
        return [Output("fresh", b"")], []

    _output_cache(src, out).remember("json", outputs, [warning])
    assert _output_cache(src, out).render("json", run) == (outputs, [warning])
    assert runs == []
    assert _output_cache(src, out).render("csv", run)[0] == [Output("fresh", b"")]  # another backend
    assert _output_cache(src, out, deck_depth=3).render("json", run)[0] == [Output("fresh", b"")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1 + 1))
    assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T1))
    notes = src / "02-modeling.md"
    notes.write_text(notes.read_text() + "\nQ: One more?\n\nA: Yes.\n")
    assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]  # another course
    assert len(runs) == 4
    notes.write_text(notes.read_text().replace("\nQ: One more?\n\nA: Yes.\n", ""))
    assert _output_cache(src, out).render("json", run) == (outputs, [warning])
    (out / "b.csv").write_bytes(b"x,z")  # same size, other bytes
    assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]
    (out / "b.csv").unlink()
    assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]
    assert len(runs) == 6
    (out / ".cache" / "outputs" / "json.json").write_text('{"key": 1}')
    assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]


def test_other_code_or_templates_miss_the_output_cache(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.model.backend import Output

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_bytes(b"{}")
    _output_cache(src, out).remember("json", [Output("a.json", b"{}")], [])

    def run() -> Any:
        return [Output("fresh", b"")], []

    assert _output_cache(src, out).render("json", run)[0] == [Output("a.json", b"{}")]
    with monkeypatch.context() as patch:
        patch.setattr(build_cache, "code_hash", lambda parsing=False: "another studyc")
        assert _output_cache(src, out).render("json", run)[0] == [Output("fresh", b"")]
    # equal options in another order are the same key: a library caller's dict order costs no rebuild
    _output_cache(src, out, extra={"a": "1", "b": "2"}).remember("json", [Output("a.json", b"{}")], [])
    assert _output_cache(src, out, extra={"b": "2", "a": "1"}).render("json", run)[0] == [Output("a.json", b"{}")]


def test_the_parse_cache_reads_like_the_parser(src: Path, tmp_path: Path) -> None:
    from compiler.settings import Limits

    folder = tmp_path / "cache"
    notes = src / "02-modeling.md"
    text = notes.read_text(encoding="utf-8")
    edited = text.replace("A: Unsupervised learning.", "A: Clustering, from an unsaved buffer.")
    course, _ = build_cache.ParseCache(folder).load_course(src, overrides={"02-modeling.md": edited})
    assert course is not None and "unsaved buffer" in course.model_dump_json()  # the editor's text, not the file's
    (src / "03-huge.md").write_text("---\ntitle: Huge\n---\n" + "Q: x?\n\nA: y.\n\n" * 400, encoding="utf-8")
    _, diags = build_cache.ParseCache(folder).load_course(src, Limits(max_file_bytes=2048))
    assert [(d.code.value, d.path) for d in diags.items if d.severity == "error"] == [("file.too-large", "03-huge.md")]


def test_the_parse_cache_keys_on_the_parsing_code_path_and_text(
    src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "cache"
    first = src / "01-streams.md"
    (src / "03-twin.md").write_text(first.read_text(encoding="utf-8"), encoding="utf-8")  # same text, other file
    cache = build_cache.ParseCache(folder)
    cache.load_course(src)
    cache.save()
    parsed = _count_parses(monkeypatch)
    build_cache.ParseCache(folder).load_course(src)
    assert parsed == []  # both twins come from the cache, each under its own entry
    real = build_cache.code_hash
    with monkeypatch.context() as patch:  # a backend or template edited: the parser is the same
        patch.setattr(build_cache, "code_hash", lambda parsing=False: real(True) if parsing else "other backends")
        build_cache.ParseCache(folder).load_course(src)
        assert parsed == []
        patch.setattr(build_cache, "code_hash", lambda parsing=False: "another parser")
        build_cache.ParseCache(folder).load_course(src)
        assert sorted(parsed) == sorted(p.name for p in src.glob("*.md"))
    parsed.clear()
    first.write_text(first.read_text(encoding="utf-8") + "\nQ: One more?\n\nA: Yes.\n", encoding="utf-8")
    build_cache.ParseCache(folder).load_course(src)
    assert parsed == ["01-streams.md"]  # the files after it in reading order still come from the cache


def test_a_cache_that_cannot_be_written_only_costs_time(src: Path, tmp_path: Path) -> None:
    from compiler.model.backend import Output

    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "parse").write_text("a file where the cache's folder should be")
    (folder / "outputs").write_text("the same")
    cache = build_cache.ParseCache(folder)
    course, _ = cache.load_course(src)
    cache.save()  # no error: the next build parses again
    assert course is not None
    out = tmp_path / "out"
    build_cache.OutputCache(folder, out, course, Options(source_root=src)).remember("json", [Output("a", b"")], [])
