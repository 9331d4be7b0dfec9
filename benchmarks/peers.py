"""``make bench-peers``: studyc against markdown-anki-decks and ankdown on the same cards.

The peers run from their own venv (``make bench-peers`` creates it), each on
the corpus written in its own format by ``benchmarks.corpus``. All tools
(and the floor) run interleaved, rotating the order every round; figures are
medians. studyc builds only the ``.apkg`` here, like the peers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate
from benchmarks.measure import ROOT, Sample, run
from benchmarks.report import print_peers
from benchmarks.run import BENCH, PY, STUDYC, _cold, _summary


def commands(corpus: Path, venv: Path, out: Path) -> dict[str, list[str | Path]]:
    """Tool name → command that turns ``corpus`` into ``.apkg`` under ``out``."""
    return {
        "studyc": [STUDYC, "build", corpus / "studyc", "-o", out / "studyc", "--format", "anki", "-q"],
        "floor": [PY, "-m", "benchmarks.floor", corpus, out / "floor.apkg"],
        # one deck per file; --cloze so C: cards become cloze notes as in studyc
        "markdown-anki-decks": [venv / "bin" / "mdankideck", corpus / "mad", out / "mad", "--cloze"],
        "ankdown": [venv / "bin" / "ankdown", "-r", corpus / "ankdown", "-p", out / "ankdown.apkg"],
    }


def bench_peers(cards: int, runs: int, venv: Path) -> dict[str, Any]:
    corpus = generate(BENCH / f"peers{cards}", cards, peers=True)
    out = BENCH / f"peers-out{cards}"
    cmds = commands(corpus, venv, out)
    names = list(cmds)
    samples: dict[str, list[Sample]] = {name: [] for name in names}
    notes: dict[str, int] = {}
    for r in range(runs):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            shutil.rmtree(out, ignore_errors=True)
            (out / "mad").mkdir(parents=True)
            _cold(corpus / "studyc", out / "studyc")
            samples[name].append(run(cmds[name]))
            if r == 0:  # once per tool: check it really converted every card
                notes[name] = count_notes(out)
    tools = {name: {**_summary(s), "notes": notes.get(name)} for name, s in samples.items()}
    return {"cards": cards, "tools": tools}


def count_notes(out: Path) -> int:
    """Notes in every ``.apkg`` under ``out``."""
    total = 0
    for apkg in out.rglob("*.apkg"):
        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(apkg) as z:
            z.extract("collection.anki2", tmp)
            db = sqlite3.connect(Path(tmp) / "collection.anki2")
            total += int(db.execute("select count(*) from notes").fetchone()[0])
            db.close()
    return total


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.peers", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--venv", type=Path, default=BENCH / "peers-venv")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench-peers.json")
    args = parser.parse_args(argv)
    venv = args.venv if args.venv.is_absolute() else ROOT / args.venv
    if not (venv / "bin" / "ankdown").exists():
        print(f"no peers venv at {venv}; run `make bench-peers`", file=sys.stderr)
        return 2
    report: dict[str, Any] = {"sizes": {}}
    for cards in (int(s) for s in args.sizes.split(",") if s):
        print(f"… {cards} cards", file=sys.stderr, flush=True)
        report["sizes"][str(cards)] = bench_peers(cards, args.runs, venv)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_peers(report)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
