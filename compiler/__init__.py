"""studyc: compile structured Markdown study notes into Anki decks, PDFs and JSON."""

from __future__ import annotations

__version__ = "0.1.0"
