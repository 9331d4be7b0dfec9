"""Synthetic course generator for the benchmark, in studyc's format and in the peers' formats.

One chapter file holds exactly ``CARDS_PER_FILE`` IR cards of every kind: Q/A
cards (≈0.5 KB with lists, tables, inline code, fenced code and extras), list,
cloze, definition and table-row cards, plus one covered exam tip per section.
The same cards are written as:

- ``studyc/``: the course studyc builds;
- ``floor.json``: front/back Markdown per card, for the floor script;
- ``mad/``: markdown-anki-decks (``## question`` headings, one deck per file);
- ``ankdown/``: ankdown (``front % back ---``).

Output is deterministic for a given size (fixed seed), so runs are comparable.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

CARDS_PER_FILE = 100
SECTIONS_PER_FILE = 10  # each section: 10 cards and one exam tip

WORDS = [
    "stream",
    "shard",
    "record",
    "partition",
    "key",
    "producer",
    "consumer",
    "buffer",
    "batch",
    "window",
    "latency",
    "throughput",
    "retention",
    "replica",
    "bucket",
    "object",
    "prefix",
    "lifecycle",
    "encryption",
    "endpoint",
    "model",
    "feature",
    "label",
    "training",
    "inference",
    "tuning",
    "metric",
    "recall",
    "precision",
    "sample",
    "schema",
    "catalog",
    "crawler",
    "job",
    "query",
    "table",
    "column",
    "index",
    "cluster",
    "node",
    "instance",
    "volume",
    "snapshot",
    "policy",
    "role",
    "account",
    "region",
    "zone",
]
SERVICES = ("Kinesis", "Firehose", "Glue", "Athena", "EMR", "SageMaker", "Redshift", "Lambda", "S3", "DynamoDB")
API_NAMES = ("PutRecord", "GetRecords", "CreateStream", "StartJob", "InvokeEndpoint", "ListObjects")


@dataclass
class FileCards:
    """One generated chapter: its studyc text and the same cards in flat form."""

    studyc: str
    flat: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, front Markdown, back Markdown) per IR card."""


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _sentence(rng: random.Random, n: int) -> str:
    text = _words(rng, n)
    return text[0].upper() + text[1:] + "."


def _answer(rng: random.Random, i: int) -> str:
    """≈400 bytes of answer: a paragraph plus a list, a table or code, in rotation."""
    svc = SERVICES[i % len(SERVICES)]
    api = API_NAMES[i % len(API_NAMES)]
    para = f"{svc} uses `{api}` for this; {_words(rng, 26)}. {_sentence(rng, 12)}"
    variant = i % 4
    if variant == 0:
        items = "\n".join(f"- {_words(rng, 5)} with `{rng.choice(API_NAMES)}`" for _ in range(4))
        return f"{para}\n\n{items}"
    if variant == 1:
        rows = "\n".join(f"| {rng.choice(SERVICES)} | {_words(rng, 4)} | {rng.randint(1, 500)} MB |" for _ in range(3))
        return f"{para}\n\n| Service | Use | Limit |\n|---|---|---|\n{rows}"
    if variant == 2:
        code = f"client = boto3.client('{svc.lower()}')\nresponse = client.{api.lower()}(Limit={rng.randint(1, 99)})"
        return f"{para}\n\n```python\n{code}\n```"
    return f"{para} {_sentence(rng, 16)}\n\n1. {_words(rng, 6)}\n2. {_words(rng, 6)}\n3. {_words(rng, 6)}"


