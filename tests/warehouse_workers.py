"""Processes that write runs, for the crash and concurrency tests (run as scripts, never collected).

    python tests/warehouse_workers.py crash CONFIG WAREHOUSE
        Reads commands from stdin, one per line. `random DELAY`: fork a child that warms up (one run
        in memory: templates compiled, caches filled), then publishes runs in a loop; SIGKILL it
        DELAY seconds after the warm-up (so the delay falls within runs however slow a cold start).
        `point NAME K`: fork a child that kills itself with SIGKILL at the K-th call of the step
        NAME (see POINTS). Prints one line per command: `killed` or `exited CODE`.
    python tests/warehouse_workers.py write CONFIG WAREHOUSE N
        Waits for a line on stdin, then publishes N runs, printing each run id.

The parent imports the library once and forks (cheap trials); nothing in it starts a thread pool.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Any

import ml4t_sql
import ml4t_sql.pipeline  # (the library loads once, in the parent: forks are cheap trials)
import ml4t_sql.store.catalog as catalog
import ml4t_sql.store.warehouse as wh


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at(owner: Any, attr: str, k: int, *, after: bool = False) -> None:
    """Replace owner.attr so that its k-th call SIGKILLs the process (before or after the real call)."""
    real = getattr(owner, attr)
    calls = [0]

    def hooked(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == k and not after:
            _die()
        out = real(*args, **kwargs)
        if calls[0] == k and after:
            _die()
        return out

    setattr(owner, attr, hooked)


POINTS = {
    # the k-th table of the run is about to be written (k - 1 are in .staging)
    "write": lambda k: _kill_at(wh.pq.ParquetWriter, "write_table", k),
    # the k-th table has been written but not yet closed and flushed
    "written": lambda k: _kill_at(wh.pq.ParquetWriter, "write_table", k, after=True),
    # os.rename: k = 1 is the run's commit point; k = 2 a new catalog's rename
    "rename": lambda k: _kill_at(wh.os, "rename", k),
    "renamed": lambda k: _kill_at(wh.os, "rename", k, after=True),
    # the k-th view statement of a catalog transaction
    "view": lambda k: _kill_at(catalog, "_view_sql", k),
    # the k-th fold of the run (k = 1: its staging and spill folders made, nothing written yet)
    "fold": lambda k: _kill_at(ml4t_sql.pipeline, "run_fold", k),
}


def _child(config: str, warehouse: str, point: tuple[str, int] | None, ready: int) -> None:
    if point is not None:
        POINTS[point[0]](point[1])
    else:
        ml4t_sql.run(config, write=False)
    os.write(ready, b"x")
    while True:
        ml4t_sql.run(config, warehouse=warehouse)
        if point is not None:
            os._exit(0)  # the point was never reached


def crash(config: str, warehouse: str) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        point = (words[1], int(words[2])) if words[0] == "point" else None
        delay = float(words[1]) if words[0] == "random" else 60.0
        ready, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(ready)
                _child(config, warehouse, point, ready_w)
            finally:
                os._exit(1)
        os.close(ready_w)
        os.read(ready, 1)  # the child is warm (or died: then it reads b"")
        os.close(ready)
        deadline = time.monotonic() + delay
        status = None
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.002)
        else:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print("killed" if killed else f"exited {os.waitstatus_to_exitcode(status)}", flush=True)


def write(config: str, warehouse: str, n: int) -> None:
    sys.stdin.readline()  # the start signal: every writer starts together
    for _ in range(n):
        print(ml4t_sql.run(config, warehouse=warehouse).run_id, flush=True)


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "crash":
        crash(*args)
    else:
        write(args[0], args[1], int(args[2]))
