"""The quiz page: ``<slug>-quiz.html``, every exam question in one self-contained, offline HTML file.

The questions, the exam tips they test and the cards that teach those tips are rendered to
HTML here, by :class:`QuizRenderer` walking the text tree, and embedded as JSON; the page's
script (``templates/quiz/quiz.js``) draws exam runs, keeps time, scores and stores progress
in the browser's ``localStorage``. CSS and script are inlined and images become data URIs,
so the file works from ``file://`` on a laptop or a phone with no server and no network.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, assert_never

import jinja2
from markupsafe import Markup

from compiler.model.backend import Options, Output
from compiler.model.diagnostics import Diagnostics
from compiler.model.doc import Image, Text
from compiler.model.ir import (
    AnyCard,
    BasicCard,
    ClozeCard,
    Course,
    DefinitionCard,
    ListCard,
    Question,
    TableRowCard,
    iter_cards,
    iter_questions,
    iter_tips,
    question_domain,
)
from compiler.model.resources import templates_dir
from compiler.text.html import HtmlRenderer

#: Cards linked from a question: enough to find the lesson, few enough to read.
CARDS_PER_QUESTION = 2


class QuizRenderer(HtmlRenderer):
    """HTML for the page: local images as data URIs, so the one file carries everything."""

    def __init__(self, course: Course, source_root: Path) -> None:
        self.sources = {a.media_name: source_root / a.source_path for a in course.assets}
        self.mimes = {a.media_name: a.mime for a in course.assets}

    def image(self, node: Image) -> str:
        path = self.sources.get(node.media or "")
        if node.media is None or path is None or not path.is_file():
            return self.missing_image(node)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        title = f' title="{self.attr_escape(node.title)}"' if node.title else ""
        src = f"data:{self.mimes[node.media]};base64,{data}"
        return f'<img src="{src}" alt="{self.attr_escape(node.alt)}"{title}>'

    def maybe(self, text: Text | None) -> str | None:
        """A text's HTML, or ``None``."""
        return None if text is None else self.text(text)


def card_sides(card: AnyCard, fmt: HtmlRenderer) -> tuple[str, str]:
    """A card's front and back as HTML, for the page's reference section."""
    match card:
        case BasicCard():
            return fmt.text(card.front), fmt.text(card.back)
        case DefinitionCard():
            return fmt.text(card.term), fmt.text(card.definition)
        case ClozeCard():
            return fmt.text(card.text), ""
        case ListCard():
            items = "".join(f"<li>{fmt.text(item)}</li>" for item in card.items)
            tag = "ol" if card.ordered else "ul"
            return fmt.text(card.front), f"<{tag}>{items}</{tag}>"
        case TableRowCard():
            return _cells(card.prompt, fmt), _cells(card.answer, fmt)
        case _:
            assert_never(card)


def _cells(cells: Any, fmt: HtmlRenderer) -> str:
    return "".join(
        f'<span class="cell"><span class="column">{fmt.text_escape(c.column)}:</span> {fmt.text(c.text)}</span>'
        for c in cells
    )


def _teaching_cards(course: Course) -> dict[str, list[str]]:
    """Tip id → ids of the cards that cover it, in reading order."""
    found: dict[str, list[str]] = {}
    for ctx in iter_cards(course):
        for tip in ctx.card.covers:
            found.setdefault(tip, []).append(ctx.card.id)
    return found


def _links(question: Question, teaching: dict[str, list[str]]) -> list[str]:
    cards = [question.source] if question.source is not None else []
    for tip in question.covers:
        cards.extend(teaching.get(tip, ()))
    return list(dict.fromkeys(cards))[:CARDS_PER_QUESTION]


def _question(question: Question, domain: str | None, fmt: QuizRenderer, cards: list[str]) -> dict[str, Any]:
    return {
        "id": question.id,
        "domain": domain,
        "stem": fmt.text(question.stem),
        "ask": question.ask,
        "options": [{"html": fmt.text(o.text), "correct": o.correct} for o in question.options],
        "explanation": fmt.maybe(question.explanation),
        "tips": list(question.covers),
        "cards": cards,
        "generated": question.source is not None,
        "where": f"{question.span.path}:{question.span.line}",
    }


def quiz_data(course: Course, options: Options) -> dict[str, Any]:
    """Everything the page's script reads, as plain JSON-ready data."""
    fmt = QuizRenderer(course, options.source_root)
    teaching = _teaching_cards(course)
    questions = []
    for chapter, _, question in iter_questions(course):
        links = _links(question, teaching)
        questions.append(_question(question, question_domain(chapter, question), fmt, links))
    wanted_tips = {t for q in questions for t in q["tips"]}
    wanted_cards = {c for q in questions for c in q["cards"]}
    tips = {tip.id: fmt.text(tip.text) for _, _, tip in iter_tips(course) if tip.id in wanted_tips}
    cards = {}
    for ctx in iter_cards(course):
        if ctx.card.id in wanted_cards and ctx.card.id not in cards:
            front, back = card_sides(ctx.card, fmt)
            cards[ctx.card.id] = {"front": front, "back": back, "where": " › ".join(ctx.breadcrumb)}
    exam = course.exam_format
    return {
        "slug": course.slug,
        "title": course.title,
        "exam": course.exam,
        "format": {
            "questions": exam.questions,
            "duration_minutes": exam.duration_minutes,
            "scale": list(exam.scale),
            "passing_score": exam.passing_score,
        },
        "domains": [{"id": d.id, "name": d.name, "weight": d.weight} for d in course.domains],
        "questions": questions,
        "tips": tips,
        "cards": cards,
    }


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``</``, no ``<!--``, stable bytes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str) -> Markup:
    # our own files, inlined whole: the page must not load anything
    return Markup((templates_dir() / "quiz" / name).read_text(encoding="utf-8"))


def render_html(course: Course, options: Options) -> str:
    """The page as one HTML document."""
    data = quiz_data(course, options)
    template = _environment().get_template("quiz/quiz.html.j2")
    return template.render(
        course=course,
        data=script_json(data),
        count=len(data["questions"]),
        css=_asset("quiz.css"),
        js=_asset("quiz.js"),
    )


def render(course: Course, options: Options, diags: Diagnostics) -> list[Output]:
    """``<slug>-quiz.html``."""
    return [Output(f"{course.slug}-quiz.html", render_html(course, options).encode("utf-8"))]
