"""``::: covers tip-id`` … ``:::``: one line says which tip a group of cards covers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.frontend import load_course, parse_file
from compiler.model.diagnostics import Code
from compiler.model.ir import AnyCard, iter_cards, iter_questions
from compiler.settings import Limits

HEAD = "---\ntitle: A\n---\n"


def cards(text: str) -> dict[str, AnyCard]:
    result = parse_file(Path("."), "01-a.md", HEAD + text, Limits())
    found: dict[str, AnyCard] = {}
    stack = [*result.blocks, *result.sections]
    while stack:
        node = stack.pop(0)
        if node.kind == "section":
            stack[:0] = [*node.blocks, *node.sections]
        elif node.kind not in ("prose", "table", "tip"):
            found[node.id] = node
    return found


def test_cards_inside_cover_the_regions_tips_and_their_own_cards_outside_do_not() -> None:
    found = cards(
        "{#before}\nQ: Before?\n\nA: Outside.\n\n"
        "::: covers shards records\n\n"
        "{#one}\nQ: One?\nA: Inside.\n\n"
        '{#two covers="extra-tip" tags="x"}\nQ: Two?\n\nA: Inside too.\n\n'
        "::: extra\nContext for two.\n:::\n\n"
        "Term\n: A definition, inside.\n\n"
        ":::\n\n"
        "{#after}\nQ: After?\n\nA: Outside again.\n"
    )
    assert found["before"].covers == () and found["after"].covers == ()
    assert found["one"].covers == ("shards", "records")
    assert found["two"].covers == ("extra-tip", "shards", "records")
    assert found["two"].extra is not None and found["two"].extra.markdown == "Context for two."
    (term,) = [c for c in found.values() if c.kind == "definition"]
    assert term.covers == ("shards", "records")


def test_an_unclosed_region_and_an_empty_one_are_errors() -> None:
    result = parse_file(Path("."), "01-a.md", HEAD + "::: covers\n\n::: covers t\n\nQ: A?\n\nA: B.\n", Limits())
    got = [(d.code, d.line) for d in result.diagnostics]
    assert (Code.DIRECTIVE_UNKNOWN, 4) in got
    assert (Code.DIRECTIVE_UNCLOSED, 4) in got and (Code.DIRECTIVE_UNCLOSED, 6) in got


def test_a_mistyped_region_tip_is_reported_at_the_region_line(tmp_path: Path) -> None:
    (tmp_path / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    body = "{#shards}\n> [!TIP]\n> Shards.\n\n::: covers shard\n\nQ: A?\n\nA: B.\n\n:::\n"
    (tmp_path / "01-a.md").write_text(HEAD + body, encoding="utf-8")
    _, diags = load_course(tmp_path, jobs=1)
    found = [(d.line, d.col, d.message) for d in diags.items if d.code is Code.COVERAGE_UNKNOWN_TIP]
    assert found == [(8, 12, "region covers unknown exam tip 'shard'; did you mean 'shards'?")]


def test_a_mistyped_id_that_prefixes_an_earlier_one_is_reported_at_its_own_column(tmp_path: Path) -> None:
    (tmp_path / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    body = "{#shards}\n> [!TIP]\n> Shards.\n\n:::  covers shards\tshard \n\nQ: A?\n\nA: B.\n\n:::\n"
    (tmp_path / "01-a.md").write_text(HEAD + body, encoding="utf-8")
    _, diags = load_course(tmp_path, jobs=1)
    found = [(d.line, d.col) for d in diags.items if d.code is Code.COVERAGE_UNKNOWN_TIP]
    assert found == [(8, len(":::  covers shards\t") + 1)]  # not inside "shards"


def test_inside_a_list_or_quote_it_is_not_a_region() -> None:
    found = cards("> ::: covers t\n\n- ::: covers t\n\nQ: A?\n\nA: B.\n")
    assert [c.covers for c in found.values()] == [()]


IDS = st.sampled_from(["a", "b", "c"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(IDS, st.booleans()), min_size=1, max_size=8), st.data())
def test_wrapping_a_run_of_same_covers_cards_changes_nothing(
    specs: list[tuple[str, bool]], data: st.DataObject
) -> None:
    # cards written one by one with covers="…", then the same notes with one run moved into a region
    def card(i: int, tip: str, own: bool, tag: bool) -> str:
        attrs = " ".join(([f'covers="{tip}"'] if own else []) + ([f'tags="t{i}"'] if tag else []))
        return (f"{{{attrs}}}\n" if attrs else "") + f"Q: Question number {i}?\n\nA: Answer {i}.\n\n"

    start = data.draw(st.integers(0, len(specs) - 1))
    tip = specs[start][0]
    end = start
    while end + 1 < len(specs) and specs[end + 1][0] == tip:
        end += 1
    plain = "".join(card(i, t, True, tag) for i, (t, tag) in enumerate(specs))
    wrapped = "".join(card(i, t, True, tag) for i, (t, tag) in enumerate(specs[:start]))
    wrapped += f"::: covers {tip}\n\n"
    wrapped += "".join(card(i, tip, False, tag) for i, (_, tag) in enumerate(specs[start : end + 1], start))
    wrapped += ":::\n\n" + "".join(card(i, t, True, tag) for i, (t, tag) in enumerate(specs[end + 1 :], end + 1))
    before, after = cards(plain), cards(wrapped)
    assert before.keys() == after.keys()
    for key, one in before.items():
        assert (one.covers, one.tags, one.front) == (after[key].covers, after[key].tags, after[key].front)  # type: ignore[union-attr]


def test_the_shipped_course_uses_at_most_one_coverage_line_per_five_notes() -> None:
    source = Path(__file__).resolve().parents[1] / "source"
    course, diags = load_course(source, jobs=1)
    assert course is not None and not diags.errors()
    notes = sum(1 for _ in iter_cards(course))
    # an exam question says which tip it tests on its own line: that is no card coverage (issue 15)
    questions = {(q.span.path, q.span.line) for _, _, q in iter_questions(course)}
    lines = [
        ln.strip()
        for f in sorted(source.glob("*.md"))
        for i, ln in enumerate(f.read_text(encoding="utf-8").splitlines())
        if (f.name, i + 2) not in questions
    ]
    coverage_lines = sum(1 for ln in lines if ln.startswith("::: covers") or (ln.startswith("{") and "covers=" in ln))
    assert coverage_lines * 5 <= notes, (coverage_lines, notes)
