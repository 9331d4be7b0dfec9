"""The lock file: fuzzy threshold, one-to-one matching, merges, reproducible builds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE

from compiler.anki import lock as lockfile
from compiler.anki.identity import FUZZY_THRESHOLD, similarity
from compiler.anki.lock import Entry, LockError
from compiler.build import pipeline
from compiler.model.backend import Options

T1, T2 = 1_700_000_000, 1_700_086_400


def _entry(prompt: str, answer: str, key: str = "k", guid: str = "g") -> Entry:
    return Entry(key, guid, 1, 1, "fp", "content", prompt, answer)


# (old question, old answer, new question, new answer): edits people make
SAME_CARD = [
    ("What is the maximum size of a record's data blob?", "1 MB.",
     "How large can a record's data blob be at most?", "1 MB."),
    ("Which kind of learning uses unlabeled data?", "Unsupervised learning.",
     "What kind of learning works on unlabeled data?", "Unsupervised learning."),
    ("What does a data record consist of?", "sequence number | partition key | data blob",
     "Which parts make up a data record?", "sequence number | partition key | data blob"),
    ("Wich kind of learning uses unlabeled data?", "Unsupervised learning.",
     "Which kind of learning uses unlabeled data?", "Unsupervised learning. Clustering is one."),
]  # fmt: skip
# look-alike cards that are different cards (from the shipped and sample courses)
DIFFERENT_CARDS = [
    ("Producer", "Something that writes data into the stream.",
     "Consumer", "An application that reads and processes the stream."),
    ("What are categorical features?", "Features whose values come from a fixed set of categories.",
     "What are continuous features?", "Features whose values are numbers on a continuous scale."),
    ("Structured data",
     "Data with a defined schema – the information needed to interpret it, "
     "namely attribute names and their data types.",
     "Unstructured data", "Data with no defined schema or structural properties; most collected data is of this kind."),
    ("Stream video from cameras", "Video Streams | Built for video, audio and radar",
     "Load logs straight into S3", "Firehose | Delivers to a final destination"),
]  # fmt: skip


@pytest.mark.parametrize(("old_q", "old_a", "new_q", "new_a"), SAME_CARD)
def test_everyday_edits_score_above_the_threshold(old_q: str, old_a: str, new_q: str, new_a: str) -> None:
    assert similarity(_entry(old_q, old_a), new_q, new_a) >= FUZZY_THRESHOLD


@pytest.mark.parametrize(("old_q", "old_a", "new_q", "new_a"), DIFFERENT_CARDS)
def test_look_alike_cards_score_below_the_threshold(old_q: str, old_a: str, new_q: str, new_a: str) -> None:
    assert similarity(_entry(old_q, old_a), new_q, new_a) < FUZZY_THRESHOLD


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("studyc.lock"))
    return dst


def _build(src: Path, out: Path, at: int, formats: list[str] | None = None) -> pipeline.Result:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", str(at))
    try:
        result = pipeline.build(src, out, formats or ["anki"], Options(source_root=src), lock=src / "studyc.lock")
    finally:
        mp.undo()
    assert not result.failed(False) and result.plan is not None
    return result


def test_never_two_cards_to_one_entry(tmp_path: Path) -> None:
    src = _copy(SAMPLE, tmp_path / "src")
    _build(src, tmp_path / "out", T1)
    notes = src / "02-modeling.md"
    old = "Q: Which kind of learning uses unlabeled data?\n\nA: Unsupervised learning.\n"
    # the card is reworded, and a near copy of it appears next to it
    twins = (
        "Q: What kind of learning uses unlabeled data?\n\nA: Unsupervised learning.\n\n"
        "Q: Which kind of learning works on unlabeled data?\n\nA: Unsupervised learning.\n"
    )
    notes.write_text(notes.read_text().replace(old, twins))
    plan = _build(src, tmp_path / "out", T2).plan
    assert plan is not None
    assert len(plan.added) == 1 and len(plan.renamed) == 1 and not plan.removed
    guids = [e.guid for e in plan.lock.entries]
    assert len(guids) == len(set(guids))


def test_lock_reader_keeps_both_sides_of_a_conflict() -> None:
    base = "version\t1\n"
    a = "card\ta/one\tGUIDA\t1000\t1\tf1\tc1\tOne?\tyes\n"
    b = "card\tb/two\tGUIDB\t2000\t2\tf2\tc2\tTwo?\tno\n"
    merged = base + "<<<<<<< HEAD\n" + a + "=======\n" + b + ">>>>>>> other\n"
    lock = lockfile.parse(merged)
    assert [e.key for e in lock.entries] == ["a/one", "b/two"]
    # the same card added on both branches keeps one identity: the older one
    same = base + a + a.replace("GUIDA\t1000", "GUIDZ\t3000")
    assert [(e.guid, e.nid) for e in lockfile.parse(same).entries] == [("GUIDA", 1000)]


def test_malformed_lock_line_names_the_line() -> None:
    with pytest.raises(LockError, match=r"studyc.lock:2: malformed line"):
        lockfile.parse("version\t1\ncard\tonly-two-columns\n")


def _git(repo: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(cmd, cwd=repo, check=True, capture_output=True, text=True).stdout


def test_two_branches_adding_cards_merge_into_a_valid_lock(tmp_path: Path) -> None:
    repo = _copy(SAMPLE, tmp_path / "repo")
    (repo / ".gitattributes").write_text("studyc.lock merge=union\n")  # as docs/updating.md recommends
    _git(repo, "init", "-q")
    _build(repo, tmp_path / "out", T1)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    added = {
        "a": ("01-streams.md", "## Exam tips", "## Shards again\n\nQ: What is a shard?\n\nA: A unit of capacity.\n\n"),
        "b": ("02-modeling.md", "## Exam tips", "## Features\n\nQ: What is a feature?\n\nA: An input.\n\n"),
    }
    guid_of: dict[str, str] = {}
    for branch, (name, anchor, text) in added.items():
        _git(repo, "checkout", "-qb", branch, "main")
        path = repo / name
        path.write_text(path.read_text().replace(anchor, text + anchor, 1))
        plan = _build(repo, tmp_path / f"out-{branch}", T2 + (branch == "b")).plan
        assert plan is not None and len(plan.added) == 1
        guid_of[plan.added[0]] = plan.identities[plan.added[0]].guid
        _git(repo, "commit", "-qam", f"add a card on {branch}")
    _git(repo, "checkout", "-q", "a")
    _git(repo, "merge", "-q", "--no-edit", "b")
    merged = lockfile.read(repo / "studyc.lock")
    assert {k: e.guid for e in merged.entries for k in guid_of if e.key == k} == guid_of
    plan = _build(repo, tmp_path / "out-merged", T2 + 10).plan
    assert plan is not None
    assert (len(plan.added), len(plan.removed), len(plan.updated)) == (0, 0, 0)
    assert (repo / "studyc.lock").read_text() == lockfile.dumps(merged)


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    src = _copy(SAMPLE, tmp_path / "src")
    _build(src, tmp_path / "one", T1, ["json", "anki"])
    # later clock, same notes and lock: same bytes
    _build(src, tmp_path / "two", T2, ["json", "anki"])
    one = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    assert set(one) == {"sample.json", "sample.schema.json", "sample.apkg"}
    assert one == two


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from compiler.app.cli import main

    src = _copy(SAMPLE, tmp_path / "src")
    _build(src, tmp_path / "out", T1)
    lock_before = (src / "studyc.lock").read_bytes()
    notes = src / "02-modeling.md"
    card = "Q: Which kind of learning uses unlabeled data?\n\nA: Unsupervised learning.\n"
    assert card in notes.read_text()
    notes.write_text(notes.read_text().replace(card, ""))
    capsys.readouterr()
    assert main(["build", str(src), "-o", str(tmp_path / "dry"), "--format", "anki", "--dry-run"]) == 0
    out = capsys.readouterr().out  # the plan is a result: stdout
    assert "notes: 0 added, 0 updated, 8 unchanged, 1 removed" in out
    removed = lockfile.read(src / "studyc.lock").entries
    gone = next(e for e in removed if e.key == "modeling/which-kind-of-learning-uses-unlabeled-data")
    assert f"nid:{gone.nid}" in out
    assert not (tmp_path / "dry").exists()
    assert (src / "studyc.lock").read_bytes() == lock_before


def test_modified_times_rise_only_with_content_even_with_an_older_epoch(tmp_path: Path) -> None:
    src = _copy(SAMPLE, tmp_path / "src")
    first = _build(src, tmp_path / "out", T2).plan
    assert first is not None
    assert {e.modified for e in first.lock.entries} == {T2}  # SOURCE_DATE_EPOCH stamps new cards
    notes = src / "02-modeling.md"
    notes.write_text(
        notes.read_text().replace("A: Unsupervised learning.", "A: Clustering.")
        + "\n## More\n\nQ: What is a label?\n\nA: The target.\n"
    )
    plan = _build(src, tmp_path / "out", T1).plan  # a clock that went backwards
    assert plan is not None
    times = {e.key: e.modified for e in plan.lock.entries}
    [changed] = plan.updated
    [added] = plan.added
    assert times[changed] == T2 + 1  # still newer than what Anki has
    assert times[added] == T1
    assert all(times[k] == T2 for k in plan.unchanged)
    assert plan.note_types == first.note_types  # templates unchanged: note types keep their time
