"""``studyc watch`` with real file changes in a temp folder (every wait is bounded)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from conftest import SAMPLE

from compiler.app.watch import watch
from compiler.build import pipeline
from compiler.model.backend import Options

WAIT = 30.0  # seconds; a bound, not a speed assertion


def test_watch_rebuilds_on_save_and_survives_errors(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    out = tmp_path / "out"
    results: list[bool] = []
    built = threading.Condition()
    stop = threading.Event()

    def rebuild(stale: object) -> bool:
        result = pipeline.build(src, out, ["json"], Options(source_root=src), lock=src / "studyc.lock")
        with built:
            results.append(not result.failed(False))
            built.notify_all()
        return results[-1]

    def wait_for(count: int) -> None:
        with built:
            assert built.wait_for(lambda: len(results) >= count, timeout=WAIT), f"no build #{count} within {WAIT} s"

    watching = threading.Event()

    def info(message: str) -> None:
        if message.startswith("watching"):
            watching.set()

    kwargs = {"stop": stop, "debounce_ms": 50, "info": info}
    thread = threading.Thread(target=watch, args=(src, rebuild), kwargs=kwargs)
    thread.start()
    try:
        assert watching.wait(WAIT)
        wait_for(1)
        assert results == [True]
        good = (out / "sample.json").read_bytes()

        notes = src / "02-modeling.md"
        notes.write_text(notes.read_text().replace("A: Unsupervised learning.", "A: Unsupervised learning!"))
        wait_for(2)
        assert results[1] is True
        assert b"Unsupervised learning!" in (out / "sample.json").read_bytes()
        good = (out / "sample.json").read_bytes()

        (src / "course.md").write_text("---\ntitle: [unclosed\n---\n")  # breaks the course
        wait_for(3)
        assert results[2] is False
        assert (out / "sample.json").read_bytes() == good  # last good output kept

        shutil.copy(SAMPLE / "course.md", src / "course.md")  # fixed: watching went on
        wait_for(4)
        assert results[3] is True
    finally:
        stop.set()
        thread.join(timeout=WAIT)
    assert not thread.is_alive()
    # the build's own lock writes never triggered a build by themselves
    assert len(results) == 4
