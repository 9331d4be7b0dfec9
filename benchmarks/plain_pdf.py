"""``python -m benchmarks.plain_pdf IN.html OUT.pdf``: plain WeasyPrint, the cheat sheet's floor."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from weasyprint import HTML

    HTML(filename=argv[0]).write_pdf(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
