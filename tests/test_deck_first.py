"""The deck first: a build writes the deck, JSON, CSV and lock, then the PDFs; watch stops stale PDF work."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.app import cli
from compiler.app.watch import watch
from compiler.build import pdf_worker, pipeline
from compiler.model import backend as backends
from compiler.model.backend import Options, Output
from compiler.model.errors import BackendError

WAIT = 60.0  # seconds; a bound, not a speed assertion
ALL = ["anki", "json", "csv", "cheatsheet", "flashcards"]


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    return src


def _edit(src: Path, new: str) -> None:
    notes = src / "02-modeling.md"
    text = notes.read_text(encoding="utf-8")
    start = text.index("A: Unsupervised learning")
    end = text.index("\n", start)
    notes.write_text(text[:start] + f"A: Unsupervised learning {new}." + text[end:], encoding="utf-8")


def test_the_deck_lands_before_the_pdfs_and_every_step_is_counted(tmp_path: Path) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    rounds: list[list[str]] = []
    labels: list[str] = []

    def build() -> pipeline.Result:
        rounds.clear()
        labels.clear()
        return pipeline.build(
            src,
            out,
            ALL,
            Options(source_root=src),
            lock=src / "studyc.lock",
            cache=out / ".cache",
            step=labels.append,
            landed=lambda paths: rounds.append(sorted(p.name for p in paths)),
        )

    assert not build().failed(False)
    assert rounds == [
        ["sample.apkg", "sample.csv", "sample.json", "sample.schema.json", "studyc.lock"],
        ["sample-cheatsheet.html", "sample-cheatsheet.pdf", "sample-flashcards.pdf"],
    ]
    assert len(labels) == pipeline.steps(ALL)
    assert labels[0] == "parsing" and labels[-1] == "wrote cheatsheet, flashcards"
    # a rebuild served from the output cache counts the same steps: the bar never stops short
    assert not build().failed(False)
    assert len(labels) == pipeline.steps(ALL)
    _edit(src, "again")
    assert not build().failed(False)
    assert len(labels) == pipeline.steps(ALL)
    assert b"Unsupervised learning again." in (out / "sample.json").read_bytes()


@pytest.mark.parametrize("formats", [["cheatsheet"], ["anki"], ["json", "guide", "cheatsheet"]])
def test_steps_match_the_calls_for_any_mix_of_formats(tmp_path: Path, formats: list[str]) -> None:
    src, labels = _source(tmp_path), []
    result = pipeline.build(src, tmp_path / "out", formats, Options(source_root=src), step=labels.append)
    assert not result.failed(False)
    assert len(labels) == pipeline.steps(formats), labels


def test_a_pdf_that_fails_leaves_this_builds_deck_and_the_old_pdfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    args = ["build", str(src), "-o", str(out), "--format", ",".join(ALL), "-q"]
    assert cli.main(args) == 0
    old_pdf = (out / "sample-cheatsheet.pdf").read_bytes()
    _edit(src, "edited")
    real_load = backends.load

    def load(name: str) -> backends.Render:
        if name != "cheatsheet":
            return real_load(name)

        def boom(course: object, options: object, diags: object) -> list[Output]:
            raise RuntimeError("boom")

        return boom

    monkeypatch.setattr(backends, "load", load)
    monkeypatch.setattr(pdf_worker, "_used", True)  # in this process, where the patch applies
    monkeypatch.delenv("STUDYC_DEBUG", raising=False)
    capsys.readouterr()
    assert cli.main(args) == BackendError.exit_code
    err = capsys.readouterr().err
    assert "the cheatsheet backend failed (RuntimeError: boom); the PDFs were not written" in err
    assert "Traceback" not in err
    # the deck, JSON, CSV and lock of this build landed together and agree with each other
    assert b"Unsupervised learning edited." in (out / "sample.json").read_bytes()
    assert "Unsupervised learning edited." in (out / "sample.csv").read_text(encoding="utf-8")
    assert (out / "sample-cheatsheet.pdf").read_bytes() == old_pdf
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*tmp*"))
    # nothing was stamped: the next build without the fault brings the PDFs up to date
    monkeypatch.setattr(backends, "load", real_load)
    assert cli.main(args) == 0
    assert (out / "sample-cheatsheet.pdf").read_bytes() != old_pdf


def test_a_cancelled_round_stops_the_worker_mid_layout(tmp_path: Path) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    polls: list[int] = []
    workers: list[pdf_worker.PdfWorker | None] = []
    real_start = pdf_worker.start

    def start(formats: list[str], always: bool = False) -> pdf_worker.PdfWorker | None:
        workers.append(real_start(formats, always))
        return workers[-1]

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > 3  # a newer save, while the worker lays out the PDFs

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_worker, "start", start)
        result = pipeline.build(src, out, ALL, Options(source_root=src), lock=src / "studyc.lock", cancel=cancel)
    assert result.cancelled and not result.failed(False)
    assert workers and workers[0] is not None and not workers[0].process.is_alive()
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "sample.apkg",
        "sample.csv",
        "sample.json",
        "sample.schema.json",
    ]  # the deck landed; no stale PDF did


def test_watch_stops_stale_pdfs_and_builds_the_newest_save(tmp_path: Path) -> None:
    src, out = _source(tmp_path), tmp_path / "out"
    outcomes: list[str] = []
    landed = threading.Condition()
    deck_rounds: list[bytes] = []
    stop = threading.Event()

    def on_landed(paths: list[Path]) -> None:
        with landed:
            if any(p.suffix == ".json" for p in paths):
                deck_rounds.append((out / "sample.json").read_bytes())
            landed.notify_all()

    def rebuild(stale: Callable[[], bool]) -> bool:
        result = pipeline.build(
            src, out, ALL, Options(source_root=src), lock=src / "studyc.lock", landed=on_landed, cancel=stale
        )
        with landed:
            outcomes.append("cancelled" if result.cancelled else "failed" if result.failed(False) else "ok")
            landed.notify_all()
        return outcomes[-1] == "ok"

    def wait_for(test: Callable[[], bool], what: str) -> None:
        with landed:
            assert landed.wait_for(test, timeout=WAIT), what

    thread = threading.Thread(target=watch, args=(src, rebuild), kwargs={"stop": stop, "debounce_ms": 50})
    thread.start()
    try:
        wait_for(lambda: outcomes == ["ok"], "the first build")
        _edit(src, "first")
        wait_for(lambda: len(deck_rounds) == 2, "the first save's deck")
        _edit(src, "second")  # while the first save's PDFs are laid out
        wait_for(lambda: len(outcomes) == 3, "the second save's build")
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive()
    assert outcomes == ["ok", "cancelled", "ok"]
    assert b"learning first." in deck_rounds[1]
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(out / "sample-flashcards.pdf").pages)
    assert "learning second." in text
