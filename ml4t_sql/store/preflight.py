"""Before a run does any work: can its warehouse take it? And what a disk error means, in one line.

`preflight(warehouse)` (the start of `pipeline.execute` when writing; `ml4t-sql check` without
writing anything) refuses with a StoreError naming the reason when the warehouse

- is a file, or cannot be created (a parent is a file, or not writable);
- is not writable: a read-only filesystem, no permission, or (when probing) a test file cannot
  be written, flushed and removed in `.staging/` (when it does not exist yet, creating it for the
  run's spill folder is the test: `warehouse.Spill`, which removes it again if nothing is published);
- has `runs/` and `.staging/` on different filesystems: publishing is one rename, atomic only
  within one filesystem (compared by `st_dev`);
- has less free space than `estimate_run_bytes` for the run (once the window is known: `Stage`).

The estimate, in bytes: `1 MiB + variants x dates x (256 + 8 x assets)`. 256 bytes per date
covers the equity, benchmark and metrics rows; 8 bytes per date x asset is about what a strategy
holding a few percent of its universe writes (the top 25 of 505 example writes 6). A strategy
that holds and trades every asset every date writes up to ~90 bytes per date x asset: a disk
that fills while writing anyway is a one-line StoreError, and the staged files are removed.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import StoreError
from .layout import RUNS, STAGING, own_name

MIB = 1 << 20


def estimate_run_bytes(dates: int, assets: int, variants: int = 1) -> int:
    """The bytes a run's tables are expected to take (module docstring: the formula and its basis)."""
    return MIB + variants * dates * (256 + 8 * assets)


def preflight(warehouse: Path, *, need_bytes: int = 0, probe: bool = True) -> None:
    """Refuse (StoreError) a warehouse that a run could not be published to; see the module docstring.

    probe: write, flush and remove a test file in `.staging/` if it exists; False writes nothing
    (for `check`). Creates no folder either way.
    """
    problem = warehouse_problem(warehouse, need_bytes=need_bytes, probe=probe)
    if problem:
        raise StoreError(f"warehouse: {problem}")


def warehouse_problem(warehouse: Path, *, need_bytes: int = 0, probe: bool = False) -> str:
    """Why `warehouse` cannot take a run of `need_bytes`, in one line; "" when it can."""
    warehouse = Path(os.path.abspath(warehouse))
    if warehouse.exists() and not warehouse.is_dir():
        return f"{warehouse} exists and is not a folder"
    existing = next(p for p in (warehouse, *warehouse.parents) if p.exists())
    if not existing.is_dir():
        return f"cannot create {warehouse}: {existing} is a file"
    for sub in (RUNS, STAGING):
        if (warehouse / sub).exists() and not (warehouse / sub).is_dir():
            return f"{warehouse / sub} exists and is not a folder"
    for folder in dict.fromkeys((existing, _nearest(warehouse / STAGING), _nearest(warehouse / RUNS))):
        if _read_only(folder):
            return f"{folder} is on a read-only filesystem"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"cannot create or write {warehouse} (no write permission on {folder})"
    if probe and (warehouse / STAGING).is_dir():
        try:
            _probe(warehouse / STAGING)
        except OSError as exc:
            return f"cannot write in {warehouse / STAGING}: {reason(exc)}"
    staging, runs = (_nearest(warehouse / sub) for sub in (STAGING, RUNS))
    if os.stat(staging).st_dev != os.stat(runs).st_dev:
        return (
            f"{warehouse / RUNS} and {warehouse / STAGING} are on different filesystems, so publishing a run "
            "(one rename) would not be atomic; put both on one filesystem"
        )
    free = free_bytes(staging)
    if need_bytes > free:
        return (
            f"about {need_bytes / MIB:,.1f} MiB needed for this run's tables, {free / MIB:,.1f} MiB free "
            f"on the filesystem of {staging}"
        )
    return ""


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged writer may still use on the filesystem of `path`."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def reason(exc: OSError) -> str:
    """An OSError as a few words: "No space left on device", "Read-only file system", ..."""
    if exc.errno:
        return os.strerror(exc.errno)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _probe(staging: Path) -> None:
    path = staging / own_name("probe")
    try:
        with open(path, "wb") as handle:
            handle.write(b"ml4t-sql preflight\n")
            handle.flush()
            os.fsync(handle.fileno())
    except FileNotFoundError:
        pass  # removed meanwhile, empty, by another run's cleanup: the spill folder's creation tests it
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _nearest(path: Path) -> Path:
    return next(p for p in (path, *path.parents) if p.exists())


def _read_only(path: Path) -> bool:
    return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
