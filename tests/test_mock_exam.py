"""The printable mock exam: an exam's worth of questions drawn by domain weight, then an answer key.

Read back from the PDF with pypdf and checked against the course's JSON export: the number of
questions, the share of each domain, every key letter, the key on its own page, and identical
bytes on a rebuild.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from conftest import studyc
from pypdf import PdfReader
from test_quiz_browser import expected_quotas, questions_of, three_domains

LETTERS = "ABCD"


def build(src: Path, out: Path) -> tuple[bytes, dict[str, Any]]:
    proc = studyc("build", str(src), "-o", str(out), "--format", "mock-exam,json", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    course = json.loads((out / "weighted.json").read_text(encoding="utf-8"))
    return (out / "weighted-mock-exam.pdf").read_bytes(), course


def test_mock_exam_questions_and_answer_key(tmp_path: Path) -> None:
    src = three_domains(tmp_path)
    pdf, course = build(src, tmp_path / "out")
    questions = questions_of(course)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    [key_page] = [i for i, text in enumerate(pages) if "Answer key" in text]
    body, key = "\n".join(pages[:key_page]), "\n".join(pages[key_page:])
    assert "10 questions · 20 minutes · scored 100–1000, pass mark 700" in " ".join(body.split())
    assert not re.search(r"Which \w+ option \d+ fits", key)  # the key starts on a page of its own

    # number → the question printed under it (stems are unique in this course)
    printed = dict(re.findall(r"^(\d+)\. (Which \w+ option \d+ fits\?)", body, flags=re.M))
    assert sorted(int(n) for n in printed) == list(range(1, 11))
    by_stem = {}
    for chapter in course["chapters"]:
        for block in chapter["blocks"]:
            if block["kind"] == "question":
                by_stem[block["stem"]["markdown"].removesuffix(" (Choose two.)")] = block["id"]
    drawn = [by_stem[printed[str(n)]] for n in range(1, 11)]
    assert len(set(drawn)) == 10
    domains: dict[str | None, int] = {}
    for qid in drawn:
        domains[questions[qid]["domain"]] = domains.get(questions[qid]["domain"], 0) + 1
    assert domains == expected_quotas(course, questions, 10)

    answers = dict(re.findall(r"^(\d+)\. ([A-D](?:, [A-D])*)", key, flags=re.M))
    for n, qid in enumerate(drawn, start=1):
        assert answers[str(n)] == ", ".join(LETTERS[i] for i in questions[qid]["right"]), n
    assert key.count("Because ") == 10  # every explanation is in the key

    again, _ = build(src, tmp_path / "again")
    assert again == pdf
