"""Property: a cached build is byte-identical to a ``--no-cache`` build of the same final state.

Hypothesis drives ``studyc build`` (``python -m compiler``, each build a process of
its own, forked from a server that imported studyc once: see ``SERVER``) through a few
states that differ in every setting that can change an output: ``--paper``,
``--deck-depth``, ``--format``, ``SOURCE_DATE_EPOCH``, every ``studyc.toml`` key
(``out``, ``formats``, ``paper``, ``deck_depth``, ``strict`` and the three
``limits``), the templates and the notes. After the last state the cached
build (stamp, parse cache and output cache all in play) must give the same exit
code, the same outputs byte for byte and the same lock as a ``--no-cache``
build of a copy of the same folder.

studyc runs from a private copy of ``compiler/`` and ``templates/`` so the
templates can change without touching the checkout. ``STUDYC_DROP_KEY=<name>``
removes one setting from the cache keys in that copy (see ``DROPS`` and ``KEY_DROPS``): the
property must then fail, which is how docs/testing.md shows the test has teeth.
PDF formats take seconds each, so most states build json/csv/anki only.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

T1, T2, T3 = 1_700_000_000, 1_750_000_000, 1_800_000_000
OUTS = ("build", "public")

#: name → (file in the copied package, text, replacement): one input taken out of a cache key.
DROPS: dict[str, tuple[str, str, str]] = {
    "limits_parse": ("compiler/build/cache.py", "code_hash(parsing=True), repr(limits),", "code_hash(parsing=True),"),
    "templates": ("compiler/build/stamp.py", "if templates.is_dir() and not parsing:", "if False:"),
}
#: name → (module in the copied package, its key function, the entry dropped from what it returns). The
#: keys are derived from the settings' declaration (compiler/model/keys.py); this wraps the derivation.
KEY_DROPS: dict[str, tuple[str, str, str]] = {
    "source_date_epoch": ("compiler/build/cache.py", "options_key", "env.SOURCE_DATE_EPOCH"),
    "deck_depth_output": ("compiler/build/cache.py", "options_key", "deck_depth"),
    "paper_stamp": ("compiler/build/stamp.py", "settings_key", "paper"),
    "deck_depth_stamp": ("compiler/build/stamp.py", "settings_key", "deck_depth"),
    "strict_stamp": ("compiler/build/stamp.py", "settings_key", "strict"),
}


def drop(root: Path, name: str) -> None:
    """Take the input ``name`` (a key of DROPS or KEY_DROPS) out of a cache key in the copy at ``root``."""
    if name in DROPS:
        file, text, replacement = DROPS[name]
        code = (root / file).read_text(encoding="utf-8")
        assert text in code, f"STUDYC_DROP_KEY={name}: {text!r} is no longer in {file}"
        (root / file).write_text(code.replace(text, replacement), encoding="utf-8")
        return
    file, function, entry = KEY_DROPS[name]
    from compiler.build.cache import options_key
    from compiler.build.stamp import settings_key
    from compiler.model.backend import Options
    from compiler.settings import Config

    derived = {"options_key": options_key(Options(source_root=root)), "settings_key": settings_key(Config())}
    assert entry in derived[function], f"STUDYC_DROP_KEY={name}: {function}() has no {entry!r}"
    wrapper = f"""

_derived_{function} = {function}


def {function}(*args: Any) -> dict[str, Any]:  # STUDYC_DROP_KEY={name}
    key = _derived_{function}(*args)
    del key[{entry!r}]
    return key
