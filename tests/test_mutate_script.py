"""`make mutate`'s groups point at real modules and tests, and docs/testing.md lists them as they are."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from conftest import ROOT


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutate_script", ROOT / "scripts" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_group_names_existing_modules_and_tests() -> None:
    groups = _script().GROUPS
    for name, (modules, tests) in groups.items():
        missing = [p for p in (*modules, *tests) if not (ROOT / p).is_file()]
        assert not missing, f"group {name}: {missing}"
        assert all(p.startswith("compiler/") for p in modules) and all(p.startswith("tests/test_") for p in tests)


def test_docs_list_the_groups_as_the_script_has_them() -> None:
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    section = text[text.index("## Mutation testing") : text.index("### Scores")]
    rows = re.findall(r"^\| (\w+) \| (.+?) \| (.+?) \|$", section, re.M)
    documented = {g: (re.findall(r"`([^`]+)`", m), re.findall(r"`([^`]+)`", t)) for g, m, t in rows if g != "group"}
    expected = {
        name: ([p.removeprefix("compiler/") for p in modules], [p.removeprefix("tests/") for p in tests])
        for name, (modules, tests) in _script().GROUPS.items()
    }
    assert documented == expected


def test_equivalent_mutants_are_read_from_the_survivor_list() -> None:
    names = _script().equivalents()
    assert names, "docs/mutation-survivors.md lists no equivalent mutant"
    assert all(re.fullmatch(r"compiler\.[\w.ǁ]+__mutmut_\d+", n) for n in names)


def test_the_score_leaves_out_equivalent_survivors_and_unchecked_mutants() -> None:
    found = {"m_1": "killed", "m_2": "survived", "m_3": "survived", "m_4": "not checked", "m_5": "timeout"}
    result = _script().score("g", found, {"m_3"}, 12.0)
    # killed and timed out count as killed; m_3 is explained as equivalent; m_4 was never run
    assert (result["killed"], result["total"], result["equivalent"], result["score"]) == (2, 3, 1, 66.7)


DRIVER = """import os
import pytest

ARGS = ["-q", "-c", "pytest.ini", "-p", "mutate_profile", "-p", "no:cacheprovider", "-p", "no:xdist"]
pytest.main([*ARGS, "test_loop.py::test_fast"])  # imports the plugin here, as mutmut's clean run does
pid = os.fork()  # a mutant's run: a child of that process
if pid == 0:
    os._exit(pytest.main([*ARGS, "test_loop.py::test_fast", "test_loop.py::test_loop"]))
print("\\nexit", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
"""


def test_a_test_that_loops_in_a_mutants_run_is_stopped_by_its_own_cpu_cap(tmp_path: Path) -> None:
    (tmp_path / "mutate_profile.py").write_text(_script().HYPOTHESIS_PROFILE, encoding="utf-8")
    durations = {"test_loop.py::test_fast": 0.001, "test_loop.py::test_loop": 0.001}  # clean times
    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": durations}), encoding="utf-8")
    loop = "def test_fast():\n    pass\n\n\ndef test_loop():\n    while True:\n        pass\n"
    (tmp_path / "test_loop.py").write_text(loop, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "drive.py").write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    # without the cap the loop runs until this wall-clock bound fails the test
    run = subprocess.run(
        [sys.executable, "drive.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    # stopped by SIGXCPU, which mutmut reports as "timeout"
    assert run.stdout.strip().splitlines()[-1] == f"exit {-signal.SIGXCPU}", run.stdout + run.stderr
