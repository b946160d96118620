"""`<warehouse>/ml4t.duckdb`: one view per table over the runs' Parquet files, kept current and sound.

The run folders are the truth; the catalog only points at them, so it can always be rebuilt.

- **Views.** While every run is sound, a view reads its table's glob (`runs/*/<table>.parquet`),
  so a new run needs no catalog write. While some run is damaged (store.manifest), the views
  list the sound runs' files instead, and are rewritten after each publish while that lasts.
  Each view's comment records its source, which is how `ensure_catalog` tells it is current.
- **Never half-written.** Views are (re)created under the lock file in one transaction; a new
  file is built under a temporary name and renamed into place.
- **Damage is repaired.** A catalog that is truncated, fails DuckDB's checksums, is a directory
  or is not a DuckDB file is set aside as `ml4t.duckdb.broken-<stamp>` (its `.wal` with it) and
  rebuilt, with a note saying what happened. Only DuckDB's lock-conflict error is reported as
  "held open by another process" (after waiting `wait_s`); any other failure (a read-only or
  full disk) leaves the views as they were, with a note saying how to refresh them.
- **A warehouse can move.** The views hold absolute paths (DuckDB resolves a relative path
  against the reader's working folder, not the database file's). `repoint_catalog`, called by
  `connect` and every command, notices views that point outside their warehouse (it was moved
  or copied) and rebuilds them, saying so once (the rebuilt views point inside). A plain DuckDB
  client opening a moved warehouse gets "No files found" naming the old path; the `ml4t_status`
  view says where the views point and what to run: `ml4t-sql check --warehouse DIR`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..errors import StoreWarning
from .layout import ALL_TABLES, DB_NAME, HOST, RUNS, run_folders, sweep_staging
from .manifest import RunCheck, inspect_run, table_files
from .preflight import reason

_LOCKED = "Could not set lock on file"
STATUS = "ml4t_status"
"""A one-row view: the folder the views read, and how to rebuild them after a move."""
_DAMAGE = {  # DuckDB's words for a damaged file -> ours
    "not a valid DuckDB database": "is not a DuckDB database file",
    "Could not read enough bytes": "is truncated",
    "Corrupt database file": "fails its checksums",
    "Is a directory": "is a directory, not a file",
}


@dataclass(frozen=True)
class Catalog:
    """What `ensure_catalog` did. current: the views read every sound run; notes: what happened to
    the catalog (set aside, held open, not refreshed); runs: what checking each run found."""

    current: bool
    notes: tuple[str, ...] = ()
    runs: tuple[RunCheck, ...] = field(default=(), repr=False)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Everything to tell the user: each damaged run (the views leave it out), then the notes."""
        return tuple(f"{c.describe()}: left out of the views" for c in self.runs if not c.sound) + self.notes


@dataclass(frozen=True)
class _View:
    name: str
    sql: str
    key: str  # the view's comment: what it reads


def ensure_catalog(warehouse: Path, *, wait_s: float = 5.0, full: bool = False) -> Catalog:
    """Make the views of `<warehouse>/ml4t.duckdb` read every sound run; repair a damaged file.

    Reads every run folder (a stat per file; full: also every file's rows and sha256, see
    store.manifest); writes the catalog only when its views are not current. Never raises for a
    disk or DuckDB error: the runs are safe in `runs/` either way, and a note says how to refresh.
    """
    warehouse = warehouse.resolve()
    db = warehouse / DB_NAME
    checks: list[RunCheck] = []
    try:
        checks = _inspect(warehouse, [], full)
        if not checks and not os.path.lexists(db):
            return Catalog(True)  # nothing to point at yet
        if _views_current(db, _plan(warehouse, checks)):
            current, more = True, list[str]()
        else:
            with _locked(warehouse):
                checks = _inspect(warehouse, checks, full)  # runs that landed while we waited for the lock
                sound = sum(c.sound for c in checks)
                current, more = _refresh(warehouse, db, _plan(warehouse, checks), wait_s, sound)
    except (OSError, duckdb.Error) as exc:
        current, more = False, [_not_refreshed(db, warehouse, exc)]
    return Catalog(current, tuple(more), tuple(checks))


def refresh_catalog(warehouse: Path) -> None:
    """`ensure_catalog` after a publish: each note as a StoreWarning (the run has landed)."""
    for note in ensure_catalog(warehouse).warnings:
        warnings.warn(note, StoreWarning, stacklevel=2)


def _refresh(warehouse: Path, db: Path, plan: list[_View], wait_s: float, runs: int) -> tuple[bool, list[str]]:
    """Under the lock: make the views current, setting a damaged file aside. -> (current, notes)."""
    if _views_current(db, plan):  # another process made them while we waited for the lock
        return True, []
    if not db.exists() and not db.is_symlink():
        _build_catalog(warehouse, db, plan)
        return True, []
    deadline = time.monotonic() + wait_s
    while True:
        damage = "is a directory, not a file" if db.is_dir() else ""
        if not damage:
            try:
                con = duckdb.connect(str(db))
            except duckdb.Error as exc:
                if _LOCKED in str(exc):
                    if time.monotonic() > deadline:
                        return False, [_held_open(db, warehouse, exc)]
                    time.sleep(0.05)
                    continue
                damage = _damage(exc)
                if not damage:
                    raise
            else:
                try:
                    _create_views(con, plan)
                    return True, []
                except duckdb.Error as exc:
                    damage = _damage(exc)
                    if not damage:
                        raise
                finally:
                    con.close()
        aside = _set_aside(db)
        _build_catalog(warehouse, db, plan)
        return True, [f"{db} {damage}: set aside as {aside.name} and rebuilt from the {runs} sound run folder(s)"]


