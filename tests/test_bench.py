"""Smoke tests of the benchmark corpus generator and of parallel parsing (no timings asserted)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from compiler.checks import run_checks
from compiler.frontend import load_course
from compiler.frontend.parallel import _split
from compiler.model.ir import CARD_KINDS, iter_cards
from compiler.settings import load_config

sys.path.insert(0, str(ROOT))
from benchmarks.corpus import CARDS_PER_FILE, generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("bench") / "c300", 300)


def test_generated_course_is_clean_and_has_exactly_the_cards(corpus: Path) -> None:
    course, diags = load_course(corpus / "studyc", jobs=1)
    assert course is not None
    run_checks(course, diags)
    # the corpus's answers are long and templated on purpose; its studyc.toml silences those quality warnings
    diags.suppress(load_config(corpus / "studyc").suppress_warnings)
    # information (its card tables repeat one answer, so they make no exam questions) is no problem
    assert [d.format() for d in diags.items if d.severity != "info"] == []
    cards = [ctx.card for ctx in iter_cards(course)]
    assert len(cards) == 300
    assert {c.kind for c in cards} == set(CARD_KINDS)
    assert len(course.chapters) == 300 // CARDS_PER_FILE


def test_floor_and_peer_formats_hold_the_same_cards(corpus: Path) -> None:
    assert len(json.loads((corpus / "floor.json").read_text())) == 300
    mad = sum(p.read_text().count("\n## ") for p in (corpus / "mad").glob("*.md"))
    ankdown = sum(p.read_text().count("\n%\n") for p in (corpus / "ankdown").glob("*.md"))
    assert mad == ankdown == 300


def test_generator_is_deterministic(tmp_path: Path, corpus: Path) -> None:
    again = generate(tmp_path / "again", 300, peers=False)
    for path in (corpus / "studyc").glob("*.md"):
        assert (again / "studyc" / path.name).read_text() == path.read_text()


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_parse_gives_the_same_course_and_diagnostics(corpus: Path, jobs: int) -> None:
    for root in (corpus / "studyc", SAMPLE):
        serial, serial_diags = load_course(root, jobs=1)
        parallel, parallel_diags = load_course(root, jobs=jobs)
        assert serial is not None and parallel is not None
        assert parallel.model_dump_json() == serial.model_dump_json()
        assert [str(d) for d in parallel_diags.items] == [str(d) for d in serial_diags.items]


def test_split_keeps_file_order_and_every_file() -> None:
    items = [(f"{i:03d}.md", "x" * (i % 7 + 1) * 100) for i in range(50)]
    for jobs in (2, 3, 4):
        parts = _split(items, jobs)
        assert len(parts) == jobs
        assert [item for part in parts for item in part] == items


def test_timings_name_every_stage(tmp_path: Path) -> None:
    from compiler.build import pipeline
    from compiler.model.backend import Options

    timings: dict[str, float] = {}
    result = pipeline.build(SAMPLE, tmp_path, ["json"], Options(source_root=SAMPLE), timings=timings)
    assert not result.failed(strict=False)
    assert {"load", "parse", "ir", "checks", "identity", "backend:json", "write"} <= set(timings)


def test_fuzzy_candidates_match_like_all_pairs_on_a_mass_rewording(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compiler.anki import identity
    from compiler.anki.lock import Lock

    # one chapter: comparing all pairs, the reference, is slow
    original, reworded = tmp_path / "original", tmp_path / "reworded"
    for folder in (original, reworded):
        folder.mkdir()
        for name in ("course.md", "00000-topic-0.md"):
            text = (corpus / "studyc" / name).read_text()
            if folder is reworded:
                text = text.replace("Q: What does ", "Q: What do ").replace("Q: Which ", "Q: What ")
            (folder / name).write_text(text)
    course, _ = load_course(original, jobs=1)
    assert course is not None
    first = identity.resolve(course, Lock(), {}, at=1_700_000_000)
    changed, _ = load_course(reworded, jobs=1)
    assert changed is not None

    def guids() -> dict[str, str]:
        plan = identity.resolve(changed, first.lock, {}, at=1_700_000_100)
        return {key: ident.guid for key, ident in plan.identities.items()}

    monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", 10**9)
    all_pairs = guids()
    monkeypatch.setattr(identity, "FUZZY_ALL_PAIRS", 0)
    assert guids() == all_pairs
    assert set(all_pairs.values()) == {ident.guid for ident in first.identities.values()}


def test_shared_field_sets_do_not_leak_between_nodes(corpus: Path) -> None:
    course, _ = load_course(corpus / "studyc", jobs=1)
    assert course is not None
    cards = [ctx.card for ctx in iter_cards(course)]
    a, b = [c for c in cards if c.kind == "basic" and not c.explicit_id and c.extra is None][:2]
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__  # shared to save memory
    before = set(b.__pydantic_fields_set__)
    copy = a.model_copy(update={"tags": ("x",)})
    assert copy.tags == ("x",) and a.tags != ("x",)
    assert b.__pydantic_fields_set__ == before
