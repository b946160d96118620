"""The warehouse: run tables as Parquet, views over them in a DuckDB file, atomic publication.

Layout::

    <warehouse>/runs/<run_id>/<table>.parquet   one folder per run, all of its tables
    <warehouse>/ml4t.duckdb                     views: <table> = every run's <table>.parquet
    <warehouse>/.staging/                       runs being written (never read)

A run is written into `.staging/`, flushed to disk, then moved into `runs/` with one directory
rename: readers see all of its tables or none. The DuckDB file only holds views over
`runs/*/<table>.parquet`, so a new run needs no catalog write once the views exist; the views are
(re)created under a file lock, with retries, only when missing or when the warehouse has moved.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import Ml4tError
from .schema import RUN_TABLES, conform

DB_NAME = "ml4t.duckdb"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def publish(warehouse: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write a run's tables and make them visible all at once. Returns the run's folder.

    Call `ensure_catalog` afterwards so that `ml4t.duckdb` has the views.
    """
    check_run_id(run_id)
    warehouse = warehouse.resolve()
    final = warehouse / "runs" / run_id
    if final.exists():
        raise Ml4tError(f"run {run_id} already exists in {warehouse}")
    staging = warehouse / ".staging" / f"{run_id}.{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=False)
    try:
        for name in RUN_TABLES:
            path = staging / f"{name}.parquet"
            pq.write_table(conform(name, tables[name]), path, compression="zstd")
            _fsync(path)
        _fsync(staging)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, final)  # the commit point
        _fsync(final.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id) or run_id in (".", ".."):
        raise Ml4tError(f"invalid run id {run_id!r}: letters, digits, '_', '-', '.' only")
    return run_id


def ensure_catalog(warehouse: Path, *, wait_s: float = 5.0) -> bool:
    """Create the views in `<warehouse>/ml4t.duckdb` if they are missing or point elsewhere.

    Returns False if another process kept the file locked for `wait_s` seconds (the runs are
    safe in `runs/` either way; the next run or `connect` creates the views).
    """
    warehouse = warehouse.resolve()
    db = warehouse / DB_NAME
    if db.exists() and _views_current(db, warehouse):
        return True
    deadline = time.monotonic() + wait_s
    with _locked(warehouse):
        while True:
            try:
                con = duckdb.connect(str(db))
            except duckdb.IOException:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)  # another process holds the file
                continue
            try:
                for name in RUN_TABLES:
                    con.execute(_view_sql(warehouse, name))
            finally:
                con.close()
            return True


def connect(warehouse: str | Path = "warehouse") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the warehouse's tables as views (nothing is locked)."""
    root = Path(warehouse).resolve()
    if not any((root / "runs").glob(f"*/{RUN_TABLES[0]}.parquet")):
        raise Ml4tError(f"no runs in warehouse {root} yet: run `ml4t-sql run CONFIG` first")
    con = duckdb.connect()
    for name in RUN_TABLES:
        con.execute(_view_sql(root, name))
    return con


def _view_sql(warehouse: Path, name: str) -> str:
    source = f"read_parquet('{_pattern(warehouse, name)}', union_by_name = true)"
    return f"create or replace view {name} as select * from {source}"


def _views_current(db: Path, warehouse: Path) -> bool:
    """Whether every table's view exists and reads this warehouse's files."""
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return False
    try:
        stored = dict(con.sql("select view_name, sql from duckdb_views() where not internal").fetchall())
    finally:
        con.close()
    return all(_pattern(warehouse, name) in str(stored.get(name, "")) for name in RUN_TABLES)


def _pattern(warehouse: Path, name: str) -> str:
    return str(warehouse / "runs" / "*" / f"{name}.parquet").replace("'", "''")


@contextlib.contextmanager
def _locked(warehouse: Path) -> Iterator[None]:
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
