"""Edit, save, see: the shipped course rebuilt after one answer changed, by ``build`` and by ``watch``.

Three ratios from one run, each against a cold build of every output of the
shipped course measured in the same run:

- ``edit_build``: ``studyc build`` after one answer changed;
- ``watch_apkg``: in ``studyc watch``, from the save until the ``.apkg`` is replaced;
- ``watch_all``: in ``studyc watch``, from the save until the last PDF is replaced;
- ``cold_vs_plain``: the cold build of every output against plain WeasyPrint laying out
  the same three documents (guide, cheat sheet, flashcards) one after another.

The watch figures are read off the files' modification times, so they are
what a user waiting for the deck sees.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import ROOT, VENV_BIN, median, run

BENCH = ROOT / "build" / "bench"
STUDYC = VENV_BIN / "studyc"
PY = VENV_BIN / "python"
WAIT = 300.0  # seconds: a bound, so a broken watch fails the benchmark instead of hanging it


def _answer_file(source: Path) -> tuple[Path, str]:
    target = sorted(source.glob("03-*.md"))[0]
    return target, target.read_text(encoding="utf-8")


def _edited(original: str, r: int) -> str:
    return original.replace("A: ", f"A: Edited {r}: ", 1)


def _wait_newer(paths: list[Path], since: float) -> float:
    """When the last of ``paths`` was replaced after ``since`` (its mtime), waiting as needed."""
    deadline = time.time() + WAIT
    while time.time() < deadline:
        stamps = [p.stat().st_mtime if p.exists() else 0.0 for p in paths]
        if all(s > since for s in stamps):
            return max(stamps)
        time.sleep(0.01)
    raise TimeoutError(f"no new {', '.join(p.name for p in paths)} within {WAIT} s")


def bench_edit(runs: int) -> dict[str, Any]:
    """The three ratios above, medians of ``runs`` edits each."""
    source, out = BENCH / "edit-src", BENCH / "edit-out"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "source", source)
    build: list[str | Path] = [STUDYC, "build", source, "-o", out, "-q"]
    cold, edits = [], []
    target, original = _answer_file(source)
    for r in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        target.write_text(original, encoding="utf-8")
        cold.append(run(build).wall)
        target.write_text(_edited(original, r), encoding="utf-8")
        edits.append(run(build).wall)
    target.write_text(original, encoding="utf-8")
    apkg_waits, all_waits = _watch_edits(source, out, target, original, runs)
    cold_wall = median(cold)
    plain = _plain(source, out, runs)
    return {
        "cold": cold_wall,
        "plain_weasyprint": plain,
        "ratio_cold_vs_plain": cold_wall / plain,
        "edit_build": median(edits),
        "watch_apkg": median(apkg_waits),
        "watch_all": median(all_waits),
        "ratio_edit_build": median(edits) / cold_wall,
        "ratio_watch_apkg": median(apkg_waits) / cold_wall,
        "ratio_watch_all": median(all_waits) / cold_wall,
    }


def _plain(source: Path, out: Path, runs: int) -> float:
    """Plain WeasyPrint laying out the guide, the cheat sheet and the flashcards one after another (median)."""
    shutil.rmtree(out, ignore_errors=True)
    run([STUDYC, "build", source, "-o", out, "-q"])
    flashcards = BENCH / "plain-flashcards.html"
    run([PY, "-m", "benchmarks.plain_pdf", "--flashcards", source, flashcards])
    documents = [*sorted(out.glob("*-guide.html")), *sorted(out.glob("*-cheatsheet.html")), flashcards]
    walls = []
    for _ in range(runs):
        walls.append(sum(run([PY, "-m", "benchmarks.plain_pdf", d, BENCH / "plain.pdf"]).wall for d in documents))
    return median(walls)


def _watch_edits(source: Path, out: Path, target: Path, original: str, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from each save to the new .apkg, and to the last new PDF, in one ``studyc watch``."""
    proc = subprocess.Popen(
        [str(STUDYC), "watch", str(source), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the first build is done once it says it is watching
            if line.startswith("watching"):
                break
        apkg = next(out.glob("*.apkg"))
        pdfs = sorted(out.glob("*.pdf"))
        apkg_waits, all_waits = [], []
        for r in range(runs):
            time.sleep(1.0)  # a quiet moment, as between two saves by hand
            target.write_text(_edited(original, 100 + r), encoding="utf-8")
            saved = target.stat().st_mtime
            apkg_waits.append(_wait_newer([apkg], saved) - saved)
            all_waits.append(_wait_newer(pdfs, saved) - saved)
        return apkg_waits, all_waits
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        target.write_text(original, encoding="utf-8")