"""
    with (root / file).open("a", encoding="utf-8") as fh:
        fh.write(wrapper)


# PDF formats take seconds each: a few states build the cheat sheet, most build json/csv/anki only
FORMAT_FLAGS = [None, "json,csv,anki", "anki", "csv", "json", "json,csv", "anki,cheatsheet"]
TOML_FORMATS = [None, ["json", "csv", "anki"], ["anki"], ["csv"], ["json", "cheatsheet"]]
#: Limits that make the build fail are listed once among several that do not, so most states build.
NEVER, OFTEN = None, 1 << 20

#: Every setting a state can vary and its values; ``None`` is "flag not given" / "key not in studyc.toml".
OPTIONS: dict[str, list[Any]] = {
    "formats": FORMAT_FLAGS,
    "paper": [None, "letter", "a4"],  # the sample's own paper is a4: letter first, so a change shows
    "deck_depth": [None, 1, 2, 3],
    "epoch": [T1, T2, T3],
    "template": [0, 1, 2],
    "notes": [0, 1, 2],  # 1: an edited answer; 2: also a warning (fails with strict)
    "toml.out": [None, *OUTS],
    "toml.formats": TOML_FORMATS,
    "toml.paper": [None, "letter", "a4"],
    "toml.deck_depth": [None, 1, 2, 3, 4],
    "toml.strict": [None, False, True],
    # the smallest values fail the build: the notes are over 1 KiB, nest 6 deep and show a 2 KiB image
    "toml.limits.max_file_bytes": [NEVER, 1024, OFTEN, NEVER],
    "toml.limits.max_nesting": [NEVER, 4, 40, NEVER],
    "toml.limits.max_image_bytes": [NEVER, 1024, OFTEN, NEVER],
}


@st.composite
def scenarios(draw: Any) -> list[dict[str, Any]]:
    """A first state, then one or two more that each change one or two settings of the one before.

    Changing few settings at a time is what finds a setting missing from a cache key: when
    everything changes at once, some other change invalidates the cache and hides the bug.
    """
    states = [{key: draw(st.sampled_from(values)) for key, values in OPTIONS.items()}]
    for _ in range(draw(st.integers(1, 2))):
        nxt = dict(states[-1])
        for key in draw(st.lists(st.sampled_from(sorted(OPTIONS)), min_size=1, max_size=2, unique=True)):
            nxt[key] = draw(
                st.sampled_from(sorted({repr(v): v for v in OPTIONS[key] if v != nxt[key]}.values(), key=repr))
            )
        states.append(nxt)
    return states


#: Runs ``python -m compiler`` once per line it reads (JSON: args, cwd, env, out, err), each time in a
#: process of its own forked from this one, which has imported studyc and WeasyPrint once: imports
#: are most of the CPU of a build of the sample. It imports only: every cache, lru_cache and setting
#: a build reads starts empty in each fork, as in a new process, and the build's environment and
#: folder are set before it runs. Replies with each run's exit code.
SERVER = """
import importlib, json, os, runpy, sys
from compiler.model.backend import REGISTRY
for module in ("compiler.app.cli", "compiler.build.pipeline", "weasyprint", "pypdf", *REGISTRY.values()):
    importlib.import_module(module)
for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, job["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                                (2, job["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
            os.dup2(os.open(path, flags, 0o600), fd)
        os.chdir(job["cwd"])
        os.environ.clear()
        os.environ.update(job["env"])
        sys.argv = ["compiler", *job["args"]]
        runpy.run_module("compiler", run_name="__main__", alter_sys=True)  # exits as `python -m compiler` does
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status), flush=True)
"""


class Studyc:
    """A private copy of studyc (code and templates) at ``root``, run by a :data:`SERVER` process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYC_") and k != "SOURCE_DATE_EPOCH"}
        env.update(PYTHONPATH=str(root), NO_COLOR="1")
        self.env = env
        self.server = subprocess.Popen(
            [sys.executable, "-c", SERVER], cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def run(self, args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """``python -m compiler ARGS`` in ``cwd`` with the server's environment plus ``env``."""
        assert self.server.stdin is not None and self.server.stdout is not None
        out, err = cwd.parent / "stdout.txt", cwd.parent / "stderr.txt"
        job = {"args": args, "cwd": str(cwd), "env": {**self.env, **env}, "out": str(out), "err": str(err)}
        self.server.stdin.write(json.dumps(job) + "\n")
        self.server.stdin.flush()
        ready, _, _ = select.select([self.server.stdout], [], [], 300)
        assert ready, f"studyc {' '.join(args)} ran over 5 minutes"
        reply = self.server.stdout.readline()
        assert reply, "the build server died"
        return subprocess.CompletedProcess(args, int(reply), out.read_text(), err.read_text())

    def close(self) -> None:
        if self.server.stdin is not None:
            self.server.stdin.close()
        self.server.wait(timeout=60)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studyc]:
    """A private copy of studyc (code and templates), with ``STUDYC_DROP_KEY`` applied."""
    root = tmp_path_factory.mktemp("studyc")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "compiler", root / "compiler", ignore=ignore)
    shutil.copytree(ROOT / "templates", root / "templates", ignore=ignore)
    name = os.environ.get("STUDYC_DROP_KEY")
    if name:
        drop(root, name)
    studyc = Studyc(root)
    yield studyc
    studyc.close()


