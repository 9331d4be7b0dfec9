"""``make bench``: studyc against the floor, rebuilds, start-up and the cheat sheet.

Every measurement is a fresh process. Competing commands run interleaved
(floor, studyc, floor, …, alternating which goes first) so a busy moment on
the shared machine hits both; figures are medians. Results go to
``build/bench.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate
from benchmarks.edit import bench_edit
from benchmarks.measure import ROOT, VENV_BIN, CommandFailed, Sample, median, run
from benchmarks.report import print_report

BENCH = ROOT / "build" / "bench"
PY = VENV_BIN / "python"
STUDYC = VENV_BIN / "studyc"
FORMATS = "anki,json"
HEAVY = ("weasyprint", "genanki", "pygments", "jinja2", "sqlite3", "pydantic")


def _summary(samples: list[Sample]) -> dict[str, Any]:
    return {
        "wall": median([s.wall for s in samples]),
        "rss_mib": max(s.rss_mib for s in samples),
        "runs": [round(s.wall, 4) for s in samples],
        "load": [round(s.load, 2) for s in samples],
    }


def _cold(source: Path, out: Path) -> None:
    """Forget earlier builds: no lock, no outputs."""
    (source / "studyc.lock").unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)


def bench_size(cards: int, runs: int) -> dict[str, Any]:
    """Cold builds against the floor, then no-change and one-file-edit rebuilds."""
    corpus = generate(BENCH / f"c{cards}", cards, peers=False)
    source, out = corpus / "studyc", BENCH / f"out{cards}"
    floor_out = BENCH / f"floor{cards}.apkg"
    floor: list[Sample] = []
    cli: list[Sample] = []
    stages: list[dict[str, float]] = []
    peaks: list[dict[str, float]] = []
    for r in range(runs):
        jobs = ["floor", "studyc", "stages"]
        for job in jobs[r % 3 :] + jobs[: r % 3]:
            if job == "floor":
                floor.append(run([PY, "-m", "benchmarks.floor", corpus, floor_out]))
            elif job == "studyc":
                _cold(source, out)
                cli.append(run([STUDYC, "build", source, "-o", out, "--format", FORMATS, "-q"]))
            else:
                _cold(source, out)
                sample = run([PY, "-m", "benchmarks.stages", source, out, FORMATS])
                data = json.loads(sample.stdout)
                stages.append(data["stages"])
                peaks.append(data["peak_rss_mib_before"])
    stage_names = list(dict.fromkeys(k for s in stages for k in s))
    result: dict[str, Any] = {
        "cards": cards,
        "files": cards // 100,
        "markdown_bytes": sum(p.stat().st_size for p in source.glob("*.md")),
        "floor": _summary(floor),
        "studyc": _summary(cli),
        "stages": {name: median([s.get(name, 0.0) for s in stages]) for name in stage_names},
        # main process's peak RSS (MiB) as each step starts, e.g. "writing" = peak after rendering
        "peak_rss_mib_before": {k: median([p.get(k, 0.0) for p in peaks]) for k in peaks[0]} if peaks else {},
    }
    result["ratio"] = result["studyc"]["wall"] / result["floor"]["wall"]
    result["cards_per_s"] = cards / result["studyc"]["wall"]
    result["floor_cards_per_s"] = cards / result["floor"]["wall"]
    result.update(bench_rebuilds(source, out, runs))
    return result


def _mtimes(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir()}


def bench_rebuilds(source: Path, out: Path, runs: int) -> dict[str, Any]:
    """No-change rebuilds (and what they rewrote), then rebuilds after editing one file."""
    build: list[str | Path] = [STUDYC, "build", source, "-o", out, "--format", FORMATS, "-q"]
    _cold(source, out)
    run(build)
    before = {**_mtimes(out), "studyc.lock": (source / "studyc.lock").stat().st_mtime_ns}
    same = [run(build) for _ in range(runs)]
    after = {**_mtimes(out), "studyc.lock": (source / "studyc.lock").stat().st_mtime_ns}
    rewritten = sorted(name for name, t in after.items() if before.get(name) != t)
    chapters = sorted(p for p in source.glob("*.md") if p.name != "course.md")
    target = chapters[len(chapters) // 2]
    original = target.read_text(encoding="utf-8")
    edited = original.replace("A: ", "A: Edited: ", 1)
    edits = []
    try:
        for r in range(runs * 2):  # every run edits the file: once to the new text, once back
            target.write_text(edited if r % 2 == 0 else original, encoding="utf-8")
            edits.append(run(build))
    finally:
        target.write_text(original, encoding="utf-8")
    # every question reworded at once: the worst case for fuzzy identity matching, must stay linear
    texts = {p: p.read_text(encoding="utf-8") for p in chapters}
    reword = []
    try:
        for p, text in texts.items():
            p.write_text(
                text.replace("Q: What does ", "Q: What do ").replace("Q: Which ", "Q: What "), encoding="utf-8"
            )
        reword.append(run(build))
    finally:
        for p, text in texts.items():
            p.write_text(text, encoding="utf-8")
    reword.append(run(build))  # and back: reworded again
    return {
        "rebuild_nochange": {**_summary(same), "rewritten": rewritten},
        "rebuild_edit": _summary(edits),
        "rebuild_reword_all": _summary(reword),
    }


def _imports_snippet(argv: list[str]) -> str:
    return (
        "import atexit, sys\n"
        f"atexit.register(lambda: print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules)))\n"
        "from compiler.app.cli import main\n"
        f"main({argv!r})\n"
    )


def bench_startup(runs: int) -> dict[str, Any]:
    """``studyc --help`` and ``studyc check`` on the shipped course, and what they import."""
    shipped = BENCH / "shipped"
    shutil.rmtree(shipped, ignore_errors=True)
    shutil.copytree(ROOT / "source", shipped)  # builds write studyc.lock into the source folder
    help_runs, check_runs = [], []
    for _ in range(runs):
        help_runs.append(run([STUDYC, "--help"]))
        check_runs.append(run([STUDYC, "check", shipped, "-q"]))
    imports = {}
    for name, argv in (("help", ["--help"]), ("check", ["check", str(shipped), "-q"])):
        lines = run([PY, "-c", _imports_snippet(argv)]).stdout.splitlines()
        imports[name] = next(line[6:] for line in lines if line.startswith("HEAVY:")).split(",")
    python = [run([PY, "-c", "pass"]) for _ in range(runs)]
    return {
        "help": _summary(help_runs),
        "check": _summary(check_runs),
        "python_bare": _summary(python),
        "heavy_imports": {k: [m for m in v if m] for k, v in imports.items()},
    }


def bench_cheatsheet(runs: int) -> dict[str, Any] | None:
    """The shipped course's cheat sheet PDF against plain WeasyPrint on the same HTML."""
    from compiler.model.backend import REGISTRY

    if "cheatsheet" not in REGISTRY:
        return None
    shipped, out = BENCH / "shipped", BENCH / "cheatsheet"
    build: list[str | Path] = [STUDYC, "build", shipped, "-o", out, "--format", "cheatsheet", "-q"]
    shutil.rmtree(out, ignore_errors=True)
    run(build)
    html = next(out.glob("*-cheatsheet.html"))
    plain: list[str | Path] = [PY, "-m", "benchmarks.plain_pdf", html, BENCH / "plain-cheatsheet.pdf"]
    studyc_runs, plain_runs = [], []
    for r in range(runs):
        for job in ("studyc", "plain") if r % 2 == 0 else ("plain", "studyc"):
            if job == "studyc":
                shutil.rmtree(out, ignore_errors=True)  # cold: the PDF is rendered and written again
                studyc_runs.append(run(build))
            else:
                plain_runs.append(run(plain))
    result = {"studyc": _summary(studyc_runs), "plain_weasyprint": _summary(plain_runs)}
    result["ratio"] = result["studyc"]["wall"] / result["plain_weasyprint"]["wall"]
    return result


