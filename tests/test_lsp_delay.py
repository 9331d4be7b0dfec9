"""``studyc lsp --delay MS``: how long the server waits after the last edit before it checks."""

from __future__ import annotations

import asyncio

import pytest
from conftest import SAMPLE, studyc_here

from compiler.app.lsp import DELAY_MS, server


def test_delay_reaches_the_server_and_defaults_to_the_documented_value(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[float] = []
    monkeypatch.setattr(server.server, "start_io", lambda: started.append(server.server.delay))
    monkeypatch.setattr(server.server, "delay", 0.0)
    assert studyc_here("lsp", "--delay", "1250").returncode == 0
    assert studyc_here("lsp").returncode == 0
    assert started == [1.25, DELAY_MS / 1000]
    assert f"(default: {DELAY_MS})" in " ".join(studyc_here("lsp", "--help").stdout.split())


@pytest.mark.parametrize("value", ["x", "-5", "1.5", ""])
def test_a_delay_that_is_not_whole_milliseconds_is_a_usage_error(value: str) -> None:
    proc = studyc_here("lsp", "--delay", value)
    assert proc.returncode == 2
    assert f"argument --delay: expected whole milliseconds (0 or more), got {value!r}" in proc.stderr


def test_an_edit_is_checked_once_the_delay_has_passed_and_a_new_edit_restarts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lsp = server.StudycServer()
    lsp.delay = 0.4
    checked: list[float] = []
    monkeypatch.setattr(lsp, "refresh", lambda state: checked.append(asyncio.get_running_loop().time()))
    uri = (SAMPLE / "01-streams.md").as_uri()

    async def type_twice() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        lsp.edited(uri)
        await asyncio.sleep(0.2)
        second = loop.time()
        lsp.edited(uri)  # before the first timer fired: it starts again
        await asyncio.sleep(0.8)
        return second, loop.time()

    second, end = asyncio.run(type_twice())
    assert len(checked) == 1
    assert second + 0.4 <= checked[0] < end
    assert lsp.courses[SAMPLE.resolve()].dirty
