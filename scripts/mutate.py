"""`make mutate`: mutation testing (mutmut) of the modules where a bug costs users data or trust.

Each group mutates a few modules and runs only the tests that exercise them, so a group
finishes in bounded time. A group runs in ``build/mutate/<group>/`` (links to the checkout
plus a generated ``pyproject.toml`` holding that group's mutmut settings); the score per
module is printed and written to ``build/mutate/scores.json``.

    python scripts/mutate.py                 # every group
    python scripts/mutate.py identity stamp  # some groups
    python scripts/mutate.py --list          # the groups, their modules and tests

Survivors: ``cd build/mutate/<group> && mutmut results`` lists them, ``mutmut show NAME`` shows one.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutate"
#: Surviving mutants explained as equivalent (same behaviour as the original), one table row each.
EQUIVALENT = ROOT / "docs" / "mutation-survivors.md"

#: group → (modules to mutate, tests that check them). Tests that only drive studyc through a
#: subprocess are left out: mutmut can't see which mutant they cover.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "identity": (
        ["compiler/anki/identity.py", "compiler/anki/lock.py", "compiler/anki/align.py"],
        [
            "tests/test_lock_file.py",
            "tests/test_identity_match.py",
            "tests/test_align.py",
            "tests/test_identity_lock.py",
            "tests/test_identity.py",
        ],
    ),
    "stamp": (
        ["compiler/build/stamp.py", "compiler/build/cache.py", "compiler/model/atomic.py"],
        ["tests/test_stamp_digest.py", "tests/test_cache.py", "tests/test_atomic.py", "tests/test_stamp.py"],
    ),
    "anki": (
        [
            "compiler/anki/notes.py",
            "compiler/anki/package.py",
            "compiler/anki/models.py",
            "compiler/anki/backend.py",
        ],
        [
            "tests/test_anki_notes.py",
            "tests/test_anki_truth.py",
            "tests/test_anki_models.py",
            "tests/test_anki_tags.py",
            "tests/test_anki_oracle.py",
            "tests/test_anki.py",
            "tests/test_csv.py",
        ],
    ),
    "frontend": (
        [
            "compiler/frontend/cards.py",
            "compiler/frontend/cloze.py",
            "compiler/frontend/tables.py",
            "compiler/frontend/lower.py",
            "compiler/frontend/tree.py",
        ],
        [
            "tests/test_frontend_tree.py",
            "tests/test_frontend_cards.py",
            "tests/test_parser_fixtures.py",
            "tests/test_covers_region.py",
            "tests/test_friendly_errors.py",
            "tests/test_generate.py",
        ],
    ),
    "checks": (
        [
            "compiler/checks/__init__.py",
            "compiler/checks/coverage.py",
            "compiler/checks/ids.py",
            "compiler/checks/quality.py",
        ],
        [
            "tests/test_checks.py",
            "tests/test_diagnostics.py",
            "tests/test_course.py",
            "tests/test_quality.py",
            "tests/test_stats.py",
        ],
    ),
    "sanitize": (["compiler/text/sanitize.py"], ["tests/test_sanitize.py", "tests/test_text_render.py"]),
}
LINKS = ("compiler", "tests", "templates", "source", "docs")  # docs: tests check the code against them
PYTEST_ARGS = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "mutate_profile", "-x", "-q"]
#: A pytest plugin for the mutation runs: property tests draw fewer, fixed examples (the same
#: ones for every mutant, so a verdict never depends on luck) and keep no example database
#: (a failure found for one mutant must not be replayed against the next) and no deadline (on the
#: shared, loaded machine an example can wait 200 ms for a core: a flaky "deadline exceeded" would
#: count the mutant as killed, or fail the clean run). Each run also
#: empties studyc's ``functools`` caches: mutmut forks every mutant's run from a process that
#: already ran the tests, so a cached function (``sanitize_tag``, ``tag_shape``) would answer
#: with the original code's results and hide the mutant. A mutant's own run (a forked child)
#: may use at most 4 GB more memory than it started with: a mutant that appends forever must
#: fail with MemoryError, not take the shared machine's memory until its CPU limit ends it.
#: Each test of a mutant's run may also use only TEST_CPU_FACTOR times the CPU seconds its clean
#: run took (at least TEST_CPU_MIN): a mutant that loops is stopped (SIGXCPU, "timeout", as
#: mutmut's own limit does) in the first test it hangs, in seconds. mutmut's limit is for the
#: whole run, 30 times the clean time of *all* its tests, minutes for a widely used function.
HYPOTHESIS_PROFILE = """import json
import math
import os
import resource
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("mutate", max_examples=25, derandomize=True, database=None, deadline=None)
settings.load_profile("mutate")
PARENT = os.getpid()  # imported by the first test run, in mutmut's own process


