"""``python -m benchmarks.stages SRC OUT FORMATS``: one build with per-stage timings as JSON.

Runs ``pipeline.build`` the way ``studyc build`` does (same lock, same
options) and prints ``{"stages": {...}, "total": s, "peak_rss_mib_before": {...}}``
on stdout (the main process's peak RSS as each step starts).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    from compiler.build import pipeline
    from compiler.model.backend import Options

    source, out, formats = Path(argv[0]), Path(argv[1]), argv[2].split(",")
    timings: dict[str, float] = {"import": time.perf_counter() - started}
    peaks: dict[str, float] = {}  # peak RSS (MiB) so far, read as each step starts: where memory grows

    def step(label: str) -> None:
        peaks[label] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result = pipeline.build(
        source, out, formats, Options(source_root=source), step=step, lock=source / "studyc.lock", timings=timings
    )
    step("done")
    if result.failed(strict=False):
        print(f"build failed: {len(result.diagnostics.items)} diagnostics", file=sys.stderr)
        return 1
    print(json.dumps({"stages": timings, "total": time.perf_counter() - started, "peak_rss_mib_before": peaks}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
