"""Run tables land atomically, as Parquet plus views in <warehouse>/ml4t.duckdb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

import ml4t_sql
from ml4t_sql.errors import Ml4tError, StoreError, StoreWarning
from ml4t_sql.schema import RUN_TABLES, TABLES
from ml4t_sql.store.catalog import ensure_catalog
from ml4t_sql.store.layout import HOST
from ml4t_sql.store.warehouse import DB_NAME, connect, run_folders, sweep_staging

from .test_inputs import PANEL

CONFIG = {"data": {"prices": PANEL}, "strategy": {"signal": "score", "top_n": 2}}


def test_a_run_writes_every_table_with_run_id_first_and_the_declared_columns(tmp_path: Path):
    run = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    assert run.path == (tmp_path / "runs" / run.run_id).resolve()
    for name in RUN_TABLES:
        table = pq.read_table(run.path / f"{name}.parquet")
        assert table.schema.equals(TABLES[name].schema), name
        assert set(table.column("run_id").to_pylist()) <= {run.run_id}
    assert not list((tmp_path / ".staging").glob("*"))  # nothing staged (the folder itself may be gone)


@pytest.mark.process
def test_views_answer_sql_from_any_working_directory(tmp_path: Path):
    first = ml4t_sql.run(CONFIG, warehouse=tmp_path / "wh")
    second = ml4t_sql.run(CONFIG, warehouse=tmp_path / "wh")
    db = tmp_path / "wh" / "ml4t.duckdb"
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(con.sql('select count(distinct run_id) from equity').fetchall()[0][0])"
    )
    out = subprocess.run([sys.executable, "-c", script, str(db)], cwd="/", capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"
    con = connect(tmp_path / "wh")
    navs = con.sql("select run_id, last(nav order by date) from equity group by run_id").fetchall()
    assert dict(navs) == {first.run_id: first.equity["nav"][-1], second.run_id: second.equity["nav"][-1]}


def test_a_failed_write_leaves_nothing_and_keeps_earlier_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    earlier = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    calls = {"n": 0}
    real = pq.ParquetWriter.write_table

    def failing(self, table, *args, **kw):  # the fourth table fails to write
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return real(self, table, *args, **kw)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing)
    with pytest.raises(StoreError, match="disk full; nothing was published"):
        ml4t_sql.run(CONFIG, warehouse=tmp_path)
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [earlier.run_id]
    assert not list((tmp_path / ".staging").glob("*"))  # nothing staged (the folder itself may be gone)
    assert connect(tmp_path).sql("select count(distinct run_id) from trades").fetchall()[0][0] == 1


def test_bad_input_writes_nothing(tmp_path: Path):
    with pytest.raises(ml4t_sql.InputError):
        ml4t_sql.run({**CONFIG, "data": {"prices": pl.concat([PANEL, PANEL.head(1)])}}, warehouse=tmp_path / "wh")
    assert list(tmp_path.iterdir()) == []  # not even the warehouse folder or its spill folder


def test_a_first_run_keeps_only_what_it_published(tmp_path: Path):
    run = ml4t_sql.run(CONFIG, warehouse=tmp_path / "wh")
    assert sorted(p.name for p in (tmp_path / "wh").iterdir()) == [".lock", DB_NAME, "runs"]
    assert [p.name for p in (tmp_path / "wh" / "runs").iterdir()] == [run.run_id]


def test_a_moved_warehouse_is_repointed(tmp_path: Path):
    ml4t_sql.run(CONFIG, warehouse=tmp_path / "a")
    (tmp_path / "a").rename(tmp_path / "b")
    ml4t_sql.run(CONFIG, warehouse=tmp_path / "b")
    con = duckdb.connect(str(tmp_path / "b" / "ml4t.duckdb"), read_only=True)
    assert con.sql("select count(distinct run_id) from runs").fetchall()[0][0] == 2


def test_connect_explains_an_empty_warehouse(tmp_path: Path):
    with pytest.raises(Ml4tError, match="no runs in warehouse"):
        connect(tmp_path)


@pytest.mark.process
def test_a_database_held_open_elsewhere_delays_the_views_but_loses_no_run(tmp_path: Path):
    ml4t_sql.run(CONFIG, warehouse=tmp_path)
    (tmp_path / "ml4t.duckdb").unlink()  # views must be recreated, but another process holds the file
    hold = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(60)"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(tmp_path / "ml4t.duckdb")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        held = ensure_catalog(tmp_path, wait_s=0.3)
        assert not held.current and len(held.notes) == 1
        assert f"is held open by another process (PID {holder.pid})" in held.notes[0]
        assert connect(tmp_path).sql("select count(*) from runs").fetchall()[0][0] == 1  # readable meanwhile
    finally:
        holder.kill()
        holder.wait()
    refreshed = ensure_catalog(tmp_path)
    assert refreshed.current and refreshed.notes == ()
    con = duckdb.connect(str(tmp_path / "ml4t.duckdb"), read_only=True)
    assert con.sql("select count(*) from runs").fetchall()[0][0] == 1


@pytest.mark.process
def test_staging_left_by_dead_processes_is_removed_by_the_next_publish(tmp_path: Path):
    staging = tmp_path / ".staging"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)  # a process that has exited
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for name in (f"r1.{HOST}.{dead_pid}", f"r2.{HOST}.{alive.pid}", f"r3.otherhost.{dead_pid}"):
            (staging / name).mkdir(parents=True)
            (staging / name / "equity.parquet").write_bytes(b"half a file")
        (tmp_path / f".{DB_NAME}.{HOST}.{dead_pid}.tmp").write_bytes(b"half a catalog")
        assert connect_or_none(tmp_path) is None  # readers never look at .staging
        run = ml4t_sql.run(CONFIG, warehouse=tmp_path)
        # the dead process's folder and catalog go; a live process's and another host's stay
        assert sorted(p.name for p in staging.iterdir()) == sorted(
            [f"r2.{HOST}.{alive.pid}", f"r3.otherhost.{dead_pid}"]
        )
        assert not list(tmp_path.glob(f".{DB_NAME}.*"))
        assert [f.name for f in run_folders(tmp_path)] == [run.run_id]
        assert sweep_staging(tmp_path) == []
    finally:
        alive.kill()
        alive.wait()


def connect_or_none(warehouse: Path) -> duckdb.DuckDBPyConnection | None:
    try:
        return connect(warehouse)
    except Ml4tError:
        return None


def test_connect_is_a_snapshot_of_the_runs_published_before_it(tmp_path: Path):
    first = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    con = connect(tmp_path)
    second = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    assert con.sql("select run_id from runs").fetchall() == [(first.run_id,)]
    assert con.sql("select distinct run_id from equity").fetchall() == [(first.run_id,)]
    ids = {r[0] for r in connect(tmp_path).sql("select run_id from runs").fetchall()}
    assert ids == {first.run_id, second.run_id}


def test_a_catalog_that_is_not_a_database_is_set_aside_and_rebuilt(tmp_path: Path):
    first = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    (tmp_path / DB_NAME).write_bytes(b"not a database")
    with pytest.warns(StoreWarning, match=f"{DB_NAME} is not a DuckDB database file: set aside as {DB_NAME}.broken-"):
        second = ml4t_sql.run(CONFIG, warehouse=tmp_path)
    assert second.quality["warnings"] == []
    assert [p.read_bytes() for p in tmp_path.glob(f"{DB_NAME}.broken-*")] == [b"not a database"]
    con = duckdb.connect(str(tmp_path / DB_NAME), read_only=True)
    assert {r[0] for r in con.sql("select run_id from runs").fetchall()} == {first.run_id, second.run_id}


def test_a_failed_publish_leaves_no_staging(tmp_path: Path):
    from ml4t_sql.store.warehouse import publish

    with pytest.raises(Ml4tError, match="missing"):
        publish(tmp_path, "r1", {})
    assert not (tmp_path / ".staging").exists() and not (tmp_path / "runs").exists()
