"""The reader: load note files, parse them with markdown-it-py, lower them to the IR."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from compiler.frontend.blocks import source_slice, top_level_blocks
from compiler.frontend.lower import Lowerer
from compiler.frontend.markdown import make_parser, prepare
from compiler.frontend.meta import ChapterMeta, CourseMeta, parse_yaml, validate
from compiler.model import ir
from compiler.model.diagnostics import Code, Diagnostic, Diagnostics
from compiler.model.slug import slugify
from compiler.settings import SAFE_MAX_NESTING, Limits
from compiler.text.sanitize import unsafe_parts

COURSE_FILE = "course.md"
IGNORED_FILES = {"README.md"}
REMOTE_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
MEDIA_SUFFIX_RE = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


@dataclass
class FileResult:
    """Everything parsed from one file; plain data so it can cross process boundaries."""

    path: str
    meta: dict[str, Any] | None = None
    meta_lines: dict[str, int] = field(default_factory=dict)
    meta_broken: bool = False
    title: str | None = None
    blocks: list[Any] = field(default_factory=list)
    sections: list[ir.Section] = field(default_factory=list)
    body: ir.Text | None = None
    assets: list[ir.Asset] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def discover(root: Path) -> list[str]:
    """Note files under ``root`` as sorted POSIX paths relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in filenames:
            if name.endswith(".md") and name not in IGNORED_FILES and not name.startswith((".", "_")):
                found.append(Path(dirpath, name).relative_to(root).as_posix())
    return sorted(found, key=lambda p: (p != COURSE_FILE, p))


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
        size = info.st_size
        if size > limits.max_file_bytes:
            diags.add(
                Code.FILE_TOO_LARGE,
                rel,
                1,
                f"file is {size / 1048576:.1f} MiB, over the {limits.max_file_bytes / 1048576:.1f} MiB limit "
                "(raise limits.max_file_bytes in studyc.toml if this is really one chapter)",
            )
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
    if not text.strip():
        diags.add(Code.FILE_EMPTY, rel, 1, "file is empty; it is skipped")
        if rel != COURSE_FILE:  # an empty course.md still needs its metadata errors
            return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def chapter_id(rel: str) -> str:
    """Chapter id from the file name, without an ordering prefix like ``02-``."""
    stem = PurePosixPath(rel).with_suffix("").as_posix()
    parts = [re.sub(r"^\d+[-_. ]*", "", p) for p in stem.split("/")]
    return slugify("-".join(p for p in parts if p)) or slugify(stem) or "chapter"


def _image_resolver(
    root: Path, rel: str, env: dict[str, Any], result: FileResult, diags: Diagnostics, limits: Limits
) -> Any:
    base = (root / rel).parent
    real_root = root.resolve()
    cache: dict[str, str | None] = {}

    def resolve(token: Token) -> str | None:
        # markdown-it percent-encodes the link ("a b.png" -> "a%20b.png"); the file has the real name
        src = unquote(str(token.attrGet("src") or ""))
        line = int(env.get("line", 1))
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
    """The media name of a checked image inside the source folder, or None after a diagnostic."""
    try:
        target = (base / src).resolve()
        if not target.is_relative_to(real_root):
            diags.add(Code.IMAGE_OUTSIDE, rel, line, f"image '{src}' lies outside the source folder")
            return None
        if not target.is_file():
            where = target.relative_to(real_root).as_posix()
            diags.add(Code.IMAGE_MISSING, rel, line, f"image '{src}' not found (looked for {where})")
            return None
        size = target.stat().st_size
        if size > max_bytes:
            diags.add(
                Code.IMAGE_TOO_LARGE,
                rel,
                line,
                f"image '{src}' is {size / 1048576:.1f} MiB, over the {max_bytes / 1048576:.1f} MiB limit "
                "(shrink or compress it)",
            )
            return None
        data = target.read_bytes()
    except OSError as exc:  # a name too long for the file system, a loop of links, no permission
        diags.add(Code.IMAGE_MISSING, rel, line, f"image '{src[:80]}' cannot be read: {exc.strerror or exc}")
        return None
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