TEMPLATE_FILES = ("anki/style.css", "print/base.css")


def apply(src: Path, package: Path, originals: dict[str, str], s: dict[str, Any]) -> None:
    """Put the notes, studyc.toml and templates into state ``s``."""
    for name in TEMPLATE_FILES:
        extra = f"\n/* template variant {s['template']} */\n" if s["template"] else ""
        (package / "templates" / name).write_text(originals[name] + extra, encoding="utf-8")
    streams = originals["01-streams.md"]
    if s["notes"] >= 1:
        streams = streams.replace("A: 1 MB.", "A: 1 MiB.")
    if s["notes"] == 2:
        streams += "\nA stray {{c1::cloze}} warns.\n"
    (src / "01-streams.md").write_text(streams, encoding="utf-8")
    table = {k[5:]: v for k, v in s.items() if k.startswith("toml.") and v is not None}
    if s["formats"] is None and "formats" not in table:
        table["formats"] = ["json"]  # never all formats: the three PDFs would take ten seconds
    lines = [f"{key} = {_toml(value)}" for key, value in table.items() if not key.startswith("limits.")]
    if any(key.startswith("limits.") for key in table):
        lines.append("[limits]")
        lines += [f"{key[7:]} = {value}" for key, value in table.items() if key.startswith("limits.")]
    (src / "studyc.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return str(value)


def build(package: Studyc, src: Path, s: dict[str, Any], cached: bool) -> subprocess.CompletedProcess[str]:
    args = ["build", str(src), "-q"]
    if s["formats"] is not None:
        args += ["--format", s["formats"]]
    if s["paper"] is not None:
        args += ["--paper", s["paper"]]
    if s["deck_depth"] is not None:
        args += ["--deck-depth", str(s["deck_depth"])]
    if not cached:
        args.append("--no-cache")
    return package.run(args, src, {"SOURCE_DATE_EPOCH": str(s["epoch"])})


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output under ``folder`` except the cache."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".cache" not in p.relative_to(folder).parts
    }


def _codes(stderr: str) -> list[str]:
    return [line[line.rindex("[") :] for line in stderr.splitlines() if ": error: " in line or ": warning: " in line]


def run_scenario(states: list[dict[str, Any]], package: Studyc, work: Path) -> None:
    """Build every state but the last with the cache, then check the property on the last."""
    src = work / "src"
    shutil.copytree(SAMPLE, src, ignore=shutil.ignore_patterns("studyc.lock"))
    # something for each limit to bite on: a quote nested 6 deep, an image over 1 KiB
    with (src / "02-modeling.md").open("a", encoding="utf-8") as fh:
        fh.write("\n> > > > > > A deeply nested quote.\n")
    with (src / "images" / "pipeline.png").open("ab") as fh:
        fh.write(b"\0" * 2048)
    originals = {name: (package.root / "templates" / name).read_text(encoding="utf-8") for name in TEMPLATE_FILES}
    originals["01-streams.md"] = (src / "01-streams.md").read_text(encoding="utf-8")
    try:
        for s in states[:-1]:
            apply(src, package.root, originals, s)
            assert build(package, src, s, cached=True).returncode in (0, 1)
        final = states[-1]
        apply(src, package.root, originals, final)
        # the same final folder (notes, config, lock), without the earlier outputs and their cache
        full_src = work / "full"
        shutil.copytree(src, full_src, ignore=shutil.ignore_patterns(*OUTS))
        cached = build(package, src, final, cached=True)
        full = build(package, full_src, final, cached=False)
        assert cached.returncode == full.returncode, (cached.stderr, full.stderr)
        assert _codes(cached.stderr) == _codes(full.stderr)
        out = final["toml.out"] or "build"
        fresh = outputs(full_src / out)
        if full.returncode == 0:
            assert fresh, full.stderr
            got = outputs(src / out)
            # formats dropped by a later state leave their old files behind (studyc never deletes outputs)
            stale = sorted(name for name in fresh if got.get(name) != fresh[name])
            assert stale == [], f"cached build differs from --no-cache in {stale}"
            assert (src / "studyc.lock").read_bytes() == (full_src / "studyc.lock").read_bytes()
        else:
            assert fresh == {}
    finally:
        for name in TEMPLATE_FILES:
            (package.root / "templates" / name).write_text(originals[name], encoding="utf-8")
        shutil.rmtree(work, ignore_errors=True)


