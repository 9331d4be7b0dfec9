"""The quiz page in a real browser: Playwright for Python driving Debian's Chromium.

The page is built by the CLI and opened from ``file://``. A whole exam-mode run is answered
through the page's own controls (the keyboard moves on), and the score, the per-domain and
per-tip breakdowns and the domain-weighted draw are checked against what this test works
out itself from the course's JSON export. A reload must keep the result and the practice
progress. A screenshot at phone width is saved next to the build (look at it).

Chromium comes from ``scripts/system-deps.sh`` (browser downloads are not possible here).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, studyc
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
#: Without the networking flags Chromium's connections are refused on a closed network.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}

THREE_DOMAINS_COURSE = """---
title: Three Domains
exam: Weighted (WGT-01)
slug: weighted
questions: 10
duration_minutes: 20
scale: [100, 1000]
passing_score: 700
domains:
  - id: data
    name: Data
    weight: 50
  - id: models
    name: Models
    weight: 30
  - id: ops
    name: Operations
    weight: 20
---
"""


def _chapter(domain: str, count: int, tip: str) -> str:
    parts = [f"---\ntitle: {domain.title()}\ndomain: {domain}\n---\n", f"{{#{tip}}}\n> [!TIP]\n> Know {domain}.\n"]
    for i in range(count):
        many = i % 4 == 3  # every fourth is a multiple-response question
        head = f"Q: Which {domain} option {i} fits? (Choose two.)" if many else f"Q: Which {domain} option {i} fits?"
        marks = ["x", "x", " ", " "] if many else [" ", "x", " ", " "]
        options = "\n".join(f"- [{m}] {domain} answer {i}.{k}" for k, m in enumerate(marks))
        parts.append(f'{{covers="{tip}"}}\n{head}\n\n{options}\n\n::: explain\nBecause {i}.\n:::\n')
    return "\n".join(parts)


def three_domains(root: Path) -> Path:
    src = root / "weighted"
    src.mkdir()
    (src / "course.md").write_text(THREE_DOMAINS_COURSE, encoding="utf-8")
    # a domain with fewer questions than its share, and a chapter without a domain that fills
    for name, body in {
        "01-data.md": _chapter("data", 9, "tip-data"),
        "02-models.md": _chapter("models", 2, "tip-models"),
        "03-ops.md": _chapter("ops", 5, "tip-ops"),
        "04-misc.md": _chapter("misc", 4, "tip-misc").replace("domain: misc\n", ""),
    }.items():
        (src / name).write_text(body, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/system-deps.sh (Debian's chromium package)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def build(src: Path, out: Path) -> tuple[Path, dict[str, Any]]:
    proc = studyc("build", str(src), "-o", str(out), "--format", "quiz,json", "--no-cache")
    assert proc.returncode == 0, proc.stderr
    [export] = [p for p in out.glob("*.json") if not p.name.endswith(".schema.json")]
    course = json.loads(export.read_text(encoding="utf-8"))
    return out / f"{course['slug']}-quiz.html", course


# -- what the page should do, worked out here from the JSON export ---------------------------------


def questions_of(course: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id → its counted domain, right option indexes and tips."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], domain: str | None) -> None:
        for block in node["blocks"]:
            if block["kind"] == "question":
                right = [i for i, o in enumerate(block["options"]) if o["correct"]]
                found[block["id"]] = {"domain": block["domain"] or domain, "right": right, "tips": block["covers"]}
        for sub in node["sections"]:
            walk(sub, domain)

    for chapter in course["chapters"]:
        walk(chapter, chapter["domain"])
    return found


def expected_quotas(course: dict[str, Any], questions: dict[str, dict[str, Any]], n: int) -> dict[str | None, int]:
    """Largest-remainder shares of the domain weights, capped by what each domain has (docs/quiz.md)."""
    pools: dict[str | None, int] = {}
    for q in questions.values():
        pools[q["domain"]] = pools.get(q["domain"], 0) + 1
    weighted = [d for d in course["domains"] if d["weight"] > 0 and pools.get(d["id"])]
    total = sum(d["weight"] for d in weighted)
    ideal = {d["id"]: n * d["weight"] / total for d in weighted}
    quota: dict[str | None, int] = {d: min(math.floor(v), pools[d]) for d, v in ideal.items()}
    left = n - sum(quota.values())
    while left > 0:
        open_ = [d["id"] for d in weighted if quota[d["id"]] < pools[d["id"]]]
        if not open_:
            break
        open_.sort(key=lambda d: -(ideal[d] - quota[d]))  # stable: course order breaks ties
        for d in open_[:left]:
            quota[d] += 1
        left = n - sum(quota.values())
    others = sum(c for d, c in pools.items() if d not in ideal)
    if left:
        quota[None] = min(left, others)
    return {d: c for d, c in quota.items() if c}


def answer_for(qid: str, right: list[int], options: int, position: int) -> list[int]:
    """Two of every three answers right; a wrong one picks the first wrong option."""
    if position % 3 != 2:
        return right
    return [next(i for i in range(options) if i not in right)]


# -- the run -----------------------------------------------------------------------------------------


#: The question on screen, read in one call: a run answers up to 65 of them, and each
#: separate query is a round trip to the browser.
QUESTION_STATE = """() => {
  const fieldset = document.querySelector('#question fieldset');
  const inputs = [...fieldset.querySelectorAll('input[name=answer]')];
  return {
    qid: fieldset.getAttribute('data-qid'),
    legend: document.querySelector('#question legend').innerText,
    types: inputs.map((input) => input.type),
    focus: document.activeElement.name,
    labels: inputs.map((_, i) => fieldset.querySelectorAll(`label[for=opt-${i}]`).length),
  };
}"""


def run_exam(page: Page, questions: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, list[int]]]:
    drawn: list[str] = []
    given: dict[str, list[int]] = {}
    total = int(re.search(r"of (\d+)", page.inner_text("#question legend")).group(1))  # type: ignore[union-attr]
    for position in range(total):
        fieldset = page.locator("#question fieldset")
        state = page.evaluate(QUESTION_STATE)
        qid = state["qid"]
        assert qid is not None and qid in questions and qid not in drawn
        assert state["legend"] == f"Question {position + 1} of {total}"
        q = questions[qid]
        kind = "checkbox" if len(q["right"]) > 1 else "radio"
        assert state["types"] and set(state["types"]) == {kind}
        # focus starts on the first option, and every option has a label the browser ties to it
        assert state["focus"] == "answer"
        assert state["labels"] == [1] * len(state["types"])
        chosen = answer_for(qid, q["right"], len(state["types"]), position)
        for i in chosen:
            fieldset.locator(f"label[for=opt-{i}]").click()  # a tap on the label checks the box
        drawn.append(qid)
        given[qid] = chosen
        if position < total - 1:
            page.keyboard.press("Enter")  # the form submits: next question, no page load
        else:
            assert not page.locator("#next").is_visible()
            page.locator("#finish").click()
    return drawn, given


def check_breakdown(page: Page, table: str, expected: dict[str, list[int]]) -> None:
    rows = page.locator(f"#{table}-breakdown tr[data-key]")
    got = {
        rows.nth(i).get_attribute("data-key") or "": [
            int(rows.nth(i).get_attribute("data-correct") or -1),
            int(rows.nth(i).get_attribute("data-total") or -1),
        ]
        for i in range(rows.count())
    }
    assert got == expected


def exam_case(case: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if case == "shipped course":
        # building writes studyc.lock next to the notes: build a copy
        return Path(shutil.copytree(ROOT / "source", tmp_path_factory.mktemp("shipped") / "source"))
    return three_domains(tmp_path_factory.mktemp("weighted"))


@pytest.mark.parametrize("case", ["shipped course", "three domains"])
def test_exam_run_in_a_real_browser(case: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("out")
    page_file, course = build(exam_case(case, tmp_path_factory), out)
    questions = questions_of(course)
    fmt = course["exam_format"]
    n = min(fmt["questions"] or len(questions), len(questions))
    assert questions and n > 0

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())

    page.locator("#start-exam").click()
    minutes = round(fmt["duration_minutes"] * n / fmt["questions"])
    h, m, s = (int(x) for x in page.inner_text("#timer").removeprefix("Time left ").split(":"))
    assert minutes * 60 - 5 <= h * 3600 + m * 60 + s <= minutes * 60
    assert not page.locator("#reference").is_visible()  # the tips would give answers away

    drawn, given = run_exam(page, questions)
    assert len(drawn) == n
    per_domain: dict[str | None, int] = {}
    for qid in drawn:
        per_domain[questions[qid]["domain"]] = per_domain.get(questions[qid]["domain"], 0) + 1
    assert per_domain == expected_quotas(course, questions, n)

    domains: dict[str, list[int]] = {}
    tips: dict[str, list[int]] = {}
    right = 0
    for qid in drawn:
        ok = sorted(given[qid]) == questions[qid]["right"]
        right += ok
        for key, table in [(questions[qid]["domain"] or "", domains), *((t, tips) for t in questions[qid]["tips"])]:
            table.setdefault(key, [0, 0])
            table[key][0] += ok
            table[key][1] += 1
    low, high = fmt["scale"]
    score = round(low + (high - low) * right / n)
    assert page.inner_text("#score") == f"{score} / {high}"
    verdict = "Pass" if score >= fmt["passing_score"] else "Fail"
    assert page.inner_text("#verdict") == f"{verdict} (pass mark {fmt['passing_score']})"
    assert page.inner_text("#correct-count") == f"{right} of {n} questions right."
    check_breakdown(page, "domain", domains)
    check_breakdown(page, "tip", tips)
    # nothing overflows a phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot = ROOT / "build" / "test-screenshots" / f"quiz-{case.replace(' ', '-')}-phone.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)

    # practice mode: feedback, the explanation and working links to the tip and the card
    page.locator("#results-home").click()
    page.locator("#start-practice").click()
    qid = page.locator("#question fieldset").get_attribute("data-qid") or ""
    page.locator("#question label[for=opt-0]").click()
    page.locator("#check").click()
    ok = questions[qid]["right"] == [0]
    feedback = page.inner_text("#feedback")
    assert feedback.startswith("Correct." if ok else "Not quite: the answer is ")
    for href in page.locator("#feedback a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert page.locator(f"[id='{href[1:]}']").count() == 1, href  # the tip or card is on the page
    page.screenshot(path=str(shot.with_name(shot.stem + "-practice.png")))

    page.reload()
    assert page.locator("#past-results li").count() == 1
    assert page.inner_text("#past-results li").startswith(f"{score} / {high} – {verdict.lower()}")
    assert page.inner_text("#practice-progress").startswith("Practice: 1 of ")
    assert problems == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    context.close()


def test_an_exam_in_progress_survives_a_reload(browser: Browser, tmp_path: Path) -> None:
    page_file, course = build(three_domains(tmp_path), tmp_path / "out")
    questions = questions_of(course)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(page_file.as_uri())
    assert not page.locator("#resume-exam").is_visible()
    page.locator("#start-exam").click()
    first = page.locator("#question fieldset").get_attribute("data-qid") or ""
    page.locator("#question label[for=opt-2]").click()
    page.keyboard.press("Enter")
    second = page.locator("#question fieldset").get_attribute("data-qid") or ""
    left_before = page.inner_text("#timer")
    page.reload()
    page.locator("#resume-exam").click()
    # back on the second question, the timer still counting down from the same deadline
    assert page.locator("#question fieldset").get_attribute("data-qid") == second
    assert page.inner_text("#timer") <= left_before
    page.locator("#prev").click()
    assert page.locator("#question fieldset").get_attribute("data-qid") == first
    checked = page.locator("#question input:checked")
    assert checked.count() == 1 and checked.get_attribute("value") == "2" and first in questions
    context.close()
