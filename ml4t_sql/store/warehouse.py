"""The warehouse: run tables as Parquet, views over them in a DuckDB file, atomic publication.

Layout::

    <warehouse>/runs/<run_id>/<table>.parquet   one folder per run, all of its tables
    <warehouse>/ml4t.duckdb                     views: <table> = every run's <table>.parquet
    <warehouse>/.staging/<run_id>.<host>.<pid>  runs being written (never read)
    <warehouse>/.lock                           serializes catalog writes between processes

Guarantees, and how:

- **A run appears whole or not at all.** It is written into `.staging/`, every file flushed to
  disk, then moved into `runs/` with one directory rename (the commit point). Readers only look
  at `runs/*/`, so a killed writer leaves at most a staging folder nobody reads; the next
  `publish` on the same host removes staging folders whose process is gone.
- **Earlier runs are never touched.** A run folder is never written after its rename.
- **The DuckDB file is never half-written.** It holds only views over `runs/*/<table>.parquet`,
  so a new run needs no catalog write once the views exist. Views are (re)created under the
  lock file, in one transaction; a new file is built under a temporary name and renamed into
  place. A file that is not a DuckDB database any more is set aside and rebuilt.
- **Readers see whole runs.** `connect()` lists the run folders once and builds its views over
  that list: a consistent snapshot. The DuckDB file's views expand their globs per table when a
  query binds them, so a run published in that instant can show in one table and not yet in
  another within one statement; read `runs` first and other tables after, and every run listed
  in `runs` has all of its rows in every table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Ml4tError
from ..schema import RUN_TABLES, VARIANTS

DB_NAME = "ml4t.duckdb"
ALL_TABLES = (*RUN_TABLES, VARIANTS.name)
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_HOST = re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname())[:64] or "host"


class Stage:
    """A run being written: tables appended in pieces under `.staging/`, then published at once.

        with Stage(warehouse, run_id) as stage:
            stage.write("trades", chunk)     # as often as needed, one Parquet file per table
            ...
            path = stage.commit()            # one directory rename: the run appears whole

    Leaving the block without `commit` (an error, an interrupt) removes the staged files.
    """

    def __init__(self, warehouse: Path, run_id: str) -> None:
        check_run_id(run_id)
        self.run_id = run_id
        self.warehouse = warehouse.resolve()
        self.final = self.warehouse / "runs" / run_id
        if self.final.exists():
            raise Ml4tError(f"run {run_id} already exists in {self.warehouse}")
        sweep_staging(self.warehouse)
        self.path = self.warehouse / ".staging" / f"{run_id}.{_HOST}.{os.getpid()}"
        self.path.mkdir(parents=True, exist_ok=False)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._done = False

    def write(self, name: str, table: pa.Table) -> None:
        """Append rows to table `name` (its first piece fixes the schema; checked by the caller)."""
        if name not in ALL_TABLES:
            raise Ml4tError(f"internal: unknown table {name}")
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(self.path / f"{name}.parquet", table.schema, compression="zstd")
            self._writers[name] = writer
        writer.write_table(table)

    def commit(self) -> Path:
        """Close every table, flush to disk and move the run into `runs/`. Returns its folder."""
        missing = set(RUN_TABLES) - set(self._writers)
        if missing:
            raise Ml4tError(f"internal: run {self.run_id} tables: missing {sorted(missing)}")
        for name, writer in self._writers.items():
            writer.close()
            _fsync(self.path / f"{name}.parquet")
        _fsync(self.path)
        self.final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.path, self.final)  # the commit point
        _fsync(self.final.parent)
        self._done = True
        return self.final

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            self.abort()


def publish(warehouse: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write a run's tables and make them visible all at once. Returns the run's folder.

    Call `ensure_catalog` afterwards so that `ml4t.duckdb` has the views.
    """
    check_run_id(run_id)
    missing = set(RUN_TABLES) - set(tables)
    unknown = set(tables) - set(ALL_TABLES)
    if missing or unknown:  # refused before anything touches the disk
        raise Ml4tError(f"internal: run {run_id} tables: missing {sorted(missing)}, unknown {sorted(unknown)}")
    with Stage(warehouse, run_id) as stage:
        for name, table in tables.items():  # checked against schema.py by whoever made them
            stage.write(name, table)
        return stage.commit()


def check_run_id(run_id: str) -> str:
    """A run id is one plain path component: it can never point outside `runs/`."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or ".." in run_id:
        raise Ml4tError(f"invalid run id {run_id!r}: letters, digits, '_', '-', '.' only, no '..'")
    return run_id


def run_folders(warehouse: str | Path) -> list[Path]:
    """The published runs' folders, sorted by run id (a folder in `runs/` is always complete)."""
    runs = Path(warehouse).resolve() / "runs"
    return sorted(p.parent for p in runs.glob(f"*/{RUN_TABLES[0]}.parquet") if _RUN_ID.fullmatch(p.parent.name))


