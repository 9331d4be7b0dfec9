"""The cheat sheet's page budget: what is kept, in which order, and that the pages really are N.

A generated 1,000-card course (the benchmarks' corpus, not written for these tests)
and the shipped course are cut to a budget and laid out; pypdf counts the pages and
reads the text back.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import SOURCE, studyc_here
from pypdf import PdfReader

from benchmarks.corpus import generate
from compiler.build import pipeline
from compiler.model.ir import Course, iter_tips
from compiler.print import budget
from compiler.text.plain import plain

LEFT_OUT = re.compile(
    r"course\.md:1:1: info: cheat sheet: ([\d,]+) of 1,000 cards left out to fit 4 pages "
    r"\(the budget ran out at [a-z ]+\); "
    r"raise cheatsheet\.pages or mark key cards with \{\.key\} \[print\.left-out\]"
)


def _words(text: str) -> str:
    return " ".join(text.split())


def _pdf(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notes folder of a generated 1,000-card course."""
    return generate(tmp_path_factory.mktemp("big") / "corpus", 1000, peers=False) / "studyc"


def _course(src: Path) -> Course:
    course = pipeline.check(src).course
    assert course is not None
    return course


def test_thousand_cards_fit_four_pages_with_every_tip(big: Path, tmp_path: Path) -> None:
    proc = studyc_here("build", str(big), "-o", str(tmp_path), "--format", "cheatsheet", "--pages", "4")
    assert proc.returncode == 0, proc.stderr
    reader = _pdf(tmp_path / "bench-cheatsheet.pdf")
    assert 1 <= len(reader.pages) <= 4
    text = _words(" ".join(page.extract_text() or "" for page in reader.pages))
    tips = [_words(plain(tip.text)) for _, _, tip in iter_tips(_course(big))]
    assert len(tips) == 100
    assert [t for t in tips if t not in text] == []
    found = [m for line in proc.stderr.splitlines() if (m := LEFT_OUT.search(line))]
    assert len(found) == 1, proc.stderr
    left = int(found[0].group(1).replace(",", ""))
    assert 0 < left < 1000


def test_shipped_course_on_two_pages(tmp_path: Path) -> None:
    proc = studyc_here(
        "build", str(SOURCE), "-o", str(tmp_path), "--format", "cheatsheet", "--pages", "2", "--no-cache"
    )
    assert proc.returncode == 0, proc.stderr
    assert len(_pdf(tmp_path / "aws-ml-specialty-cheatsheet.pdf").pages) == 2
    assert "info: cheat sheet:" in proc.stderr and "to fit 2 pages" in proc.stderr


@pytest.mark.parametrize("pages", [1, 2, 4, 8])
def test_levels_fill_in_priority_order(big: Path, pages: int) -> None:
    course = _course(big)
    found = budget.items(course, "a4")
    chosen = budget.select(course, budget.capacity(pages, "a4"), "a4")
    kept_levels = {i.level for i in found if i.order in chosen.kept}
    assert budget.TIP in kept_levels and all(i.order in chosen.kept for i in found if i.level == budget.TIP)
    cut = chosen.cut_level
    assert cut is not None  # 1,000 cards never fit 8 pages
    # every level above the cut is whole, nothing below it is taken
    assert all(i.order in chosen.kept for i in found if i.level < cut)
    assert not any(i.order in chosen.kept for i in found if i.level > cut)

    def cost(chosen_items: list[budget.Item]) -> float:
        heads = {key: size for i in chosen_items for key, size in i.heads}
        return sum(i.height for i in chosen_items) + sum(heads.values())

    tips = cost([i for i in found if i.level == budget.TIP])  # tips are kept even past the budget
    assert cost([i for i in found if i.order in chosen.kept]) <= max(budget.capacity(pages, "a4"), tips)
    assert chosen.cards_total == 1000 and chosen.cards_left_out == 1000 - chosen.cards_kept


def test_more_pages_keep_more(big: Path) -> None:
    course = _course(big)
    kept = [budget.select(course, budget.capacity(p, "a4"), "a4").cards_kept for p in (1, 2, 4, 8, 16)]
    assert kept == sorted(kept) and kept[0] < kept[-1]


def test_key_cards_come_before_other_cards(big: Path, tmp_path: Path) -> None:
    last = sorted(big.glob("0*.md"))[-1]
    text = last.read_text(encoding="utf-8")
    # mark the last Q/A of the last chapter as key: without the mark it is left out
    question = list(re.finditer(r"(?<=\n\n)Q: .*$", text, flags=re.M))[-1]  # one without an attribute line
    marked = text[: question.start()] + "{.key}\n" + text[question.start() :]
    plain_course = _course(big)
    src = tmp_path / "notes"
    src.mkdir()
    for path in big.iterdir():
        (src / path.name).write_bytes(path.read_bytes())
    (src / last.name).write_text(marked, encoding="utf-8")
    course = _course(src)
    wanted = question.group(0)[3:]

    def kept_prompts(c: Course) -> list[str]:
        chosen = budget.select(c, budget.capacity(8, "a4"), "a4")  # cut among the cards that cover tips
        pruned = budget.prune(c, chosen.kept)
        return [plain(ctx.card.front) for ctx in _cards(pruned) if hasattr(ctx.card, "front")]

    assert wanted not in kept_prompts(plain_course)
    assert wanted in kept_prompts(course)
    key = [i for i in budget.items(course, "a4") if i.level == budget.KEY]
    assert len(key) == 1


