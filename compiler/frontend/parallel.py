"""Parse note files on every core for large courses; small courses stay in one process.

The main process parses the first files itself while forked workers parse the
rest; results are concatenated in file order, so the course is identical for
any worker count. Each file's parse is pure (see ``parse_file``), which is
what makes this safe.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from compiler.frontend import FileResult
    from compiler.settings import Limits

#: Below this much Markdown, forking costs more than it saves.
PARALLEL_MIN_BYTES = 512 * 1024
PARALLEL_MIN_FILES = 4
#: Share of the bytes the main process keeps: it also unpickles the workers' results.
MAIN_SHARE = 0.46

ParseFn = Callable[[Path, str, str, "Limits"], "FileResult"]
T = TypeVar("T")


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def auto_jobs(items: Sequence[tuple[str, str]]) -> int:
    """Processes to use when the caller did not say: 1 unless the course is large."""
    if len(items) < PARALLEL_MIN_FILES or sum(len(text) for _, text in items) < PARALLEL_MIN_BYTES:
        return 1
    return cpu_count()


def _split(items: Sequence[tuple[str, str]], jobs: int) -> list[list[tuple[str, str]]]:
    """Contiguous parts by bytes: ``MAIN_SHARE`` of one core's share for the main process first."""
    weights = [len(text) + 1 for _, text in items]
    total = sum(weights)
    main_bytes = total * MAIN_SHARE * 2 / jobs
    worker_bytes = (total - main_bytes) / (jobs - 1)
    bounds = [main_bytes + worker_bytes * k for k in range(jobs - 1)]
    parts: list[list[tuple[str, str]]] = [[] for _ in range(jobs)]
    seen = 0.0
    for item, weight in zip(items, weights, strict=True):
        part = sum(1 for bound in bounds if seen + weight / 2 > bound)
        parts[part].append(item)
        seen += weight
    return parts


def _parse_part(parse: ParseFn, root: Path, part: list[tuple[str, str]], limits: Limits) -> list[FileResult]:
    # Python's full GC passes walk every live object, and the results pile up into a large heap:
    # at 50,000 cards they took two thirds of the parse. Collect only the young objects (each
    # file's own garbage) after each file instead; the results themselves hold no cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        results = []
        for rel, text in part:
            results.append(share_field_sets(parse(root, rel, text, limits)))
            gc.collect(1)
        return results
    finally:
        if enabled:
            gc.enable()


def share_field_sets(result: FileResult) -> FileResult:
    """Let the file's IR nodes share their pydantic fields-set objects, in place.

    Pydantic gives every model instance its own set of the field names passed to it (≈300
    bytes): 17 MiB of a 10,000-card course, all copies of a dozen distinct sets. The nodes
    are frozen, so the sets are never changed; pydantic copies them in ``model_copy``.
    """
    shared: dict[frozenset[str], set[str]] = {}
    stack: list[Any] = [*result.blocks, *result.sections]
    while stack:
        node = stack.pop()
        if isinstance(node, BaseModel):
            own = node.__pydantic_fields_set__
            same = shared.setdefault(frozenset(own), own)
            if same is not own:
                object.__setattr__(node, "__pydantic_fields_set__", same)
            stack.extend(node.__dict__.values())
        elif isinstance(node, tuple):
            stack.extend(node)
    return result


def _context() -> multiprocessing.context.BaseContext | None:
    # fork shares the already imported parser; elsewhere start-up would eat the gain
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def parse_all(
    parse: ParseFn, root: Path, items: Sequence[tuple[str, str]], limits: Limits, jobs: int | None = None
) -> list[FileResult]:
    """``parse`` over ``items`` (path, text) in order, on ``jobs`` processes (``None``: decide by size)."""
    jobs = auto_jobs(items) if jobs is None else max(1, jobs)
    jobs = min(jobs, len(items))
    context = _context()
    if jobs <= 1 or context is None:
        return _parse_part(parse, root, list(items), limits)
    parts = _split(items, jobs)
    try:
        pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context)
    except (OSError, NotImplementedError):
        return _parse_part(parse, root, list(items), limits)
    with pool:
        futures: list[Future[list[FileResult]]] = [
            pool.submit(_parse_part, parse, root, part, limits) for part in parts[1:]
        ]
        enabled = gc.isenabled()
        gc.disable()  # unpickling the workers' results (another thread) must not trigger full passes either
        try:
            results = _parse_part(parse, root, parts[0], limits)
            for future, part in zip(futures, parts[1:], strict=True):
                try:
                    results.extend(future.result())
                except (BrokenProcessPool, OSError):  # a worker died (e.g. out of memory): redo its part here
                    results.extend(_parse_part(parse, root, part, limits))
        finally:
            if enabled:
                gc.enable()
    return results