def sweep_staging(warehouse: Path) -> list[Path]:
    """Remove staging folders (and temporary catalogs) left by dead processes of this host."""
    removed = []
    candidates = list((warehouse / ".staging").glob(f"*.{_HOST}.*"))
    candidates += list(warehouse.glob(f".{DB_NAME}.{_HOST}.*.tmp*"))
    for path in candidates:
        pid = path.name.removesuffix(".tmp").removesuffix(".tmp.wal").rsplit(".", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def ensure_catalog(warehouse: Path, *, wait_s: float = 5.0) -> bool:
    """Create the views in `<warehouse>/ml4t.duckdb` if they are missing or point elsewhere.

    Returns False if another process kept the file open for `wait_s` seconds (the runs are
    safe in `runs/` either way; the next run or `connect` creates the views).
    """
    warehouse = warehouse.resolve()
    db = warehouse / DB_NAME
    if _views_current(db, warehouse):
        return True
    deadline = time.monotonic() + wait_s
    with _locked(warehouse):
        if _views_current(db, warehouse):  # another process made them while we waited for the lock
            return True
        if not db.exists():
            _build_catalog(warehouse, db)
            return True
        while True:
            try:
                con = duckdb.connect(str(db))
            except duckdb.IOException as exc:
                if "not a valid DuckDB database" in str(exc):
                    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
                    os.rename(db, db.with_name(f"{DB_NAME}.broken-{stamp}"))
                    _build_catalog(warehouse, db)
                    return True
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)  # another process holds the file
                continue
            try:
                _create_views(con, warehouse)
            finally:
                con.close()
            return True


def connect(warehouse: str | Path = "warehouse") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose views hold the runs published so far (a snapshot).

    Runs published after this call are not seen: connect again to see them. Nothing is locked.
    """
    root = Path(warehouse).resolve()
    folders = run_folders(root)
    if not folders:
        raise Ml4tError(f"no runs in warehouse {root} yet: run `ml4t-sql run CONFIG` first")
    con = duckdb.connect()
    for name in ALL_TABLES:
        paths = [folder / f"{name}.parquet" for folder in folders]
        files = ", ".join(_literal(str(path)) for path in paths if name in RUN_TABLES or path.is_file())
        if files:
            con.execute(f"create or replace view {name} as select * from read_parquet([{files}], union_by_name = true)")
    return con


def _build_catalog(warehouse: Path, db: Path) -> None:
    """A new catalog, built under a temporary name and renamed into place (never seen half-made)."""
    sweep_staging(warehouse)
    tmp = warehouse / f".{DB_NAME}.{_HOST}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        _create_views(con, warehouse)
        con.execute("checkpoint")
    finally:
        con.close()
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    _fsync(tmp)
    os.rename(tmp, db)
    _fsync(warehouse)


def _create_views(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    con.execute("begin transaction")
    for name in _view_names(warehouse):
        con.execute(_view_sql(warehouse, name))
    con.execute("commit")


def _view_names(warehouse: Path) -> tuple[str, ...]:
    """Every run table, and the sweep-only tables once some run has them (a view needs a file)."""
    extra = tuple(n for n in ALL_TABLES if n not in RUN_TABLES and any((warehouse / "runs").glob(f"*/{n}.parquet")))
    return RUN_TABLES + extra


def _view_sql(warehouse: Path, name: str) -> str:
    source = f"read_parquet({_literal(_pattern(warehouse, name))}, union_by_name = true)"
    return f"create or replace view {name} as select * from {source}"


def _views_current(db: Path, warehouse: Path) -> bool:
    """Whether every table's view exists and reads this warehouse's files."""
    if not db.exists():
        return False
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return False
    try:
        stored = dict(con.sql("select view_name, sql from duckdb_views() where not internal").fetchall())
    finally:
        con.close()
    return all(_literal(_pattern(warehouse, name)) in str(stored.get(name, "")) for name in _view_names(warehouse))


def _pattern(warehouse: Path, name: str) -> str:
    return str(warehouse / "runs" / "*" / f"{name}.parquet")


def _literal(text: str) -> str:
    """A SQL string literal (paths cannot be bound as parameters in a view definition)."""
    return "'" + text.replace("'", "''") + "'"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _locked(warehouse: Path) -> Iterator[None]:
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / ".lock", "a") as handle:
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
