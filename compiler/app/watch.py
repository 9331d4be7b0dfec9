"""``studyc watch``: rebuild on save, debounced, and keep going after errors.

A rebuild writes nothing unless the notes pass the checks, so a failed rebuild
leaves the last good outputs in place. Each rebuild writes the deck, JSON and
CSV first; a save that arrives while the PDFs are laid out stops that work
(those PDFs would be stale) and starts the next rebuild at once. The build's own writes (the lock, outputs
inside the source folder) are filtered out, or every build would trigger the
next one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from compiler.anki.lock import LOCK_NAME

#: Milliseconds of quiet after the last change before rebuilding (editors save in bursts).
DEBOUNCE_MS = 300


def _filter(source: Path, ignore: tuple[Path, ...]) -> Callable[[object, str], bool]:
    from watchfiles import DefaultFilter

    default = DefaultFilter()
    ignored = tuple(p.resolve() for p in ignore)

    def accept(change: object, path: str) -> bool:
        p = Path(path)
        if p.name == LOCK_NAME or p.name.startswith(".") or p.name.endswith("~"):
            return False
        resolved = p.resolve()
        if any(resolved == i or i in resolved.parents for i in ignored):
            return False
        return bool(default(change, path))  # type: ignore[arg-type]

    return accept


def watch(
    source: Path,
    rebuild: Callable[[Callable[[], bool]], bool],
    *,
    info: Callable[[str], None] = print,
    ignore: tuple[Path, ...] = (),
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> int:
    """Build once, then rebuild after each burst of changes until ``stop`` is set or Ctrl-C.

    ``rebuild(stale)`` reports its own diagnostics and returns whether it
    succeeded; ``stale()`` turns true once a newer save arrives, so the build
    can stop PDF work that save has made stale (its deck is already written).
    ``ignore`` lists folders (the output folder) whose changes never trigger a
    build. Returns the exit code: 0.
    """
    stop = stop or threading.Event()
    batches: queue.Queue[set[str] | None] = queue.Queue()
    newer = threading.Event()
    watcher = threading.Thread(
        target=_watch_changes,
        args=(source, _filter(source, ignore), debounce_ms, stop, batches, newer),
        daemon=True,
        name="studyc-watch",
    )
    watcher.start()
    try:
        # The watcher's first (empty) batch comes once it runs: building only
        # then means no save between the first build and the watch is lost.
        if _next(batches, stop) is None:
            return 0
        newer.clear()
        rebuild(newer.is_set)
        info(f"watching {source} for changes (Ctrl-C stops)")
        while (changes := _next(batches, stop)) is not None:
            while not batches.empty():  # saves that came during the last build: one rebuild for all
                more = batches.get_nowait()
                if more is None:
                    return 0
                changes |= more
            newer.clear()
            # editors' temp files vanish before we print them
            names = sorted({Path(path).name for path in changes if Path(path).exists()})
            info(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}; rebuilding")
            if not rebuild(newer.is_set) and not newer.is_set():
                info("rebuild failed; the last good outputs are unchanged; still watching")
    except KeyboardInterrupt:
        stop.set()
        info("stopped watching")
    return 0


def _next(batches: queue.Queue[set[str] | None], stop: threading.Event) -> set[str] | None:
    """The next batch of changed paths (``None`` once watching ends); wakes up for ``stop``."""
    while not stop.is_set():
        try:
            return batches.get(timeout=0.2)
        except queue.Empty:
            continue
    return None


def _watch_changes(
    source: Path,
    accept: Callable[[object, str], bool],
    debounce_ms: int,
    stop: threading.Event,
    batches: queue.Queue[set[str] | None],
    newer: threading.Event,
) -> None:
    """Thread: put each burst of changes on ``batches`` and raise ``newer`` at once."""
    from watchfiles import watch as watch_changes

    ready = False
    try:
        for changes in watch_changes(
            source,
            watch_filter=accept,
            debounce=debounce_ms,
            stop_event=stop,
            rust_timeout=200,
            yield_on_timeout=True,
        ):
            if not ready or changes:
                ready = True
                newer.set()
                batches.put({path for _, path in changes})
    finally:
        batches.put(None)
