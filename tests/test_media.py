"""Audio and video: ``[sound:…]`` in Anki (played by Anki, checked through real Anki), a link in print."""

from __future__ import annotations

from pathlib import Path

from anki_helpers import build_apkg, import_apkg, new_collection

from compiler.frontend import load_course
from compiler.model.diagnostics import Code, Diagnostics
from compiler.model.doc import Media
from compiler.model.ir import BasicCard, iter_cards
from compiler.print.render import Images, PrintRenderer

CHAPTER = """---
title: Words
---
{#hello}
Q: How is "hello" pronounced? ![Pronunciation](audio/hello.mp3)

A: Like this: [sound:audio/hello-slow.ogg]

{#wave}
Q: What does a wave look like?

A: ![A wave](video/wave.mp4)
"""


def _course(tmp_path: Path, chapter: str = CHAPTER) -> Path:
    src = tmp_path / "notes"
    for name, data in {
        "audio/hello.mp3": b"ID3 fake mp3",
        "audio/hello-slow.ogg": b"OggS fake",
        "video/wave.mp4": b"fake mp4",
    }.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    (src / "course.md").write_text("---\ntitle: Media\nexam: E\n---\n", encoding="utf-8")
    (src / "01-words.md").write_text(chapter, encoding="utf-8")
    return src


def test_audio_and_video_play_in_anki_and_their_files_are_packed(tmp_path: Path) -> None:
    from anki.sound import SoundOrVideoTag  # after anki_helpers: anki's modules import each other in order

    src = _course(tmp_path)
    col = new_collection(tmp_path / "anki")
    try:
        import_apkg(col, build_apkg(src, tmp_path / "out", 1_800_000_000))
        tags: dict[str, list[str]] = {}
        for cid in col.find_cards(""):
            out = col.get_card(cid).render_output()
            front = col.get_card(cid).note()["Front"]
            tags[front] = [
                t.filename for t in (*out.question_av_tags, *out.answer_av_tags) if isinstance(t, SoundOrVideoTag)
            ]
            assert "<img" not in out.question_text + out.answer_text  # audio is never packed into an <img>
        hello = next(v for k, v in tags.items() if "hello" in k)
        wave = next(v for k, v in tags.items() if "wave" in k)
        # the front's clip plays on the front and again with the answer, then the answer's own clip
        assert len(set(hello)) == 2 and all(n.startswith("studyc-") for n in hello)
        assert {Path(n).suffix for n in hello} == {".mp3", ".ogg"}
        assert len(wave) == 1 and wave[0].endswith(".mp4")
        for name in {*hello, *wave}:
            assert col.media.have(name), name
    finally:
        col.close()


def test_missing_and_unsupported_media_are_diagnostics(tmp_path: Path) -> None:
    chapter = CHAPTER + "\nQ: Slides?\n\nA: ![Slides](slides.pdf) and [sound:audio/helo.mp3]\n"
    src = _course(tmp_path, chapter)
    (src / "slides.pdf").write_bytes(b"%PDF-1.4")
    _, diags = load_course(src, jobs=1)
    found = [(d.code, d.line, d.message) for d in diags.sorted()]
    assert (
        Code.MEDIA_UNSUPPORTED,
        16,
        "'slides.pdf' is not an image, audio or video file (by its extension), so no card can show it; "
        "link to it with [label](slides.pdf) instead",
    ) in found
    assert (Code.IMAGE_MISSING, 16, "audio 'audio/helo.mp3' not found; did you mean 'audio/hello.mp3'?") in found


def test_printables_link_to_the_media_file(tmp_path: Path) -> None:
    src = _course(tmp_path)
    course, _ = load_course(src, jobs=1)
    assert course is not None
    cards = [c.card for c in iter_cards(course) if isinstance(c.card, BasicCard)]
    media = [
        n
        for c in cards
        for b in (*c.front.blocks, *c.back.blocks)
        for n in getattr(b, "content", ())
        if isinstance(n, Media)
    ]
    assert [(m.medium, m.label) for m in media] == [
        ("audio", "Pronunciation"),
        ("audio", "hello-slow.ogg"),
        ("video", "A wave"),
    ]
    fmt = PrintRenderer(Images(course, src), Diagnostics())
    html = str(fmt.html(cards[0].front, cards[0].span)) + str(fmt.html(cards[1].back, cards[1].span))
    assert '<a class="media" href="audio/hello.mp3"' in html and "[audio: Pronunciation]</a>" in html
    assert '<a class="media" href="video/wave.mp4"' in html and "[video: A wave]</a>" in html
    assert "<img" not in html
