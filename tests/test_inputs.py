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

from .depth import sample


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


# --- engine names are the engine's: no user relation or column can stand in for one ----------------

PRICES = PANEL.drop("score")
SIGNALS = PANEL.select("date", "asset", "score")
LEVELS = PANEL.filter(pl.col("asset") == "S0").select("date", pl.col("close").alias("price"))
MINE = PANEL.filter(pl.col("asset").is_in(["S1", "S4"])).select("date", "asset", pl.lit(0.5).alias("weight"))


def engine_made() -> tuple[set[str], set[str]]:
    """Every relation and column name the engine makes: the `produces:` headers of sql/, and what a
    run of every kind (separate signals, a benchmark, a built-in and a custom strategy, timestamps
    to check) leaves on its connection, in any schema."""
    from ml4t_sql.config import load_config
    from ml4t_sql.data.quality import QualityReport
    from ml4t_sql.data.relations import produced
    from ml4t_sql.data.sources import load_sources
    from ml4t_sql.strategy.targets import build_targets
    from ml4t_sql.templates import sql_dir

    relations, columns = set(produced()), set()
    for path in [p for room in ("sources", "strategy", "results") for p in (sql_dir() / room).glob("*.sql")]:
        for line in path.read_text().splitlines():
            if line.startswith("-- produces:") and "(" in line:
                inside = line.split("(", 1)[1].rsplit(")", 1)[0]
                columns |= {c.strip() for c in inside.split(",") if c.strip() and "<" not in c}
    for strategy in ({"signal": "score", "rebalance": "weekly"}, {"sql": "select * from mine", "rebalance": "weekly"}):
        data = {"prices": PRICES.with_columns(pl.col("date").cast(pl.Datetime("us"))), "signals": SIGNALS,
                "benchmark": LEVELS, "tables": {"mine": MINE}}  # fmt: skip
        cfg = load_config({"data": data, "strategy": strategy})
        con = duckdb.connect()
        load_sources(con, cfg, QualityReport())
        build_targets(con, cfg)
        made = con.sql(
            "select table_name, column_name from duckdb_columns() where not internal and table_name <> 'mine'"
        ).fetchall()
        con.close()
        relations |= {r for r, _ in made}
        columns |= {c for _, c in made}
    return relations, columns


RELATIONS, COLUMNS = engine_made()


def test_the_engine_makes_the_relations_it_is_known_for():
    assert {
        "typed_prices",
        "schedule_dates",
        "variants",
        "universe_returns",
        "input_prices",
        "raw_targets",
    } <= RELATIONS
    assert {"is_bad_price", "is_missing_open", "is_inconsistent", "date_idx", "asset_idx", "universe_id"} <= COLUMNS


@pytest.fixture(scope="module")
def reading_mine() -> list[float]:
    """A custom strategy that reads the user's table `mine`: the numbers a collision would change."""
    return equity_of_custom(PRICES, tables={"mine": MINE}, signals=SIGNALS, benchmark=LEVELS)


@pytest.mark.parametrize("name", sample(sorted(RELATIONS | {"ml4t", "ML4T_input_prices", "Prices"}), every=4))
def test_every_engine_relation_name_as_a_user_table(name: str, reading_mine: list[float]):
    """Either the name is free (the user's SQL reads the user's table, the engine its own: the same
    numbers as under another name), or a clean ConfigError; never a database error, also from check."""
    from ml4t_sql.errors import ConfigError
    from ml4t_sql.validation import check

    sql = f'select * from "{name}"'
    config = {"data": {"prices": PRICES, "signals": SIGNALS, "benchmark": LEVELS, "tables": {name: MINE}},
              "strategy": {"sql": sql}}  # fmt: skip
    try:
        nav = ml4t_sql.run(config, write=False).equity["nav"].to_list()
    except ConfigError as exc:
        assert f"[data.tables] `{name}`" in str(exc) and "choose another name" in str(exc)
        checked = check(config)
        assert checked.errors == [str(exc)]
        return
    assert nav == reading_mine
    assert check(config).ok


def equity_of_custom(prices: Any, **data: Any) -> list[float]:
    run = ml4t_sql.run({"data": {"prices": prices, **data}, "strategy": {"sql": "select * from mine"}}, write=False)
    return run.equity["nav"].to_list()


@pytest.mark.parametrize("name", sample(sorted(COLUMNS - {"score"}), every=4))
def test_every_engine_column_name_as_an_extra_input_column(name: str):
    """An extra prices column named like any column the engine makes is refused by name, or changes
    nothing; it never switches a rule off (a negative close is still refused) or shadows a column."""
    from ml4t_sql.errors import InputError

    standard = {"date", "asset", "open", "high", "low", "close", "volume"}
    base, columns = PRICES, {}
    if name in standard:  # the input's own column goes under another name, mapped in [data.columns]
        base, columns = PRICES.rename({name: f"src_{name}"}), {name: f"src_{name}"}
    extra = base.with_columns(pl.lit(False).alias(name))
    close = columns.get("close", "close")
    bad = extra.with_columns(pl.when(pl.col("asset") == "S2").then(-1.0).otherwise(pl.col(close)).alias(close))
    with pytest.raises(InputError) as err:
        equity_of_custom(bad, columns=columns, tables={"mine": MINE})
    refused_by_name = f"column {name!r} has the name of a column the engine makes" in str(err.value)
    assert refused_by_name or "negative" in str(err.value)
    if not refused_by_name:  # the name is free: the column changes nothing
        assert equity_of_custom(extra, columns=columns, tables={"mine": MINE}) == equity_of_custom(
            PRICES, tables={"mine": MINE}
        )