def parse_file(root: Path, rel: str, text: str, limits: Limits) -> FileResult:
    """Parse and lower one note file. Pure: reads only the file's images."""
    text = prepare(text)  # line ends as markdown-it reads them, so lines match its map
    result = FileResult(path=rel)
    diags = Diagnostics()
    md = make_parser()
    md.options["maxNesting"] = limits.max_nesting
    env: dict[str, Any] = {}
    env["resolve_image"] = _image_resolver(root, rel, env, result, diags, limits)
    try:
        _parse_into(md, rel, text, env, limits, result, diags)
    except RecursionError:
        # markdown-it recurses once or twice per nesting level; a huge max_nesting can overflow
        result = FileResult(path=rel, meta_broken=True)  # no "no title" on top of this error
        diags.items = [d for d in diags.items if d.code is not Code.FILE_TOO_DEEP]
        diags.add(
            Code.FILE_TOO_DEEP,
            rel,
            1,
            f"blocks nest too deeply to parse with max_nesting={limits.max_nesting}; lower it (at most "
            f"{SAFE_MAX_NESTING} is safe) or flatten the notes",
        )
    result.diagnostics = diags.items
    return result


def _parse_into(
    md: MarkdownIt, rel: str, text: str, env: dict[str, Any], limits: Limits, result: FileResult, diags: Diagnostics
) -> None:
    tokens = md.parse(text, env)
    # markdown-it's line numbers count "\n" only; str.splitlines would also split on \f, \x1c, \u2028...
    lines = text.split("\n")
    lines = [ln + "\n" for ln in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if tokens and tokens[0].type == "front_matter":
        parsed = parse_yaml(tokens[0].content, rel, 2, diags)
        if parsed is not None:
            result.meta, result.meta_lines = parsed
        else:
            result.meta_broken = True
    deep = next((t for t in tokens if t.level >= limits.max_nesting - 1), None)
    if deep is not None:
        diags.add(
            Code.FILE_TOO_DEEP,
            rel,
            _token_line(tokens, deep),
            f"blocks nest deeper than {limits.max_nesting} levels; deeper content was not parsed",
        )
    _check_raw_html(tokens, rel, diags)
    lowerer = Lowerer(md, rel, lines, chapter_id(rel), env, diags)
    lowered = lowerer.run(tokens)
    result.title, result.blocks, result.sections = lowered.title, lowered.blocks, lowered.sections
    if rel == COURSE_FILE:
        body = [b for b in top_level_blocks(tokens) if b.type != "front_matter"]
        if body:
            result.body = lowerer.text(body, markdown=source_slice(lines, body))


def _token_line(tokens: list[Token], token: Token) -> int:
    # deep tokens often have no map of their own; the nearest mapped token before it does
    idx = tokens.index(token)
    for tok in reversed(tokens[: idx + 1]):
        if tok.map:
            return tok.map[0] + 1
    return 1


def _check_raw_html(tokens: list[Token], rel: str, diags: Diagnostics) -> None:
    """Warn, once per line, where raw HTML had parts the sanitizer removes for safety."""
    found: dict[int, list[str]] = {}
    for tok in tokens:
        line = tok.map[0] + 1 if tok.map else 1
        if tok.type == "html_block":
            found.setdefault(line, []).extend(unsafe_parts(tok.content))
        for child in tok.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline":
                found.setdefault(line, []).extend(unsafe_parts(child.content))
    for line, parts in found.items():
        if parts:
            listing = ", ".join(dict.fromkeys(parts))
            diags.add(Code.HTML_UNSAFE, rel, line, f"raw HTML had unsafe parts, removed: {listing}")


def assemble(results: list[FileResult], diags: Diagnostics) -> ir.Course | None:
    """Combine per-file results into a Course, reporting metadata problems."""
    for res in results:
        diags.items.extend(res.diagnostics)
    course_res = next((r for r in results if r.path == COURSE_FILE), None)
    if course_res is None:
        diags.add(
            Code.COURSE_MISSING,
            COURSE_FILE,
            1,
            "no course.md: create it with title, exam and domains (see docs/format.md)",
        )
        return None
    meta = validate(CourseMeta, course_res.meta or {}, course_res.meta_lines, COURSE_FILE, 1, diags)
    if course_res.blocks or course_res.sections:
        has_cards = any(not isinstance(b, ir.Prose) for b in course_res.blocks) or course_res.sections
        if has_cards:
            diags.add(
                Code.COURSE_CARDS,
                COURSE_FILE,
                1,
                "course.md holds only metadata and a description; move cards, tips and sections to a chapter file",
            )
    if not isinstance(meta, CourseMeta):
        return None
    dom_line = course_res.meta_lines.get("domains", 1)
    domains = tuple(
        ir.Domain(
            id=d.id, name=d.name, weight=d.weight, span=ir.Span(path=COURSE_FILE, line=dom_line, end_line=dom_line)
        )
        for d in meta.domains
    )
    known_domains = {d.id for d in domains}
    chapters: list[ir.Chapter] = []
    used_ids: set[str] = set()
    assets: dict[str, ir.Asset] = {}
    for res in results:
        for asset in res.assets:
            assets.setdefault(asset.media_name, asset)
        if res.path == COURSE_FILE:
            continue
        cmeta = validate(ChapterMeta, res.meta or {}, res.meta_lines, res.path, 1, diags)
        if not isinstance(cmeta, ChapterMeta):
            continue
        title = cmeta.title or res.title or ""
        if not title:
            if not res.meta_broken:  # the YAML error already explains this file
                diags.add(
                    Code.CHAPTER_NO_TITLE,
                    res.path,
                    1,
                    "chapter has no title: add 'title:' to the front matter or a '# Title' line",
                )
            continue
        if cmeta.domain is not None and cmeta.domain not in known_domains:
            line = res.meta_lines.get("domain", 1)
            diags.add(
                Code.FRONT_MATTER_UNKNOWN_DOMAIN,
                res.path,
                line,
                f"unknown domain '{cmeta.domain}'; course.md declares: {', '.join(sorted(known_domains)) or 'none'}",
            )
        cid = chapter_id(res.path)
        while cid in used_ids:
            cid += "-x"
        used_ids.add(cid)
        chapters.append(
            ir.Chapter(
                id=cid,
                title=title,
                domain=cmeta.domain,
                tags=tuple(cmeta.tags),
                span=ir.Span(path=res.path, line=1, end_line=1),
                blocks=tuple(res.blocks),
                sections=tuple(res.sections),
            )
        )
    return ir.Course(
        slug=meta.slug or slugify(meta.title) or "course",
        title=meta.title,
        exam=meta.exam,
        deck=meta.deck or meta.title,
        paper=meta.paper,
        description=course_res.body,
        domains=domains,
        exam_format=ir.ExamFormat(
            questions=meta.questions,
            duration_minutes=meta.duration_minutes,
            scale=meta.scale,
            passing_score=meta.passing_score,
        ),
        chapters=tuple(chapters),
        assets=tuple(sorted(assets.values(), key=lambda a: a.media_name)),
    )


def load_course(
    root: Path, limits: Limits | None = None, jobs: int | None = None, timings: dict[str, float] | None = None
) -> tuple[ir.Course | None, Diagnostics]:
    """Read, parse and lower every note file under ``root``.

    ``jobs`` processes parse the files (``None``: one for small courses, every
    core for large ones); the result is the same for any count. ``timings``,
    if given, receives seconds spent in ``load``, ``parse`` and ``ir``.
    """
    from compiler.frontend.parallel import parse_all

    limits = limits or Limits()
    diags = Diagnostics()
    started = time.perf_counter()
    items: list[tuple[str, str]] = []
    for rel in discover(root):
        text = read_text(root, rel, limits, diags)
        if text is not None:
            items.append((rel, text))
    read = time.perf_counter()
    results = parse_all(parse_file, root, items, limits, jobs)
    parsed = time.perf_counter()
    course = assemble(results, diags)
    if timings is not None:
        timings.update(load=read - started, parse=parsed - read, ir=time.perf_counter() - parsed)
    return course, diags
