"""Incremental rebuilds: parsed note files and rendered outputs cached under ``build/.cache/``.

- **Parse cache.** One pickle per note file, keyed by the file's path and text,
  the parse limits and a hash of studyc's own code. A hit is used only while
  every image the file read still has the content its media name was made
  from; a file with an image problem is always parsed again (the image may
  have appeared since).
- **Output cache.** Per backend, a key over the course IR, the options the
  backends read (every field of ``Options``, derived from its declaration),
  ``SOURCE_DATE_EPOCH`` (the printables' date) and studyc's code and templates. When the key equals the last
  build's and that build's output files are still there with the same bytes,
  the backend is skipped and its outputs count as unchanged.

The cache only ever saves time: anything unreadable or stale is ignored and
rebuilt, and deleting ``build/.cache/`` is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from compiler.build.pdf_worker import Rendered
from compiler.build.stamp import code_hash
from compiler.frontend import FileResult, assemble, parse_file, read_sources
from compiler.frontend.parallel import parse_all
from compiler.model.atomic import write_atomic
from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostic, Diagnostics
from compiler.model.errors import OutputError
from compiler.model.ir import Course
from compiler.model.keys import environment, output_key
from compiler.settings import Limits

CACHE_NAME = ".cache"


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _store(path: Path, data: bytes) -> None:
    """Write a cache file; a failure only means a miss next time."""
    # the outputs' writer names temps by pid, so a killed build's leftovers get swept
    with contextlib.suppress(OutputError):
        write_atomic(path, data)


def _fresh(root: Path, result: FileResult) -> bool:
    if any(d.code.value.startswith("image.") for d in result.diagnostics):
        return False
    for asset in result.assets:
        try:
            data = (root / asset.source_path).read_bytes()
        except OSError:
            return False
        if not asset.media_name.startswith(f"studyc-{hashlib.sha256(data).hexdigest()[:20]}"):
            return False
    return True


class ParseCache:
    """Parsed files by content. New entries are kept in memory until ``save``: a failed build writes nothing."""

    def __init__(self, cache: Path) -> None:
        self.folder = cache / "parse"
        # results, not their pickles: they share the course's nodes, so holding them costs no memory
        self.pending: dict[str, FileResult] = {}
        self.keep: set[str] = set()

    def load_course(
        self,
        root: Path,
        limits: Limits | None = None,
        timings: dict[str, float] | None = None,
        overrides: Mapping[str, str] | None = None,
    ) -> tuple[Course | None, Diagnostics]:
        """Like ``compiler.frontend.load_course``, parsing only files whose entry is missing or stale."""
        limits = limits or Limits()
        diags = Diagnostics()
        started = time.perf_counter()
        items = read_sources(root, limits, diags, overrides)
        names = {rel: _key(code_hash(parsing=True), repr(limits), rel, text) + ".pickle" for rel, text in items}
        results: dict[str, FileResult] = {}
        for rel, _ in items:
            try:
                hit = pickle.loads((self.folder / names[rel]).read_bytes())
            except Exception:  # missing, truncated or from another version: parse again
                continue
            if isinstance(hit, FileResult) and hit.path == rel and _fresh(root, hit):
                results[rel] = hit
        read = time.perf_counter()
        todo = [(rel, text) for rel, text in items if rel not in results]
        for (rel, _), result in zip(todo, parse_all(parse_file, root, todo, limits), strict=True):
            results[rel] = result
            self.pending[names[rel]] = result
        self.keep = set(names.values())
        parsed = time.perf_counter()
        course = assemble([results[rel] for rel, _ in items], diags)
        if timings is not None:
            timings.update(load=read - started, parse=parsed - read, ir=time.perf_counter() - parsed)
        return course, diags

    def save(self) -> None:
        """Store what was parsed and drop entries no file uses any more."""
        for name, result in self.pending.items():
            _store(self.folder / name, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        self.pending.clear()
        _prune(self.folder, self.keep)


def _prune(folder: Path, keep: set[str]) -> None:
    """Drop entries of files that no longer exist or changed, so the cache does not grow forever."""
    try:
        for path in folder.iterdir():
            if path.name not in keep:
                path.unlink(missing_ok=True)
    except OSError:
        pass


def options_key(options: Options) -> dict[str, Any]:
    """What the backends read: every field of :class:`Options` that does not opt out (with a
    reason, compiler/model/keys.py), and the environment variables outputs read (the date)."""
    return {**output_key(options), **environment()}


class OutputCache:
    """Skips a backend whose inputs equal the last build's, if its outputs are still in place."""

    def __init__(self, cache: Path, out: Path, course: Course, options: Options) -> None:
        self.folder = cache / "outputs"
        self.out = out
        self.base = _key(code_hash(), course.model_dump_json(), json.dumps(options_key(options), sort_keys=True))

    def _manifest(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def render(self, name: str, run: Callable[[], Rendered]) -> Rendered:
        """The backend's outputs and diagnostics, from the last build when nothing changed, else from ``run``."""
        key = _key(self.base, name)
        try:
            manifest = json.loads(self._manifest(name).read_text(encoding="utf-8"))
            if manifest["key"] == key:
                outputs = [Output(n, (self.out / n).read_bytes()) for n in manifest["files"]]
                if all(hashlib.sha256(o.data).hexdigest() == manifest["files"][o.name] for o in outputs):
                    return outputs, [Diagnostic.from_json(d) for d in manifest["diagnostics"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return run()

    def remember(self, name: str, outputs: list[Output], found: list[Diagnostic]) -> None:
        """Record what a backend produced and reported, once it is written."""
        files = {o.name: hashlib.sha256(o.data).hexdigest() for o in outputs}
        entry = {"key": _key(self.base, name), "files": files, "diagnostics": [d.as_json() for d in found]}
        data = json.dumps(entry, sort_keys=True, indent=1)
        _store(self._manifest(name), data.encode("utf-8"))
