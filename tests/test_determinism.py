"""SPEC 7, determinism: the same inputs give bit-identical tables, whatever happens around them.

Two runs are compared table by table (sha256 of each table's Arrow IPC bytes), without what names
or times a run: `run_id`, `created_at` and `elapsed_s`. The second run of each pair reads its
inputs with the rows shuffled, from another working directory, with DuckDB on one thread while
the first uses eight: a result that depends on the order rows arrive in (a float sum over a
partition, say) differs in its last bits between the two.

Covered: every built-in construction (weighting x schedule), a custom SQL strategy, sweeps over
every schedule and weighting and over hold ranks and caps at once, and the bundled example on the
real S&P 500 data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ml4t_sql
from ml4t_sql import pipeline
from ml4t_sql.choices import Schedule, Weighting
from ml4t_sql.report.tearsheet import report_data
from ml4t_sql.schema import RUN_TABLES

from .depth import sample
from .factories import make_prices, shuffled

ROOT = Path(__file__).resolve().parents[1]
VARYING = ("run_id", "created_at", "elapsed_s")


def data_bytes(path: Path) -> bytes:
    """The file's table without the varying columns, as Arrow IPC bytes (equal bytes: equal bits)."""
    table = pq.read_table(path)
    table = table.drop_columns([c for c in VARYING if c in table.column_names])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every table of a run's folder."""
    return {p.stem: hashlib.sha256(data_bytes(p)).hexdigest() for p in sorted(folder.glob("*.parquet"))}


def assert_same_tables(first: Path, second: Path) -> None:
    a, b = digests(first), digests(second)
    assert sorted(a) == sorted(b)
    assert not [name for name in a if a[name] != b[name]], "tables differ between the two runs"


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Set `threads[0]` to the number of threads the next runs' DuckDB connections use."""
    setting = [8]
    original = pipeline.working_connection

    def connection(budget_mb: float, spill: Path) -> duckdb.DuckDBPyConnection:
        con = original(budget_mb, spill)
        con.execute(f"set threads = {int(setting[0])}")
        return con

    monkeypatch.setattr(pipeline, "working_connection", connection)
    yield setting


# --- small seeded panels ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def panel() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Prices of 40 assets over 70 dates and a signal of widely spread sizes (ties included)."""
    prices = make_prices(n_assets=40, n_days=70, seed=11, gap_prob=0.03, delist_prob=0.1)
    n = prices.height
    score = [((i * 7919) % 101) ** 3 * 10.0 ** ((i * 31) % 13 - 6) for i in range(n)]  # 1e-6 .. 1e12
    signals = prices.select("date", "asset").with_columns(pl.Series("score", score))
    return prices, signals


def write_inputs(folder: Path, prices: pl.DataFrame, signals: pl.DataFrame, config: str) -> Path:
    folder.mkdir(parents=True)
    prices.write_parquet(folder / "prices.parquet")
    signals.write_parquet(folder / "signals.parquet")
    (folder / "run.toml").write_text('[data]\nprices = "prices.parquet"\nsignals = "signals.parquet"\n' + config)
    return folder / "run.toml"


def rerun(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame], config: str, runner: Any
) -> tuple[Path, Path]:
    """The config run twice: as written on 8 threads; then on shuffled rows, from another working
    directory, on 1 thread. Returns both runs' folders."""
    prices, signals = panel
    first = runner(write_inputs(tmp_path / "a", prices, signals, config), tmp_path / "wh")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = Path.cwd()
    threads[0] = 1
    try:
        os.chdir(elsewhere)
        config_b = write_inputs(tmp_path / "b", shuffled(prices, seed=3), shuffled(signals, seed=4), config)
        second = runner(Path(os.path.relpath(config_b, elsewhere)), tmp_path / "wh")  # ../b/run.toml
    finally:
        os.chdir(here)
    return first, second


def run_folder(config: Path, warehouse: Path) -> Path:
    run = ml4t_sql.run(config, warehouse=warehouse)
    assert run.path is not None and run.trades.height > 0
    return run.path


def sweep_folder(config: Path, warehouse: Path) -> Path:
    out = ml4t_sql.sweep(config, warehouse=warehouse)
    assert out.path is not None
    return out.path


EXECUTION = "[execution]\ncommission_bps = 3.0\nslippage_bps = 1.5\ndelist_after = 3\nfractional = false\n"


@pytest.mark.parametrize(
    ("weighting", "schedule"),
    sample(list(itertools.product(list(Weighting), list(Schedule))), every=3),
    ids=lambda v: str(v),
)
def test_every_built_in_construction_is_bit_identical(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame], weighting: str, schedule: str
):
    strategy = f'[strategy]\nsignal = "score"\ntop_n = 35\nweighting = "{weighting}"\nrebalance = "{schedule}"\n'
    first, second = rerun(tmp_path, threads, panel, strategy + EXECUTION, run_folder)
    assert_same_tables(first, second)


def test_a_custom_sql_strategy_is_bit_identical(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame]
):
    sql = (
        "select date, asset, score / sum(score order by asset) over (partition by date) as weight "
        "from signals where score > 1"
    )
    strategy = f'[strategy]\nsql = "{sql}"\nrebalance = "weekly"\n'
    first, second = rerun(tmp_path, threads, panel, strategy + EXECUTION, run_folder)
    assert_same_tables(first, second)


def test_a_sweep_over_every_construction_is_bit_identical(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame]
):
    grid = (
        '[sweep]\nweighting = ["equal", "signal"]\n'
        'rebalance = ["daily", "weekly", "monthly", "month_end", "quarterly"]\ntop_n = [5, 30]\n'
    )
    config = '[strategy]\nsignal = "score"\n' + EXECUTION + grid
    first, second = rerun(tmp_path, threads, panel, config, sweep_folder)
    assert pq.read_table(first / "variants.parquet").num_rows == 20
    assert_same_tables(first, second)


