"""What a referenced file is, by its extension: an image, audio or video (Anki plays both with ``[sound:…]``)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

Medium = Literal["image", "audio", "video"]

IMAGE = frozenset({".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp", ".tif", ".tiff", ".ico"})
AUDIO = frozenset({".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".aac", ".flac", ".spx"})
VIDEO = frozenset({".mp4", ".webm", ".mov", ".mkv", ".ogv", ".avi", ".mpg", ".mpeg", ".3gp"})


def medium(path: str) -> Medium | None:
    """``image``, ``audio`` or ``video`` by the (case-insensitive) extension; None for anything else."""
    suffix = PurePosixPath(path.split("?", 1)[0].split("#", 1)[0]).suffix.lower()
    if suffix in AUDIO:
        return "audio"
    if suffix in VIDEO:
        return "video"
    return "image" if suffix in IMAGE else None
