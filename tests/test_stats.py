"""studyc stats: golden tables and JSON for the sample course, plus the highlighting rules."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE, assert_snapshot, to_json

from compiler.app import stats
from compiler.app.console import make_console
from compiler.build.pipeline import check
from compiler.model.ir import Course, iter_cards

GOLDEN = Path(__file__).resolve().parent / "golden" / "stats"


def _course(path: Path = SAMPLE) -> Course:
    course = check(path).course
    assert course is not None
    return course


def _text(numbers: stats.Stats) -> str:
    buf = io.StringIO()
    stats.render(numbers, make_console(file=buf, width=100))
    return buf.getvalue()


def test_sample_json_golden() -> None:
    assert_snapshot(GOLDEN / "sample.json", to_json(stats.compute(_course()).as_json()))


def test_sample_tables_golden() -> None:
    assert_snapshot(GOLDEN / "sample.txt", _text(stats.compute(_course())))


def test_counts_add_up() -> None:
    course = _course()
    numbers = stats.compute(course)
    assert numbers.cards == sum(c.cards for c in numbers.per_chapter) == 9
    assert numbers.cards == sum(d.cards for d in numbers.per_domain)
    assert round(sum(d.share for d in numbers.per_domain)) == 100
    by_section = {(s.chapter, s.section): s.cards for s in numbers.per_section}
    # A section counts the cards of its subsections too.
    assert by_section[("streams", "shards")] == by_section[("streams", "records")] == 3
    # Every sample tip sits in a top-level "Exam tips" section.
    assert sum(s.tips for s in numbers.per_section if s.level == 2) == numbers.tips == 4


def test_thin_and_uncovered_tips_are_marked() -> None:
    numbers = stats.compute(_course(), thin=2)
    status = {t.id: t.status for t in numbers.per_tip}
    assert status == {"shard-facts": "ok", "which-service": "thin", "terms": "thin", "labels": "thin"}
    text = _text(numbers)
    assert "THIN" in text and "3 with ≤2 card" in text


def test_uncovered_tip_is_reported(tmp_path: Path) -> None:
    (tmp_path / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    (tmp_path / "01-a.md").write_text(
        "---\ntitle: A\n---\n## S\n\nQ: Why?\n\nA: Because the answer has five words.\n\n"
        "{#lonely}\n> [!TIP]\n> Nobody covers this.\n",
        encoding="utf-8",
    )
    numbers = stats.compute(_course(tmp_path))
    assert [(t.id, t.cards, t.status) for t in numbers.per_tip] == [("lonely", 0, "uncovered")]
    assert numbers.per_domain[-1].id == stats.NO_DOMAIN
    assert numbers.longest_answers[0].words == 6
    assert "UNCOVERED" in _text(numbers)


def test_answer_text_per_kind() -> None:
    course = _course()
    by_kind: dict[str, str] = {}
    for ctx in iter_cards(course):
        by_kind.setdefault(ctx.card.kind, stats.answer_text(ctx.card))
    assert by_kind["cloze"] == "24 hours 7 days"
    assert by_kind["list"] == "sequence number partition key data blob"
    assert by_kind["basic"] == "1 MB."


def test_cli_json_matches_compute() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", "stats", str(SAMPLE), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == json.loads(to_json(stats.compute(_course()).as_json()))


def test_cli_tables_on_stdout() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "compiler", "stats", str(SAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_COLOR": "1", "COLUMNS": "100", "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert "Notes per exam domain" in proc.stdout and "Data Engineering" in proc.stdout
