"""``studyc watch`` with real file changes in a temp folder (every wait is bounded)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from conftest import SAMPLE

from compiler.app.watch import watch
from compiler.build import pipeline
from compiler.model.backend import REGISTRY, Options

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


def test_watch_warms_up_after_its_first_build_only(tmp_path: Path, monkeypatch: object) -> None:
    """The first save must not pay for imports and the JSON Schema: watch warms up once, after its first build."""
    import pytest

    from compiler.app import building, cli
    from compiler.app import watch as watch_module

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    src = tmp_path / "src"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    events: list[str] = []

    def fake_watch(source: Path, rebuild: object, **_: object) -> int:
        assert callable(rebuild)
        for _round in range(3):
            events.append(f"build {rebuild(lambda: False)}")
        return 0

    real_build = building.check_or_build

    def check_or_build(*args: object, **kwargs: object) -> int:
        events.append("built")
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch_module, "watch", fake_watch)
    monkeypatch.setattr(building, "check_or_build", check_or_build)
    monkeypatch.setattr(pipeline, "warm_up", lambda formats: events.append(f"warm {','.join(formats)}"))
    assert cli.main(["watch", str(src), "-o", str(tmp_path / "out"), "--format", "json,csv", "-q"]) == 0
    every = ",".join(REGISTRY)
    assert events == ["built", f"warm {every}", "build True"] + ["built", "build True"] * 2


def test_warm_up_prepares_the_data_backends_and_leaves_the_pdfs_to_their_worker() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from compiler.build import pipeline\n"
        "from compiler.export import json_backend\n"
        "assert json_backend._schema_bytes.cache_info().currsize == 0\n"
        "pipeline.warm_up(['json', 'anki', 'guide', 'cheatsheet'])\n"
        "assert json_backend._schema_bytes.cache_info().currsize == 1\n"
        "assert 'compiler.anki.backend' in sys.modules\n"
        "assert 'weasyprint' not in sys.modules and 'compiler.print.guide' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
