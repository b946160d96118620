"""Where things live in a warehouse, and which of them belong to which process.

    <warehouse>/runs/<run_id>/<table>.parquet     a published run: one folder, every table
    <warehouse>/runs/<run_id>/manifest.json       its files' rows, sizes and checksums (store.manifest)
    <warehouse>/ml4t.duckdb                       views over the runs (store.catalog)
    <warehouse>/.staging/<run_id>.<host>.<pid>    a run being written (never read)
    <warehouse>/.staging/spill-<x>.<host>.<pid>   the working database's spill folder of a run
    <warehouse>/.staging/probe-<x>.<host>.<pid>   the preflight's test file (store.preflight)
    <warehouse>/.ml4t.duckdb.<host>.<pid>.tmp     a catalog being built
    <warehouse>/.lock                             serializes catalog writes between processes

Everything a process makes outside `runs/` ends in `.<host>.<pid>` (a temporary catalog in
`.<host>.<pid>.tmp`), so that `sweep_staging` can tell what a dead process of this host left.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
from pathlib import Path

from ..errors import Ml4tError
from ..schema import RESEARCH_TABLES, RUN_TABLES, VARIANTS

DB_NAME = "ml4t.duckdb"
RUNS = "runs"
STAGING = ".staging"
ALL_TABLES = (*RUN_TABLES, VARIANTS.name, *RESEARCH_TABLES)
"""Every table a published run may have: a backtest's, a sweep's `variants`, a research run's."""
HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:64] or "host"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_run_id(run_id: str) -> str:
    """A run id is one plain path component: it can never point outside `runs/`."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or ".." in run_id:
        raise Ml4tError(f"invalid run id {run_id!r}: letters, digits, '_', '-', '.' only, no '..'")
    return run_id


def run_folders(warehouse: str | Path) -> list[Path]:
    """The published runs' folders, sorted by run id.

    Every folder in `runs/` named like a run id is a run: only the publishing rename puts one
    there, complete. Whether its files are still intact is store.manifest's question.
    """
    runs = Path(warehouse).resolve() / RUNS
    if not runs.is_dir():
        return []
    return sorted(p for p in runs.iterdir() if _RUN_ID.fullmatch(p.name) and ".." not in p.name and p.is_dir())


def own_name(prefix: str) -> str:
    """`<prefix>-<random>.<host>.<pid>`: a name for this process's temporary folder or file."""
    return f"{prefix}-{secrets.token_hex(4)}.{HOST}.{os.getpid()}"


def make_dirs(path: Path) -> list[Path]:
    """Create folder `path` and its missing parents; return those this call created, deepest first.

    Retries when another process removes an empty parent meanwhile (see `remove_empty`).
    """
    for attempt in range(5):
        missing = [p for p in (path, *path.parents) if not p.exists()]
        try:
            path.mkdir(parents=True)
            return missing
        except FileNotFoundError:
            if attempt == 4:
                raise
    return []  # pragma: no cover - the loop returns or raises


def remove_empty(folders: list[Path]) -> None:
    """Remove each of `folders` (deepest first) that is empty; leave the others."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or gone): its parents are not empty either


def sweep_staging(warehouse: Path) -> list[Path]:
    """Remove what dead processes of this host left: staging and spill folders, probe files and
    temporary catalogs. Reads `.staging/` and the warehouse folder; returns what it removed."""
    removed = []
    candidates = list((warehouse / STAGING).glob(f"*.{HOST}.*"))
    candidates += list(warehouse.glob(f".{DB_NAME}.{HOST}.*.tmp*"))
    for path in candidates:
        pid = path.name.removesuffix(".wal").removesuffix(".tmp").rsplit(".", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
