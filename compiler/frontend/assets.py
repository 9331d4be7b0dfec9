"""Images, audio and video the notes reference: checked inside the source folder, named by content."""

from __future__ import annotations

import difflib
import hashlib
import mimetypes
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from markdown_it.token import Token

from compiler.model import ir
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.media import medium
from compiler.settings import Limits

if TYPE_CHECKING:
    from compiler.frontend import FileResult

REMOTE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
MEDIA_SUFFIX_RE = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


def image_resolver(
    root: Path, rel: str, env: dict[str, Any], result: FileResult, diags: Diagnostics, limits: Limits
) -> Any:
    base = (root / rel).parent
    real_root = root.resolve()
    cache: dict[str, str | None] = {}

    def resolve(token: Token) -> str | None:
        # markdown-it percent-encodes the link ("a b.png" -> "a%20b.png"); the file has the real name
        src = unquote(str(token.attrGet("src") or ""))
        line = int(token.meta.get("line") or env.get("line", 1))
        if src in cache:
            return cache[src]
        name: str | None = None
        if REMOTE_RE.match(src):
            diags.add(
                Code.IMAGE_REMOTE, rel, line, f"remote image '{src[:80]}' is not fetched; download it next to the notes"
            )
        elif src.startswith("/") or os.path.isabs(src):
            diags.add(Code.IMAGE_OUTSIDE, rel, line, f"image path '{src}' is absolute; use a path relative to the note")
        else:
            name = _local_image(real_root, base, src, rel, line, result, diags, limits.max_image_bytes)
        cache[src] = name
        return name

    return resolve


def _local_image(
    real_root: Path, base: Path, src: str, rel: str, line: int, result: FileResult, diags: Diagnostics, max_bytes: int
) -> str | None:
    """The media name of a checked image (or audio, video) inside the source folder, or None after a diagnostic."""
    kind = medium(src)
    what = kind if kind in ("audio", "video") else "image"
    try:
        target = (base / src).resolve()
        if not target.is_relative_to(real_root):
            diags.add(Code.IMAGE_OUTSIDE, rel, line, f"{what} '{src}' lies outside the source folder")
            return None
        if not target.is_file():
            diags.add(Code.IMAGE_MISSING, rel, line, f"{what} '{src}' not found{nearest_file(real_root, target, src)}")
            return None
        size = target.stat().st_size
        if size > max_bytes:
            diags.add(
                Code.IMAGE_TOO_LARGE,
                rel,
                line,
                f"{what} '{src}' is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:.1f} MiB limit "
                "(shrink or compress it)",
            )
            return None
        data = target.read_bytes()
    except OSError as exc:  # a name too long for the file system, a loop of links, no permission
        diags.add(Code.IMAGE_MISSING, rel, line, f"{what} '{src[:80]}' cannot be read: {exc.strerror or exc}")
        return None
    if kind is None:
        diags.add(
            Code.MEDIA_UNSUPPORTED,
            rel,
            line,
            f"'{src}' is not an image, audio or video file (by its extension), so no card can show it; "
            f"link to it with [label]({src}) instead",
        )
    suffix = target.suffix.lower() if MEDIA_SUFFIX_RE.match(target.suffix) else ""
    name = f"studyc-{hashlib.sha256(data).hexdigest()[:20]}{suffix}"
    result.assets.append(
        ir.Asset(
            source_path=target.relative_to(real_root).as_posix(),
            media_name=name,
            mime=mimetypes.guess_type(target.name)[0] or "application/octet-stream",
            span=ir.Span(path=rel, line=line, end_line=line),
        )
    )
    return name


def nearest_file(real_root: Path, target: Path, src: str) -> str:
    """``; did you mean 'images/x.png'?`` for a mistyped media path, or what its folder holds."""
    folder = target.parent
    shown = src.rsplit("/", 1)[0] + "/" if "/" in src else ""
    if not folder.is_dir() or not folder.resolve().is_relative_to(real_root):
        return f"; there is no folder '{shown or '.'}'" if shown else ""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(".md"))[:2000]
    # compare stems: a shared ".png" alone would make any two images look alike
    stems = {Path(n).stem: n for n in reversed(names)}
    close = difflib.get_close_matches(target.stem, list(stems), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{shown}{stems[close[0]]}'?"
    if names:
        listed = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
        return f"; '{shown or './'}' holds: {listed}"
    return f"; '{shown or './'}' holds no files"
