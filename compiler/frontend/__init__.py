"""The reader: load note files, parse them with markdown-it-py, lower them to the IR."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from compiler.frontend.assets import image_resolver
from compiler.frontend.blocks import source_slice, top_level_blocks
from compiler.frontend.files import COURSE_FILE, discover, is_note_path, read_sources, read_text
from compiler.frontend.lower import Lowerer
from compiler.frontend.markdown import make_parser, prepare
from compiler.frontend.meta import ChapterMeta, CourseMeta, parse_yaml, validate
from compiler.frontend.refs import CoverRef, check_cover_refs
from compiler.frontend.tree import newlines
from compiler.model import ir
from compiler.model.diagnostics import Code, Diagnostic, Diagnostics
from compiler.model.slug import slugify
from compiler.settings import SAFE_MAX_NESTING, Limits
from compiler.text.sanitize import unsafe_parts

# the readers live in compiler.frontend.files; callers import them from here
__all__ = ["COURSE_FILE", "FileResult", "assemble", "discover", "is_note_path", "load_course", "parse_file"]
__all__ += ["read_sources", "read_text"]


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
    cover_refs: list[CoverRef] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def chapter_id(rel: str) -> str:
    """Chapter id from the file name, without an ordering prefix like ``02-``."""
    stem = PurePosixPath(rel).with_suffix("").as_posix()
    parts = [re.sub(r"^\d+[-_. ]*", "", p) for p in stem.split("/")]
    return slugify("-".join(p for p in parts if p)) or slugify(stem) or "chapter"


def parse_file(root: Path, rel: str, text: str, limits: Limits) -> FileResult:
    """Parse and lower one note file. Pure: reads only the file's images."""
    text = prepare(text)  # line ends as markdown-it reads them, so lines match its map
    result = FileResult(path=rel)
    diags = Diagnostics()
    md = make_parser()
    md.options["maxNesting"] = limits.max_nesting
    env: dict[str, Any] = {}
    env["resolve_image"] = image_resolver(root, rel, env, result, diags, limits)
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
    result.cover_refs = lowerer.cover_refs
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
            if child.type == "html_inline":
                found.setdefault(line, []).extend(unsafe_parts(child.content))
            line += newlines(child)
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
    course = ir.Course(
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
    check_cover_refs(course, ((r.path, r.cover_refs) for r in results), diags)
    return course


def load_course(
    root: Path,
    limits: Limits | None = None,
    jobs: int | None = None,
    timings: dict[str, float] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> tuple[ir.Course | None, Diagnostics]:
    """Read, parse and lower every note file under ``root``.

    ``jobs`` processes parse the files (``None``: one for small courses, every
    core for large ones); the result is the same for any count. ``timings``,
    if given, receives seconds spent in ``load``, ``parse`` and ``ir``.
    ``overrides``: unsaved texts by relative path, read instead of the files (see ``read_sources``).
    """
    from compiler.frontend.parallel import parse_all

    limits = limits or Limits()
    diags = Diagnostics()
    started = time.perf_counter()
    items = read_sources(root, limits, diags, overrides)
    read = time.perf_counter()
    results = parse_all(parse_file, root, items, limits, jobs)
    parsed = time.perf_counter()
    course = assemble(results, diags)
    if timings is not None:
        timings.update(load=read - started, parse=parsed - read, ir=time.perf_counter() - parsed)
    return course, diags
