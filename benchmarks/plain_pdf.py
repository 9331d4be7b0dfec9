"""Plain WeasyPrint: the floor the printables are measured against.

``python -m benchmarks.plain_pdf IN.html OUT.pdf`` lays out one HTML file.
``python -m benchmarks.plain_pdf --flashcards SOURCE OUT.html`` writes the flashcards as the one
HTML document studyc settles on (after shrinking what overflows), for the line above.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if argv[0] == "--flashcards":
        from compiler.frontend import load_course
        from compiler.model.backend import Options
        from compiler.print import flashcards

        course, _ = load_course(Path(argv[1]))
        assert course is not None
        html, _ = flashcards.render_document(course, Options(source_root=Path(argv[1])))
        Path(argv[2]).write_text(html, encoding="utf-8")
        return 0
    from weasyprint import HTML

    HTML(filename=argv[0]).write_pdf(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
