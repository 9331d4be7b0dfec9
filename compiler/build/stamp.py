"""Build stamp: when nothing a build reads has changed, skip the whole build.

A successful, diagnostic-free build records a digest of everything it read —
every file under the source folder (notes, images, lock, config), studyc's code
and templates, the settings and ``SOURCE_DATE_EPOCH`` — and the size and
modification time of every output. The next build computes the digest first,
before importing the parser; if it matches and every output is still as it was
left, nothing is parsed, rendered or written. This module stays import-light for
that reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from compiler import __version__
from compiler.model.keys import environment, output_key
from compiler.model.resources import templates_dir
from compiler.settings import Config

STAMP_NAME = "stamp.json"
_ROOT = Path(__file__).resolve().parents[1]
#: The code that turns notes into the IR (the parse cache keys on it alone).
_PARSING = ("model", "text", "frontend", "settings.py")


@lru_cache(maxsize=2)
def code_hash(parsing: bool = False) -> str:
    """Hash of studyc's code (and templates): a change invalidates what it could affect.

    ``parsing``: only the code that turns notes into the IR, so that editing a
    backend or a template keeps the parse cache.
    """
    digest = hashlib.sha256()
    files = sorted(_ROOT.rglob("*.py"))
    if parsing:
        files = [p for p in files if p.relative_to(_ROOT).parts[0] in _PARSING]
    templates = templates_dir()
    if templates.is_dir() and not parsing:
        files += sorted(p for p in templates.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _input_files(source: Path, out: Path) -> list[Path]:
    skip = out.resolve()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(source):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (here / d).resolve() != skip)
        found.extend(here / name for name in sorted(filenames))
    return found


LOCK_NAME = "studyc.lock"


def snapshot(source: Path, out: Path) -> dict[str, str]:
    """Each file under ``source`` → the hash of its bytes, read now: before the build reads them.

    A build stamps this snapshot, not the folder as it is when the build ends, so a note
    saved while the build ran makes the next build rebuild instead of saying nothing changed.
    """
    files: dict[str, str] = {}
    for path in _input_files(source, out):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        files[path.relative_to(source).as_posix()] = hashlib.sha256(data).hexdigest()
    return files


def digest(source: Path, out: Path, settings: dict[str, Any], files: dict[str, str] | None = None) -> str:
    """One hash over the settings, studyc itself and every file under ``source`` (or a ``snapshot`` of them)."""
    h = hashlib.sha256()
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    h.update(f"{__version__}\0{code_hash()}\0".encode())
    h.update(json.dumps(environment(), sort_keys=True).encode())
    for rel, sha in sorted((files if files is not None else snapshot(source, out)).items()):
        h.update(b"\0" + rel.encode() + b"\0")
        h.update(bytes.fromhex(sha))
    return h.hexdigest()


def _state(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def fresh(source: Path, out: Path, settings: dict[str, Any]) -> tuple[list[str], list[str], list[Path]] | None:
    """The stored notices, result lines and outputs if nothing changed since the stamped build, else None."""
    try:
        stamp = json.loads((out / ".cache" / STAMP_NAME).read_text(encoding="utf-8"))
        outputs: dict[str, list[int]] = stamp["outputs"]
        if stamp["digest"] != digest(source, out, settings):
            return None
        if any(_state(Path(name)) != state for name, state in outputs.items()):
            return None
        notices: list[str] = stamp["notices"]
        lines: list[str] = stamp["lines"]
        return notices, lines, [Path(name) for name in outputs]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(
    source: Path,
    out: Path,
    settings: dict[str, Any],
    outputs: Iterable[Path],
    lines: list[str],
    before: dict[str, str] | None = None,
    notices: list[str] | None = None,
) -> None:
    """Record a successful build; a failure to write only costs the next build its shortcut.

    ``lines`` are the build's results (stdout), ``notices`` its information diagnostics
    (stderr): a skipped build repeats each on the stream the build printed it to.

    ``before`` is the :func:`snapshot` taken before the build read the notes. The identity
    lock is the one file the build itself writes into ``source``: it is hashed as written.
    """
    from compiler.model.atomic import write_atomic
    from compiler.model.errors import OutputError

    files = dict(before) if before is not None else snapshot(source, out)
    lock = source / LOCK_NAME
    if before is not None and lock.is_file():
        files[LOCK_NAME] = hashlib.sha256(lock.read_bytes()).hexdigest()
    states = {str(p): _state(p) for p in outputs}
    stamp = {"digest": digest(source, out, settings, files), "outputs": states, "lines": lines}
    stamp["notices"] = notices or []
    with contextlib.suppress(OutputError):
        write_atomic(out / ".cache" / STAMP_NAME, json.dumps(stamp, sort_keys=True, indent=1).encode())


def settings_key(config: Config) -> dict[str, Any]:
    """Everything besides the source files that decides a build's outputs (the stamp keys on it).

    Derived from the declaration: every field of :class:`Config` unless it opts out with a
    reason (compiler/model/keys.py), so a new setting is in the stamp without a line here.
    """
    return output_key(config)
