"""Which note each card keeps, step by step (compiler/anki/identity.py's documented order).

Each test builds a small course, resolves it against the lock of its previous version and
checks the outcome a user sees in Anki: which card keeps which note (GUID), which cards are
new, which notes are removed, which added cards are offered to ``studyc keep``. In process
and fast, so ``make mutate`` can run them for every mutant of the identity modules.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from compiler.anki import identity
from compiler.anki import lock as lockfile
from compiler.anki.backend import note_type_hashes
from compiler.anki.identity import Plan, make_guid, now, resolve, similarity
from compiler.anki.notes import note_content
from compiler.frontend import load_course
from compiler.model.errors import UsageError
from compiler.model.ir import BasicCard, CardContext, ClozeCard, iter_cards

T1, T2 = 1_700_000_000, 1_700_086_400
COURSE = "---\ntitle: Match\nexam: Match exam\ndeck: Match\nslug: match\n---\n"


def _chapter(title: str, body: str) -> str:
    return f"---\ntitle: {title}\n---\n{body}"


def _resolve(folder: Path, files: dict[str, str], lock: lockfile.Lock, at: int) -> Plan:
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(COURSE, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    course, diags = load_course(folder)
    assert course is not None, [d.format() for d in diags.sorted()]
    plan = resolve(course, lock, note_type_hashes(), at=at)
    plan.lock = lockfile.parse(lockfile.dumps(plan.lock))  # as the next build reads it
    return plan


def _rebuild(tmp: Path, before: dict[str, str], after: dict[str, str]) -> tuple[Plan, Plan]:
    first = _resolve(tmp / "v1", before, lockfile.Lock(), T1)
    return first, _resolve(tmp / "v2", after, first.lock, T2)


def _guid(plan: Plan, key: str) -> str:
    return plan.identities[key].guid


def _assert_one_note_per_card(plan: Plan) -> None:
    guids = [e.guid for e in plan.lock.entries]
    assert len(guids) == len(set(guids)), "two cards were given one note"


SHARD = "Q: What is a shard?\n\nA: A unit of capacity.\n\n"
KEY = "Q: What is a partition key?\n\nA: The value that picks the shard.\n\n"
BLOB = "Q: What is the maximum size of a record's data blob?\n\nA: 1 MB.\n\n"
RETENTION = "Q: How long does a stream keep records by default?\n\nA: 24 hours.\n\n"
LEARNING = "Q: Which kind of learning uses unlabeled data?\n\nA: Unsupervised learning.\n\n"
FILLER = "Q: What is a consumer?\n\nA: An application that reads the stream.\n\n"


def test_an_explicit_id_keeps_its_note_when_another_card_takes_its_old_text(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", "{#pinned}\n" + SHARD + KEY)}
    changed = "{#pinned}\nQ: What is a shard of a stream?\n\nA: The unit of throughput and ordering.\n\n"
    after = {"01-alpha.md": _chapter("Alpha", changed + KEY), "02-beta.md": _chapter("Beta", SHARD)}
    first, plan = _rebuild(tmp_path, before, after)
    assert _guid(plan, "pinned") == _guid(first, "pinned")
    assert plan.added == ["beta/what-is-a-shard"]
    assert plan.updated == ["pinned"] and not plan.removed
    _assert_one_note_per_card(plan)


def test_a_moved_card_keeps_its_note_even_if_a_new_card_asks_its_old_question(tmp_path: Path) -> None:
    # the exact text wins over the key: the note follows the card into chapter beta
    before = {"01-alpha.md": _chapter("Alpha", "{#pinned}\n" + SHARD + KEY)}
    same_question = "Q: What is a partition key?\n\nA: A hash input; Kinesis maps it to a shard.\n\n"
    after = {
        "01-alpha.md": _chapter("Alpha", "{#pinned}\n" + SHARD + same_question),
        "02-beta.md": _chapter("Beta", KEY),
    }
    first, plan = _rebuild(tmp_path, before, after)
    old = _guid(first, "alpha/what-is-a-partition-key")
    assert _guid(plan, "beta/what-is-a-partition-key") == old
    assert plan.identities["beta/what-is-a-partition-key"].nid == first.identities["alpha/what-is-a-partition-key"].nid
    assert plan.renamed == [("alpha/what-is-a-partition-key", "beta/what-is-a-partition-key")]
    assert plan.added == ["alpha/what-is-a-partition-key"] and plan.unchanged == ["pinned"]
    _assert_one_note_per_card(plan)


def test_identical_cards_in_two_chapters_keep_their_own_notes(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", SHARD + KEY), "02-beta.md": _chapter("Beta", SHARD)}
    first, plan = _rebuild(tmp_path, files, files)
    for key in ("alpha/what-is-a-shard", "beta/what-is-a-shard", "alpha/what-is-a-partition-key"):
        assert _guid(plan, key) == _guid(first, key)
    assert not plan.added and not plan.updated and not plan.renamed


def test_identical_cards_moved_together_take_one_note_each(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + KEY), "02-beta.md": _chapter("Beta", SHARD)}
    after = {
        "01-alpha.md": _chapter("Alpha", KEY),
        "02-beta.md": _chapter("Beta", FILLER),
        "03-gamma.md": _chapter("Gamma", "## One\n\n" + SHARD + "## Two\n\n" + SHARD),
    }
    first, plan = _rebuild(tmp_path, before, after)
    old = {_guid(first, "alpha/what-is-a-shard"), _guid(first, "beta/what-is-a-shard")}
    assert {e.guid for e in plan.lock.entries if e.prompt == "What is a shard?"} == old
    assert not plan.removed
    _assert_one_note_per_card(plan)


def test_a_rewritten_answer_keeps_the_note_when_the_card_moves_down(tmp_path: Path) -> None:
    # same question, same key: matched by key although the card moved past its neighbours
    before = {"01-alpha.md": _chapter("Alpha", RETENTION + SHARD + KEY)}
    rewritten = (
        "Q: How long does a stream keep records by default?\n\nA: One day; raise it with a retention period.\n\n"
    )
    first, plan = _rebuild(tmp_path, before, {"01-alpha.md": _chapter("Alpha", SHARD + KEY + rewritten)})
    key = "alpha/how-long-does-a-stream-keep-records-by-default"
    assert _guid(plan, key) == _guid(first, key)
    assert plan.updated == [key] and not plan.added and not plan.removed


def test_a_reworded_card_moved_to_another_chapter_keeps_its_note(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + BLOB + KEY), "02-beta.md": _chapter("Beta", FILLER)}
    reworded = "Q: How large can a record's data blob be at most?\n\nA: 1 MB.\n\n"
    after = {"01-alpha.md": _chapter("Alpha", SHARD + KEY), "02-beta.md": _chapter("Beta", FILLER + reworded)}
    first, plan = _rebuild(tmp_path, before, after)
    old, new = (
        "alpha/what-is-the-maximum-size-of-a-record-s-data-blob",
        "beta/how-large-can-a-record-s-data-blob-be-at-most",
    )
    assert _guid(plan, new) == _guid(first, old)
    assert plan.renamed == [(old, new)] and not plan.added and not plan.removed


def test_of_two_rewordings_the_closer_one_keeps_the_note(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + BLOB), "02-beta.md": _chapter("Beta", FILLER)}
    loose = "Q: How large can a record's data blob be at most?\n\nA: 1 MB.\n\n"
    close = "Q: What is the maximum size of a records data blob?\n\nA: 1 MB.\n\n"
    after = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", FILLER + loose + close)}
    first, plan = _rebuild(tmp_path, before, after)
    old = _guid(first, "alpha/what-is-the-maximum-size-of-a-record-s-data-blob")
    assert _guid(plan, "beta/what-is-the-maximum-size-of-a-records-data-blob") == old
    assert plan.added == ["beta/how-large-can-a-record-s-data-blob-be-at-most"]
    _assert_one_note_per_card(plan)


LOOSE_LEARNING = (
    "Q: What learning approach suits data without labels?\n\nA: Unsupervised learning, for example clustering.\n\n"
)


def test_a_loosely_reworded_card_keeps_its_note_between_unchanged_neighbours(tmp_path: Path) -> None:
    # similarity 0.71: too low for a card that moved, enough for one that stayed in its place
    before = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LEARNING + KEY)}
    after = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LOOSE_LEARNING + KEY)}
    first, plan = _rebuild(tmp_path, before, after)
    assert _guid(plan, "alpha/what-learning-approach-suits-data-without-labels") == _guid(
        first, "alpha/which-kind-of-learning-uses-unlabeled-data"
    )
    assert not plan.added and not plan.removed and not plan.unsure


def test_a_loosely_reworded_card_keeps_its_note_when_moved_to_another_section(tmp_path: Path) -> None:
    # the section-level gap is empty, the chapter-level one pairs the card
    before = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LEARNING + "## Two\n\n" + KEY)}
    after = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + "## Two\n\n" + LOOSE_LEARNING + KEY)}
    first, plan = _rebuild(tmp_path, before, after)
    assert _guid(plan, "alpha/what-learning-approach-suits-data-without-labels") == _guid(
        first, "alpha/which-kind-of-learning-uses-unlabeled-data"
    )
    assert not plan.added and not plan.removed


def test_a_card_with_its_question_unchanged_keeps_its_note_in_its_place(tmp_path: Path) -> None:
    # the answer is rewritten entirely; the explicit id changed too, so only its place and question tell
    before = {"01-alpha.md": _chapter("Alpha", SHARD + "{#old-id}\n" + LEARNING + KEY)}
    new = "{#new-id}\nQ: Which kind of learning uses unlabeled data?\n\nA: Clustering and dimensionality reduction.\n\n"
    first, plan = _rebuild(tmp_path, before, {"01-alpha.md": _chapter("Alpha", SHARD + new + KEY)})
    assert _guid(plan, "new-id") == _guid(first, "old-id")
    assert plan.renamed == [("old-id", "new-id")]
    assert not plan.added and not plan.removed


def test_a_card_too_unlike_its_old_self_is_offered_to_keep(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + LEARNING), "02-beta.md": _chapter("Beta", FILLER)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", FILLER + LOOSE_LEARNING)}
    first, plan = _rebuild(tmp_path, before, after)
    old = "alpha/which-kind-of-learning-uses-unlabeled-data"
    assert plan.added == ["beta/what-learning-approach-suits-data-without-labels"]
    assert [e.key for e in plan.removed] == [old]
    (unsure,) = plan.unsure
    assert unsure.where == "02-beta.md:8" and unsure.entry.guid == _guid(first, old)
    # shown to two decimals, between "worth asking" and "sure"
    assert 0.35 <= unsure.score < 0.75 and unsure.score == round(unsure.score, 2)


def test_keep_suggestions_name_the_closest_card_and_come_best_first(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + LEARNING + RETENTION), "02-beta.md": _chapter("Beta", FILLER)}
    weak = "Q: Which data has no labels?\n\nA: Unlabeled data, used in unsupervised learning.\n\n"
    retention = "Q: How many hours are records retained?\n\nA: 24 by default, up to 365 days.\n\n"
    after = {
        "01-alpha.md": _chapter("Alpha", SHARD),
        "02-beta.md": _chapter("Beta", FILLER + LOOSE_LEARNING + weak + retention),
    }
    first, plan = _rebuild(tmp_path, before, after)
    by_entry = {u.entry.key: u for u in plan.unsure}
    learning = by_entry["alpha/which-kind-of-learning-uses-unlabeled-data"]
    assert learning.where == "02-beta.md:8"  # the closer of the two learning cards
    assert learning.entry.guid == _guid(first, "alpha/which-kind-of-learning-uses-unlabeled-data")
    assert [u.score for u in plan.unsure] == sorted((u.score for u in plan.unsure), reverse=True)
    assert len(plan.unsure) == 2 and plan.unsure[0].score > plan.unsure[1].score
    assert all(u.score == round(u.score, 2) for u in plan.unsure)


def test_a_card_unlike_every_removed_one_is_not_offered(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + RETENTION)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD + LOOSE_LEARNING)}
    _, plan = _rebuild(tmp_path, before, after)
    assert plan.added == ["alpha/what-learning-approach-suits-data-without-labels"]
    assert [e.key for e in plan.removed] == ["alpha/how-long-does-a-stream-keep-records-by-default"]
    assert plan.unsure == []


def test_without_a_lock_every_card_gets_the_note_a_lockless_build_gave_it(tmp_path: Path) -> None:
    # losing studyc.lock must not duplicate notes: a card's first GUID depends on its key only
    files = {"01-alpha.md": _chapter("Alpha", SHARD + KEY)}
    first = _resolve(tmp_path / "a", files, lockfile.Lock(), T1)
    again = _resolve(tmp_path / "b", files, lockfile.Lock(), T2)
    assert {k: i.guid for k, i in first.identities.items()} == {k: i.guid for k, i in again.identities.items()}
    for guid in (i.guid for i in first.identities.values()):
        assert len(guid) == 12 and guid.isalnum() and guid.isascii()


def test_guids_of_the_shipped_course_are_derived_from_their_keys() -> None:
    # GUIDs must not change between studyc versions: every card the shipped lock holds under
    # its first key has the GUID that key gives, salt 0 (a course rebuilt without its lock stays in place)
    shipped = lockfile.read(Path(__file__).resolve().parent.parent / "source" / "studyc.lock")
    derived = [e for e in shipped.entries if make_guid("aws-ml-specialty", e.key) == e.guid]
    assert len(derived) >= 200 and len(shipped.entries) - len(derived) < 30  # 216 of 243; the rest were renamed


def test_build_time_comes_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    assert now() == 1234567890
    for unset in ("", "  "):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", unset)
        assert abs(now() - time.time()) < 60
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert abs(now() - time.time()) < 60
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(UsageError, match="SOURCE_DATE_EPOCH must be whole seconds since 1970, not 'yesterday'"):
        now()


def test_in_a_gap_the_reworded_card_keeps_the_note_and_the_new_card_gets_a_new_one(tmp_path: Path) -> None:
    # one old card, two new ones between unchanged neighbours: pairing by order is impossible
    before = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LEARNING + KEY)}
    after = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + RETENTION + LOOSE_LEARNING + KEY)}
    first, plan = _rebuild(tmp_path, before, after)
    assert _guid(plan, "alpha/what-learning-approach-suits-data-without-labels") == _guid(
        first, "alpha/which-kind-of-learning-uses-unlabeled-data"
    )
    assert plan.added == ["alpha/how-long-does-a-stream-keep-records-by-default"] and not plan.removed
    _assert_one_note_per_card(plan)


REWORDED = [  # (old card, the same card reworded), each pair scores above FUZZY_THRESHOLD
    (BLOB, "Q: How large can a record's data blob be at most?\n\nA: 1 MB.\n\n"),
    (LEARNING, "Q: What kind of learning works on unlabeled data?\n\nA: Unsupervised learning.\n\n"),
    (RETENTION, "Q: For how long are records retained by default?\n\nA: One day, i.e. 24 hours.\n\n"),
]


@pytest.mark.parametrize("all_pairs", [True, False], ids=["every pair compared", "mass edit: likely pairs only"])
def test_reworded_cards_moved_to_another_chapter_keep_their_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, all_pairs: bool
) -> None:
    if not all_pairs:  # what a course with thousands of reworded cards goes through
        monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", 0)
    before = {"01-alpha.md": _chapter("Alpha", SHARD + "".join(old for old, _ in REWORDED) + KEY)}
    after = {
        "01-alpha.md": _chapter("Alpha", SHARD + KEY),
        "02-beta.md": _chapter("Beta", FILLER + "".join(new for _, new in reversed(REWORDED))),
    }
    first, plan = _rebuild(tmp_path, before, after)
    assert plan.added == ["beta/what-is-a-consumer"] and not plan.removed
    old = {e.prompt: e.guid for e in first.lock.entries}
    new = {e.prompt: e.guid for e in plan.lock.entries}
    assert (
        new["How large can a record's data blob be at most?"]
        == old["What is the maximum size of a record's data blob?"]
    )
    assert new["What kind of learning works on unlabeled data?"] == old["Which kind of learning uses unlabeled data?"]
    assert (
        new["For how long are records retained by default?"] == old["How long does a stream keep records by default?"]
    )


def test_an_unreadable_lock_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "studyc.lock").mkdir()
    with pytest.raises(lockfile.LockError, match=r"cannot read .*studyc\.lock: Is a directory"):
        lockfile.read(tmp_path / "studyc.lock")
    broken = tmp_path / "broken.lock"
    broken.write_text("version\t1\ncard\tonly-a-key\n", encoding="utf-8")
    with pytest.raises(lockfile.LockError, match=r"broken\.lock:2"):
        lockfile.read(broken)


def test_the_lock_shows_each_card_kind_as_question_and_answer(tmp_path: Path) -> None:
    # the lock's prompt/answer columns: what a lock diff and a "may be the removed card" report show
    table = '{.cards front="Task,Service" ask="Why?"}\n| Task | Service | Why | Cost |\n|---|---|---|---|\n'
    table += "| Load logs | Firehose | Managed | Low |\n"
    body = (
        "C: The {{c1::outer {{c2::inner}} part}} and {{c3::last}}.\n\n"
        "Q: What does a record consist of?\n\n- sequence number\n- data blob\n\n"
        "Producer\n: Something that writes data into the stream.\n\n" + SHARD + table
    )
    plan = _resolve(tmp_path / "c", {"01-alpha.md": _chapter("Alpha", body)}, lockfile.Lock(), T1)
    got = {(e.kind, e.prompt, e.answer) for e in plan.lock.entries}
    assert got == {
        # nested deletions are part of the outer one: one gap, its words once
        ("cloze", "The [...] and [...].", "outer inner part | last"),
        ("list", "What does a record consist of?", "sequence number | data blob"),
        ("definition", "Producer", "Something that writes data into the stream."),
        ("basic", "What is a shard?", "A unit of capacity."),
        ("table_row", "Load logs | Firehose", "Managed | Low"),
    }


def test_a_lock_from_before_the_note_type_column_keeps_every_note(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", SHARD + KEY + "C: A record holds up to {{c1::1 MB}}.\n\n")}
    first = _resolve(tmp_path / "v1", files, lockfile.Lock(), T1)
    # the oldest layout: nine columns, no note type, kind, section or neighbour
    rows = lockfile.dumps(first.lock).splitlines()
    old = "".join(
        "\t".join(r.split("\t")[:3] + r.split("\t")[4:10]) + "\n" if r.startswith("card\t") else r + "\n" for r in rows
    )
    plan = _resolve(tmp_path / "v2", files, lockfile.parse(old), T2)
    assert {k: i.guid for k, i in plan.identities.items()} == {k: i.guid for k, i in first.identities.items()}
    assert not plan.added and not plan.removed


def test_turning_on_source_links_updates_every_note_once(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", SHARD + KEY)}
    folder = tmp_path / "c"
    first = _resolve(folder, files, lockfile.Lock(), T1)
    course, _ = load_course(folder)
    assert course is not None
    url = "https://example.org/notes/{path}#L{line}"
    linked = resolve(course, first.lock, note_type_hashes(), at=T2, source_url=url)
    assert sorted(linked.updated) == sorted(first.identities) and not linked.unchanged
    again = resolve(course, linked.lock, note_type_hashes(), at=T2 + 1, source_url=url)
    assert sorted(again.unchanged) == sorted(first.identities) and not again.updated


def test_a_written_lock_reads_back_the_same(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", "Q: Was ist ein Shard – kurz?\n\nA: Eine Kapazitätseinheit.\n\n" + KEY)}
    plan = _resolve(tmp_path / "c", files, lockfile.Lock(), T1)
    path = tmp_path / "studyc.lock"
    lockfile.write(path, plan.lock)
    assert "Kapazitätseinheit" in path.read_bytes().decode("utf-8")
    assert lockfile.read(path) == plan.lock


SERVICES = ["Athena", "Glue", "Redshift", "Kinesis", "Firehose", "Lambda", "SageMaker", "Comprehend", "Rekognition",
            "Textract", "Polly", "Transcribe"]  # fmt: skip


def test_a_mass_rewording_finds_each_card_among_many_look_alikes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # twelve cards of one pattern, all reworded and moved: each must find its own entry among
    # the few likely ones (more cards than FUZZY_CANDIDATES share most of their words)
    monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", 0)
    old = "".join(
        f"Q: What is {s} used for in the pipeline?\n\nA: {s} handles step {n} of it.\n\n"
        for n, s in enumerate(SERVICES)
    )
    new = "".join(
        f"Q: What is {s} for in the pipeline?\n\nA: {s} handles step {n} of it.\n\n" for n, s in enumerate(SERVICES)
    )
    before = {"01-alpha.md": _chapter("Alpha", old), "02-beta.md": _chapter("Beta", FILLER)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", FILLER + new)}
    first, plan = _rebuild(tmp_path, before, after)
    for s in SERVICES:
        was = _guid(first, f"alpha/what-is-{s.lower()}-used-for-in-the-pipeline")
        assert _guid(plan, f"beta/what-is-{s.lower()}-for-in-the-pipeline") == was, s
    assert plan.added == ["alpha/what-is-a-shard"] and not plan.removed


def test_two_cards_merged_into_one_keep_the_closer_note_and_remove_the_other(tmp_path: Path) -> None:
    firehose = "{#a-firehose}\nQ: What is Kinesis Data Firehose called today?\n\nA: Amazon Data Firehose.\n\n"
    analytics = "{#z-analytics}\nQ: What is Kinesis Data Analytics called today?\n\n"
    analytics += "A: Amazon Managed Service for Apache Flink.\n\n"
    merged = (
        "Q: What are Kinesis Data Firehose and Kinesis Data Analytics called today?\n\n"
        "A: Amazon Data Firehose, and Amazon Managed Service for Apache Flink.\n\n"
    )
    before = {"01-alpha.md": _chapter("Alpha", SHARD + firehose + analytics + KEY)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD + merged + KEY)}
    first, plan = _rebuild(tmp_path, before, after)
    # the merged card is a little closer to the analytics card (0.88 against 0.87)
    key = "alpha/what-are-kinesis-data-firehose-and-kinesis-data-analytics-called-today"
    assert _guid(plan, key) == _guid(first, "z-analytics")
    assert [e.key for e in plan.removed] == ["a-firehose"] and not plan.added


def test_of_two_equally_close_new_cards_the_first_is_offered(tmp_path: Path) -> None:
    before = {"01-alpha.md": _chapter("Alpha", SHARD + LEARNING), "02-beta.md": _chapter("Beta", FILLER)}
    after = {
        "01-alpha.md": _chapter("Alpha", SHARD),
        "02-beta.md": _chapter("Beta", FILLER + LOOSE_LEARNING),
        "03-gamma.md": _chapter("Gamma", LOOSE_LEARNING),
    }
    _, plan = _rebuild(tmp_path, before, after)
    # (the comparison once used the rounded score, so the last of equal cards won)
    assert [u.where for u in plan.unsure] == ["02-beta.md:8"]


@pytest.mark.parametrize(("bound", "offered"), [(2, True), (1, False)])
def test_keep_suggestions_compare_every_pair_up_to_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int, offered: bool
) -> None:
    # one added card, two removed ones: 2 pairs to compare (the real bound is 10,000)
    monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", bound)
    before = {"01-alpha.md": _chapter("Alpha", SHARD + LEARNING + RETENTION), "02-beta.md": _chapter("Beta", FILLER)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", FILLER + LOOSE_LEARNING)}
    _, plan = _rebuild(tmp_path, before, after)
    assert plan.added == ["beta/what-learning-approach-suits-data-without-labels"] and len(plan.removed) == 2
    expected = ["alpha/which-kind-of-learning-uses-unlabeled-data"] if offered else []
    assert [u.entry.key for u in plan.unsure] == expected


ROW_BEFORE = "| Deliver application logs from many servers into an S3 bucket | Firehose | Batches records | Low |\n"
ROW_AFTER = "| Ship logs from a fleet of hosts to object storage | Firehose | Buffers incoming data | Low |\n"
TABLE = '{.cards front="Task"}\n| Task | Service | How | Cost |\n|---|---|---|---|\n'


@pytest.mark.parametrize("threshold", [identity.UNSURE_FROM, 0.5])
def test_a_rewritten_table_row_is_offered_by_its_unchanged_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threshold: float
) -> None:
    # a lock from before the kind column (ten columns): the row's entry does not say it was a
    # table row; the new card does, and 2 of its 4 cells are unchanged: similarity 0.5, which
    # is offered from UNSURE_FROM up to a threshold of exactly 0.5
    monkeypatch.setattr(identity, "UNSURE_FROM", threshold)
    first = _resolve(
        tmp_path / "v1", {"01-alpha.md": _chapter("Alpha", SHARD + TABLE + ROW_BEFORE)}, lockfile.Lock(), T1
    )
    rows = lockfile.dumps(first.lock).splitlines()
    legacy = lockfile.parse("".join("\t".join(r.split("\t")[:10]) + "\n" for r in rows))
    assert {e.kind for e in legacy.entries} == {""}
    files = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", TABLE + ROW_AFTER)}
    plan = _resolve(tmp_path / "v2", files, legacy, T2)
    [row] = [e for e in first.lock.entries if e.kind == "table_row"]
    assert [e.key for e in plan.removed] == [row.key]
    [unsure] = plan.unsure
    assert unsure.entry.guid == row.guid and unsure.score == 0.5


def test_a_cloze_card_anki_could_not_show_still_has_a_content_hash(tmp_path: Path) -> None:
    # note_content gives None for it (notes leaves it out of the deck, with a diagnostic)
    folder = tmp_path / "c"
    _resolve(
        folder,
        {"01-alpha.md": _chapter("Alpha", "C: A record holds up to {{c1::1 MB}}.\n\n" + SHARD)},
        lockfile.Lock(),
        T1,
    )
    course, _ = load_course(folder)
    assert course is not None
    cloze, basic = list(iter_cards(course))
    assert isinstance(cloze.card, ClozeCard) and isinstance(basic.card, BasicCard)
    broken = cloze.card.model_copy(update={"text": basic.card.front})
    where = CardContext(chapter=cloze.chapter, sections=cloze.sections, card=broken)
    assert note_content(broken) is None
    digest = identity.content_hash(course, where)
    assert len(digest) == 16 and int(digest, 16) >= 0
    assert digest != identity.content_hash(course, cloze)


def test_a_card_whose_answer_is_all_new_keeps_its_note_in_its_place_by_its_question(tmp_path: Path) -> None:
    # similarity 0.5 (below the gap threshold): the unchanged question alone says it is the same card
    before = {"01-alpha.md": _chapter("Alpha", SHARD + "{#old-id}\nQ: Default retention?\n\nA: 24h\n\n" + KEY)}
    new = "{#new-id}\nQ: Default retention?\n\nA: One day, unless raised per stream.\n\n"
    first, plan = _rebuild(tmp_path, before, {"01-alpha.md": _chapter("Alpha", SHARD + new + KEY)})
    assert _guid(plan, "new-id") == _guid(first, "old-id")
    assert not plan.added and not plan.removed


def test_a_card_in_its_place_keeps_its_note_over_a_closer_copy_in_the_next_section(tmp_path: Path) -> None:
    # sections are aligned before chapters: the card that kept its place and its question is the
    # old card, although the new copy below (next section) is closer in text (0.91 against 0.67)
    before = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + "{#old-id}\n" + LEARNING + "## Two\n\n" + KEY)}
    kept = (
        "{#new-id}\nQ: Which kind of learning uses unlabeled data?\n\nA: Clustering and dimensionality reduction.\n\n"
    )
    copy = "Q: What kind of learning works on unlabeled data?\n\nA: Unsupervised learning.\n\n"
    after = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + kept + "## Two\n\n" + copy + KEY)}
    first, plan = _rebuild(tmp_path, before, after)
    assert _guid(plan, "new-id") == _guid(first, "old-id")
    assert plan.added == ["alpha/what-kind-of-learning-works-on-unlabeled-data"] and not plan.removed


def test_a_definition_turned_into_a_table_row_keeps_its_note_in_its_place(tmp_path: Path) -> None:
    # the row's first two cells are the old definition and term (2 of 3 cells): 0.67, although
    # the long third cell leaves the two sharing few of their words
    definition = "Firehose\n: Loads streaming data into S3.\n\n"
    row = '{.cards front="Task"}\n| Task | Service | Notes |\n|---|---|---|\n'
    row += "| Loads streaming data into S3. | Firehose | Buffers incoming records, converts formats, "
    row += "compresses batches, retries failed deliveries automatically |\n\n"
    before = {"01-alpha.md": _chapter("Alpha", SHARD + definition + KEY)}
    first, plan = _rebuild(tmp_path, before, {"01-alpha.md": _chapter("Alpha", SHARD + row + KEY)})
    [old] = [e for e in first.lock.entries if e.kind == "definition"]
    [new] = [e for e in plan.lock.entries if e.kind == "table_row"]
    assert new.guid == old.guid
    assert not plan.added and not plan.removed


def test_a_table_row_with_three_of_four_cells_unchanged_keeps_its_note(tmp_path: Path) -> None:
    # a lock from before the kind column: only the new card says it is a table row. Its task
    # was rewritten; service, how and cost (3 of 4 cells) were not: similarity 0.75, exactly
    # the fuzzy threshold, which is enough
    old_row = "| Deliver application logs from many servers into an S3 bucket | Firehose | Batches | Low |\n"
    new_row = "| Ship logs from a fleet of hosts to object storage | Firehose | Batches | Low |\n"
    first = _resolve(tmp_path / "v1", {"01-alpha.md": _chapter("Alpha", SHARD + TABLE + old_row)}, lockfile.Lock(), T1)
    rows = lockfile.dumps(first.lock).splitlines()
    legacy = lockfile.parse("".join("\t".join(r.split("\t")[:10]) + "\n" for r in rows))
    plan = _resolve(tmp_path / "v2", {"01-alpha.md": _chapter("Alpha", SHARD + TABLE + new_row)}, legacy, T2)
    [old] = [e for e in first.lock.entries if e.kind == "table_row"]
    [new] = [e for e in plan.lock.entries if e.kind == "table_row"]
    assert new.guid == old.guid and plan.renamed == [(old.key, new.key)]
    assert not plan.added and not plan.removed


def test_a_reworded_card_finds_its_note_past_a_removed_card_of_another_note_type(tmp_path: Path) -> None:
    # the removed cloze card comes first in the lock; it cannot be the basic card's note (Anki
    # cannot change a note's type), so the search goes on to the next entry
    cloze = "C: A record holds up to {{c1::1 MB}} of data.\n\n"
    before = {"01-alpha.md": _chapter("Alpha", cloze + BLOB + SHARD), "02-beta.md": _chapter("Beta", FILLER)}
    reworded = "Q: How large can a record's data blob be at most?\n\nA: 1 MB.\n\n"
    after = {"01-alpha.md": _chapter("Alpha", SHARD), "02-beta.md": _chapter("Beta", FILLER + reworded)}
    first, plan = _rebuild(tmp_path, before, after)
    removed = [e.key for e in plan.removed]
    assert removed == ["alpha/a-record-holds-up-to-1-mb-of-data"] and removed[0] < "alpha/what-is-the-maximum"
    new = "beta/how-large-can-a-record-s-data-blob-be-at-most"
    assert _guid(plan, new) == _guid(first, "alpha/what-is-the-maximum-size-of-a-record-s-data-blob")
    assert not plan.added


def test_up_to_the_bound_every_card_is_compared_with_every_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = _resolve(tmp_path / "c", {"01-alpha.md": _chapter("Alpha", SHARD)}, lockfile.Lock(), T1)
    course, _ = load_course(tmp_path / "c")
    assert course is not None and plan.added == ["alpha/what-is-a-shard"]
    entries = [
        lockfile.Entry(f"beta/k{j}", f"G{j}", 1, 1, "f", "c", f"What is shard {j}?", "A unit.") for j in range(6)
    ]
    compared: list[str] = []

    def counting(e: lockfile.Entry, prompt: str, answer: str, kind: str = "") -> float:
        compared.append(e.key)
        return similarity(e, prompt, answer, kind)

    monkeypatch.setattr(identity, "similarity", counting)
    monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", 6)  # 1 card × 6 entries: at the bound
    identity._fuzzy_pairs(list(iter_cards(course)), [0], entries)
    assert sorted(compared) == [e.key for e in entries]


def test_new_cards_get_note_ids_from_the_build_time_and_their_guid(tmp_path: Path) -> None:
    # note id = creation time in ms: the build's second, then a millisecond from the GUID. The
    # GUID of "Question 433" (course "match") gives a hash whose remainder by 1,001 would be 1,000
    before = {"01-alpha.md": _chapter("Alpha", SHARD)}
    after = {"01-alpha.md": _chapter("Alpha", SHARD + KEY + "Q: Question 433?\n\nA: Yes.\n\n")}
    first, plan = _rebuild(tmp_path, before, after)
    assert plan.added == ["alpha/what-is-a-partition-key", "alpha/question-433"]
    for key in plan.added:
        assert plan.identities[key].nid // 1000 == T2 and plan.identities[key].modified == T2
    assert plan.identities["alpha/what-is-a-shard"] == first.identities["alpha/what-is-a-shard"]
    assert first.identities["alpha/what-is-a-shard"].nid // 1000 == T1


def test_cards_added_on_two_branches_in_the_same_second_get_different_note_ids(tmp_path: Path) -> None:
    base = _resolve(tmp_path / "base", {"01-alpha.md": _chapter("Alpha", SHARD)}, lockfile.Lock(), T1)
    a = _resolve(tmp_path / "a", {"01-alpha.md": _chapter("Alpha", SHARD + KEY)}, base.lock, T2)
    b = _resolve(tmp_path / "b", {"01-alpha.md": _chapter("Alpha", SHARD + BLOB)}, base.lock, T2)
    [(key_a, id_a)] = [(k, i) for k, i in a.identities.items() if k in a.added]
    [(key_b, id_b)] = [(k, i) for k, i in b.identities.items() if k in b.added]
    assert key_a != key_b and id_a.guid != id_b.guid
    assert id_a.nid != id_b.nid and id_a.nid // 1000 == id_b.nid // 1000 == T2


def test_a_new_card_never_takes_the_note_id_of_a_removed_card(tmp_path: Path) -> None:
    # removed notes still live in Anki: their ids stay taken, the new card takes a later one
    files = {"01-alpha.md": _chapter("Alpha", SHARD)}
    alone = _resolve(tmp_path / "a", files, lockfile.Lock(), T2)
    wanted = alone.identities["alpha/what-is-a-shard"].nid
    gone = lockfile.Entry("alpha/gone", "GONEGONEGONE", wanted, T1, "f", "c", "Gone?", "Yes.", "basic", "basic")
    plan = _resolve(tmp_path / "b", files, lockfile.Lock(entries=[gone]), T2)
    assert [e.key for e in plan.removed] == ["alpha/gone"] and plan.added == ["alpha/what-is-a-shard"]
    nid = plan.identities["alpha/what-is-a-shard"].nid
    assert nid > wanted and nid // 1000 == T2


def test_a_similarity_exactly_at_the_gap_threshold_keeps_the_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LEARNING + KEY)}
    first = _resolve(tmp_path / "v1", before, lockfile.Lock(), T1)
    [old] = [e for e in first.lock.entries if e.key == "alpha/which-kind-of-learning-uses-unlabeled-data"]
    new_q, new_a = "What learning approach suits data without labels?", "Unsupervised learning, for example clustering."
    monkeypatch.setattr(identity, "GAP_THRESHOLD", similarity(old, new_q, new_a, "basic"))  # 0.71
    after = {"01-alpha.md": _chapter("Alpha", "## One\n\n" + SHARD + LOOSE_LEARNING + KEY)}
    plan = _resolve(tmp_path / "v2", after, first.lock, T2)
    assert _guid(plan, "alpha/what-learning-approach-suits-data-without-labels") == old.guid
    assert not plan.added and not plan.removed


def test_without_a_lock_every_card_gets_the_guid_of_its_key(tmp_path: Path) -> None:
    # what lets a lost lock be rebuilt (docs/updating.md): GUIDs must not change between studyc versions
    plan = _resolve(tmp_path / "c", {"01-alpha.md": _chapter("Alpha", SHARD + KEY)}, lockfile.Lock(), T1)
    assert plan.added == ["alpha/what-is-a-shard", "alpha/what-is-a-partition-key"]
    assert {k: i.guid for k, i in plan.identities.items()} == {k: make_guid("match", k) for k in plan.added}


@pytest.mark.parametrize("taken", [1, 2])
def test_a_card_that_cannot_take_its_key_s_guid_gets_the_next_salt(tmp_path: Path, taken: int) -> None:
    # the card became a list (another note type): its key's GUID (salt 0), and maybe salt 1, are
    # notes of the lock that Anki still has, so it gets the next salt; the same on every machine
    # and studyc version (two people building one branch must give a new card one GUID)
    key = "alpha/what-is-a-shard"
    old = [
        lockfile.Entry(key, make_guid("match", key), 1, 1, "f", "c", "What is a shard?", "A unit.", "basic", "basic"),
        lockfile.Entry("alpha/old", make_guid("match", key, 1), 2, 1, "f", "c", "Old?", "Yes.", "basic", "basic"),
    ][:taken]
    as_list = "Q: What is a shard?\n\n- a unit of capacity\n- a sequence of records\n\n"
    plan = _resolve(tmp_path / "c", {"01-alpha.md": _chapter("Alpha", as_list)}, lockfile.Lock(entries=old), T2)
    assert plan.added == [key] and len(plan.removed) == taken
    assert _guid(plan, key) == make_guid("match", key, taken)


def test_two_new_cards_whose_guids_collide_get_one_note_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 12 characters of SHA-256 (72 bits) never collide in practice, so the hash is made to: every
    # key gives the same GUID for a salt. Two new notes with one GUID would be one note in Anki.
    monkeypatch.setattr(identity, "make_guid", lambda slug, key, salt=0: f"COLLIDE{salt:05d}")
    plan = _resolve(tmp_path / "c", {"01-alpha.md": _chapter("Alpha", SHARD + KEY + BLOB)}, lockfile.Lock(), T1)
    assert [_guid(plan, key) for key in plan.added] == ["COLLIDE00000", "COLLIDE00001", "COLLIDE00002"]
    _assert_one_note_per_card(plan)


def test_new_cards_whose_guids_give_the_same_millisecond_take_the_next_free_ones(tmp_path: Path) -> None:
    # the GUIDs of "Question 55" and "Question 67" (course "match") give the same millisecond
    files = {"01-alpha.md": _chapter("Alpha", "Q: Question 55?\n\nA: Yes.\n\nQ: Question 67?\n\nA: No.\n\n")}
    alone = _resolve(tmp_path / "a", files, lockfile.Lock(), T2)
    first, second = "alpha/question-55", "alpha/question-67"
    start = alone.identities[first].nid
    assert alone.identities[second].nid == start + 1
    # a removed note already holds that millisecond: both move on, in reading order
    gone = lockfile.Entry("alpha/gone", "GONEGONEGONE", start, T1, "f", "c", "Gone?", "Yes.", "basic", "basic")
    plan = _resolve(tmp_path / "b", files, lockfile.Lock(entries=[gone]), T2)
    assert (plan.identities[first].nid, plan.identities[second].nid) == (start + 1, start + 2)


def test_two_notes_merged_with_one_note_id_get_two(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", SHARD + KEY)}
    base = _resolve(tmp_path / "a", files, lockfile.Lock(), T1)
    shard, key = "alpha/what-is-a-shard", "alpha/what-is-a-partition-key"
    same = base.identities[shard].nid
    # two branches gave their cards one id (a union merge of the lock): the first card keeps it
    merged = [replace(e, nid=same) if e.key == key else e for e in base.lock.entries]
    plan = _resolve(tmp_path / "b", files, lockfile.Lock(entries=merged), T2)
    assert plan.identities[shard].nid == same
    assert plan.identities[key].nid != same and plan.identities[key].nid // 1000 == T2
    assert plan.identities[key].guid == base.identities[key].guid


def test_a_note_type_s_time_rises_only_when_its_templates_change(tmp_path: Path) -> None:
    files = {"01-alpha.md": _chapter("Alpha", SHARD)}
    hashes = note_type_hashes()
    kind = sorted(hashes)[0]
    cases = [  # (time in the old lock, its digest, time expected)
        (T1, hashes[kind], T1),  # unchanged: keeps its time
        (T1, "old-digest", T2),  # changed: the build time
        (T2 + 500, "old-digest", T2 + 501),  # changed, the lock is newer than the build: still rises
    ]
    for n, (was, digest, expected) in enumerate(cases):
        old = lockfile.Lock(note_types={kind: lockfile.NoteTypeEntry(kind, was, digest)})
        plan = _resolve(tmp_path / str(n), files, old, T2)
        assert plan.note_types[kind] == expected and plan.lock.note_types[kind].modified == expected
        assert plan.lock.note_types[kind].content == hashes[kind]
        assert all(plan.note_types[k] == T2 for k in hashes if k != kind)  # new to the lock


def test_a_card_both_branches_edited_rises_above_both_after_the_merge(tmp_path: Path) -> None:
    # a union merge keeps both branches' lines for the card; the merged text is branch a's. Users
    # who imported branch b's deck hold b's text with b's later time: the merged build must give
    # the card a newer time still, or Anki's "update if newer" keeps b's text for them
    base = _resolve(tmp_path / "base", {"01-alpha.md": _chapter("Alpha", SHARD)}, lockfile.Lock(), T1)
    ours = "Q: What is a shard?\n\nA: A unit of capacity of a stream.\n\n"
    theirs = "Q: What is a shard?\n\nA: A slice of a stream's throughput.\n\n"
    a = _resolve(tmp_path / "a", {"01-alpha.md": _chapter("Alpha", ours)}, base.lock, T2)
    b = _resolve(tmp_path / "b", {"01-alpha.md": _chapter("Alpha", theirs)}, base.lock, T2 + 100)
    ours_text, theirs_text = lockfile.dumps(a.lock).splitlines(), lockfile.dumps(b.lock).splitlines()
    union = ours_text + [line for line in theirs_text if line not in ours_text]
    merged = lockfile.parse("\n".join(union) + "\n")
    plan = _resolve(tmp_path / "m", {"01-alpha.md": _chapter("Alpha", ours)}, merged, T2 + 50)
    assert plan.identities["alpha/what-is-a-shard"].modified > T2 + 100
    assert plan.updated == ["alpha/what-is-a-shard"]


@pytest.mark.parametrize("merged_text", ["ours", "theirs"])
def test_a_card_both_branches_edited_in_the_same_second_rises_above_both(tmp_path: Path, merged_text: str) -> None:
    # a pinned SOURCE_DATE_EPOCH gives both branches one time: the merged build must still give the
    # card a newer one, whichever branch's text the merge kept
    base = _resolve(tmp_path / "base", {"01-alpha.md": _chapter("Alpha", SHARD)}, lockfile.Lock(), T1)
    texts = {
        "ours": "Q: What is a shard?\n\nA: A unit of capacity of a stream.\n\n",
        "theirs": "Q: What is a shard?\n\nA: A slice of a stream's throughput.\n\n",
    }
    a = _resolve(tmp_path / "a", {"01-alpha.md": _chapter("Alpha", texts["ours"])}, base.lock, T2)
    b = _resolve(tmp_path / "b", {"01-alpha.md": _chapter("Alpha", texts["theirs"])}, base.lock, T2)
    ours_text, theirs_text = lockfile.dumps(a.lock).splitlines(), lockfile.dumps(b.lock).splitlines()
    union = ours_text + [line for line in theirs_text if line not in ours_text]
    merged = lockfile.parse("\n".join(union) + "\n")
    plan = _resolve(tmp_path / "m", {"01-alpha.md": _chapter("Alpha", texts[merged_text])}, merged, T2)
    assert plan.identities["alpha/what-is-a-shard"].modified > T2
    assert plan.updated == ["alpha/what-is-a-shard"]
