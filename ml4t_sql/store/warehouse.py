"""The warehouse: run tables as Parquet, views over them in a DuckDB file, atomic publication.

Layout (store.layout)::

    <warehouse>/runs/<run_id>/<table>.parquet    one folder per run, all of its tables
    <warehouse>/runs/<run_id>/manifest.json      rows, bytes and sha256 of each (store.manifest)
    <warehouse>/ml4t.duckdb                      views: <table> = every run's <table>.parquet
    <warehouse>/.staging/<run_id>.<host>.<pid>   runs being written (never read)
    <warehouse>/.staging/spill-*.<host>.<pid>    the working database's spill folder of a run
    <warehouse>/.lock                            serializes catalog writes between processes

Guarantees, and how:

- **Faults are found before the work.** `store.preflight` refuses a warehouse that is a file,
  read-only, too full for the run, or whose `runs/` and `.staging/` are on different filesystems,
  before the backtest starts; a disk error while writing is one line (StoreError) and the staged
  files are removed.
- **A run appears whole or not at all.** It is written into `.staging/`, every file flushed to
  disk, its manifest written and flushed, then moved into `runs/` with one directory rename (the
  commit point). Readers only look at `runs/*/`, so a killed writer leaves at most a staging (and
  a spill) folder nobody reads; the next run on the same host removes those whose process is gone.
- **Earlier runs are never touched.** A run folder is never written after its rename.
- **Damage is reported, not shown partially.** Readers check each run against its manifest and
  leave out (with a StoreWarning) or refuse (StoreError) a run whose files are missing or altered.
- **The DuckDB file is never half-written** (store.catalog): views only, created under the lock
  file in one transaction; a damaged file is set aside and rebuilt from the run folders.
- **Readers see whole runs.** `connect()` lists the run folders once and builds its views over
  that list: a consistent snapshot. The DuckDB file's views expand their globs per table when a
  query binds them, so a run published in that instant can show in one table and not yet in
  another within one statement; read `runs` first and other tables after, and every run listed
  in `runs` has all of its rows in every table.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Ml4tError, StoreError
from .layout import (
    ALL_TABLES,
    DB_NAME,
    HOST,
    RUN_TABLES,
    STAGING,
    check_run_id,
    make_dirs,
    own_name,
    remove_empty,
    run_folders,
    sweep_staging,
)
from .locate import no_runs_message
from .manifest import inspect_runs, sound_runs, table_files, write_manifest
from .moved import repoint_catalog
from .preflight import preflight, reason

__all__ = ["ALL_TABLES", "DB_NAME", "HOST", "Spill", "Stage", "check_run_id", "connect", "publish", "run_folders"]
__all__ += ["sweep_staging"]


class Stage:
    """A run being written: tables appended in pieces under `.staging/`, then published at once.

        with Stage(warehouse, run_id, expected_bytes=n) as stage:
            stage.write("trades", chunk)     # as often as needed, one Parquet file per table
            ...
            path = stage.commit()            # manifest, then one directory rename: the run appears whole

    `required`: the tables the run must have before it commits (a research run's differ).
    Refuses (StoreError) a warehouse that `preflight` refuses, with `expected_bytes` of free space.
    Leaving the block without `commit` (an error, an interrupt) removes the staged files.
    """

    def __init__(
        self, warehouse: Path, run_id: str, *, expected_bytes: int = 0, required: tuple[str, ...] = RUN_TABLES
    ) -> None:
        check_run_id(run_id)
        self.required = required
        self.run_id = run_id
        self.warehouse = warehouse.resolve()
        self.final = self.warehouse / "runs" / run_id
        if self.final.exists():
            raise Ml4tError(f"run {run_id} already exists in {self.warehouse}")
        preflight(self.warehouse, need_bytes=expected_bytes, probe=False)
        sweep_staging(self.warehouse)
        self.path = self.warehouse / STAGING / f"{run_id}.{HOST}.{os.getpid()}"
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._rows: dict[str, int] = {}
        self._done = False
        try:
            self.path.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise self._error(exc, f"creating {self.path}") from exc

    def write(self, name: str, table: pa.Table) -> None:
        """Append rows to table `name` (its first piece fixes the schema; checked by the caller)."""
        if name not in ALL_TABLES:
            raise Ml4tError(f"internal: unknown table {name}")
        try:
            writer = self._writers.get(name)
            if writer is None:
                writer = pq.ParquetWriter(self.path / f"{name}.parquet", table.schema, compression="zstd")
                self._writers[name] = writer
            writer.write_table(table)
        except OSError as exc:
            raise self._error(exc, f"writing {name}.parquet") from exc
        self._rows[name] = self._rows.get(name, 0) + table.num_rows

    def commit(self) -> Path:
        """Close every table, write the manifest, flush to disk and move the run into `runs/`."""
        missing = set(self.required) - set(self._writers)
        if missing:
            raise Ml4tError(f"internal: run {self.run_id} tables: missing {sorted(missing)}")
        step = "closing the tables"
        try:
            for name, writer in self._writers.items():
                writer.close()
                _fsync(self.path / f"{name}.parquet")
            step = "writing manifest.json"
            write_manifest(self.path, self.run_id, self._rows)
            _fsync(self.path)
            step = "moving it into runs/"
            self.final.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.path, self.final)  # the commit point
        except OSError as exc:
            raise self._error(exc, step) from exc
        self._done = True
        with contextlib.suppress(OSError):  # the rename is done: the run has landed either way
            _fsync(self.final.parent)
        return self.final

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def _error(self, exc: OSError, step: str) -> StoreError:
        why = reason(exc)
        if exc.errno == errno.EXDEV:
            why = "runs/ and .staging/ are on different filesystems"
        return StoreError(f"cannot write run {self.run_id} in {self.warehouse} ({step}): {why}; nothing was published")

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._done:
            self.abort()


class Spill:
    """The folder a run's working DuckDB spills to beyond its memory limit.

    Writing a run (`warehouse` given): `<warehouse>/.staging/spill-*.<host>.<pid>`, on the
    warehouse's disk and removed like a staging folder after a crash. `cleanup` also removes the
    folders it had to create (`.staging`, the warehouse) if they are empty: a run that publishes
    nothing leaves the disk as it found it. `write=False` (no
    warehouse): a private folder in the system's temporary folder (`ml4t-sql-*`), removed when the
    run ends; a killed in-memory run leaves it there, as any temporary file.
    """

    def __init__(self, warehouse: Path | None) -> None:
        if warehouse is None:
            self.path = Path(tempfile.mkdtemp(prefix="ml4t-sql-"))
            self._created = [self.path]
            return
        root = warehouse.resolve()
        sweep_staging(root)
        self.path = root / STAGING / own_name("spill")
        try:
            self._created = make_dirs(self.path)
        except OSError as exc:
            raise StoreError(f"warehouse: cannot create {self.path}: {reason(exc)}") from exc

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        remove_empty(self._created[1:])

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def publish(warehouse: Path, run_id: str, tables: dict[str, pa.Table]) -> Path:
    """Write a run's tables and make them visible all at once. Returns the run's folder.

    Call `store.catalog.ensure_catalog` afterwards so that `ml4t.duckdb` has the views.
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


def connect(warehouse: str | Path = "warehouse", *, run: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose views hold the runs published so far (a snapshot).

    run: only this run's rows in every view: a run id, `latest`, or a run's `[output] name` (its
    most recent run). A run whose files do not match its manifest (missing, another size) is left
    out, with a StoreWarning naming it. Runs published after this call are not seen: connect
    again to see them. Nothing is locked or written, except that the views of `ml4t.duckdb` are
    rebuilt (with one StoreWarning saying so) when they point outside the warehouse: it was moved
    or copied (store.catalog.repoint_catalog).
    """
    root = Path(warehouse).resolve()
    checks = inspect_runs(root)
    if not checks:
        raise Ml4tError(no_runs_message(root))
    repoint_catalog(root)
    if run is not None:
        from .runs import resolve_run_id

        chosen = resolve_run_id(root, run)
        checks = [c for c in checks if c.run_id == chosen]
        if not checks:
            raise Ml4tError(f"no run {run!r} in warehouse {root}: `ml4t-sql runs --warehouse {root}` lists them")
    sound = sound_runs(checks, root)
    if not sound:
        raise StoreError(f"every run in warehouse {root} is damaged: `ml4t-sql check --warehouse {root}` lists them")
    con = duckdb.connect()
    for name in ALL_TABLES:
        files = ", ".join(_literal(str(path)) for path in table_files(sound, name))
        if files:
            con.execute(f"create or replace view {name} as select * from read_parquet([{files}], union_by_name = true)")
    return con


def _literal(text: str) -> str:
    """A SQL string literal (paths cannot be bound as parameters in a view definition)."""
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
