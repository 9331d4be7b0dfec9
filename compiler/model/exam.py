"""A practice exam drawn like the real one: questions per domain by the domain weights.

The quiz page's script draws the same way in the browser (``templates/quiz/quiz.js``,
described in docs/quiz.md); the printable mock exam uses :func:`draw` with a generator
seeded by the course, so rebuilds print the same test.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence

from compiler.model.ir import Course, Question, iter_questions, question_domain


def quotas(course: Course, pools: dict[str | None, int], n: int) -> dict[str | None, int]:
    """Questions per domain: largest-remainder shares of the weights, capped by what each domain has.

    Questions without a weighted domain (key ``None`` or a 0 % domain) only fill what is left.
    """
    weighted = [d for d in course.domains if d.weight > 0 and pools.get(d.id)]
    total = sum(d.weight for d in weighted)
    ideal = {d.id: n * d.weight / total for d in weighted}
    quota: dict[str | None, int] = {d: min(math.floor(v), pools[d]) for d, v in ideal.items()}
    left = n - sum(quota.values())
    while left > 0:
        open_ = [d.id for d in weighted if quota[d.id] < pools[d.id]]
        if not open_:
            break
        open_.sort(key=lambda d: -(ideal[d] - (quota[d] or 0)))
        for d in open_[:left]:
            quota[d] += 1
        left = n - sum(quota.values())
    rest = sum(count for d, count in pools.items() if d not in ideal)
    if left and rest:
        quota[None] = min(left, rest)
    return quota


def draw(course: Course, seed: str | None = None) -> list[tuple[str | None, Question]]:
    """An exam's worth of questions with their domains, drawn by weight and shuffled (seeded: reproducible)."""
    gen = random.Random(int.from_bytes(hashlib.sha256((seed or course.slug).encode("utf-8")).digest()[:8], "big"))
    weighted = {d.id for d in course.domains if d.weight > 0}
    by_domain: dict[str | None, list[Question]] = {}
    for chapter, _, question in iter_questions(course):
        domain = question_domain(chapter, question)
        by_domain.setdefault(domain if domain in weighted else None, []).append(question)
    everything = sum(len(q) for q in by_domain.values())
    n = min(course.exam_format.questions or everything, everything)
    quota = quotas(course, {d: len(q) for d, q in by_domain.items()}, n)
    drawn: list[tuple[str | None, Question]] = []
    for domain, count in quota.items():
        drawn.extend((domain, q) for q in _sample(gen, by_domain.get(domain, []), count))
    gen.shuffle(drawn)
    return drawn


def _sample(gen: random.Random, questions: Sequence[Question], count: int) -> list[Question]:
    return gen.sample(list(questions), min(count, len(questions)))
