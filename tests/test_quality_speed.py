"""The near-duplicate check stays near linear: 10,000 cards in seconds.

Kept apart from tests/test_quality.py so that `make mutate`'s checks group leaves it out: under
mutmut every call goes through a trampoline and a wall-clock bound means nothing there, and this
one test would cost each surviving mutant a minute.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from compiler.build.pipeline import check
from compiler.checks.quality import check_quality
from compiler.model.diagnostics import Diagnostics

COURSE = "---\ntitle: Quality\nexam: Quality (Q-01)\n---\n"
HEAD = "---\ntitle: Chapter\n---\n"


def test_near_duplicates_stay_fast_on_ten_thousand_cards(tmp_path: Path) -> None:
    rng = random.Random(7)
    vocab = [f"term{n}" for n in range(3000)]
    body = "".join(f"Q: Which {' '.join(rng.sample(vocab, 6))}?\n\nA: x.\n\n" for _ in range(10_000))
    src = tmp_path / "notes"
    src.mkdir()
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-chapter.md").write_text(HEAD + body, encoding="utf-8")
    course = check(src).course  # checked once: run() would check the 10,000 cards a second time
    assert course is not None
    started = time.perf_counter()
    check_quality(course, Diagnostics())
    assert time.perf_counter() - started < 5  # measured: about 1 s
