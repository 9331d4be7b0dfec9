"""One ``studyc lsp`` per test module on a copy of the sample course, and the two ways to write coverage.

Test modules import the fixtures (``course``, ``client``, ``docs``, ``form``); each module
gets its own server. ``02-modeling.md`` covers its tip with a ``::: covers labels``
region; ``attribute_form`` rewrites it the older way, ``covers="labels"`` on each card.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from conftest import ROOT, SAMPLE
from lsp_helpers import Doc, make_client
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from compiler.build import pipeline
from compiler.model.ir import Course


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("lsp") / "sample"
    shutil.copytree(SAMPLE, target)
    return target


SERVER = ClientServerConfig(
    # a short delay: each edit in a test waits for its check (the 300 ms default suits typing, not tests)
    server_command=[sys.executable, "-m", "compiler", "lsp", "--delay", "20"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT)},
    client_factory=make_client,
)


@pytest_lsp.fixture(scope="module", config=SERVER)
async def client(lsp_client: LanguageClient, course: Path) -> Any:
    params = lsp.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=course.as_uri())
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.fixture(scope="module")
def docs(client: LanguageClient, course: Path) -> Callable[[str], Doc]:
    opened: dict[str, Doc] = {}

    def get(name: str) -> Doc:
        if name not in opened:
            opened[name] = Doc(client, course / name)
        return opened[name]

    return get


async def fresh(docs: Callable[[str], Doc], name: str) -> Doc:
    """The document with its text as on disk, and no diagnostics."""
    doc = docs(name)
    assert await doc.set(doc.original) == []
    return doc


def checks_clean(course: Path, name: str, text: str, tmp_path: Path) -> Course:
    """Check a copy of the course with ``text`` saved, as ``studyc check`` does: no diagnostics it would print."""
    copy = tmp_path / "course"
    shutil.copytree(course, copy)
    (copy / name).write_text(text, encoding="utf-8")
    result = pipeline.check(copy)
    shown = [d for d in result.diagnostics.sorted() if not d.code.verbose_only]  # what check prints without -v
    assert result.course is not None and shown == []
    return result.course


# -- the two ways to write coverage ------------------------------------------------------------

REGION = "::: covers labels"
ATTRIBUTE = '{covers="labels"}'


def attribute_form(text: str) -> str:
    """02-modeling.md as it was before regions: ``covers="labels"`` on each card's attribute line."""
    steps = [
        (f"{REGION}\n\n{{#labeled-vs-unlabeled ", '{#labeled-vs-unlabeled covers="labels" '),
        ("Q: Which kind of learning", f"{ATTRIBUTE}\nQ: Which kind of learning"),
        ("Unsupervised learning.\n\n:::\n", "Unsupervised learning.\n"),
    ]
    for old, new in steps:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture(params=["region", "attribute"])
def form(request: pytest.FixtureRequest) -> tuple[str, str, Callable[[str], str]]:
    """(form, the line naming the tip ``labels``, 02-modeling.md's text in that form)."""
    if request.param == "region":
        return "region", REGION, lambda text: text
    return "attribute", ATTRIBUTE, attribute_form


Form = tuple[str, str, Callable[[str], str]]


async def in_form(docs: Callable[[str], Doc], form: Form) -> tuple[Doc, str, int]:
    """02-modeling.md in this form (checked clean), the line naming ``labels`` and where the id starts on it."""
    doc = await fresh(docs, "02-modeling.md")
    _, covers, convert = form
    assert await doc.set(convert(doc.original)) == []
    return doc, covers, covers.index("labels")