def _cards(course: Course) -> list:  # type: ignore[type-arg]
    from compiler.model.ir import iter_cards

    return list(iter_cards(course))


def test_prune_keeps_whole_blocks_in_course_order(big: Path) -> None:
    course = _course(big)
    chosen = budget.select(course, budget.capacity(3, "a4"), "a4")
    pruned = budget.prune(course, chosen.kept)
    before = [i.block for i in budget.items(course, "a4") if i.order in chosen.kept]
    after = [i.block for i in budget.items(pruned, "a4")]
    assert after == before  # same blocks, unchanged, in the same order; empty sections dropped


def test_whole_course_fits_a_large_budget_unchanged() -> None:
    course = _course(SOURCE)
    chosen = budget.select(course, budget.capacity(30, "a4"), "a4")
    assert chosen.cut_level is None and chosen.cards_left_out == 0


def test_pages_flag_and_setting_are_checked(tmp_path: Path) -> None:
    proc = studyc_here("build", str(SOURCE), "-o", str(tmp_path), "--pages", "0")
    assert proc.returncode == 2 and "--pages must be between 1 and 100, got 0" in proc.stderr
    src = tmp_path / "notes"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    (src / "studyc.toml").write_text("[cheatsheet]\npage = 3\n", encoding="utf-8")
    proc = studyc_here("check", str(src))
    assert proc.returncode == 3 and "cheatsheet.page: unknown key (did you mean 'pages'?)" in proc.stderr


def test_short_one_liners_pack_together_and_long_ones_stand_alone(tmp_path: Path) -> None:
    from compiler.model.backend import Options
    from compiler.print import cheatsheet

    src = tmp_path / "notes"
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    short = "".join(f"Q: Port of service {i}?\n\nA: {8000 + i}\n\n" for i in range(6))
    long = "Q: " + "Why does the long question go on " * 4 + "?\n\nA: Because it explains itself at length.\n\n"
    (src / "01-ports.md").write_text(f"---\ntitle: Ports\n---\n## Ports\n\n{short}{long}{short}", encoding="utf-8")
    html = cheatsheet.render_html(_course(src), Options(source_root=src))
    runs = re.findall(r'<div class="qa-run">((?:<div class="qa">.*?</div>\s*)+)</div>', html, flags=re.S)
    assert len(runs) == 2  # the long card splits the stretch in two
    assert all(run.count('<div class="qa">') == 6 for run in runs)
    assert "Why does the long question" not in "".join(runs)


def _tall_course(src: Path, code_lines: int) -> int:
    """Cards, a code block of ``code_lines`` lines, one more card; returns the code block's line."""
    src.mkdir()
    (src / "course.md").write_text("---\ntitle: T\nexam: E\n---\n", encoding="utf-8")
    before = "".join(f"Q: Which port does service {i} use?\n\nA: Port {8000 + i}.\n\n" for i in range(8))
    code = "```json\n" + "".join(f'{{"line": {i}, "value": "v{i}"}}\n' for i in range(code_lines)) + "```\n\n"
    head = f"---\ntitle: Ports\n---\n## Ports\n\n{before}---\n\n"  # the rule ends the last answer
    after = "Q: Which port does the last service use?\n\nA: Port 9999.\n"
    (src / "01-ports.md").write_text(head + code + after, encoding="utf-8")
    return head.count("\n") + 1


def test_a_block_taller_than_a_page_is_left_out_and_stops_nothing(tmp_path: Path) -> None:
    """Kept whole, a block taller than a page ran over into pages past the budget (the Node.js
    documentation's 1,500 mm JSON report example made a 4-page sheet 6 pages, silently)."""
    src = tmp_path / "notes"
    line = _tall_course(src, 400)
    course = _course(src)
    found = budget.items(course, "a4")
    [tall] = [item for item in found if budget.page_height([item]) > budget.page_space("a4", first=False)]
    assert budget.page_height([tall]) < budget.capacity(2, "a4")  # the budget alone would have kept it
    chosen = budget.select(course, budget.capacity(2, "a4"), "a4", found)
    assert chosen.too_tall == [tall] and tall.order not in chosen.kept
    assert chosen.cards_left_out == 0 and chosen.cut_level is None  # the card after it is kept

    out = tmp_path / "out"
    proc = studyc_here("build", str(src), "-o", str(out), "--format", "cheatsheet", "--pages", "2", "-v")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        f"01-ports.md:{line}:1: info: cheat sheet: left out a block taller than a whole page (about "
        in proc.stdout + proc.stderr
    )
    reader = _pdf(out / "t-cheatsheet.pdf")
    assert len(reader.pages) <= 2
    text = _words(" ".join(page.extract_text() for page in reader.pages))
    assert "Port 9999" in text and '"line": 5' not in text
