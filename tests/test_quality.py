"""Card-quality checks (``quality.*``): each fires on its defect, not on a good card, and can be silenced."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.build.pipeline import check
from compiler.checks import quality
from compiler.checks.quality import check_quality, content
from compiler.model.diagnostics import Code, Diagnostic, Diagnostics
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


# -- exact findings: message, file and line, and the edges of each rule -------------------------


def found(tmp_path: Path, body: str, **kwargs: object) -> list[str]:
    """The quality findings of a chapter as ``studyc check`` prints them."""
    return [d.format() for d in run(tmp_path, body, **kwargs) if d.code.value.startswith("quality.")]


def test_each_finding_names_the_card_line_and_what_is_wrong(tmp_path: Path) -> None:
    long = " ".join(["word"] * 21)
    body = (
        f"Q: What is S3?\n\nA: {long}\n\n"  # line 4
        f"C: S3 is {{{{c1::{long}}}}}.\n\n"  # line 8
        "Q: Does S3 store objects?\n\nA:  No …\n\n"  # line 10
        # only stop words around the answer's content: still the question's own word
        "Q: Which S3 feature stores objects, the bucket?\n\nA: It is the bucket.\n\n"  # line 14
        "Amazon S3\n: Amazon S3 stores objects in buckets.\n\n"  # line 18
        "Q: Which storage classes?\n\n- One\n- Two\n- Three\n- Four\n- Five\n\n"  # line 21
        "Q: Is Firehose delivery real-time or batch?\n\nA: Real-time: records arrive within seconds.\n"  # line 29
    )
    assert found(tmp_path, body) == [
        "01-chapter.md:4:1: warning: the answer has 21 words, over 20: shorten it or split the card "
        "[quality.long-answer]",
        "01-chapter.md:8:1: warning: a deletion has 21 words, over 20: shorten it or split the card "
        "[quality.long-answer]",
        '01-chapter.md:10:1: warning: the answer is just "No …": ask for the fact itself [quality.yes-no]',
        "01-chapter.md:14:1: warning: the question already contains the answer 'It is the bucket.' "
        "[quality.answer-in-prompt]",
        "01-chapter.md:18:1: warning: the term 'Amazon S3' appears inside its definition [quality.answer-in-prompt]",
        "01-chapter.md:21:1: warning: the list has 5 items, over 4: split or group it [quality.long-list]",
        "01-chapter.md:29:1: warning: an either/or question answered by one option ('real time') [quality.either-or]",
    ]


def test_an_answer_in_its_prompt_is_a_short_one_wholly_inside_it(tmp_path: Path) -> None:
    four = "Q: Which bucket policy grants public read?\n\nA: Public read bucket policy.\n\n"
    five = "Q: Which IAM role lets Lambda write CloudWatch logs?\n\nA: IAM role, Lambda, CloudWatch logs.\n\n"
    same = "Q: Amazon S3?\n\nA: Amazon S3.\n\n"
    not_all = "Q: Which key encrypts the objects?\n\nA: A customer managed key.\n\n"
    symbol = "%\n: The percent sign.\n"  # a term without words is in no definition
    assert found(tmp_path, four + five + same + not_all + symbol) == [
        "01-chapter.md:4:1: warning: the question already contains the answer 'Public read bucket policy.' "
        "[quality.answer-in-prompt]",
        "01-chapter.md:12:1: warning: the question already contains the answer 'Amazon S3.' [quality.answer-in-prompt]",
    ]


def test_a_table_row_asks_its_prompt_cells_and_answers_with_all_answer_cells(tmp_path: Path) -> None:
    ten = " ".join(["word"] * 10)
    body = (
        '{.cards front="Service,Tier" back="Name"}\n| Service | Tier | Name |\n|---|---|---|\n'
        "| S3 | Glacier | S3 Glacier |\n\n"  # line 7: the answer is the two prompt cells
        '{.cards front="Volume" back="Note,More"}\n| Volume | Note | More |\n|---|---|---|\n'
        f"| gp3 | {ten} | {ten} |\n\n"  # line 12: 20 words over two answer cells
        '{.cards front="Name" back="Service,Tier"}\n| Name | Service | Tier |\n|---|---|---|\n'
        "| Amazon S3 Glacier | S3 | Glacier |\n"  # line 17: the two answer cells are in the prompt
    )
    in_prompt = "warning: the question already contains the answer 'S3 Glacier' [quality.answer-in-prompt]"
    assert found(tmp_path, body) == ["01-chapter.md:7:1: " + in_prompt, "01-chapter.md:17:1: " + in_prompt]


def test_an_image_hidden_by_a_deletion_adds_no_words(tmp_path: Path) -> None:
    twenty = " ".join(["word"] * 20)
    (tmp_path / "notes").mkdir()
    shutil.copy(SAMPLE / "images" / "pipeline.png", tmp_path / "notes" / "pipeline.png")
    body = f"C: The pipeline {{{{c1::![](pipeline.png)}}}} runs {{{{c1::{twenty}}}}}.\n"
    assert found(tmp_path, body) == []
    assert found(tmp_path, body.replace("}}.", " more}}.")) == [
        "01-chapter.md:4:1: warning: a deletion has 21 words, over 20: shorten it or split the card "
        "[quality.long-answer]"
    ]


def test_either_or_options_come_from_the_end_of_the_left_side(tmp_path: Path) -> None:
    body = (
        "Q: Is S3 storage durable or ephemeral?\n\nA: Durable: eleven nines.\n\n"  # line 4: one word
        "Q: Is Firehose near-real-time or real-time?\n\nA: Near-real-time, it buffers.\n\n"  # line 8: three words
        # the left option is at most one word longer than the right one: the rest is the lead-in,
        # and an answer that repeats the question is not one option
        "Q: Is it Kinesis or SQS?\n\nA: Is it Kinesis or SQS? Neither: use SNS.\n\n"
        "Q: Which is cheaper, S3 or EBS?\n\nA: It costs less: S3.\n"  # the right option, a word late: not the start
    )
    assert found(tmp_path, body) == [
        "01-chapter.md:4:1: warning: an either/or question answered by one option ('durable') [quality.either-or]",
        "01-chapter.md:8:1: warning: an either/or question answered by one option ('near real time') "
        "[quality.either-or]",
    ]


def test_every_cloze_number_that_gives_itself_away_is_named_once(tmp_path: Path) -> None:
    body = (
        "C: {{c1::Kinesis}} streams; {{c2::Firehose}} delivers; {{c1::Shards}} scale.\nFirehose reads Kinesis shards.\n"
    )
    assert found(tmp_path, body) == [
        "01-chapter.md:4:1: warning: deletion c1 'Kinesis' is also visible on the card that hides it "
        "[quality.cloze-giveaway]",
        "01-chapter.md:4:1: warning: deletion c2 'Firehose' is also visible on the card that hides it "
        "[quality.cloze-giveaway]",
    ]


def test_near_duplicates_at_exactly_the_threshold_in_either_order(tmp_path: Path) -> None:
    five, four = "Q: Alpha beta gamma delta epsilon?\n\nA: One.\n\n", "Q: Alpha beta gamma delta?\n\nA: Two.\n\n"
    at_line_8 = "01-chapter.md:8:1: warning: nearly the same question as the card at 01-chapter.md:4 "
    # 4 shared words of 5 in all: Jaccard 0.8, the default threshold
    assert found(tmp_path, five + four) == [at_line_8 + "[quality.near-duplicate]"]
    assert found(tmp_path, four + five) == [at_line_8 + "[quality.near-duplicate]"]
    assert found(tmp_path, four + five, quality=Quality(near_duplicate=0.81)) == []


def test_near_duplicates_compare_what_each_card_kind_asks(tmp_path: Path) -> None:
    table = (
        '{.cards front="Class,Tier" back="Use"%s}\n'
        + "| Class | Tier | Use |\n|---|---|---|\n| Glacier | Deep | Archives |\n\n"
    )
    body = (
        table % ' ask="storage purpose"'  # line 4, its card at line 7: "Glacier Deep storage purpose"
        + "Q: Glacier deep storage purpose?\n\nA: Archives.\n\n"  # line 9
        + table % ""  # line 13, its card at line 16: "Glacier Deep"
        + "Q: Glacier deep?\n\nA: Archives.\n\n"  # line 18
        + "Glacier deep\n: Archive storage.\n\n"  # line 22: a term is what a definition asks
        + "C: {{c1::Glacier}} deep.\n"  # line 25: a cloze note's whole text
    )
    duplicate = "warning: nearly the same question as the card at 01-chapter.md:{} [quality.near-duplicate]"
    assert found(tmp_path, body) == [
        "01-chapter.md:9:1: " + duplicate.format(7),
        "01-chapter.md:18:1: " + duplicate.format(16),
        "01-chapter.md:22:1: " + duplicate.format(16),
        "01-chapter.md:25:1: " + duplicate.format(16),
    ]


def test_a_prompt_of_stop_words_only_is_nobody_s_duplicate(tmp_path: Path) -> None:
    body = (
        "Q: What is it?\n\nA: One.\n\n"  # no content word: compared with nothing
        "Q: What is that?\n\nA: Two.\n\n"
        "Q: Which AWS service stores objects?\n\nA: S3.\n\n"
        "Q: Which AWS service stores the objects?\n\nA: Amazon S3.\n"  # line 16
    )
    assert found(tmp_path, body) == [
        "01-chapter.md:16:1: warning: nearly the same question as the card at 01-chapter.md:12 [quality.near-duplicate]"
    ]


def test_near_duplicates_meet_only_cards_that_share_their_rare_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 prompts from one template: four words every card has, two of its own (sorted last, so
    # an alphabetical order would put the template first); the last card repeats the first
    body = "".join(f"Q: Alpha beta delta gamma zq{n}a zq{n}b?\n\nA: x{n}.\n\n" for n in range(300))
    body += "Q: Alpha beta delta gamma zq0a zq0b again?\n\nA: Same.\n"
    src = tmp_path / "notes"
    run(tmp_path, "")
    (src / "01-chapter.md").write_text(HEAD + body, encoding="utf-8")
    course = check(src).course
    assert course is not None
    compared: list[tuple[frozenset[str], frozenset[str]]] = []
    similar = quality._similar

    def counting(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
        compared.append((a, b))
        return similar(a, b, threshold)

    monkeypatch.setattr(quality, "_similar", counting)
    diags = Diagnostics()
    check_quality(course, diags)
    assert [d.line for d in diags.items] == [4 + 4 * 300]
    # rarest words first: a card meets only the one earlier card sharing its own words, not all 300
    assert len(compared) == 1
