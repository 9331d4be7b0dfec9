"""``studyc watch``: rebuild on save, debounced, and keep going after errors.

A build writes nothing unless every format succeeds, so a failed rebuild leaves
the last good outputs in place. The build's own writes (the lock, outputs
inside the source folder) are filtered out, or every build would trigger the
next one.
"""

from __future__ import annotations

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
    rebuild: Callable[[], bool],
    *,
    info: Callable[[str], None] = print,
    ignore: tuple[Path, ...] = (),
    stop: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> int:
    """Build once, then rebuild after each burst of changes until ``stop`` is set or Ctrl-C.

    ``rebuild`` reports its own diagnostics and returns whether it succeeded;
    ``ignore`` lists folders (the output folder) whose changes never trigger a
    build. Returns the exit code: 0.
    """
    from watchfiles import watch as watch_changes

    ready = False
    try:
        # The first (empty) yield comes once the watcher runs: building only
        # then means no save between the first build and the watch is lost.
        for changes in watch_changes(
            source,
            watch_filter=_filter(source, ignore),
            debounce=debounce_ms,
            stop_event=stop,
            raise_interrupt=True,
            rust_timeout=200,
            yield_on_timeout=True,
        ):
            if not ready:
                ready = True
                rebuild()
                info(f"watching {source} for changes (Ctrl-C stops)")
                continue
            if not changes:
                continue
            # editors' temp files vanish before we print them
            names = sorted({Path(path).name for _, path in changes if Path(path).exists()})
            info(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}; rebuilding")
            if not rebuild():
                info("rebuild failed; the last good outputs are unchanged; still watching")
    except KeyboardInterrupt:
        info("stopped watching")
    return 0
