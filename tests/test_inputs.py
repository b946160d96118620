"""Every input form gives the same backtest: Parquet file, glob, hive folder, CSV, DuckDB table,
SQL file, Arrow, Polars (eager and lazy), pandas; with column mappings and separate signals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest

import ml4t_sql


def make_panel(n_assets: int = 6, n_days: int = 40, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = [dt.date(2021, 1, 4) + dt.timedelta(days=i) for i in range(n_days)]
    rows = []
    for a in range(n_assets):
        price = 50.0
        for day in days:
            o = price * (1 + rng.normal(0, 0.01))
            price = o * (1 + rng.normal(0, 0.02))
            hi, lo = max(o, price) * 1.01, min(o, price) * 0.99
            score = float(rng.normal())
            rows.append({"date": day, "asset": f"S{a}", "open": o, "high": hi, "low": lo, "close": price,
                         "volume": 1000.0, "score": score})  # fmt: skip
    return pl.DataFrame(rows)


PANEL = make_panel()
STRATEGY = {"signal": "score", "top_n": 2}


def equity_of(prices: Any, **data: Any) -> list[float]:
    run = ml4t_sql.run({"data": {"prices": prices, **data}, "strategy": STRATEGY}, write=False)
    return run.equity["nav"].to_list()


@pytest.fixture(scope="module")
def expected() -> list[float]:
    return equity_of(PANEL)


def test_parquet_file_glob_and_hive_folder(tmp_path: Path, expected: list[float]):
    PANEL.write_parquet(tmp_path / "all.parquet")
    assert equity_of(str(tmp_path / "all.parquet")) == expected

    (tmp_path / "parts").mkdir()
    for i, part in enumerate(PANEL.partition_by("asset")):
        part.write_parquet(tmp_path / "parts" / f"p{i}.parquet")
    assert equity_of(str(tmp_path / "parts" / "*.parquet")) == expected

    con = duckdb.connect()
    con.register("panel", PANEL.to_arrow())
    target = str(tmp_path / "hive")
    con.execute(f"copy panel to '{target}' (format parquet, partition_by (asset))")
    assert equity_of(target) == expected


def test_csv_and_duckdb_table_and_sql_file(tmp_path: Path, expected: list[float]):
    PANEL.write_csv(tmp_path / "prices.csv")
    assert equity_of(str(tmp_path / "prices.csv")) == pytest.approx(expected, rel=1e-12)

    db = tmp_path / "market.duckdb"
    con = duckdb.connect(str(db))
    con.register("panel", PANEL.to_arrow())
    con.execute("create schema eod; create table eod.prices as select * from panel")
    con.close()
    assert equity_of({"database": str(db), "table": "eod.prices"}) == expected

    (tmp_path / "prices.sql").write_text("select * from raw_prices")
    PANEL.write_parquet(tmp_path / "all.parquet")
    cfg = tmp_path / "run.toml"
    toml = '[data]\nprices = "prices.sql"\n[data.tables]\nraw_prices = "all.parquet"\n'
    cfg.write_text(toml + '[strategy]\nsignal = "score"\ntop_n = 2\n')
    # relative paths in a TOML file resolve against its folder; a .sql input reads registered inputs
    # (files it names itself are refused: tests/test_containment.py)
    assert ml4t_sql.run(str(cfg), write=False).equity["nav"].to_list() == expected


def test_in_memory_frames(expected: list[float]):
    assert equity_of(PANEL.to_arrow()) == expected
    assert equity_of(PANEL.lazy()) == expected
    assert equity_of(PANEL.to_pandas()) == expected


def test_column_mapping_and_separate_signals(expected: list[float]):
    # the ml4t data layout: timestamp and symbol; prices without the signal; signals apart
    renamed = PANEL.rename({"date": "timestamp", "asset": "symbol"}).with_columns(
        pl.col("timestamp").cast(pl.Datetime("us"))
    )
    prices = renamed.drop("score")
    signals = renamed.select("timestamp", "symbol", "score")
    nav = equity_of(prices, signals=signals, columns={"date": "timestamp", "asset": "symbol"})
    assert nav == expected

    kaggle = PANEL.rename({"asset": "Name"})
    assert equity_of(kaggle, columns={"asset": "Name"}) == expected
