"""Starts measured commands from a small process (stdlib only, run with ``python -I -S``).

Linux counts a process's memory before ``exec`` into its peak RSS, and a child
starts as a copy of its parent: commands started by the harness itself would
report at least the harness's own RSS. This process stays ≈10 MiB, below any
command measured. Protocol: one JSON request per line on stdin
(``{"cmd", "cwd", "env", "out"}``), one JSON answer per line on stdout
(``{"wall", "maxrss_kib", "code"}``).
"""

import json
import os
import subprocess
import sys
import time


def main() -> None:
    for line in sys.stdin:
        req = json.loads(line)
        with open(req["out"], "wb") as out, open(os.devnull, "wb") as devnull:
            started = time.perf_counter()
            proc = subprocess.Popen(req["cmd"], cwd=req["cwd"], env=req["env"], stdout=out, stderr=devnull)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
        answer = {"wall": wall, "maxrss_kib": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
