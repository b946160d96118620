"""A kill -9 at any moment of a run leaves the warehouse sound (SPEC 6: all of a run or none).

A worker process (tests/warehouse_workers.py) forks children that publish runs; each child is
killed with SIGKILL, either after a random delay while it publishes runs in a loop, or at a
chosen step of the publication (before and after each table file, at the commit rename, inside a
catalog transaction). After every kill the warehouse must be openable, the earlier runs' files
unchanged byte for byte, every visible run complete, and no part of the killed run visible.
"""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import ml4t_sql
from ml4t_sql.schema import RUN_TABLES
from ml4t_sql.store.manifest import MANIFEST, inspect_run
from ml4t_sql.store.warehouse import DB_NAME, run_folders

from .factories import make_prices

pytestmark = pytest.mark.process
WORKER = Path(__file__).with_name("warehouse_workers.py")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    prices = make_prices(40, 250, seed=5, gap_prob=0.02)
    prices.with_columns(score=prices["close"]).write_parquet(folder / "prices.parquet")
    path = folder / "run.toml"
    path.write_text(
        '[data]\nprices = "prices.parquet"\n[strategy]\nsignal = "score"\ntop_n = 8\n'
        '[execution]\ndelist_after = 10\n[output]\nname = "crash test"\n'
    )
    return path


