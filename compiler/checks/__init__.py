"""Checks over the whole course. Each adds diagnostics; none raises."""

from __future__ import annotations

from compiler.checks.coverage import check_coverage
from compiler.checks.ids import check_ids
from compiler.checks.quality import check_quality
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import Course
from compiler.settings import Quality


def run_checks(course: Course, diags: Diagnostics, quality: Quality | None = None) -> None:
    """Run every check in a fixed order (``quality``: the ``[quality]`` thresholds)."""
    check_ids(course, diags)
    check_coverage(course, diags)
    check_quality(course, diags, quality)