def chapter(index: int, rng: random.Random) -> FileCards:
    """The ``index``-th chapter file: exactly ``CARDS_PER_FILE`` cards."""
    tag = f"topic{index}"
    out = [
        f"---\ntitle: Topic {index} {rng.choice(SERVICES)}\ndomain: d{index % 3}\ntags: [bench, {tag}]\n---",
        f"{_sentence(rng, 30)}",
    ]
    flat: list[tuple[str, str, str]] = []
    n = 0  # card number within the file, keeps derived ids unique
    for s in range(SECTIONS_PER_FILE):
        tip = f"t{index}-{s}"
        out.append(f'{{covers="{tip}"}}\n## Section {s} on {rng.choice(WORDS)}')
        kind = s % 5
        # 10 cards per section: 6 Q/A and 4 of one other kind, rotating over the kinds
        for _ in range(6):
            n += 1
            q = f"What does {rng.choice(SERVICES)} do with the {_words(rng, 4)} in case {n}?"
            a = _answer(rng, n)
            attrs = f'{{#c{index}-{n} tags="t{n % 7}"}}\n' if n % 5 == 0 else ""
            extra = f"\n\n::: extra\n{_sentence(rng, 14)}\n:::" if n % 9 == 0 else ""
            out.append(f"{attrs}Q: {q}\n\nA: {a}{extra}")
            flat.append(("basic", q, a))
        if kind == 0:  # four list cards
            for _ in range(4):
                n += 1
                q = f"Which steps does {rng.choice(SERVICES)} take for {_words(rng, 3)} ({n})?"
                items = "\n".join(f"- {_words(rng, 5)}" for _ in range(4))
                out.append(f"Q: {q}\n\n{items}")
                flat.append(("list", q, items))
        elif kind == 1:  # four cloze cards
            for _ in range(4):
                n += 1
                c = (
                    f"A {rng.choice(WORDS)} in {rng.choice(SERVICES)} holds up to {{{{c1::{rng.randint(1, 999)} MB}}}} "
                    f"for {{{{c2::{_words(rng, 2)}::hint}}}}, case {n}; {_words(rng, 10)}."
                )
                out.append(f"C: {c}")
                flat.append(("cloze", c, ""))
        elif kind == 2:  # one definition list of four terms
            terms = []
            for _ in range(4):
                n += 1
                term, definition = f"Term {n} {rng.choice(WORDS)}", _sentence(rng, 14)
                terms.append(f"{term}\n: {definition}")
                flat.append(("definition", term, definition))
            out.append("{.reverse}\n" + "\n\n".join(terms))
        elif kind == 3:  # a table of four row cards
            rows = []
            for _ in range(4):
                n += 1
                task, svc, why = f"Task {n}: {_words(rng, 6)}", rng.choice(SERVICES), _words(rng, 8)
                rows.append(f"| {task} | {svc} | {why} |")
                flat.append(("table_row", f"**Task:** {task} — Which service fits?", f"**Service:** {svc}, {why}"))
            out.append(
                '{.cards front="Task" ask="Which service fits?"}\n| Task | Service | Why |\n|---|---|---|\n'
                + "\n".join(rows)
            )
        else:  # four more Q/A cards, one of them reversed
            for k in range(4):
                n += 1
                q, a = f"Which {rng.choice(WORDS)} limit applies to case {n}?", _sentence(rng, 10)
                out.append(f"{{.reverse}}\nQ: {q}\n\nA: {a}" if k == 0 else f"Q: {q}\n\nA: {a}")
                flat.append(("basic", q, a))
        out.append(f"---\n\n{_sentence(rng, 20)}")
        out.append(f"{{#{tip}}}\n> [!TIP]\n> Know {_words(rng, 8)} for section {s}.")
    assert n == CARDS_PER_FILE == len(flat)
    return FileCards(studyc="\n\n".join(out) + "\n", flat=flat)


COURSE_MD = """---
title: Benchmark Course
exam: Benchmark Exam (BEN-01)
slug: bench
domains:
  - id: d0
    name: Domain Zero
    weight: 30
  - id: d1
    name: Domain One
    weight: 30
  - id: d2
    name: Domain Two
    weight: 40
---
A synthetic course generated by benchmarks/corpus.py.
"""


def _mad(title: str, flat: list[tuple[str, str, str]]) -> str:
    """markdown-anki-decks: ``# deck``, then ``## question`` and the answer below it."""
    parts = [f"# {title}"]
    for _kind, front, back in flat:
        parts.append(f"## {front}\n\n{back}" if back else f"## {front}")
    return "\n\n".join(parts) + "\n"


def _ankdown(flat: list[tuple[str, str, str]]) -> str:
    """ankdown: front, ``%``, back; cards separated by ``---``."""
    return "\n\n---\n\n".join(f"{front}\n\n%\n\n{back or front}" for _kind, front, back in flat) + "\n"


#: The generated answers are long and templated on purpose (they load the printables' layout and the
#: parser); the quality checks still run on them, but their warnings would keep every rebuild from
#: being stamped (a build with warnings is never stamped), so the corpus silences them.
STUDYC_TOML = 'suppress_warnings = ["quality.long-answer", "quality.near-duplicate", "quality.cloze-giveaway"]\n'


def generate(dest: Path, cards: int, peers: bool = True) -> Path:
    """Write the corpus of ``cards`` cards under ``dest`` (replaced); returns ``dest``."""
    if cards % CARDS_PER_FILE:
        raise ValueError(f"cards must be a multiple of {CARDS_PER_FILE}")
    if dest.exists():
        shutil.rmtree(dest)
    studyc = dest / "studyc"
    studyc.mkdir(parents=True)
    (studyc / "course.md").write_text(COURSE_MD, encoding="utf-8")
    (studyc / "studyc.toml").write_text(STUDYC_TOML, encoding="utf-8")
    floor: list[list[str]] = []
    for i in range(cards // CARDS_PER_FILE):
        rng = random.Random(i)  # per-file seed: file i is the same at every size
        got = chapter(i, rng)
        name = f"{i:05d}-topic-{i}.md"
        (studyc / name).write_text(got.studyc, encoding="utf-8")
        floor.extend([kind, front, back] for kind, front, back in got.flat)
        if peers:
            for sub, text in (("mad", _mad(f"Topic {i}", got.flat)), ("ankdown", _ankdown(got.flat))):
                (dest / sub).mkdir(exist_ok=True)
                (dest / sub / name).write_text(text, encoding="utf-8")
    (dest / "floor.json").write_text(json.dumps(floor), encoding="utf-8")
    return dest


def main(argv: list[str]) -> int:
    """``python -m benchmarks.corpus DEST CARDS``."""
    if len(argv) != 2:
        print("usage: python -m benchmarks.corpus DEST CARDS", file=sys.stderr)
        return 2
    dest = generate(Path(argv[0]), int(argv[1]))
    size = sum(p.stat().st_size for p in (dest / "studyc").glob("*.md"))
    print(f"{dest}: {argv[1]} cards, {size / 1024:.0f} KiB of notes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
