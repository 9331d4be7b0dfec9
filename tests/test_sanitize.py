"""Raw HTML in notes: the allow-list keeps study formatting, drops everything that can run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.frontend import parse_file
from compiler.model.diagnostics import Code
from compiler.model.doc import Text
from compiler.settings import Limits
from compiler.text.html import HtmlRenderer
from compiler.text.sanitize import sanitize, unsafe_parts

MEDIA = "studyc-0123456789abcdef0123.png"

HOSTILE = {
    "<script>alert(1)</script>": "<script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>": "<script>",
    '<img src=x onerror="alert(1)">': "onerror= handler",
    '<div onmouseover="alert(1)">x</div>': "onmouseover= handler",
    '<a href="javascript:alert(1)">x</a>': "javascript: URL",
    '<a href="  JaVaScRiPt:alert(1)">x</a>': "javascript: URL",
    '<a href="java&#x09;script:alert(1)">x</a>': "javascript: URL",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>': "data: URL",
    '<a href="vbscript:msgbox(1)">x</a>': "vbscript: URL",
    '<iframe src="https://evil.example"></iframe>': "<iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>': "<iframe>",
    "<style>body { background: url(https://evil.example) }</style>": "<style>",
    "<object data=x.swf></object>": "<object>",
    "<embed src=x.swf>": "<embed>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example">': "<meta>",
    '<base href="https://evil.example/">': "<base>",
    '<form action="https://evil.example"><button>go</button></form>': "<form>",
    "<svg><script>alert(1)</script></svg>": "<svg>",
    '<img src="../../etc/passwd">': "<img src>",
    '<img src="https://evil.example/track.png">': "<img src>",
}
SAFE = [
    "<kbd>Ctrl</kbd>+<kbd>C</kbd>",
    "H<sub>2</sub>O and x<sup>2</sup>",
    "<mark>key</mark> <abbr title='Kinesis Data Streams'>KDS</abbr>",
    "<table><tr><th>a</th></tr><tr><td>b</td></tr></table>",
    "<details><summary>x</summary>y</details>",
    '<a href="https://example.com">docs</a>',
    f'<img src="{MEDIA}" alt="diagram">',
    "<div style='color: red'>styled</div>",
]
RUNNABLE = ["<script", "onerror", "onmouseover", "javascript:", "vbscript:", "data:", "<iframe", "<style", "<object"]
RUNNABLE += ["<embed", "<meta", "<base", "<form", "<svg", "etc/passwd", "evil.example", "alert("]


@pytest.mark.parametrize("fragment", list(HOSTILE), ids=list(HOSTILE.values()))
def test_hostile_html_is_removed_and_named(fragment: str) -> None:
    cleaned = sanitize(fragment).lower()
    for needle in RUNNABLE:
        assert needle not in cleaned, cleaned
    assert any(part.startswith(HOSTILE[fragment]) for part in unsafe_parts(fragment))


@pytest.mark.parametrize("fragment", SAFE)
def test_study_formatting_is_kept_and_not_warned(fragment: str) -> None:
    assert unsafe_parts(fragment) == []
    cleaned = sanitize(fragment)
    for tag in ("kbd", "sub", "sup", "mark", "abbr", "table", "a href", "img"):
        if f"<{tag}" in fragment:
            assert f"<{tag}" in cleaned


def test_links_keep_their_target_and_get_noopener() -> None:
    assert sanitize('<a href="https://example.com">docs</a>') == (
        '<a href="https://example.com" rel="noopener noreferrer">docs</a>'
    )


def test_only_checked_media_names_survive_as_image_sources() -> None:
    assert f'src="{MEDIA}"' in sanitize(f'<img src="{MEDIA}">')
    assert "src" not in sanitize('<img src="images/pic.png">')


def _html(node: Any) -> list[str]:
    """Every text in a dumped IR tree, rendered to HTML (and every raw HTML piece the tree keeps)."""
    if isinstance(node, dict):
        own = [HtmlRenderer().text(Text.model_validate(node))] if node.get("kind") == "text" else []
        raw = [v for k, v in node.items() if k == "html" and isinstance(v, str)]
        return own + raw + [h for v in node.values() for h in _html(v)]
    if isinstance(node, list):
        return [h for v in node for h in _html(v)]
    return []


def test_every_place_html_can_appear_is_sanitized_and_warned(tmp_path: Path) -> None:
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    note = "\n".join(
        [
            "---",
            "title: Hostile",
            "---",
            f"Prose {payload}",
            "",
            f"Q: Front {payload}",
            "",
            f"A: Back {payload}",
            "",
            "::: extra",
            f"Extra {payload}",
            ":::",
            "",
            f"C: Cloze {{{{c1::x}}}} {payload}",
            "",
            "Q: List?",
            "",
            f"- item {payload}",
            "",
            f"Term {payload}",
            f": Definition {payload}",
            "",
            '{.cards front="A"}',
            "| A | B |",
            "|---|---|",
            f"| cell {payload} | other |",
            "",
            "{#tip}",
            "> [!TIP]",
            f"> Tip {payload}",
            "",
            payload,
            "",
        ]
    )
    result = parse_file(tmp_path, "01-hostile.md", note, Limits())
    blocks = [b.model_dump(mode="json") for b in result.blocks]
    htmls = _html(blocks)
    assert len(htmls) >= 12
    for html in htmls:
        for needle in ("<script", "onerror", "alert("):
            assert needle not in html.lower(), html
    warned = sorted({d.line for d in result.diagnostics if d.code is Code.HTML_UNSAFE})
    assert warned == [4, 6, 8, 11, 14, 18, 20, 21, 26, 30, 32]


def test_course_description_is_sanitized(tmp_path: Path) -> None:
    result = parse_file(tmp_path, "course.md", "---\ntitle: T\nexam: E\n---\nAbout <script>x()</script>.\n", Limits())
    assert result.body is not None
    assert [h for h in _html(result.body.model_dump(mode="json")) if "<script" in h or "x()" in h] == []
    assert [(d.line, d.code) for d in result.diagnostics] == [(5, Code.HTML_UNSAFE)]
