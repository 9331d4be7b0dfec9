"""Atomic writes: a failed or killed build leaves earlier outputs whole."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from compiler.model.errors import OutputError

#: Temp files carry the writer's pid, so a later build can tell a killed build's leftovers.
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temp file and rename; False if unchanged."""
    written, _ = write_all([(path, data)])
    return bool(written)


def write_all(files: Iterable[tuple[Path, bytes]]) -> tuple[list[Path], list[Path]]:
    """Write several files as one step; return (written, unchanged).

    Every changed file is first staged as a complete temp file next to its target;
    only when all are staged are they renamed into place, in order. A failure while
    staging (disk full, no permission) therefore leaves every earlier file as it was.
    """
    staged: list[tuple[Path, Path]] = []
    unchanged: list[Path] = []
    current: Path | None = None
    try:
        for path, data in files:
            current = path
            if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
                unchanged.append(path)
                continue
            staged.append((_stage(path, data), path))
        for tmp, path in staged:
            current = path
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(
            f"cannot write {current}: {exc.strerror or exc}; check the folder's permissions and free space "
            "(earlier outputs are unchanged)"
        ) from exc
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)  # already renamed unless something failed
    return [path for _, path in staged], unchanged


def _stage(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(path.parent)
    mode = _mode_for(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _mode_for(path: Path) -> int:
    # mkstemp creates 0600 files; keep the old file's mode, or honour the umask like open() would
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def sweep_stale_temps(folder: Path) -> list[Path]:
    """Remove temp files left by a killed build (their writer is gone); return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if m is None or _alive(int(m.group("pid"))):
            continue
        try:
            entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # on Windows os.kill(pid, 0) would send Ctrl-C, not probe: never sweep there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's live process (or a name we should not touch)
    return True
