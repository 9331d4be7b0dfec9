"""Finding and reading note files: from disk, or from an editor's unsaved buffers."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from compiler.model.diagnostics import Code, Diagnostics
from compiler.settings import Limits

COURSE_FILE = "course.md"
IGNORED_FILES = {"README.md"}


def _is_note_name(name: str) -> bool:
    return name.endswith(".md") and name not in IGNORED_FILES and not name.startswith((".", "_"))


def is_note_path(rel: str) -> bool:
    """Whether ``discover`` would find a file at this POSIX path relative to the root."""
    path = PurePosixPath(rel)
    if path.is_absolute():
        return False
    *folders, name = path.parts or ("",)
    return _is_note_name(name) and not any(f.startswith((".", "_")) or f == ".." for f in folders)


def discover(root: Path) -> list[str]:
    """Note files under ``root`` as sorted POSIX paths relative to it."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        found.extend(Path(dirpath, name).relative_to(root).as_posix() for name in filenames if _is_note_name(name))
    return _in_order(found)


def _in_order(paths: Iterable[str]) -> list[str]:
    return sorted(paths, key=lambda p: (p != COURSE_FILE, p))


def read_sources(
    root: Path, limits: Limits, diags: Diagnostics, overrides: Mapping[str, str] | None = None
) -> list[tuple[str, str]]:
    """``(path, text)`` of every readable note file, in reading order.

    ``overrides`` maps POSIX paths relative to ``root`` to text used instead of the
    file's bytes (an editor's unsaved buffers); an override for a note file not yet
    on disk joins the course as if it were saved.
    """
    overrides = {rel: text for rel, text in (overrides or {}).items() if is_note_path(rel)}
    items: list[tuple[str, str]] = []
    for rel in _in_order({*discover(root), *overrides}):
        text = _accept(rel, overrides[rel], limits, diags) if rel in overrides else read_text(root, rel, limits, diags)
        if text is not None:
            items.append((rel, text))
    return items


def _too_large(rel: str, size: int, limits: Limits, diags: Diagnostics) -> bool:
    if size <= limits.max_file_bytes:
        return False
    diags.add(
        Code.FILE_TOO_LARGE,
        rel,
        1,
        f"file is {size / 1048576:.1f} MiB, over the {limits.max_file_bytes / 1048576:.1f} MiB limit "
        "(raise limits.max_file_bytes in studyc.toml if this is really one chapter)",
    )
    return True


def _accept(rel: str, text: str, limits: Limits, diags: Diagnostics) -> str | None:
    """Unsaved text, held to the rules a file's decoded text is held to."""
    if _too_large(rel, len(text.encode("utf-8", "surrogatepass")), limits, diags):
        return None
    if "\x00" in text:
        diags.add(Code.FILE_ENCODING, rel, 1, "file looks binary (contains NUL bytes); is it really Markdown?")
        return None
    return _normalized(rel, text.removeprefix("\ufeff"), diags)


def _normalized(rel: str, text: str, diags: Diagnostics) -> str | None:
    if not text.strip():
        diags.add(Code.FILE_EMPTY, rel, 1, "file is empty; it is skipped")
        if rel != COURSE_FILE:  # an empty course.md still needs its metadata errors
            return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(root: Path, rel: str, limits: Limits, diags: Diagnostics) -> str | None:
    """Read a note file as UTF-8, or report why it cannot be read."""
    path = root / rel
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            diags.add(Code.FILE_OUTSIDE, rel, 1, "note file is a link to a file outside the source folder; not read")
            return None
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            diags.add(Code.FILE_UNREADABLE, rel, 1, "not a regular file (pipe, device or socket); not read")
            return None
        if _too_large(rel, info.st_size, limits, diags):
            return None
        data = path.read_bytes()
    except OSError as exc:
        diags.add(Code.FILE_UNREADABLE, rel, 1, f"cannot read the file: {exc.strerror or exc}")
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diags.add(Code.FILE_ENCODING, rel, 1, "file is UTF-16 text; re-save it as UTF-8")
        return None
    if b"\x00" in data:
        diags.add(Code.FILE_ENCODING, rel, 1, "file looks binary (contains NUL bytes); is it really Markdown?")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.add(
            Code.FILE_ENCODING,
            rel,
            line,
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it as UTF-8",
        )
        return None
    return _normalized(rel, text, diags)
