"""Diagnostics: the snapshot of a broken course, the format, and the code catalogue."""

from __future__ import annotations

import ast
import inspect
import itertools
from pathlib import Path

from conftest import FIXTURES, assert_snapshot

from compiler.build.pipeline import check
from compiler.model import diagnostics
from compiler.model.diagnostics import Code, Diagnostics


def test_broken_course_snapshot() -> None:
    result = check(FIXTURES / "broken")
    text = "\n".join(d.format() for d in result.diagnostics.sorted()) + "\n"
    assert_snapshot(FIXTURES / "broken.diagnostics.txt", text)


def test_every_diagnostic_is_collected_before_stopping() -> None:
    result = check(FIXTURES / "broken")
    paths = {d.path for d in result.diagnostics.items}
    # One run reports problems from every file, not just the first failure.
    assert {"course.md", "01-chapter.md", "02-bad-yaml.md"} <= paths
    assert result.failed(strict=False)


def test_format_is_path_line_col_severity_message_code() -> None:
    diags = Diagnostics()
    diags.add(Code.COVERAGE_NO_CARDS, "source/x.md", 12, 'exam tip "…" has no cards', col=3)
    assert diags.items[0].format() == 'source/x.md:12:3: error: exam tip "…" has no cards [coverage.no-cards]'


def test_strict_turns_warnings_into_failures() -> None:
    diags = Diagnostics()
    diags.add(Code.IMAGE_REMOTE, "a.md", 1, "remote")
    assert diags.errors(strict=False) == []
    assert len(diags.errors(strict=True)) == 1


def test_every_code_has_a_docstring() -> None:
    tree = ast.parse(inspect.getsource(diagnostics))
    enum = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Code")
    documented: set[str] = set()
    body = enum.body
    for node, after in itertools.pairwise(body):
        if isinstance(node, ast.Assign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            documented.update(t.id for t in node.targets if isinstance(t, ast.Name))
    assert {c.name for c in Code} == documented


def test_information_never_fails_a_build_and_can_be_suppressed() -> None:
    diags = Diagnostics()
    diags.add(Code.QUESTION_NOT_GENERATED, "a.md", 3, "2 of 2 rows make no exam question")
    [info] = diags.items
    assert info.severity == "info" and info.format() == (
        "a.md:3:1: info: 2 of 2 rows make no exam question [question.not-generated]"
    )
    assert diags.errors(strict=False) == [] and diags.errors(strict=True) == []
    assert diags.count("warning") == 0 and diags.count("error") == 0
    diags.add(Code.QUESTION_CHOOSE_COUNT, "a.md", 5, "says two, marks one")
    assert [d.code for d in diags.errors(strict=True)] == [Code.QUESTION_CHOOSE_COUNT]
    diags.suppress(("question.not-generated",))
    assert [d.code for d in diags.items] == [Code.QUESTION_CHOOSE_COUNT]


def test_an_uncovered_tip_is_named_by_its_first_sixty_characters(tmp_path: Path) -> None:
    sixty = "Know the shard limits: 1 MB or 1,000 records per second each"
    longer = "Remember   that Firehose buffers\nrecords before it delivers them to S3, Redshift or OpenSearch."
    assert len(sixty) == 60
    (tmp_path / "course.md").write_text("---\ntitle: C\nexam: E\n---\n", encoding="utf-8")
    tips = f"{{#short}}\n> [!TIP]\n> {sixty}\n\n{{#long}}\n> [!TIP]\n> {longer.replace(chr(10), chr(10) + '> ')}\n\n"
    card = "Q: What is a shard?\n\nA: A unit of capacity.\n"
    (tmp_path / "01-a.md").write_text(f"---\ntitle: A\n---\n## Exam tips\n\n{tips}## Cards\n\n{card}", encoding="utf-8")
    found = [d.message for d in check(tmp_path).diagnostics.sorted() if d.code is Code.COVERAGE_NO_CARDS]
    assert found == [
        f'exam tip "{sixty}" has no cards; add covers="short" to a card or section',
        'exam tip "Remember that Firehose buffers records before it delivers t…" has no cards; '
        'add covers="long" to a card or section',
    ]