def bench_budget(runs: int) -> dict[str, Any]:
    """The budgeted cheat sheet of a generated 1,000-card course against the shipped course's, both on 4 pages."""
    big = generate(BENCH / "budget1000", 1000, peers=False) / "studyc"
    jobs: dict[str, list[str | Path]] = {
        name: [STUDYC, "build", src, "-o", BENCH / f"budget-{name}", "--format", "cheatsheet", "--pages", "4", "-q"]
        for name, src in (("shipped", BENCH / "shipped"), ("cards_1000", big))
    }
    samples: dict[str, list[Sample]] = {name: [] for name in jobs}
    for r in range(runs):
        for name in list(jobs) if r % 2 == 0 else list(jobs)[::-1]:
            shutil.rmtree(BENCH / f"budget-{name}", ignore_errors=True)  # cold: laid out and written again
            samples[name].append(run(jobs[name]))
    result: dict[str, Any] = {name: _summary(got) for name, got in samples.items()}
    result["ratio"] = result["cards_1000"]["wall"] / result["shipped"]["wall"]
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated card counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (medians are reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_start": os.getloadavg()},
        "formats": FORMATS,
        "sizes": {},
    }
    for cards in sizes:
        print(f"… {cards} cards", file=sys.stderr, flush=True)
        report["sizes"][str(cards)] = bench_size(cards, args.runs if cards <= 10000 else max(1, args.runs - 1))
    print("… start-up and cheat sheet", file=sys.stderr, flush=True)
    report["startup"] = bench_startup(max(5, args.runs))
    try:
        report["cheatsheet"] = bench_cheatsheet(max(3, args.runs))
    except CommandFailed as exc:  # the printables are optional for the rest of the report
        report["cheatsheet"] = {"error": str(exc)}
    print("… edit, save, see", file=sys.stderr, flush=True)
    try:
        report["edit"] = bench_edit(max(3, args.runs))
    except (CommandFailed, TimeoutError) as exc:
        report["edit"] = {"error": str(exc)}
    try:
        report["budget"] = bench_budget(max(3, args.runs))
    except CommandFailed as exc:
        report["budget"] = {"error": str(exc)}
    report["machine"]["load_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