def _inspect(warehouse: Path, known: list[RunCheck], full: bool) -> list[RunCheck]:
    """Every run's check: those in `known` as they are, the other folders checked now."""
    done = {c.folder: c for c in known}
    return [done.get(folder) or inspect_run(folder, rows=full, checksums=full) for folder in run_folders(warehouse)]


def _plan(warehouse: Path, checks: list[RunCheck]) -> list[_View]:
    """The views the catalog should have: globs while every run is sound, else the sound runs' files."""
    exact = any(not c.sound for c in checks)
    views = []
    for name in ALL_TABLES:
        files = table_files(checks, name)
        if not files:
            continue  # no sound run has this table (a view needs a file)
        if exact:
            text = "[" + ", ".join(_literal(str(f)) for f in files) + "]"
            key = f"ml4t-sql: {len(files)} files, sha256 {hashlib.sha256(text.encode()).hexdigest()[:16]}"
        else:
            text = _literal(str(warehouse / RUNS / "*" / f"{name}.parquet"))
            key = f"ml4t-sql: glob {text}"
        sql = f"create or replace view {name} as select * from read_parquet({text}, union_by_name = true)"
        views.append(_View(name, sql, key))
    if views:
        views.append(_status_view(warehouse))
    return views


def _status_view(warehouse: Path) -> _View:
    hint = (
        f'the views read {warehouse / RUNS}/*/<table>.parquet; if a query fails with "No files found", this '
        "warehouse was moved or copied: run `ml4t-sql check --warehouse DIR` with its new folder (or open it "
        "with ml4t_sql.connect) to rebuild the views"
    )
    sql = f"create or replace view {STATUS} as select {_literal(str(warehouse))} as warehouse, {_literal(hint)} as hint"
    return _View(STATUS, sql, f"ml4t-sql: status {_literal(str(warehouse))}")


def _views_current(db: Path, plan: list[_View]) -> bool:
    """Whether the catalog's views of our tables are exactly `plan` (compared by their comments)."""
    if not db.is_file():
        return False
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:
        return False
    try:
        stored = dict(con.sql("select view_name, comment from duckdb_views() where not internal").fetchall())
    except duckdb.Error:
        return False
    finally:
        con.close()
    ours = {name: comment for name, comment in stored.items() if name in ALL_TABLES or name == STATUS}
    return ours == {v.name: v.key for v in plan}


def _build_catalog(warehouse: Path, db: Path, plan: list[_View]) -> None:
    """A new catalog, built under a temporary name and renamed into place (never seen half-made)."""
    sweep_staging(warehouse)
    tmp = warehouse / f".{DB_NAME}.{HOST}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp))
        try:
            _create_views(con, plan)
            con.execute("checkpoint")
        finally:
            con.close()
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        _fsync(tmp)
        os.rename(tmp, db)
    except BaseException:  # a full disk, an interrupt: no temporary catalog left behind
        for path in (tmp, Path(f"{tmp}.wal")):
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    _fsync(warehouse)


def _create_views(con: duckdb.DuckDBPyConnection, plan: list[_View]) -> None:
    con.execute("begin transaction")
    planned = {v.name for v in plan}
    for (name,) in con.sql("select view_name from duckdb_views() where not internal").fetchall():
        if (name in ALL_TABLES or name == STATUS) and name not in planned:
            con.execute(f"drop view {name}")  # no sound run has this table any more
    for view in plan:
        con.execute(_view_sql(view))
        con.execute(f"comment on view {view.name} is {_literal(view.key)}")
    con.execute("commit")


def _view_sql(view: _View) -> str:
    return view.sql


def _damage(exc: duckdb.Error) -> str:
    """What DuckDB's error says is wrong with the file, in our words; "" if it is not damage."""
    return next((ours for theirs, ours in _DAMAGE.items() if theirs in str(exc)), "")


def _set_aside(db: Path) -> Path:
    """Rename a damaged catalog (and its write-ahead log) to `ml4t.duckdb.broken-<stamp>`."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    aside, n = db.with_name(f"{DB_NAME}.broken-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = db.with_name(f"{DB_NAME}.broken-{stamp}-{n}")
    os.rename(db, aside)
    wal = Path(f"{db}.wal")
    if wal.exists():
        os.rename(wal, Path(f"{aside}.wal"))
    return aside


def _held_open(db: Path, warehouse: Path, exc: duckdb.Error) -> str:
    pid = re.search(r"\(PID (\d+)\)", str(exc))
    who = f"another process (PID {pid.group(1)})" if pid else "another process"
    return (
        f"{db} is held open by {who}: its views were not refreshed; the runs are safe in {warehouse / RUNS} "
        f"(ml4t_sql.connect reads them now), and the next run or `ml4t-sql check --warehouse {warehouse}` "
        "refreshes the views"
    )


def _not_refreshed(db: Path, warehouse: Path, exc: OSError | duckdb.Error) -> str:
    why = reason(exc) if isinstance(exc, OSError) else str(exc).strip().splitlines()[0]
    return (
        f"the views in {db} could not be refreshed ({why}); the runs are safe in {warehouse / RUNS} "
        f"(ml4t_sql.connect reads them now), and `ml4t-sql check --warehouse {warehouse}` refreshes the views"
    )


def _literal(text: str) -> str:
    """A SQL string literal (paths cannot be bound as parameters in a view definition)."""
    return "'" + text.replace("'", "''") + "'"


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
