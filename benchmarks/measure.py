"""Run a command in a fresh process and measure its wall time and peak RSS."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"


@dataclass(frozen=True)
class Sample:
    """One run of one command."""

    wall: float
    """Seconds from spawn to exit."""
    rss_mib: float
    """Peak RSS in MiB of the largest process in the tree (the child or any worker it waited for)."""
    stdout: str
    load: float
    """1-minute load average when the run ended: how busy the shared machine was."""


class CommandFailed(RuntimeError):
    """A measured command exited non-zero."""


def run(cmd: Sequence[str | Path], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Sample:
    """Run ``cmd``, reaping it with ``os.wait4`` so the peak RSS is the child's own, not the harness's."""
    full_env = {**os.environ, **(env or {})}
    out_path = ROOT / "build" / "bench" / f".out-{os.getpid()}"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out, open(os.devnull, "wb") as devnull:
        started = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=full_env, stdout=out, stderr=devnull)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    if proc.returncode != 0:
        # rerun with stderr captured so the failure explains itself
        err = subprocess.run([str(c) for c in cmd], cwd=cwd, env=full_env, capture_output=True, text=True).stderr
        raise CommandFailed(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{err[-2000:]}")
    # Linux reports ru_maxrss in KiB; for wait4 it is the max over the child and its reaped children
    return Sample(wall=wall, rss_mib=usage.ru_maxrss / 1024, stdout=stdout, load=os.getloadavg()[0])


def median(values: Sequence[float]) -> float:
    """Median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")
