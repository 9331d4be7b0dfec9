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
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutate"

#: group → (modules to mutate, tests that check them). Tests that only drive studyc through a
#: subprocess are left out: mutmut can't see which mutant they cover.
GROUPS: dict[str, tuple[list[str], list[str]]] = {
    "identity": (
        ["compiler/anki/identity.py", "compiler/anki/lock.py"],
        ["tests/test_identity_lock.py", "tests/test_identity.py"],
    ),
    "stamp": (
        ["compiler/build/stamp.py", "compiler/build/cache.py", "compiler/model/atomic.py"],
        ["tests/test_stamp.py", "tests/test_cache.py", "tests/test_atomic.py"],
    ),
    "anki": (
        [
            "compiler/anki/notes.py",
            "compiler/anki/package.py",
            "compiler/anki/models.py",
            "compiler/anki/backend.py",
        ],
        ["tests/test_anki_truth.py", "tests/test_anki_models.py", "tests/test_anki.py", "tests/test_csv.py"],
    ),
    "frontend": (
        ["compiler/frontend/cards.py", "compiler/frontend/lower.py", "compiler/frontend/tree.py"],
        ["tests/test_parser_fixtures.py", "tests/test_sanitize.py", "tests/test_json_backend.py"],
    ),
    "checks": (
        ["compiler/checks/__init__.py", "compiler/checks/coverage.py", "compiler/checks/ids.py"],
        ["tests/test_diagnostics.py", "tests/test_parser_fixtures.py", "tests/test_stats.py"],
    ),
    "sanitize": (["compiler/text/sanitize.py"], ["tests/test_sanitize.py", "tests/test_text_render.py"]),
}
LINKS = ("compiler", "tests", "templates", "source")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(group: str) -> Path:
    modules, tests = GROUPS[group]
    folder = WORK / group
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in LINKS:
        (folder / name).symlink_to(ROOT / name)
    (folder / "pyproject.toml").write_text(
        "\n".join(
            [
                "[tool.mutmut]",
                'source_paths = ["compiler"]',
                f"only_mutate = {_toml_list(modules)}",
                f"pytest_add_cli_args_test_selection = {_toml_list(tests)}",
                'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-x", "-q"]',
                'also_copy = ["templates", "source"]',
                "",
                "[tool.pytest.ini_options]",
                'testpaths = ["tests"]',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return folder


def scores(folder: Path) -> dict[str, dict[str, int]]:
    """Module → status → count, from mutmut's per-file results."""
    sys.path.insert(0, str(Path(sys.executable).parent))
    out: dict[str, dict[str, int]] = {}
    from mutmut.stats import status_by_exit_code  # mutmut is a test dependency

    for meta in sorted((folder / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text(encoding="utf-8"))
        module = meta.relative_to(folder / "mutants").as_posix().removesuffix(".meta")
        counts = Counter(status_by_exit_code[code] for code in data.get("exit_code_by_key", {}).values())
        out[module] = dict(counts)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help=f"groups to run (default: all): {', '.join(GROUPS)}")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.list:
        for name, (modules, tests) in GROUPS.items():
            print(f"{name}: {' '.join(modules)}\n    tests: {' '.join(tests)}")
        return 0
    groups = args.groups or list(GROUPS)
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")
    mutmut = Path(sys.executable).parent / "mutmut"
    summary_path = WORK / "scores.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    for group in groups:
        folder = prepare(group)
        started = time.monotonic()
        print(f"== {group}: mutmut run in {folder}", flush=True)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "PYTHONDONTWRITEBYTECODE": "1"}
        cmd = [str(mutmut), "run", "--max-children", str(args.max_children)]
        subprocess.run(cmd, cwd=folder, env=env, check=False)
        found = scores(folder)
        for module, counts in found.items():
            if not counts:
                continue
            killed = counts.get("killed", 0) + counts.get("timeout", 0)
            tested = sum(n for status, n in counts.items() if status not in ("skipped", "not checked"))
            score = 100.0 * killed / tested if tested else 0.0
            summary[module] = {"group": group, "score": round(score, 1), "killed": killed, "total": tested, **counts}
            print(f"   {module}: {score:.1f}% killed ({killed}/{tested}) {dict(counts)}")
        print(f"   {group} took {time.monotonic() - started:.0f} s", flush=True)
        summary_path.parent.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
