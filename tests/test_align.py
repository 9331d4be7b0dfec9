"""Alignment and similarity pieces, and the lock's new columns (older locks keep working)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from anki_helpers import build_apkg, copy_course
from conftest import ROOT, SOURCE
from hypothesis import given
from hypothesis import strategies as st

from compiler.anki import lock as lockfile
from compiler.anki.align import (
    FUZZY_CANDIDATES,
    GAP_ALL_PAIRS,
    GAP_THRESHOLD,
    TELLING_WORDS,
    _increasing,
    candidates,
    gaps,
    old_order,
    pair_gap,
    same_side,
    similarity,
    words,
)
from compiler.anki.identity import FUZZY_THRESHOLD
from compiler.anki.lock import Entry, clean_text
from compiler.frontend import load_course
from compiler.model.ir import CardContext, iter_cards

T1, T2 = 1_700_000_000, 1_700_086_400


def _entry(prompt: str, answer: str, key: str = "k", after: str = "", kind: str = "basic") -> Entry:
    return Entry(key, f"g-{key}", 1, 1, "fp", "content", prompt, answer, "basic", kind, "ch/sec", after)


# more look-alikes from the shipped course: distinct cards that must not match anywhere in the course
LOOK_ALIKES = [
    ("Amazon DynamoDB", "A NoSQL store for nonrelational datasets.",
     "Amazon RDS (Relational Database Service)", "A managed SQL store for relational datasets."),
    ("Labeled data", "Data for which the target attribute is already known.",
     "Unlabeled data", "Data collected without any target attribute."),
    ("In Kinesis Data Streams, what are producers?", "The sources that generate the data you want to get into AWS.",
     "In Kinesis Data Streams, what do consumers do?", "Read the data from the shards, process it, pass it on."),
    ("What is Kinesis Data Firehose called today?", "Amazon Data Firehose.",
     "What is Kinesis Data Analytics (for Apache Flink) called today?", "Amazon Managed Service for Apache Flink."),
    ("How long does Kinesis Data Streams keep data records by default?", "24 hours.",
     "Up to how long can a Kinesis data stream's retention period be raised today?", "365 days."),
]  # fmt: skip


@pytest.mark.parametrize(("old_q", "old_a", "new_q", "new_a"), LOOK_ALIKES)
def test_look_alikes_stay_apart(old_q: str, old_a: str, new_q: str, new_a: str) -> None:
    assert similarity(_entry(old_q, old_a), new_q, new_a) < FUZZY_THRESHOLD


def test_a_merged_card_scores_against_both_old_cards() -> None:
    # the old quick_ratio pre-check returned 0.0 here, so both old notes were lost
    first = _entry("What is Kinesis Data Firehose called today?", "Amazon Data Firehose.")
    second = _entry("What is Kinesis Data Analytics called today?", "Amazon Managed Service for Apache Flink.")
    merged = ("What are Kinesis Data Firehose and Kinesis Data Analytics called today?",
              "Amazon Data Firehose, and Amazon Managed Service for Apache Flink.")  # fmt: skip
    assert similarity(first, *merged) >= GAP_THRESHOLD and similarity(second, *merged) >= GAP_THRESHOLD


def test_table_row_with_one_cell_changed_is_the_same_row() -> None:
    row = _entry("Load logs straight into S3", "Firehose | Delivers to a final destination", kind="table_row")
    assert (
        similarity(row, "Load logs straight into S3", "Data Firehose | Delivers to a destination", "table_row") >= 0.66
    )


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60)


@given(texts, texts, texts, texts)
def test_similarity_is_a_score(q: str, a: str, q2: str, a2: str) -> None:
    score = similarity(_entry(q, a), q2, a2)
    assert 0.0 <= score <= 1.0
    assert similarity(_entry(q, a), q, a) == 1.0


def test_old_order_follows_the_after_chain_and_survives_forks() -> None:
    chain = [_entry("", "", "c", "b"), _entry("", "", "a", ""), _entry("", "", "b", "a"), _entry("", "", "d", "c")]
    assert [e.key for e in old_order(chain)] == ["a", "b", "c", "d"]
    # two branches each added a card after "a" (a union merge of the lock): both kept, none lost
    forked = [*chain, _entry("", "", "x", "a")]
    assert sorted(e.key for e in old_order(forked)) == ["a", "b", "c", "d", "x"]
    cycle = [_entry("", "", "p", "q"), _entry("", "", "q", "p")]
    assert sorted(e.key for e in old_order(cycle)) == ["p", "q"]


def test_lock_reads_every_column_layout() -> None:
    nine = "card\ta/one\tGUIDA\t1000\t1\tf1\tc1\tOne?\tyes\n"
    ten = "card\ta/two\tGUIDB\tbasic\t1001\t1\tf2\tc2\tTwo?\tno\n"
    thirteen = "card\ta/three\tGUIDC\tcloze\t1002\t1\tf3\tc3\tThree?\tmaybe\tcloze\ta/sec\ta/two\n"
    lock = lockfile.parse("version\t1\n" + nine + ten + thirteen)
    got = {e.key: (e.note_type, e.kind, e.section, e.after) for e in lock.entries}
    assert got == {
        "a/one": ("", "", "", ""),
        "a/two": ("basic", "", "", ""),
        "a/three": ("cloze", "cloze", "a/sec", "a/two"),
    }
    assert lockfile.parse(lockfile.dumps(lock)) == lock


def test_shipped_course_with_a_lock_from_before_the_new_columns_builds_the_same(tmp_path: Path) -> None:
    new = copy_course(SOURCE, tmp_path / "new")
    (new / "studyc.lock").write_bytes((SOURCE / "studyc.lock").read_bytes())
    old = copy_course(SOURCE, tmp_path / "old")
    # the shipped lock as the previous studyc wrote it: the first ten columns only
    rows = (SOURCE / "studyc.lock").read_text(encoding="utf-8").splitlines()
    (old / "studyc.lock").write_text("".join("\t".join(r.split("\t")[:10]) + "\n" for r in rows), encoding="utf-8")
    built_new = build_apkg(new, tmp_path / "out-new", T2, lock=new / "studyc.lock").read_bytes()
    built_old = build_apkg(old, tmp_path / "out-old", T2, lock=old / "studyc.lock").read_bytes()
    assert built_old == built_new
    # nothing changed, so the rebuild writes the shipped lock back byte for byte, with the new columns
    assert (new / "studyc.lock").read_bytes() == (SOURCE / "studyc.lock").read_bytes()
    assert (old / "studyc.lock").read_bytes() == (SOURCE / "studyc.lock").read_bytes()


def test_a_card_moved_far_does_not_cut_off_the_anchors_after_it() -> None:
    old = [_entry("", "", key, kind="basic") for key in "abcdef"]
    # new order: f moved to the top, b's text changed (unmatched); every other card matched exactly
    new = [0, 1, 2, 3, 4, 5]
    found = {0: old[5], 1: old[0], 3: old[2], 4: old[3], 5: old[4]}
    assert gaps(old, new, found) == [([2], [old[1]])]  # b sits between a and c, as before


@given(st.permutations(list(range(8))))
def test_anchors_keep_the_order_of_both_sides(order: list[int]) -> None:
    run = _increasing([(old_pos, j) for j, old_pos in enumerate(order)])
    assert [o for o, _ in run] == sorted(o for o, _ in run) and [j for _, j in run] == sorted(j for _, j in run)
    # as long as the longest increasing run, found the slow way
    best = [1] * len(order)
    for b in range(len(order)):
        best[b] += max((best[a] for a in range(b) if order[a] < order[b]), default=0)
    assert len(run) == max(best)


def test_words_ignore_case_common_words_and_plural_s() -> None:
    got = words("The Shards and their records, record RECORDS, the bus, glass, maps")
    # "bus" is too short to be a plural, "glass" ends in a double s; repeats are counted
    assert got == Counter({"record": 3, "shard": 1, "their": 1, "bus": 1, "glass": 1, "map": 1})


def test_case_and_spacing_do_not_change_a_card() -> None:
    assert (
        similarity(_entry("What is A Shard?", "A Unit of capacity."), "what is a shard?", "a unit of capacity.") == 1.0
    )
    assert same_side("What  is\na shard?", "what is a SHARD?")
    assert not same_side("", "") and not same_side("What is a shard?", "What is a stream?")


def test_a_typo_in_a_long_answer_costs_little() -> None:
    long = (
        "Kinesis Data Streams keeps every record for twenty four hours by default; the retention period can be "
        "raised to seven days or, with long-term retention, up to three hundred and sixty five days."
    )
    score = similarity(
        _entry("How long are records kept?", long), "How long are records kept?", long.replace("seven", "sevn")
    )
    assert 0.97 <= score < 1.0


def test_an_answer_made_more_precise_counts_as_unchanged() -> None:
    # every word of the old answer is kept: the question alone decides, and it changed a lot
    old = _entry("What is the maximum size of a record's data blob?", "1 MB.")
    assert similarity(old, "Which limit applies to one blob?", "1 MB, counted before base64 encoding.") >= GAP_THRESHOLD


def test_a_telling_answer_identifies_the_card_from_eight_words() -> None:
    eight = "It decides which shard stores the record and keeps related records ordered."
    seven = "Picks the shard of each record, keeping records ordered."
    assert similarity(_entry("Why use a partition key?", eight), "Name the role of this field.", eight) == 0.8
    assert (
        similarity(_entry("Why use a partition key?", seven), "Name the role of this field.", seven) < FUZZY_THRESHOLD
    )


def test_gaps_lie_between_anchors_and_have_both_sides() -> None:
    old = [_entry("", "", key) for key in "abcde"]
    # b and d matched in place: a, c and e each sit in their own gap with the new card there
    assert gaps(old, [0, 1, 2, 3, 4], {1: old[1], 3: old[3]}) == [([0], [old[0]]), ([2], [old[2]]), ([4], [old[4]])]
    # a gap with nothing old in it holds new cards only: nothing to pair
    assert gaps(old[:1], [0, 1], {0: old[0]}) == []
    assert gaps(old[:2], [0, 1, 2], {0: old[0]}) == [([1, 2], [old[1]])]


def test_old_order_starts_a_chain_whose_neighbour_was_removed() -> None:
    # "b" was removed: "z" followed it, so z now follows nothing and comes before m (its follower)
    entries = [_entry("", "", "a", ""), _entry("", "", "m", "z"), _entry("", "", "z", "b")]
    assert [e.key for e in old_order(entries)] == ["a", "z", "m"]


def test_a_table_row_keeps_the_share_of_its_cells_unchanged() -> None:
    # the task and the reason were rewritten; service and cost (2 of 4 cells) are unchanged
    task, answer = "Deliver application logs from many servers into an S3 bucket", "Firehose | Batches records | Low"
    answer = answer.replace("Batches records", "Batches records and retries failed deliveries automatically")
    new = (
        "Ship logs from a fleet of hosts to object storage",
        "Firehose | Buffers incoming data then writes it in large files | Low",
    )
    for old_kind, new_kind in (("table_row", "table_row"), ("table_row", ""), ("", "table_row")):
        assert similarity(_entry(task, answer, kind=old_kind), *new, new_kind) == 0.5, (old_kind, new_kind)
    # other cards' " | " separates list items, which count as words only
    assert similarity(_entry(task, answer, kind="list"), *new, "list") < 0.4


def test_character_similarity_sees_letters_in_place_in_long_answers() -> None:
    # two letters swapped in every word of a 200-character answer (what the lock keeps): no word
    # is the same any more, but most characters still are; difflib's "popular character" junk
    # heuristic (on from 200 characters) would drop the spaces and vowels that carry that
    good = clean_text(
        "Kinesis Data Streams keeps every record for twenty four hours by default; the retention period can "
        "be raised to seven days or, with long-term retention, up to three hundred and sixty five days, which "
        "costs more per shard hour and per GB."
    )
    typos = re.sub(r"\w{4,}", lambda m: m.group()[0] + m.group()[2] + m.group()[1] + m.group()[3:], good)
    assert len(good) == len(typos) == 200
    in_place = sum(a == b for a, b in zip(good, typos, strict=True)) / len(good)
    question = "How long are records kept?"
    # question unchanged (1.0); answer: at least the share of characters in place, words count 0 or more
    assert similarity(_entry(question, typos), question, good) >= (1 + in_place / 2) / 2


def test_an_answer_of_common_words_only_is_not_kept_by_any_answer() -> None:
    # "It is." has no telling word: a new answer that says the opposite did not keep it (not the
    # same card once moved; in its place, its unchanged question keeps it)
    old = _entry("Is Firehose serverless?", "It is.")
    assert similarity(old, "Is Firehose serverless?", "No, you pick the shard count.") < FUZZY_THRESHOLD


def _ids(pairs: list[tuple[int, Entry]]) -> list[tuple[int, str]]:
    return sorted((i, e.key) for i, e in pairs)


def test_a_gap_pairs_by_order_when_counts_and_kinds_agree() -> None:
    # the answers were corrected crosswise: the closer texts say "swap", the places say "keep"
    first, second = _entry("", "", "a", kind="basic"), _entry("", "", "b", kind="")  # "": a lock before kinds
    cross = {(10, "b"): 0.9, (11, "a"): 0.9, (10, "a"): 0.6, (11, "b"): 0.6}

    def score(i: int, e: Entry) -> float:
        return cross[(i, e.key)]

    def always(i: int, e: Entry, by_order: bool) -> bool:
        return True

    assert _ids(pair_gap([10, 11], [first, second], ["basic", "basic"], score, always)) == [(10, "a"), (11, "b")]
    # another kind in the old place: by similarity
    moved = _entry("", "", "a", kind="cloze")
    assert _ids(pair_gap([10, 11], [moved, second], ["basic", "basic"], score, always)) == [(10, "b"), (11, "a")]

    # one pair by order refused: the whole gap goes by similarity
    def not_first(i: int, e: Entry, by_order: bool) -> bool:
        return (i, e.key) != (10, "a")

    assert _ids(pair_gap([10, 11], [first, second], ["basic", "basic"], score, not_first)) == [(10, "b"), (11, "a")]


def test_a_gap_compares_every_pair_up_to_its_bound() -> None:
    def score(i: int, e: Entry) -> float:
        return 0.9

    def always(i: int, e: Entry, by_order: bool) -> bool:
        return True

    def gap(cards: int, entries: int) -> list[tuple[int, Entry]]:
        old = [_entry("", "", f"k{j:02}") for j in range(entries)]
        return pair_gap(list(range(cards)), old, ["basic"] * cards, score, always)

    assert GAP_ALL_PAIRS == 25 * 16
    assert len(gap(25, 16)) == 16  # at the bound: every entry finds a card
    assert gap(21, 20) == []  # beyond it (420 pairs): left to the global fuzzy match


def _contexts(tmp_path: Path, count: int) -> list[CardContext]:
    (tmp_path / "course.md").write_text("---\ntitle: C\nexam: C exam\ndeck: C\nslug: c\n---\n", encoding="utf-8")
    body = "".join(f"Q: Question {n}?\n\nA: Answer {n}.\n\n" for n in range(count))
    (tmp_path / "01-alpha.md").write_text(f"---\ntitle: Alpha\n---\n{body}", encoding="utf-8")
    course, diags = load_course(tmp_path)
    assert course is not None, [d.format() for d in diags.sorted()]
    cards = list(iter_cards(course))
    assert {c.chapter.id for c in cards} == {"alpha"}
    return cards


def test_likely_entries_share_word_pairs_within_the_chapter(tmp_path: Path) -> None:
    # eight entries with the same four words in other orders: only the word pairs tell them apart
    orders = ["2143", "4321", "1324", "3142", "2413", "4132", "3421", "1234"]
    vocab = {"1": "shard", "2": "stream", "3": "record", "4": "consumer"}
    entries = [
        Entry(f"alpha/k{j}", f"g{j}", 1, 1, "f", "c", " ".join(vocab[c] for c in order), "", "basic", "basic")
        for j, order in enumerate(orders)
    ]
    cards = _contexts(tmp_path, 1)
    [(card, found)] = list(candidates(cards, {0: ("shard stream record consumer", "")}, entries))
    assert card == 0 and len(found) == FUZZY_CANDIDATES
    assert found[0].key == "alpha/k7"  # all three pairs in order
    assert found[1].key == "alpha/k6"  # "record consumer"


def test_likely_entries_leave_out_words_too_many_entries_share(tmp_path: Path) -> None:
    cards = _contexts(tmp_path, 1)

    def likely(count: int) -> list[str]:
        entries = [Entry(f"alpha/k{j:02}", f"g{j}", 1, 1, "f", "c", f"kinesis topic{j}", "") for j in range(count)]
        return [e.key for _, found in candidates(cards, {0: ("kinesis", "")}, entries) for e in found]

    bound = 4 * FUZZY_CANDIDATES  # for fewer than 400 entries, where √n is smaller
    assert likely(bound) == [f"alpha/k{j:02}" for j in range(FUZZY_CANDIDATES)]
    assert likely(bound + 1) == []


def test_likely_entries_weigh_rare_words_most(tmp_path: Path) -> None:
    cards = _contexts(tmp_path, 1)
    entries = [Entry(f"alpha/k{j:02}", f"g{j}", 1, 1, "f", "c", f"stream topic{j}", "") for j in range(11)]
    entries.append(Entry("alpha/rare", "gr", 1, 1, "f", "c", "firehose", ""))
    [(_, found)] = list(candidates(cards, {0: ("stream firehose", "")}, entries))
    assert [e.key for e in found] == ["alpha/rare", "alpha/k00", "alpha/k01", "alpha/k02", "alpha/k03"]


def test_the_documented_telling_answer_length_is_the_code_s() -> None:
    numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    text = " ".join((ROOT / "docs" / "updating.md").read_text(encoding="utf-8").split())
    assert f"unchanged answer or definition of {numbers[TELLING_WORDS]} words or more" in text
