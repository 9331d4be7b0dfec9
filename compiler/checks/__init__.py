"""Checks over the whole course. Each adds diagnostics; none raises."""

from __future__ import annotations

from compiler.checks.coverage import check_coverage
from compiler.checks.ids import check_ids
from compiler.model.diagnostics import Diagnostics
from compiler.model.ir import Course


def run_checks(course: Course, diags: Diagnostics) -> None:
    """Run every check in a fixed order."""
    check_ids(course, diags)
    check_coverage(course, diags)
