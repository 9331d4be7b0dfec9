"""The PDF worker: same bytes as rendering in-process, and a dead worker falls back to in-process."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.build import pdf_worker, pipeline
from compiler.model.backend import Options, Output
from compiler.print import pieces


@pytest.fixture(autouse=True)
def fresh_worker_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_worker, "_used", False)
    monkeypatch.setattr(pieces, "cores", lambda: 2)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("STUDYC_DEBUG", raising=False)


def _build(tmp: Path, name: str) -> dict[str, bytes]:
    source = tmp / f"src-{name}"
    shutil.copytree(SAMPLE, source)
    out = tmp / f"out-{name}"
    result = pipeline.build(source, out, ["json", "cheatsheet"], Options(source_root=source), lock=source / "lock")
    assert not result.failed(strict=False)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_worker_output_equals_in_process_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    real_start = pdf_worker.start
    monkeypatch.setattr(
        pdf_worker, "start", lambda formats, always=False: started.append(real_start(formats, always)) or started[-1]
    )
    with_worker = _build(tmp_path, "worker")
    assert started and started[0] is not None
    monkeypatch.setenv("STUDYC_DEBUG", "1")  # no worker
    monkeypatch.setattr(pdf_worker, "_used", False)
    assert _build(tmp_path, "inproc") == with_worker
    assert any(name.endswith(".pdf") for name in with_worker)


def test_dead_worker_falls_back_to_in_process() -> None:
    worker = pdf_worker.PdfWorker(["cheatsheet"])
    worker.process.terminate()
    worker.process.join()
    worker.todo = ["cheatsheet"]
    fallback = [Output("x.pdf", b"%PDF")]
    assert worker.outputs(lambda name: fallback) == {"cheatsheet": fallback}


def test_no_worker_without_pdf_formats_or_with_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pdf_worker.start(["json", "anki"]) is None
    monkeypatch.setattr(pieces, "cores", lambda: 1)
    assert pdf_worker.start(["cheatsheet"]) is None


def test_the_worker_warms_up_before_it_forks_layout_processes(tmp_path: Path) -> None:
    """Fonts and the hyphenation dictionary load once, in the worker, not again in each fork."""
    import subprocess
    import sys

    marker = tmp_path / "warmed"
    probe = (
        "import pathlib, pyphen\n"
        "from compiler.build import pdf_worker\n"
        "from compiler.print import pieces\n"
        "real = pieces.warm_up\n"
        "def warm_up():\n"
        "    real()\n"
        f"    pathlib.Path({str(marker)!r}).write_text(str(len(pyphen.hdcache)))\n"
        "pieces.warm_up = warm_up\n"
        "worker = pdf_worker.PdfWorker(['cheatsheet'])\n"  # one thread here: a fork, which sees the patch
        "worker.close()\n"  # no job: the worker imports, warms up and ends
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "1"  # the English dictionary, loaded by laying out hyphenated words


def _niceness_and_start(name: str, course: object, options: object) -> tuple[str, tuple[int, float]]:
    """What ``pdf_worker._render`` would do in the helper process, replaced by when and how nicely it runs.

    It takes a while, as a layout does, so that a format sent third waits for a helper to be free.
    """
    started = time.monotonic()
    time.sleep(0.5)
    return ("ok", (os.nice(0), started))


def test_the_guide_starts_first_and_the_small_pieces_yield_to_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # two helper processes for four formats: the guide's chapter, the build's longest single layout,
    # takes one at full priority; the formats of small pieces queue for the other, behind it
    monkeypatch.setattr(pdf_worker, "_render", _niceness_and_start)
    base = os.nice(0)
    small = min(19, base + pdf_worker.SMALL_PIECES_NICE)  # 19: the most a process can be niced
    got = dict(pdf_worker._results(None, None, ["cheatsheet", "flashcards", "guide", "mock-exam"]))  # type: ignore[arg-type]
    nice = {name: result[1][0] for name, result in got.items()}
    assert nice == {
        "guide": base,
        **dict.fromkeys(("cheatsheet", "flashcards", "mock-exam"), small),
    }
    started = sorted(got, key=lambda name: got[name][1][1])
    assert "guide" in started[:2]  # among the first two on the two helpers (each starts when it gets there)