#: Settings that only the PDF formats read: their states always build the cheat sheet.
PDF_ONLY = {"paper", "toml.paper", "epoch", "template"}
NO_PDF_FLAGS = [f for f in FORMAT_FLAGS if f is None or "cheatsheet" not in f]
NO_PDF_TOML = [f for f in TOML_FORMATS if f is None or "cheatsheet" not in f]


@st.composite
def one_change(draw: Any, key: str) -> list[dict[str, Any]]:
    """A random state, then the same state with only ``key`` changed (its first alternative first)."""
    options = dict(OPTIONS)
    if key not in ("formats", "toml.formats"):
        # every format that can read the setting, so a stale one shows (json/csv/anki cost little)
        options.update(formats=["json,csv,anki,cheatsheet" if key in PDF_ONLY else "json,csv,anki"])
    else:
        options.update(formats=NO_PDF_FLAGS, **{"toml.formats": NO_PDF_TOML})
    first = {k: draw(st.sampled_from(values)) for k, values in options.items()}
    alternatives = sorted({repr(v): v for v in OPTIONS[key] if v != first[key]}.values(), key=OPTIONS[key].index)
    return [first, {**first, key: draw(st.sampled_from(alternatives))}]


@pytest.mark.parametrize("key", list(OPTIONS))
def test_changing_any_one_setting_keeps_cached_equal_to_full(key: str, package: Studyc, tmp_path_factory: Any) -> None:
    """Every setting on its own: a setting missing from a cache key shows up as a stale output here."""

    @settings(
        max_examples=int(os.environ.get("STUDYC_PROPERTY_EXAMPLES_PER_KEY", "1")),
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(states=one_change(key))
    def check(states: list[dict[str, Any]]) -> None:
        run_scenario(states, package, tmp_path_factory.mktemp("one"))

    check()


@settings(
    max_examples=int(os.environ.get("STUDYC_PROPERTY_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(states=scenarios())
def test_cached_build_equals_full_build_after_mixed_changes(
    states: list[dict[str, Any]], package: Studyc, tmp_path_factory: Any
) -> None:
    run_scenario(states, package, tmp_path_factory.mktemp("mixed"))


@pytest.mark.parametrize("name", [*DROPS, *KEY_DROPS])
def test_each_drop_takes_its_input_out(name: str, tmp_path: Path) -> None:
    """``STUDYC_DROP_KEY`` still finds what it drops (the property test would pass vacuously otherwise)."""
    file = (DROPS.get(name) or KEY_DROPS[name])[0]
    (tmp_path / file).parent.mkdir(parents=True)
    shutil.copy(ROOT / file, tmp_path / file)
    drop(tmp_path, name)
    code = (tmp_path / file).read_text(encoding="utf-8")
    assert code != (ROOT / file).read_text(encoding="utf-8")
    namespace: dict[str, Any] = {"__name__": "dropped", "__file__": str(ROOT / file)}
    exec(compile(code, file, "exec"), namespace)
    if name in KEY_DROPS:
        from compiler.model.backend import Options
        from compiler.settings import Config

        _, function, entry = KEY_DROPS[name]
        arg = Options(source_root=tmp_path) if function == "options_key" else Config()
        assert entry not in namespace[function](arg)