def pytest_sessionstart(session):
    if os.getpid() != PARENT and sys.platform == "linux":
        with open("/proc/self/statm") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") + 4 * 2**30
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    for name, module in list(sys.modules.items()):
        if name == "compiler" or name.startswith("compiler."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


TEST_CPU_FACTOR, TEST_CPU_MIN = 10, 2  # seconds: a selected test takes milliseconds to a few seconds


DURATIONS = {}


def _clean_duration(nodeid):
    if not DURATIONS:  # read in each mutant's run: the stats are written after this was imported
        try:  # mutmut's stats, next to this file: each test's call time in the clean run
            stats = json.loads((Path(__file__).parent / "mutmut-stats.json").read_text(encoding="utf-8"))
            DURATIONS.update(stats["duration_by_test"])
        except (OSError, ValueError, KeyError):
            pass
    return DURATIONS.get(nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    clean = None if os.getpid() == PARENT else _clean_duration(item.nodeid)
    if clean is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = math.ceil(usage.ru_utime + usage.ru_stime + max(TEST_CPU_MIN, TEST_CPU_FACTOR * clean))
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
"""


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(group: str, keep: bool) -> Path:
    """The group's folder: links to this checkout (so a worktree mutates its own code) and
    its mutmut settings. ``keep`` keeps an earlier run's mutants and verdicts."""
    modules, tests = GROUPS[group]
    folder = WORK / group
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    for name in LINKS:
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    # mutmut puts mutants/ first on sys.path, so the plugin named in PYTEST_ARGS is found there
    (folder / "mutants").mkdir(exist_ok=True)
    (folder / "mutants" / "mutate_profile.py").write_text(HYPOTHESIS_PROFILE, encoding="utf-8")
    settings = folder / "pyproject.toml"
    if keep and settings.is_file():
        return folder  # the same settings, or mutmut would throw the earlier verdicts away
    settings.write_text(
        "\n".join(
            [
                "[tool.mutmut]",
                'source_paths = ["compiler"]',
                f"only_mutate = {_toml_list(modules)}",
                f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
                "pytest_add_cli_args = " + _toml_list(PYTEST_ARGS),
                'also_copy = ["templates", "source", "docs"]',
                "",
                "[tool.pytest.ini_options]",
                'testpaths = ["tests"]',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return folder


def statuses(folder: Path) -> dict[str, dict[str, str]]:
    """Module → mutant name → status, from mutmut's per-file results."""
    sys.path.insert(0, str(Path(sys.executable).parent))
    from mutmut.stats import status_by_exit_code  # mutmut is a test dependency

    out: dict[str, dict[str, str]] = {}
    for meta in sorted((folder / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        module = meta.relative_to(folder / "mutants").as_posix().removesuffix(".meta")
        out[module] = {name: status_by_exit_code[code] for name, code in data.get("exit_code_by_key", {}).items()}
    return out


def equivalents() -> set[str]:
    """Mutants explained as equivalent: the first column of the tables in EQUIVALENT."""
    if not EQUIVALENT.is_file():
        return set()
    return set(re.findall(r"^\| `([\w.ǁ]+__mutmut_\d+)`", EQUIVALENT.read_text(encoding="utf-8"), re.M))


def score(group: str, found: dict[str, str], equivalent: set[str], seconds: float) -> dict[str, object]:
    """One module's score: killed share of the mutants that were checked, equivalent ones left out."""
    counts = Counter(found.values())
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    tested = sum(n for status, n in counts.items() if status not in ("skipped", "not checked"))
    equal = sum(1 for name, status in found.items() if name in equivalent and status == "survived")
    total = tested - equal
    return {
        **counts,  # first: "killed" below also counts the timeouts
        "group": group,
        "score": round(100.0 * killed / total, 1) if total else 0.0,
        "killed": killed,
        "total": total,
        "equivalent": equal,
        "seconds": round(seconds),
    }


def mutmut_run(cmd: list[str], folder: Path, env: dict[str, str], budget: float | None) -> None:
    """Run mutmut; after ``budget`` minutes interrupt it as Ctrl-C would, so it keeps the verdicts
    it has (the mutants it did not reach stay "not checked" and are reported as such)."""
    # a shell starts background jobs with Ctrl-C ignored; mutmut needs it to stop cleanly
    proc = subprocess.Popen(cmd, cwd=folder, env=env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        proc.wait(timeout=budget * 60 if budget else None)
    except subprocess.TimeoutExpired:
        print(f"   budget of {budget:g} min used up: stopping mutmut", flush=True)
        proc.send_signal(signal.SIGINT)  # mutmut saves each verdict as it comes, and stops its workers
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()


def run_group(group: str, args: argparse.Namespace, summary: dict[str, object]) -> None:
    folder = prepare(group, keep=args.survivors)
    mutmut = Path(sys.executable).parent / "mutmut"
    names: list[str] = []
    if args.survivors:
        # Only the mutants that were not killed last time: tests were added, none removed.
        names = [
            name
            for found in statuses(folder).values()
            for name, status in found.items()
            if status in ("survived", "no tests", "not checked", "suspicious")
        ]
        if not names:
            print(f"== {group}: nothing left to check")
    started = time.monotonic()
    if names or not args.survivors:
        print(f"== {group}: mutmut run in {folder} ({len(names) or 'all'} mutants)", flush=True)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONDONTWRITEBYTECODE": "1"}
        cmd = [str(mutmut), "run", "--max-children", str(args.max_children), *names]
        mutmut_run(cmd, folder, env, args.budget)
    seconds = time.monotonic() - started
    equivalent = equivalents()
    for module, found in statuses(folder).items():
        if not found:
            continue
        result = score(group, found, equivalent, seconds)
        summary[module] = result
        print(
            f"   {module}: {result['score']}% killed ({result['killed']}/{result['total']}, "
            f"{result['equivalent']} equivalent) {dict(Counter(found.values()))}"
        )
    print(f"   {group} took {seconds:.0f} s", flush=True)


def table(summary: dict[str, dict[str, object]]) -> str:
    """The scores as the Markdown table docs/testing.md shows."""
    rows = [
        "| module | group | score | killed / total | equivalent | survived | no tests | not checked | time |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for module, r in sorted(summary.items(), key=lambda item: (str(item[1]["group"]), item[0])):
        counts = [r.get(k, 0) for k in ("equivalent", "survived", "no tests", "not checked")]
        cells = [f"`{module}`", r["group"], f"{r['score']}%", f"{r['killed']} / {r['total']}", *counts]
        rows.append("| " + " | ".join(str(c) for c in cells) + f" | {r.get('seconds', '?')} s |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help=f"groups to run (default: all): {', '.join(GROUPS)}")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument(
        "--max-children", type=int, default=os.cpu_count() or 1, help="parallel mutants (default: cores)"
    )
    parser.add_argument(
        "--survivors",
        action="store_true",
        help="keep the last run and recheck only its surviving mutants (after adding tests to the selected files)",
    )
    parser.add_argument("--budget", type=float, help="minutes per group; unreached mutants stay 'not checked'")
    parser.add_argument("--table", action="store_true", help="print build/mutate/scores.json as a Markdown table")
    args = parser.parse_args()
    summary_path = WORK / "scores.json"
    if args.table:  # scored again: docs/mutation-survivors.md may explain more mutants by now
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        for module, old in summary.items():
            found = statuses(WORK / str(old["group"])).get(module)
            if found:
                summary[module] = score(str(old["group"]), found, equivalents(), float(old.get("seconds", 0)))
        print(table(summary))
        return 0
    if args.list:
        for name, (modules, tests) in GROUPS.items():
            print(f"{name}: {' '.join(modules)}\n    tests: {' '.join(tests)}")
        return 0
    groups = args.groups or list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    for group in groups:
        run_group(group, args, summary)
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
