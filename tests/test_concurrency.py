"""Four processes write runs into one warehouse at the same time; readers never see half a run.

Four writer processes (tests/warehouse_workers.py) start together on an empty warehouse and
publish runs as fast as they can, so the first ones race to create `runs/` and `ml4t.duckdb`.
Meanwhile this process reads in a loop, both through `ml4t_sql.connect` (a snapshot of the run
folders) and through the DuckDB file, and checks that every run it sees is whole: every table
present, `equity` rows = `runs.n_dates`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import ml4t_sql
from ml4t_sql.schema import RUN_TABLES
from ml4t_sql.store.manifest import MANIFEST
from ml4t_sql.store.warehouse import DB_NAME, run_folders

from .factories import make_prices

pytestmark = pytest.mark.process
WORKER = Path(__file__).with_name("warehouse_workers.py")
WRITERS, RUNS_EACH = 4, 4


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    prices = make_prices(30, 120, seed=9)
    prices.with_columns(score=prices["close"]).write_parquet(folder / "prices.parquet")
    path = folder / "run.toml"
    path.write_text('[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 5\n')
    return path


def incomplete_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs listed in `runs` whose rows are missing from another table. `runs` is read first: runs
    only ever get added, so every later read must contain them whole."""
    runs = dict(con.sql("select run_id, n_dates from runs").fetchall())
    equity = dict(con.sql("select run_id, count(*) from equity group by run_id").fetchall())
    metrics = {r[0] for r in con.sql("select distinct run_id from metrics").fetchall()}
    return [r for r, n in runs.items() if equity.get(r) != n or r not in metrics]


def test_four_writers_and_a_reader(config: Path, tmp_path: Path):
    warehouse = tmp_path / "wh"
    writers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "write", str(config), str(warehouse), str(RUNS_EACH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WRITERS)
    ]
    time.sleep(1.5)  # let them import; then start them together
    for w in writers:
        assert w.stdin is not None
        w.stdin.write("go\n")
        w.stdin.flush()

    snapshots = catalog_reads = 0
    seen: set[str] = set()
    while any(w.poll() is None for w in writers):
        folders = run_folders(warehouse) if (warehouse / "runs").exists() else []
        for folder in folders:
            assert {p.name for p in folder.iterdir()} == {MANIFEST, *(f"{n}.parquet" for n in RUN_TABLES)}, folder
        if folders:
            con = ml4t_sql.connect(warehouse)
            assert incomplete_runs(con) == []
            seen |= {r[0] for r in con.sql("select run_id from runs").fetchall()}
            con.close()
            snapshots += 1
        if (warehouse / DB_NAME).exists():
            try:
                con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
            except duckdb.IOException:
                continue  # a writer holds it for a moment (views being created)
            try:
                assert incomplete_runs(con) == []
            finally:
                con.close()
            catalog_reads += 1
        time.sleep(0.01)

    outputs = [w.communicate() for w in writers]
    assert [w.returncode for w in writers] == [0] * WRITERS, [err for _, err in outputs]
    run_ids = [line for out, _ in outputs for line in out.split()]
    assert len(run_ids) == len(set(run_ids)) == WRITERS * RUNS_EACH
    assert snapshots > 0 and catalog_reads > 0, (snapshots, catalog_reads)

    assert sorted(f.name for f in run_folders(warehouse)) == sorted(run_ids)
    assert not list((warehouse / ".staging").glob("*"))
    con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
    assert sorted(r[0] for r in con.sql("select run_id from runs").fetchall()) == sorted(run_ids)
    assert incomplete_runs(con) == []
    assert con.sql("select count(*) from duckdb_views() where not internal").fetchall()[0][0] == len(RUN_TABLES) + 1
    assert seen <= set(run_ids)
