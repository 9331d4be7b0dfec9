"""The quiz page's file, without a browser: self-contained, deterministic, and holding every question."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

from conftest import ROOT, studyc


class Loads(HTMLParser):
    """Every URL the page itself would load (scripts, styles, images, frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and "src" not in found:
            self.inline_scripts += 1
        for key in ("src", "srcset", "data") if tag != "a" else ():
            if found.get(key):
                self.urls.append(str(found[key]))
        if tag == "link" and found.get("href"):
            self.urls.append(str(found["href"]))


def test_page_is_self_contained_deterministic_and_complete(tmp_path: Path) -> None:
    src = Path(shutil.copytree(ROOT / "source", tmp_path / "source"))
    pages = []
    for out in (tmp_path / "one", tmp_path / "two"):
        proc = studyc("build", str(src), "-o", str(out), "--format", "quiz,json", "--no-cache")
        assert proc.returncode == 0, proc.stderr
        pages.append((out / "aws-ml-specialty-quiz.html").read_bytes())
    assert pages[0] == pages[1]  # an unchanged rebuild is byte-identical
    html = pages[0].decode("utf-8")
    parser = Loads()
    parser.feed(html)
    assert parser.inline_scripts == 2 and parser.urls == []  # data and script inline, nothing loaded
    match = re.search(r'<script type="application/json" id="quiz-data">(.*?)</script>', html, flags=re.S)
    assert match is not None
    data = json.loads(match.group(1))
    course = json.loads((tmp_path / "one" / "aws-ml-specialty.json").read_text(encoding="utf-8"))
    ids = re.findall(r'"kind": "question"', json.dumps(course, indent=1))
    assert len(data["questions"]) == len(ids) > 0
    assert data["format"] == {"questions": 65, "duration_minutes": 180, "scale": [100, 1000], "passing_score": 750}
    for q in data["questions"]:
        assert sum(o["correct"] for o in q["options"]) >= 1 and len(q["options"]) >= 3
        assert all(t in data["tips"] for t in q["tips"]) and all(c in data["cards"] for c in q["cards"])