class Worker:
    """The crash worker: one command in, one outcome out."""

    def __init__(self, config: Path, warehouse: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), "crash", str(config), str(warehouse)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def fingerprints(warehouse: Path) -> dict[str, str]:
    return {
        str(p.relative_to(warehouse)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((warehouse / "runs").glob("*/*"))
    }


def assert_sound(warehouse: Path, earlier: dict[str, str]) -> int:
    """The warehouse after a kill: earlier runs intact, every visible run whole, readable. -> runs."""
    now = fingerprints(warehouse)
    assert {k: now.get(k) for k in earlier} == earlier, "an earlier run's file changed"
    folders = run_folders(warehouse)
    assert sorted(p.name for p in (warehouse / "runs").iterdir()) == [f.name for f in folders], "a partial run folder"
    known = {Path(k).parts[1] for k in earlier}
    for folder in (f for f in folders if f.name not in known):  # the earlier ones are unchanged
        assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST] + [f"{n}.parquet" for n in RUN_TABLES])
        assert inspect_run(folder, rows=True, checksums=True).problems == ()
        tables = {name: pq.read_table(folder / f"{name}.parquet") for name in RUN_TABLES}
        for name, table in tables.items():
            assert set(table.column("run_id").to_pylist()) <= {folder.name}, name
        runs = tables["runs"].to_pylist()
        assert len(runs) == 1 and runs[0]["status"] == "complete"
        assert tables["equity"].num_rows == runs[0]["n_dates"] > 0
    con = ml4t_sql.connect(warehouse)
    assert con.sql("select count(*) from runs").fetchall()[0][0] == len(folders)
    con.close()
    db = warehouse / DB_NAME
    if db.exists():  # the catalog opens; its views, where present, read every run
        con = duckdb.connect(str(db), read_only=True)
        views = {r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
        if "runs" in views:
            assert con.sql("select count(*) from runs").fetchall()[0][0] == len(folders)
        con.close()
    return len(folders)


def test_random_kills_while_publishing_runs(config: Path, tmp_path: Path):
    warehouse = tmp_path / "wh"
    seconds = []
    for _ in range(2):
        started = time.perf_counter()
        ml4t_sql.run(config, warehouse=warehouse)
        seconds.append(time.perf_counter() - started)
    # delays up to 2.5 warm runs (at least 1 s): some kills land between runs however loaded the machine
    longest = max(1.0, 2.5 * min(seconds))
    earlier = fingerprints(warehouse)
    worker = Worker(config, warehouse)
    rng = random.Random(20240607)
    outcomes = []
    try:
        for _ in range(16):
            outcomes.append(worker.send(f"random {rng.uniform(0.05, longest):.3f}"))
            assert_sound(warehouse, earlier)
            earlier = fingerprints(warehouse)  # the runs that landed are now earlier runs too
    finally:
        worker.close()
    assert set(outcomes) == {"killed"}, outcomes
    assert len(run_folders(warehouse)) > 2, "no run ever landed between kills"
    ml4t_sql.run(config, warehouse=warehouse)  # the next publish removes dead processes' staging
    assert not list((warehouse / ".staging").glob("*"))
    assert_sound(warehouse, earlier)


LAST = len(RUN_TABLES)
# (step, k, whether the killed run is visible afterwards)
POINTS = [
    ("write", 1, False),  # its staging folder made, nothing written yet
    ("write", 4, False),  # three of its tables in .staging
    ("written", LAST, False),  # every table written, the last one not flushed
    ("rename", 1, False),  # staging complete, the commit rename not done
    ("renamed", 1, True),  # committed: the run is whole and visible
]


@pytest.mark.parametrize(("step", "k", "visible"), POINTS, ids=[f"{s}-{k}" for s, k, _ in POINTS])
def test_kill_at_each_step_of_publication(config: Path, tmp_path: Path, step: str, k: int, visible: bool):
    warehouse = tmp_path / "wh"
    ml4t_sql.run(config, warehouse=warehouse)
    earlier = fingerprints(warehouse)
    worker = Worker(config, warehouse)
    try:
        assert worker.send(f"point {step} {k}") == "killed"
    finally:
        worker.close()
    assert assert_sound(warehouse, earlier) == (2 if visible else 1)
    left = sorted(p.name.startswith("spill-") for p in (warehouse / ".staging").iterdir())  # ignored by readers
    assert left == ([True] if visible else [False, True])  # its spill folder, and its staging unless committed
    ml4t_sql.run(config, warehouse=warehouse)
    assert not list((warehouse / ".staging").glob("*"))
    assert assert_sound(warehouse, earlier) == (3 if visible else 2)


def test_a_run_killed_mid_fold_leaves_its_spill_folder_to_the_next_run(config: Path, tmp_path: Path):
    """The working database spills into <warehouse>/.staging/spill-*.<host>.<pid>: a kill leaves it
    there (with the run's staging folder), and the next run on this host removes both."""
    warehouse = tmp_path / "wh"
    ml4t_sql.run(config, warehouse=warehouse)
    earlier = fingerprints(warehouse)
    worker = Worker(config, warehouse)
    try:
        assert worker.send("point fold 1") == "killed"
    finally:
        worker.close()
    staging = warehouse / ".staging"
    left = sorted(p.name.startswith("spill-") for p in staging.iterdir())
    assert left == [False, True] and all(p.is_dir() for p in staging.iterdir())
    assert assert_sound(warehouse, earlier) == 1
    ml4t_sql.run(config, warehouse=warehouse)
    assert not list(staging.glob("*"))
    assert assert_sound(warehouse, earlier) == 2


@pytest.mark.parametrize("k", [1, 4])
def test_kill_while_creating_a_new_catalog(config: Path, tmp_path: Path, k: int):
    """The first run of a warehouse builds ml4t.duckdb under a temporary name; a kill leaves no
    half-made file, and the next run builds it (the run itself had already landed)."""
    warehouse = tmp_path / "wh"
    worker = Worker(config, warehouse)
    try:
        assert worker.send(f"point view {k}") == "killed"
    finally:
        worker.close()
    assert not (warehouse / DB_NAME).exists()
    assert assert_sound(warehouse, {}) == 1
    assert list(warehouse.glob(f".{DB_NAME}.*"))  # the dead process's temporary catalog
    ml4t_sql.run(config, warehouse=warehouse)
    assert not list(warehouse.glob(f".{DB_NAME}.*"))
    con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
    assert con.sql("select count(*) from runs").fetchall()[0][0] == 2


def test_kill_inside_a_catalog_transaction_keeps_the_old_views(config: Path, tmp_path: Path):
    warehouse = tmp_path / "wh"
    ml4t_sql.run(config, warehouse=warehouse)
    con = duckdb.connect(str(warehouse / DB_NAME))
    con.execute("drop view trades; create table notes as select 'mine' as note")  # stale views, a user table
    con.close()
    worker = Worker(config, warehouse)
    try:
        assert worker.send("point view 3") == "killed"  # two of seven views replaced, uncommitted
    finally:
        worker.close()
    con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
    views = {r[0] for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()}
    assert views - {"ml4t_status"} == set(RUN_TABLES) - {"trades"}  # rolled back: as before the killed transaction
    assert con.sql("select note from notes").fetchall() == [("mine",)]
    con.close()
    ml4t_sql.run(config, warehouse=warehouse)
    con = duckdb.connect(str(warehouse / DB_NAME), read_only=True)
    assert con.sql("select count(distinct run_id) from trades").fetchall()[0][0] == 3
    assert con.sql("select note from notes").fetchall() == [("mine",)]  # the user's table survives
