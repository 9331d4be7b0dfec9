"""Course-wide checks (compiler/checks): ids, coverage and domains, each on a small course in process.

Every test writes a course as Markdown and asserts the exact diagnostics (code, file, line,
message) or the exact coverage counts, so a check that reports the wrong place or the wrong
count fails here in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from compiler.build.pipeline import check
from compiler.checks.coverage import CoverageSummary, coverage
from compiler.model.diagnostics import Code
from compiler.model.ir import Course

COURSE = "---\ntitle: Checks\nexam: Checks (CHK-01)\n---\n"
DOMAINS = (
    "---\ntitle: Checks\nexam: Checks (CHK-01)\ndomains:\n"
    "  - id: data\n    name: Data\n    weight: 60\n"
    "  - id: modeling\n    name: Modeling\n    weight: 40\n---\n"
)


def write(root: Path, chapters: dict[str, str], course: str = COURSE) -> Path:
    """A course folder: ``course.md`` and one file per chapter (file name → body after the front matter)."""
    (root / "course.md").write_text(course, encoding="utf-8")
    for name, body in chapters.items():
        title = name.removesuffix(".md").partition("-")[2].title()
        (root / name).write_text(f"---\ntitle: {title}\n---\n{body}", encoding="utf-8")
    return root


def diagnostics(root: Path, *codes: Code) -> list[str]:
    """The formatted diagnostics with one of ``codes`` (all if none given), in file and line order."""
    found = check(root).diagnostics.sorted()
    return [d.format() for d in found if not codes or d.code in codes]


def course_of(root: Path) -> Course:
    result = check(root)
    assert result.course is not None
    return result.course


# ---- ids ---------------------------------------------------------------------------------------


def test_a_card_id_used_three_times_names_the_first_use_each_time(tmp_path: Path) -> None:
    card = "{{#retention}}\nQ: Retention {n}?\n\nA: {n} hours.\n\n"
    write(
        tmp_path,
        {
            "01-first.md": card.format(n=1) + card.format(n=2),
            "02-second.md": "Q: Unrelated?\n\nA: Yes, unrelated.\n\n" + card.format(n=3),
        },
    )
    assert diagnostics(tmp_path, Code.ID_DUPLICATE_CARD, Code.ID_DUPLICATE_TIP) == [
        "01-first.md:10:1: error: card id 'retention' is already used at 01-first.md:5 [id.duplicate-card]",
        "02-second.md:9:1: error: card id 'retention' is already used at 01-first.md:5 [id.duplicate-card]",
    ]


def test_distinct_ids_and_an_id_shared_by_a_card_and_a_tip_are_fine(tmp_path: Path) -> None:
    body = (
        "{#shards}\n> [!TIP]\n> Know what a shard is.\n\n"
        '{#shards covers="shards"}\nQ: What is a shard?\n\nA: A unit of capacity.\n\n'
        '{#records covers="shards"}\nQ: What is a record?\n\nA: A unit of data.\n'
    )
    write(tmp_path, {"01-ids.md": body})
    assert diagnostics(tmp_path) == []


def test_a_question_shares_the_card_id_space(tmp_path: Path) -> None:
    body = (
        "{#pick}\nQ: Which service stores objects?\n\nA: Amazon S3.\n\n"
        "{#pick}\nQ: Which service stores objects?\n\n- [x] Amazon S3\n- [ ] Amazon EBS\n- [ ] Amazon EFS\n"
    )
    write(tmp_path, {"01-ids.md": body})
    assert diagnostics(tmp_path, Code.ID_DUPLICATE_CARD) == [
        "01-ids.md:10:1: error: card id 'pick' is already used at 01-ids.md:5 [id.duplicate-card]"
    ]


def test_a_tip_id_used_twice_is_reported_at_the_second_tip(tmp_path: Path) -> None:
    body = (
        "{#shards}\n> [!TIP]\n> Know what a shard is.\n\n"
        "{#scaling}\n> [!TIP]\n> Know how to scale.\n\n"
        "{#shards}\n> [!TIP]\n> Know how to size shards.\n\n"
        '{covers="shards scaling"}\nQ: What is a shard?\n\nA: A unit of capacity.\n'
    )
    write(tmp_path, {"01-tips.md": body})
    assert diagnostics(tmp_path, Code.ID_DUPLICATE_CARD, Code.ID_DUPLICATE_TIP) == [
        "01-tips.md:13:1: error: exam tip id 'shards' is already used at 01-tips.md:5 [id.duplicate-tip]"
    ]


# ---- coverage ----------------------------------------------------------------------------------


def test_coverage_counts_notes_review_cards_questions_and_cards_per_tip(tmp_path: Path) -> None:
    body = (
        "{#a}\n> [!TIP]\n> Tip a.\n\n{#b}\n> [!TIP]\n> Tip b.\n\n{#c}\n> [!TIP]\n> Tip c.\n\n"
        '{.reverse covers="a"}\nQ: Front one?\n\nA: Back one.\n\n'
        '{covers="a b"}\nC: {{c1::Kinesis}} streams; {{c2::Firehose}} delivers; {{c1::Kinesis}} again.\n\n'
        "Q: Which parts?\n\n- One\n- Two\n- Three\n\n"
        '{covers="b"}\nQ: Which service stores objects?\n\n- [x] Amazon S3\n- [ ] Amazon EBS\n- [ ] Amazon EFS\n\n'
        "Q: Which service stores blocks?\n\n- [ ] Amazon S3\n- [x] Amazon EBS\n- [ ] Amazon EFS\n"
    )
    write(tmp_path, {"01-cover.md": body})
    summary = coverage(course_of(tmp_path))
    assert summary == CoverageSummary(
        tips=3, covered=2, cards=3, per_tip={"a": 2, "b": 2, "c": 0}, reviews=2 + 2 + 3, questions=2
    )
    assert summary.line() == "2/3 exam tips covered, 3 notes, 7 cards"


def test_generated_questions_add_no_coverage(tmp_path: Path) -> None:
    table = (
        '{.cards front="Service" back="Use" covers="t"}\n| Service | Use |\n|---|---|\n'
        "| S3 | Objects |\n| EBS | Blocks |\n| EFS | Files |\n| FSx | Windows files |\n\n"
    )
    body = "{#t}\n> [!TIP]\n> Know the storage services.\n\n" + table
    write(tmp_path, {"01-table.md": body})
    course = course_of(tmp_path)
    summary = coverage(course)
    assert (summary.cards, summary.reviews, summary.questions, summary.per_tip) == (4, 4, 0, {"t": 4})


def test_an_uncovered_tip_is_an_error_at_its_line_and_a_question_covers_it(tmp_path: Path) -> None:
    body = (
        "{#by-card}\n> [!TIP]\n> Covered by a card.\n\n"
        "{#by-question}\n> [!TIP]\n> Covered by a question.\n\n"
        "{#by-nothing}\n> [!TIP]\n> Covered by nothing at all.\n\n"
        '{covers="by-card"}\nQ: A card?\n\nA: Yes, a card.\n\n'
        '{covers="by-question"}\nQ: Which one is a question?\n\n- [x] This one\n- [ ] That one\n- [ ] Another\n'
    )
    write(tmp_path, {"01-tips.md": body})
    assert diagnostics(tmp_path, Code.COVERAGE_NO_CARDS) == [
        '01-tips.md:13:1: error: exam tip "Covered by nothing at all." has no cards; '
        'add covers="by-nothing" to a card or section [coverage.no-cards]'
    ]


# ---- domains -----------------------------------------------------------------------------------


def question(prompt: str, attrs: str = "") -> str:
    """An exam question with three options, the first one right, and an attribute line if given."""
    line = f"{{{attrs}}}\n" if attrs else ""
    return f"{line}Q: {prompt}\n\n- [x] Right option\n- [ ] Wrong option\n- [ ] Other option\n\n"


def test_unknown_domains_are_named_with_the_closest_or_the_declared_ones(tmp_path: Path) -> None:
    body = (
        question("Which algorithm has no domain?")  # line 4: the chapter's domain, none here
        + question("Which algorithm suits sparse data?", 'domain="modelling"')  # line 11
        + question("Which algorithm clusters?", 'domain="security"')  # line 18
        + question("Which algorithm reduces dimensions?", 'domain="data"')
    )
    write(tmp_path, {"01-domains.md": body}, DOMAINS)
    assert diagnostics(tmp_path, Code.QUESTION_UNKNOWN_DOMAIN) == [
        "01-domains.md:11:1: error: question names unknown domain 'modelling'; did you mean 'modeling'? "
        "[question.unknown-domain]",
        "01-domains.md:18:1: error: question names unknown domain 'security'; course.md declares: data, modeling "
        "[question.unknown-domain]",
    ]


def test_a_course_without_domains_says_it_declares_none(tmp_path: Path) -> None:
    body = '{domain="data"}\nQ: Which service stores objects?\n\n- [x] Amazon S3\n- [ ] Amazon EBS\n- [ ] EFS\n'
    write(tmp_path, {"01-domains.md": body})
    assert diagnostics(tmp_path, Code.QUESTION_UNKNOWN_DOMAIN) == [
        "01-domains.md:5:1: error: question names unknown domain 'data'; course.md declares: none "
        "[question.unknown-domain]"
    ]
