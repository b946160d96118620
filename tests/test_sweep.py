"""Sweeps: every variant equals the single run with its values; tables keyed by (run_id, variant)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import ConfigError
from ml4t_sql.sweeps import load_sweep, sweep

from .depth import sample
from .factories import make_prices

GRID = {
    "top_n": [1, 3],
    "rebalance": ["daily", "weekly"],
    "weighting": ["equal", "signal"],
    "commission_bps": [0.0, 10.0],
    "fractional": [True, False],
    "min_trade_value": [0.0, 5_000.0],
}


def base(prices: pl.DataFrame) -> dict[str, Any]:
    return {
        "data": {"prices": prices, "quality": {"missing_open": "no_fill"}},
        "strategy": {"signal": "score"},
        "execution": {"initial_cash": 100_000.0, "delist_after": 3},
    }


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    prices = make_prices(n_assets=8, n_days=40, seed=11, gap_prob=0.05, delist_prob=0.2, null_open_prob=0.02)
    noise = pl.Series("score", [((i * 7919) % 101) / 50.0 - 1.0 for i in range(prices.height)])
    return prices.with_columns(noise)


def test_long_short_levered_variants_equal_their_single_runs(panel: pl.DataFrame):
    """A built-in long-short book swept over its exposures and max_leverage (SPEC 9)."""
    grid = {"long_exposure": [1.0, 1.3], "short_exposure": [0.3, 1.0], "max_leverage": [2.3, 3.0]}
    config = base(panel)
    config["strategy"].update({"top_n": 2, "bottom_n": 2, "short_exposure": 0.3})
    config["execution"].update({"allow_short": True, "commission_bps": 5.0, "max_leverage": 2.0})
    result = sweep(config, grid=grid, write=False)
    assert result.variants.height == 8
    for row in result.variants.iter_rows(named=True):
        values = json.loads(row["params"])
        single_config = base(panel)
        single_config["strategy"].update({"top_n": 2, "bottom_n": 2, "long_exposure": values["long_exposure"],
                                          "short_exposure": values["short_exposure"]})  # fmt: skip
        single_config["execution"].update(
            {"allow_short": True, "commission_bps": 5.0, "max_leverage": values["max_leverage"]}
        )
        single = ml4t_sql.run(single_config, write=False)
        assert (single.equity["short_exposure"] > 0).any()
        for name in ("equity", "positions", "trades", "orders"):
            mine = result.tables[name].filter(pl.col("variant") == row["variant"]).drop("run_id", "variant")
            assert mine.equals(getattr(single, name).drop("run_id")), f"variant {row['name']}: {name} differs"


def test_every_variant_equals_its_single_run(panel: pl.DataFrame):
    result = sweep(base(panel), grid=GRID, write=False)
    assert result.variants.height == 64
    tables = ("equity", "positions", "trades", "orders", "targets")
    for row in sample(list(result.variants.iter_rows(named=True)), every=5):
        values = json.loads(row["params"])
        config = base(panel)
        config["strategy"].update({k: values[k] for k in ("top_n", "rebalance", "weighting")})
        config["execution"].update({k: values[k] for k in ("commission_bps", "fractional", "min_trade_value")})
        single = ml4t_sql.run(config, write=False)
        for name in tables:
            mine = result.tables[name].filter(pl.col("variant") == row["variant"]).drop("run_id", "variant")
            theirs = getattr(single, name).drop("run_id")
            assert mine.equals(theirs), f"variant {row['variant']} ({row['name']}): {name} differs"
        got = result.tables["metrics"].filter(pl.col("variant") == row["variant"])
        assert dict(zip(got["metric"], got["value"], strict=True)) == pytest.approx(single.stats(), nan_ok=True)


def test_tables_carry_the_variant_after_run_id_and_land_in_the_warehouse(panel: pl.DataFrame, tmp_path: Path):
    result = sweep(base(panel), grid={"top_n": [1, 2, 3]}, warehouse=tmp_path)
    for name, frame in result.tables.items():
        if name not in ("runs", "lineage"):  # one row per run / per input and date: the same for every variant
            assert frame.columns[:2] == ["run_id", "variant"], name
    con = duckdb.connect(str(tmp_path / "ml4t.duckdb"), read_only=True)
    rows = con.sql("select variant, count(*) from equity group by variant order by variant").fetchall()
    assert rows == [(v, panel["date"].n_unique()) for v in range(3)]
    names = con.sql("select name from variants order by variant").fetchall()
    assert [n for (n,) in names] == ["top_n=1", "top_n=2", "top_n=3"]


def test_compare_lines_up_variants_and_metrics(panel: pl.DataFrame):
    result = sweep(base(panel), grid={"top_n": [1, 2]}, write=False)
    table = result.compare("total_return", "sharpe")
    assert table.columns == ["variant", "name", "total_return", "sharpe"]
    assert table["name"].to_list() == ["top_n=1", "top_n=2"]


def test_toml_sweep_section(panel: pl.DataFrame, tmp_path: Path):
    panel.write_parquet(tmp_path / "p.parquet")
    path = tmp_path / "sweep.toml"
    path.write_text(
        '[data]\nprices = "p.parquet"\n[data.quality]\nmissing_open = "no_fill"\n'
        '[strategy]\nsignal = "score"\n[sweep]\ntop_n = [1, 2]\nrebalance = ["daily", "monthly"]\n'
    )
    base_cfg, combos = load_sweep(path)
    assert base_cfg.strategy.signal == "score" and len(combos) == 4
    assert combos[1] == {"top_n": 1, "rebalance": "monthly"}  # the last key changes fastest


@pytest.mark.parametrize(
    ("grid", "needle"),
    [
        ({"topn": [1]}, "did you mean `top_n`"),
        ({"delist_after": [1, 2]}, "cannot be swept"),
        ({"top_n": 3}, "expected a non-empty list"),
        ({"top_n": []}, "expected a non-empty list"),
        ({"top_n": [0]}, "must be at least 1"),
        ({"rebalance": ["daily", "hourly"]}, "'hourly' is not one of"),
        ({}, "give a [sweep] table"),
    ],
)
def test_bad_grids_are_refused(panel: pl.DataFrame, grid: dict[str, Any], needle: str):
    with pytest.raises(ConfigError) as err:
        sweep(base(panel), grid=grid, write=False)
    assert needle in str(err.value)


def test_cli_sweep_prints_the_comparison_and_the_run_id_last(panel: pl.DataFrame, tmp_path: Path):
    from .clirunner import cli

    panel.write_parquet(tmp_path / "p.parquet")
    (tmp_path / "s.toml").write_text(
        '[data]\nprices = "p.parquet"\n[data.quality]\nmissing_open = "no_fill"\n'
        '[strategy]\nsignal = "score"\n[sweep]\ntop_n = [1, 2]\n[output]\nwarehouse = "wh"\n'
    )
    done = cli("sweep", str(tmp_path / "s.toml"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "top_n=2" in done.stdout and (tmp_path / "wh" / "runs" / lines[-1] / "variants.parquet").is_file()
    bad = cli("sweep", str(tmp_path / "p.parquet"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_financing_rates_are_sweepable_and_each_variant_equals_its_run(panel: pl.DataFrame):
    grid = {"cash_rate": [0.0, 0.04], "margin_rate": [0.1], "short_fee": [0.0, 0.02], "cash_shortfall": ["borrow"]}
    result = sweep(base(panel), grid=grid, write=False)
    assert result.variants.height == 4
    for row in result.variants.iter_rows(named=True):
        values = json.loads(row["params"])
        config = base(panel)
        config["execution"].update(values)
        single = ml4t_sql.run(config, write=False)
        mine = result.tables["equity"].filter(pl.col("variant") == row["variant"]).drop("run_id", "variant")
        assert mine.equals(single.equity.drop("run_id"))
        total = single.stats()["total_financing"]
        assert total == pytest.approx(float(single.equity["financing"].sum()))
        # all cash at the first close: the second date earns cash_rate on it for the calendar days between
        d0, d1 = single.equity["date"][0], single.equity["date"][1]
        first = 100_000.0 * values["cash_rate"] * (d1 - d0).days / 365
        assert single.equity["financing"][1] == pytest.approx(first, rel=1e-12, abs=1e-12)


def test_every_strategy_key_but_sql_is_sweepable():
    """README, *Sweeps*: every `[strategy]` key but `sql`."""
    import dataclasses

    from ml4t_sql.config import Strategy
    from ml4t_sql.sweeps import STRATEGY_KEYS

    assert {f.name for f in dataclasses.fields(Strategy)} - {"sql"} == set(STRATEGY_KEYS)


def test_every_risk_key_is_sweepable_and_each_variant_equals_its_run(panel: pl.DataFrame):
    """README, *Sweeps*: every `[risk]` key; a swept stop is the run with that stop."""
    import dataclasses

    from ml4t_sql.config import Risk
    from ml4t_sql.sweeps import RISK_KEYS

    assert {f.name for f in dataclasses.fields(Risk)} == set(RISK_KEYS)
    config = base(panel)
    config["strategy"].update({"top_n": 2, "rebalance": "weekly"})
    grid = {"stop_loss": [0.01, 0.05], "reentry_after": [0, 1]}
    s = ml4t_sql.sweep(config, grid=grid, write=False)
    for variant, values in enumerate({"stop_loss": a, "reentry_after": b} for a in (0.01, 0.05) for b in (0, 1)):
        single = ml4t_sql.run({**config, "risk": values}, write=False)
        mine = s.tables["equity"].filter(pl.col("variant") == variant)["nav"].to_list()
        assert mine == single.equity["nav"].to_list(), values
    assert (s.tables["trades"]["reason"] == "stop_loss").any()
