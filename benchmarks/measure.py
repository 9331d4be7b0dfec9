"""Run a command in a fresh process and measure its wall time and peak RSS."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
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


_launcher: subprocess.Popen[str] | None = None


def _launch(request: dict[str, object]) -> dict[str, float]:
    """Have the small launcher process run one command (see ``benchmarks/launcher.py``)."""
    global _launcher
    if _launcher is None or _launcher.poll() is not None:
        script = Path(__file__).with_name("launcher.py")
        _launcher = subprocess.Popen(
            [sys.executable, "-I", "-S", str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    assert _launcher.stdin is not None and _launcher.stdout is not None
    _launcher.stdin.write(json.dumps(request) + "\n")
    _launcher.stdin.flush()
    answer: dict[str, float] = json.loads(_launcher.stdout.readline())
    return answer


def run(cmd: Sequence[str | Path], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Sample:
    """Run ``cmd`` in a fresh process; wall time and peak RSS are the command's own."""
    full_env = {**os.environ, **(env or {})}
    out_path = ROOT / "build" / "bench" / f".out-{os.getpid()}"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    args = [str(c) for c in cmd]
    answer = _launch({"cmd": args, "cwd": str(cwd), "env": full_env, "out": str(out_path)})
    stdout = out_path.read_text(encoding="utf-8", errors="replace")
    out_path.unlink()
    if answer["code"] != 0:
        # rerun with stderr captured so the failure explains itself
        err = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True).stderr
        raise CommandFailed(f"{' '.join(args)} exited {answer['code']}:\n{err[-2000:]}")
    # Linux reports ru_maxrss in KiB; for wait4 it is the max over the child and its reaped children
    return Sample(wall=answer["wall"], rss_mib=answer["maxrss_kib"] / 1024, stdout=stdout, load=os.getloadavg()[0])


def median(values: Sequence[float]) -> float:
    """Median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")
