"""``studyc lsp`` end to end: a real LSP client (pytest-lsp) talks to the server over stdin/stdout.

One server for the module, on a copy of the sample course (see lsp_course.py). Every test sets the
text of the documents it uses, so the tests run in any order; expectations are
written from the sample's Markdown by hand (or read from a real ``studyc check``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lsp_course import ATTRIBUTE, REGION, Form, attribute_form, client, course, docs, form, fresh, in_form
from lsp_helpers import REGISTERED, VERSIONS, Doc, until
from lsprotocol import types as lsp
from pytest_lsp import LanguageClient

from compiler.build import pipeline
from compiler.model.ir import iter_tips

pytestmark = pytest.mark.asyncio(loop_scope="module")
FIXTURES = (client, course, docs, form)  # pytest finds them by name in this module


# -- diagnostics ---------------------------------------------------------------------------


async def test_typing_a_mistyped_tip_shows_the_check_diagnostic_on_the_id_then_clears(docs: Any, form: Form) -> None:
    doc, covers, start = await in_form(docs, form)
    written = doc.text
    line = doc.line(covers)
    found = await doc.set(written.replace(covers, covers.replace("labels", "lables")))
    if form[0] == "region":  # the region was the tip's only coverage: the tip is now uncovered as well
        assert sorted(d.code for d in found if isinstance(d.code, str)) == ["coverage.no-cards", "coverage.unknown-tip"]
        found = [d for d in found if d.code == "coverage.unknown-tip"]
    assert [(d.code, d.severity, d.source) for d in found] == [("coverage.unknown-tip", 1, "studyc")]
    assert "'lables'" in found[0].message
    assert found[0].range == lsp.Range(lsp.Position(line, start), lsp.Position(line, start + 6))  # just the id
    assert await doc.set(written) == []


async def test_a_mistyped_second_id_on_a_region_line_is_the_one_marked(docs: Any) -> None:
    doc = await fresh(docs, "02-modeling.md")
    line = doc.line(REGION)
    # "label" is a prefix of "labels": the diagnostic must land on the second word, not inside the first,
    # and end there (another id follows)
    found = await doc.set(doc.original.replace(REGION, f"{REGION} label shard-facts"))
    assert [(d.code, d.range) for d in found] == [
        ("coverage.unknown-tip", lsp.Range(lsp.Position(line, len(REGION) + 1), lsp.Position(line, len(REGION) + 6)))
    ]
    assert await doc.set(doc.original) == []


async def test_a_diagnostic_covers_its_line_and_uses_utf16_columns(docs: Any) -> None:
    doc = await fresh(docs, "02-modeling.md")
    # an answer without a question: card.stray-answer at that line, from column 1 to the end of the text
    text = doc.original.replace("> [!NOTE]", "A: An answer nobody asked for.\n\n> [!NOTE]")
    found = await doc.set(text)
    line = doc.line("A: An answer nobody")
    assert [(d.code, d.range) for d in found] == [
        (
            "card.stray-answer",
            lsp.Range(lsp.Position(line, 0), lsp.Position(line, len("A: An answer nobody asked for."))),
        )
    ]
    # an emoji is two UTF-16 units: the mistyped id after it starts one unit later than its code point
    found = await doc.set(attribute_form(doc.original).replace(ATTRIBUTE, '{tags="🙂" covers="lables"}'))
    start, line = len('{tags="🙂" covers="') + 1, doc.line('{tags="🙂"')
    assert [(d.code, d.range) for d in found if d.code == "coverage.unknown-tip"] == [
        ("coverage.unknown-tip", lsp.Range(lsp.Position(line, start), lsp.Position(line, start + 6)))
    ]
    assert await doc.set(doc.original) == []


async def test_a_problem_in_another_file_is_published_there_and_cleared(docs: Any, course: Path) -> None:
    streams = await fresh(docs, "01-streams.md")
    more = course / "03-more.md"  # never opened: the server reads it from disk
    more.write_text(
        "# More\n\n{#partition-key}\nQ: What is a partition key for?\n\nA: It groups records into shards.\n"
    )
    try:
        assert await streams.set(streams.original + "\n") == []
        # the same card id in 01-streams.md (read first) makes the card in 03-more.md the duplicate
        assert await streams.set(streams.original.replace("{#record-size}", "{#partition-key}")) == []
        await until(lambda: bool(streams.client.diagnostics.get(more.as_uri())), "the diagnostic in 03-more.md")
        found = streams.client.diagnostics[more.as_uri()]
        assert VERSIONS[more.as_uri()] is None
        assert [(d.code, d.range.start.line) for d in found] == [("id.duplicate-card", 3)]  # its Q: line, 0-based
        assert await streams.set(streams.original) == []
        await until(lambda: list(streams.client.diagnostics[more.as_uri()]) == [], "03-more.md cleared")
    finally:
        more.unlink()


# -- completion, hover, definition, symbols ---------------------------------------------------


async def completions(doc: Doc, line: int, char: int) -> list[lsp.CompletionItem]:
    result = await doc.client.text_document_completion_async(
        lsp.CompletionParams(lsp.TextDocumentIdentifier(doc.uri), lsp.Position(line, char))
    )
    if isinstance(result, lsp.CompletionList):
        return list(result.items)
    return list(result or [])


async def test_completion_in_covers_lists_the_courses_tip_ids(docs: Any, course: Path, form: Form) -> None:
    doc, covers, start = await in_form(docs, form)
    partial = covers.replace("labels", "la")
    await doc.set(doc.text.replace(covers, partial))
    line = doc.line(partial)
    items = await completions(doc, line, start + 2)
    real = pipeline.check(course).course
    assert real is not None
    tips = [tip.id for _, _, tip in iter_tips(real)]
    assert sorted(item.label for item in items) == sorted(tips)
    first = min(items, key=lambda item: item.sort_text or "")
    assert first.label == "labels"  # this chapter's tip first
    assert isinstance(first.text_edit, lsp.TextEdit)
    assert first.text_edit.range == lsp.Range(lsp.Position(line, start), lsp.Position(line, start + 2))  # "la"


async def test_completion_on_a_region_line_starts_after_the_keyword_and_skips_written_ids(
    docs: Any, course: Path
) -> None:
    doc = await fresh(docs, "02-modeling.md")
    real = pipeline.check(course).course
    assert real is not None
    tips = sorted(tip.id for _, _, tip in iter_tips(real))
    line = doc.line(REGION)
    await doc.set(doc.original.replace(REGION, "::: covers "))
    items = await completions(doc, line, len("::: covers "))
    assert sorted(item.label for item in items) == tips
    assert await completions(doc, line, len("::: cov")) == []  # the keyword itself is not an id
    # after an id and a blank: a new, empty word; the id already written is not offered again
    await doc.set(doc.original.replace(REGION, f"{REGION}  shard-facts"))
    items = await completions(doc, line, len(REGION) + 1)
    assert sorted(item.label for item in items) == [t for t in tips if t not in ("labels", "shard-facts")]
    here = lsp.Position(line, len(REGION) + 1)
    assert [item.text_edit.range for item in items if isinstance(item.text_edit, lsp.TextEdit)] == [
        lsp.Range(here, here)
    ] * len(items)
    assert await completions(doc, doc.text.split("\n").index(":::"), 3) == []  # the closing marker names no tip
    await doc.set(doc.original)


async def test_completion_after_hash_offers_the_cards_own_id(docs: Any, form: Form) -> None:
    doc, _, _ = await in_form(docs, form)
    question = "Q: Which kind of learning uses unlabeled data?"
    above = "{#}" if form[0] == "region" else '{# covers="labels"}'
    text = doc.text.replace(f"{ATTRIBUTE}\n{question}", question).replace(question, f"{above}\n{question}")
    await doc.set(text)
    items = await completions(doc, doc.line(above), 2)
    assert [item.label for item in items] == ["which-kind-of-learning-uses-unlabeled-data"]


async def hover_text(doc: Doc, line: int) -> str:
    found = await doc.client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(doc.uri), lsp.Position(line, 3))
    )
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    return found.contents.value


async def test_hover_shows_each_cards_front_and_back(docs: Any) -> None:
    doc = await fresh(docs, "01-streams.md")
    basic = await hover_text(doc, doc.line("Q: What is the maximum size"))
    front, back = basic.split("*card 1: back*")
    assert "What is the maximum size of a record's data blob?" in front and "1 MB." not in front
    assert "1 MB." in back and "Extra: The blob is the payload" in back
    cloze = await hover_text(doc, doc.line("C: Records stay"))
    assert "Records stay in a stream for [...] by default, up to 7 days." in cloze  # card 1 hides c1
    assert "Records stay in a stream for 24 hours by default, up to [max]." in cloze  # card 2 shows the hint
    row = await hover_text(doc, doc.line("| Load logs straight"))
    assert "Task: Load logs straight into S3\nWhich service fits, and why?" in row
    assert "Service: Firehose\nWhy: Delivers to a final destination" in row
    term = await hover_text(doc, doc.line("Producer"))
    assert "*card 2 (reverse): front*\n\n```text\nSomething that writes data into the stream.\n```" in term
    items = await hover_text(doc, doc.line("Q: What does a data record consist of?"))
    assert "- sequence number\n- [...]\n- data blob" in items  # card 2 asks the second item


async def test_definition_goes_from_covers_to_the_tips_id_line(docs: Any, form: Form) -> None:
    doc, covers, start = await in_form(docs, form)
    line = doc.line(covers)
    found = await doc.client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(doc.uri), lsp.Position(line, start + 3))
    )
    tip_line = doc.line("{#labels}")
    assert found == lsp.Location(doc.uri, lsp.Range(lsp.Position(tip_line, 2), lsp.Position(tip_line, 8)))
    keyword = lsp.DefinitionParams(lsp.TextDocumentIdentifier(doc.uri), lsp.Position(line, 1))
    assert await doc.client.text_document_definition_async(keyword) is None  # '::' or '{c': no id there


async def test_symbols_nest_chapter_sections_cards_and_tips(docs: Any) -> None:
    doc = await fresh(docs, "01-streams.md")
    found = await doc.client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(doc.uri))
    )

    def tree(symbols: Any) -> list[Any]:
        return [(s.name, s.kind, tree(s.children or [])) for s in symbols]

    card, tip, sec = lsp.SymbolKind.Field, lsp.SymbolKind.Constant, lsp.SymbolKind.Namespace
    assert tree(found) == [
        (
            "Streams",
            lsp.SymbolKind.Module,
            [
                (
                    "Shards",
                    sec,
                    [
                        (
                            "Records",
                            sec,
                            [
                                ("What is the maximum size of a record's data blob?", card, []),
                                ("What does a data record consist of?", card, []),
                                ("Records stay in a stream for [...] by default, up to 7 days.", card, []),
                            ],
                        )
                    ],
                ),
                (
                    "Choosing a service",
                    sec,
                    [
                        ("Stream video from cameras", card, []),
                        ("Load logs straight into S3", card, []),
                        ("Producer", card, []),
                        ("Consumer", card, []),
                    ],
                ),
                ("Exam tips", sec, [("shard-facts", tip, []), ("which-service", tip, []), ("terms", tip, [])]),
            ],
        )
    ]
    records = found[0].children[0].children[0]  # type: ignore[index]
    assert records.selection_range.start.line == doc.line("### Records")
    assert records.children[0].range.start.line == doc.line("Q: What is the maximum")  # type: ignore[index]


async def test_hover_and_symbols_see_through_a_region(docs: Any) -> None:
    doc = await fresh(docs, "02-modeling.md")
    assert "Unsupervised learning." in await hover_text(doc, doc.line("Q: Which kind of learning"))
    for marker in (doc.line(REGION), doc.text.split("\n").index(":::")):
        where = lsp.HoverParams(lsp.TextDocumentIdentifier(doc.uri), lsp.Position(marker, 1))
        assert await doc.client.text_document_hover_async(where) is None  # a marker line is no card's
    found = await doc.client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(doc.uri))
    )
    assert [(s.name, [(c.name, [g.name for g in c.children or []]) for c in s.children or []]) for s in found] == [
        (
            "Modeling",
            [
                (
                    "Labels",
                    [
                        "How does labeled data differ from unlabeled data?",
                        "Which kind of learning uses unlabeled data?",
                    ],
                ),
                ("Exam tips", ["labels"]),
            ],
        )
    ]


# -- more than one course, and files outside any ------------------------------------------------


async def test_a_broken_course_md_is_reported_there_and_features_answer_nothing(
    client: LanguageClient, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "course.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    (other / "01-a.md").write_text("# A\n\nQ: Is this checked?\n\nA: Once course.md loads.\n", encoding="utf-8")
    doc = Doc(client, other / "01-a.md")
    assert await doc.diagnostics() == []
    course_md = (other / "course.md").as_uri()
    await until(lambda: course_md in client.diagnostics, "course.md's diagnostics")
    expected = [(d.line - 1, d.code.value) for d in pipeline.check(other).diagnostics.sorted()]  # as studyc check
    assert [(d.range.start.line, d.code) for d in client.diagnostics[course_md]] == expected
    assert "front-matter.syntax" in [code for _, code in expected]
    ident = lsp.TextDocumentIdentifier(uri=doc.uri)
    assert await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(ident)) == []
    assert await client.text_document_hover_async(lsp.HoverParams(ident, lsp.Position(2, 1))) is None


async def test_a_markdown_file_outside_any_course_gets_nothing(client: LanguageClient, tmp_path: Path) -> None:
    loose = tmp_path / "notes.md"
    loose.write_text("Q: Any course here?\n\nA: No.\n", encoding="utf-8")
    doc = Doc(client, loose)
    ident = lsp.TextDocumentIdentifier(uri=doc.uri)
    assert await client.text_document_hover_async(lsp.HoverParams(ident, lsp.Position(0, 1))) is None
    assert await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(ident)) == []
    assert doc.uri not in client.diagnostics


async def test_a_broken_studyc_toml_is_shown_once_and_the_defaults_are_used(
    client: LanguageClient, course: Path, tmp_path: Path
) -> None:
    third = tmp_path / "third"
    shutil.copytree(course, third)
    (third / "studyc.toml").write_text('formts = ["json"]\n', encoding="utf-8")
    before = len(client.messages)
    doc = Doc(client, third / "02-modeling.md")
    assert await doc.diagnostics() == []
    assert REGION in doc.original
    await doc.set(doc.original.replace(REGION, "::: covers lables"))
    found = await doc.set(doc.original.replace(REGION, "::: covers lable"))
    assert sorted(str(d.code) for d in found) == ["coverage.no-cards", "coverage.unknown-tip"]
    shown = [m for m in client.messages[before:] if "studyc.toml" in m.message]
    assert [(m.type, "did you mean 'formats'" in m.message) for m in shown] == [(lsp.MessageType.Warning, True)]


async def test_a_change_on_disk_is_checked_when_the_client_reports_it(
    client: LanguageClient, docs: Any, course: Path
) -> None:
    await fresh(docs, "02-modeling.md")  # the course is loaded
    watched = [r for r in REGISTERED if r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(watched) == 1  # the options arrive as JSON: the client cannot know their type
    assert "**/*.md" in [w["globPattern"] for w in watched[0].register_options["watchers"]]  # type: ignore[index]
    written = course / "04-disk.md"
    written.write_text("# Disk\n\nA: An answer with no question.\n", encoding="utf-8")
    try:
        event = lsp.FileEvent(uri=written.as_uri(), type=lsp.FileChangeType.Created)
        client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[event]))
        await until(lambda: bool(client.diagnostics.get(written.as_uri())), "the new file's diagnostics")
        assert [(d.code, d.range.start.line) for d in client.diagnostics[written.as_uri()]] == [
            ("card.stray-answer", 2)
        ]
    finally:
        written.unlink()
    event = lsp.FileEvent(uri=written.as_uri(), type=lsp.FileChangeType.Deleted)
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[event]))
    await until(lambda: list(client.diagnostics[written.as_uri()]) == [], "the deleted file cleared")