def test_a_sweep_over_the_constructions_is_bit_identical(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame]
):
    grid = (
        '[sweep]\nweighting = ["rank", "inverse_vol", "signal"]\nhold_rank = [40, 60]\nmax_weight = [0.04, 1.0]\n'
        "vol_window = [5]\n"
    )
    config = '[strategy]\nsignal = "score"\n' + EXECUTION + grid
    first, second = rerun(tmp_path, threads, panel, config, sweep_folder)
    assert pq.read_table(first / "variants.parquet").num_rows == 12
    assert_same_tables(first, second)


def test_a_sweep_over_the_financing_rates_with_a_rates_relation_is_bit_identical(
    tmp_path: Path, threads: list[int], panel: tuple[pl.DataFrame, pl.DataFrame]
):
    prices = panel[0]
    days = sorted(set(prices["date"].to_list()))[::9]
    rates = pl.DataFrame({"date": days, "rate": [0.01 * (i % 4) - 0.005 for i in range(len(days))]})

    def runner(config: Path, warehouse: Path) -> Path:
        shuffled(rates, seed=len(str(config))).write_parquet(config.parent / "rates.parquet")
        return sweep_folder(config, warehouse)

    config = (
        'rates = "rates.parquet"\n[data.quality]\nstale_rate = "carry"\n[strategy]\nsignal = "score"\ntop_n = 30\n'
        + EXECUTION + 'cash_shortfall = "borrow"\n'
        + "[sweep]\ncash_rate = [0.0, 0.03]\nmargin_rate = [0.0, 0.08]\nweighting = [\"equal\", \"signal\"]\n"
    )
    first, second = rerun(tmp_path, threads, panel, config, runner)
    assert pq.read_table(first / "variants.parquet").num_rows == 8
    financing = pq.read_table(first / "equity.parquet").column("financing").to_pylist()
    assert any(f > 0 for f in financing) and any(f < 0 for f in financing)
    assert_same_tables(first, second)


# --- the real data ----------------------------------------------------------------------------


@pytest.mark.slow  # the whole example twice: CI runs it
def test_two_runs_of_the_example_write_identical_tables(tmp_path: Path):
    first, second = (ml4t_sql.run(ROOT / "examples" / "top25_momentum.toml", warehouse=tmp_path) for _ in range(2))
    assert first.run_id != second.run_id
    assert first.path is not None and second.path is not None
    names = sorted(p.name for p in first.path.glob("*.parquet"))  # and manifest.json (its checksums vary)
    assert names == sorted(p.name for p in second.path.glob("*.parquet")) == sorted(f"{t}.parquet" for t in RUN_TABLES)
    for name in names:
        assert data_bytes(first.path / name) == data_bytes(second.path / name), f"{name} differs between runs"
    assert first.trades.height > 1000  # a real run, not an empty one


@pytest.mark.slow  # the whole sample twice: CI runs it
def test_signal_weighting_on_the_real_data_ignores_row_order_and_threads(tmp_path: Path, threads: list[int]):
    sample = pl.read_parquet(ROOT / "warehouse" / "sample" / "sp500_5yr.parquet")
    sample = sample.filter(pl.col("date") >= dt.date(2015, 12, 1))  # 13 months of history for the signal
    config = {
        "data": {"prices": sample, "signals": str(ROOT / "examples" / "momentum_12_1.sql"),
                 "quality": {"missing_open": "no_fill", "inconsistent_ohlc": "drop"}},
        "strategy": {"signal": "momentum", "top_n": 400, "weighting": "signal", "rebalance": "daily"},
        "execution": {"start": "2017-01-03", "end": "2017-06-30", "delist_after": 15, "commission_bps": 1.0},
    }  # fmt: skip
    first = ml4t_sql.run(config, warehouse=tmp_path)
    threads[0] = 1
    config["data"]["prices"] = shuffled(sample, seed=1)  # type: ignore[index]
    second = ml4t_sql.run(config, warehouse=tmp_path)
    assert first.path is not None and second.path is not None
    assert_same_tables(first.path, second.path)


def test_the_report_relations_ignore_the_order_of_the_run_tables(panel: tuple[pl.DataFrame, pl.DataFrame]):
    prices, signals = panel
    run = ml4t_sql.run(
        {"data": {"prices": prices, "signals": signals}, "strategy": {"signal": "score", "top_n": 30},
         "execution": {"commission_bps": 3.0, "slippage_bps": 1.5, "delist_after": 3}},
        write=False,
    )  # fmt: skip
    tables = {name: run.tables[name].to_arrow() for name in RUN_TABLES}
    mixed = {name: shuffled(pl.from_arrow(t), seed=i).to_arrow() for i, (name, t) in enumerate(tables.items())}  # type: ignore[union-attr]
    ordered, _ = report_data([tables])
    again, _ = report_data([mixed])
    assert repr(again) == repr(ordered)  # repr: NaN equals NaN, and every bit of every float counts


def test_the_comparison_sees_a_one_bit_difference(tmp_path: Path):
    table = pa.table({"run_id": ["a"], "x": [0.1]})
    pq.write_table(table, tmp_path / "a.parquet")
    pq.write_table(table.set_column(0, "run_id", pa.array(["b"])), tmp_path / "b.parquet")
    nudged = table.set_column(1, "x", pa.array([0.1 + 2**-56]))
    pq.write_table(nudged, tmp_path / "c.parquet")
    assert data_bytes(tmp_path / "a.parquet") == data_bytes(tmp_path / "b.parquet")
    assert data_bytes(tmp_path / "a.parquet") != data_bytes(tmp_path / "c.parquet")
