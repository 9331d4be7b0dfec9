"""Card-quality checks (``quality.*``): each fires on its defect, not on a good card, and can be silenced."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from compiler.build.pipeline import check
from compiler.checks.quality import content
from compiler.model.diagnostics import Code, Diagnostic
from compiler.model.errors import ConfigError
from compiler.model.ir import BasicCard, iter_cards
from compiler.settings import Quality, load_config

COURSE = "---\ntitle: Quality\nexam: Quality (Q-01)\n---\n"
HEAD = "---\ntitle: Chapter\n---\n"


def run(tmp_path: Path, body: str, **kwargs: object) -> list[Diagnostic]:
    src = tmp_path / "notes"
    src.mkdir(exist_ok=True)
    (src / "course.md").write_text(COURSE, encoding="utf-8")
    (src / "01-chapter.md").write_text(HEAD + body, encoding="utf-8")
    return check(src, **kwargs).diagnostics.sorted()  # type: ignore[arg-type]


def codes(diags: list[Diagnostic]) -> list[str]:
    # information (a table too small to make exam questions from) is not a quality finding
    return [d.code.value for d in diags if d.severity != "info"]


BAD_AND_GOOD = {
    Code.QUALITY_LONG_ANSWER: (
        "Q: What is S3?\n\nA: " + " ".join(["word"] * 21) + "\n",
        "Q: What is S3?\n\nA: " + " ".join(["word"] * 20) + "\n",
    ),
    Code.QUALITY_ANSWER_IN_PROMPT: (
        "Q: Which service, Amazon S3 or EBS, stores objects?\n\nA: Amazon S3.\n",
        "Q: Which AWS service stores objects?\n\nA: Amazon S3.\n",
    ),
    Code.QUALITY_YES_NO: (
        "Q: Does S3 store objects?\n\nA: Yes!\n",
        "Q: What does S3 store?\n\nA: Objects.\n",
    ),
    Code.QUALITY_LONG_LIST: (
        "Q: Which storage classes?\n\n- One\n- Two\n- Three\n- Four\n- Five\n",
        "Q: Which storage classes?\n\n- One\n- Two\n- Three\n- Four\n",
    ),
    Code.QUALITY_CLOZE_GIVEAWAY: (
        "C: {{c1::Kinesis}} streams data; {{c2::Firehose}} delivers what Kinesis reads.\n",
        "C: {{c1::Kinesis}} streams data; {{c2::Firehose}} delivers it.\n",
    ),
    Code.QUALITY_NEAR_DUPLICATE: (
        "Q: Which AWS service stores objects in buckets?\n\nA: S3.\n\n"
        "Q: Which AWS service stores the objects in buckets?\n\nA: Amazon S3.\n",
        "Q: Which AWS service stores objects in buckets?\n\nA: S3.\n\n"
        "Q: Which AWS service stores blocks for instances?\n\nA: Amazon EBS.\n",
    ),
    Code.QUALITY_EITHER_OR: (
        "Q: Is Firehose real-time or near-real-time?\n\nA: Near-real-time; it buffers.\n",
        "Q: How quickly does Firehose deliver?\n\nA: Near-real-time; it buffers.\n",
    ),
}


@pytest.mark.parametrize("code", list(BAD_AND_GOOD), ids=[c.value for c in BAD_AND_GOOD])
def test_check_fires_on_the_defect_only(tmp_path: Path, code: Code) -> None:
    bad, good = BAD_AND_GOOD[code]
    assert code.value in codes(run(tmp_path, bad))
    assert code.value not in codes(run(tmp_path, good))


def test_every_quality_code_is_a_tested_warning() -> None:
    quality = [c for c in Code if c.value.startswith("quality.")]
    assert set(quality) == set(BAD_AND_GOOD)
    assert all(c.severity == "warning" for c in quality)


def test_definition_whose_term_is_in_its_definition(tmp_path: Path) -> None:
    bad = "Amazon S3\n: Amazon S3 stores objects in buckets.\n"
    good = "Amazon S3\n: Stores objects in buckets.\n"
    assert codes(run(tmp_path, bad)) == ["quality.answer-in-prompt"]
    assert codes(run(tmp_path, good)) == []


def test_long_cloze_deletion_and_table_answer(tmp_path: Path) -> None:
    long = " ".join(["word"] * 21)
    cloze = f"C: S3 is {{{{c1::{long}}}}}.\n"
    assert codes(run(tmp_path, cloze)) == ["quality.long-answer"]
    table = f'{{.cards front="Service" back="Use"}}\n| Service | Use |\n|---|---|\n| S3 | {long} |\n'
    assert codes(run(tmp_path, table)) == ["quality.long-answer"]


def test_near_duplicate_names_the_earlier_card(tmp_path: Path) -> None:
    diags = run(tmp_path, BAD_AND_GOOD[Code.QUALITY_NEAR_DUPLICATE][0])
    assert [(d.line, d.message) for d in diags] == [(8, "nearly the same question as the card at 01-chapter.md:4")]


def test_thresholds_come_from_the_settings(tmp_path: Path) -> None:
    body = "Q: Which storage classes?\n\n- One\n- Two\n- Three\n\nQ: What is S3?\n\nA: Object storage for any data.\n"
    assert codes(run(tmp_path, body)) == []
    tight = Quality(max_answer_words=3, max_list_items=2)
    assert codes(run(tmp_path, body, quality=tight)) == ["quality.long-list", "quality.long-answer"]


def test_allow_silences_one_check_on_one_card(tmp_path: Path) -> None:
    body = (
        '{allow="quality.yes-no"}\nQ: Does S3 store objects?\n\nA: Yes.\n\n'
        '{allow="quality.either-or"}\nQ: Does S3 store files?\n\nA: Yes.\n'
    )
    diags = run(tmp_path, body)
    assert [(d.line, d.code.value) for d in diags] == [(10, "quality.yes-no")]


def test_allow_reaches_the_ir_and_defaults_to_empty(tmp_path: Path) -> None:
    src = tmp_path / "notes"
    run(tmp_path, '{allow="quality.yes-no quality.either-or"}\nQ: Is it?\n\nA: Yes.\n\nQ: What?\n\nA: That.\n')
    course = check(src).course
    assert course is not None
    allows = [ctx.card.allow for ctx in iter_cards(course)]
    assert allows == [("quality.yes-no", "quality.either-or"), ()]
    data = course.model_dump(mode="json")
    del data["chapters"][0]["blocks"][0]["allow"]  # JSON written before `allow` existed stays valid
    card = BasicCard.model_validate(data["chapters"][0]["blocks"][0])
    assert card.allow == ()


def test_unknown_code_in_allow_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    diags = run(tmp_path, '{allow="quality.yes-No"}\nQ: Does S3 store objects?\n\nA: Yes.\n')
    assert [(d.code.value, d.message) for d in diags] == [
        ("attr.unknown", "allow names unknown check 'quality.yes-No' (did you mean 'quality.yes-no'?)"),
        ("quality.yes-no", 'the answer is just "Yes.": ask for the fact itself'),
    ]


def test_suppress_warnings_drops_a_code_everywhere(tmp_path: Path) -> None:
    body = "Q: Does S3 store objects?\n\nA: Yes.\n\n{colour=red}\nQ: What is S3?\n\nA: Objects.\n"
    assert codes(run(tmp_path, body, suppress=("quality.yes-no",))) == ["attr.unknown"]
    assert codes(run(tmp_path, body, suppress=("quality.yes-no", "attr.unknown"))) == []


def test_quality_table_and_suppress_warnings_in_studyc_toml(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text(
        'suppress_warnings = ["quality.yes-no"]\n[quality]\nmax_answer_words = 30\nmax_list_items = 6\n'
        "near_duplicate = 0.9\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path)
    assert config.quality == Quality(max_answer_words=30, max_list_items=6, near_duplicate=0.9)
    assert config.suppress_warnings == ("quality.yes-no",)


def test_bad_quality_settings_are_listed_with_suggestions(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text(
        'suppress_warnings = ["quality.yes-np"]\nmax_list_items = 3\n'
        '[quality]\nmax_answer_word = 30\nnear_duplicate = 2\nmax_list_items = "4"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    text = str(err.value)
    assert "suppress_warnings: unknown code 'quality.yes-np' (did you mean 'quality.yes-no'?)" in text
    assert "max_list_items: unknown key (did you mean 'quality.max_list_items'?)" in text
    assert "quality.max_answer_word: unknown key (did you mean 'max_answer_words'?)" in text
    assert "quality.near_duplicate: must be between 0.5 and 1.0, got 2" in text
    assert "quality.max_list_items: must be an integer, got '4'" in text


def test_errors_cannot_be_suppressed(tmp_path: Path) -> None:
    (tmp_path / "studyc.toml").write_text('suppress_warnings = ["id.duplicate-card"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'id\.duplicate-card' is an error; only warnings can be suppressed"):
        load_config(tmp_path)


def _brute_force(sets: list[frozenset[str]], threshold: float) -> list[int]:
    return [
        i
        for i, own in enumerate(sets)
        if own and any(len(own & sets[j]) / len(own | sets[j]) >= threshold for j in range(i) if sets[j])
    ]


def test_near_duplicate_prefix_filter_matches_brute_force(tmp_path: Path) -> None:
    rng = random.Random(16)
    vocab = [f"w{n}" for n in range(30)]
    prompts = [" ".join(rng.sample(vocab, rng.randint(1, 6))) for _ in range(120)]
    body = "".join(f"Q: {p}?\n\nA: x{i}.\n\n" for i, p in enumerate(prompts))
    src = tmp_path / "notes"
    diags = run(tmp_path, body)
    course = check(src).course
    assert course is not None
    cards = [ctx.card for ctx in iter_cards(course)]
    flagged = [i for i, card in enumerate(cards) if any(d.line == card.span.line for d in diags)]
    assert flagged == _brute_force([frozenset(content(p)) for p in prompts], 0.8)
    assert flagged  # the sample has duplicates
