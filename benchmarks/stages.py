"""``python -m benchmarks.stages SRC OUT FORMATS``: one build with per-stage timings as JSON.

Runs ``pipeline.build`` the way ``studyc build`` does (same lock, same
options) and prints ``{"stages": {...}, "total": s}`` on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    from compiler import pipeline
    from compiler.backends import Options

    source, out, formats = Path(argv[0]), Path(argv[1]), argv[2].split(",")
    timings: dict[str, float] = {"import": time.perf_counter() - started}
    result = pipeline.build(
        source, out, formats, Options(source_root=source), lock=source / "studyc.lock", timings=timings
    )
    if result.failed(strict=False):
        print(f"build failed: {len(result.diagnostics.items)} diagnostics", file=sys.stderr)
        return 1
    print(json.dumps({"stages": timings, "total": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
