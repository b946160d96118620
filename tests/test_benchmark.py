"""Benchmarks end to end: `[data] benchmark` in every form gives the same series; bad ones stop the run;
the equal-weight universe is what its definition says; metrics use the primary series."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import InputError

from .test_inputs import PANEL, STRATEGY

DATES = sorted(PANEL["date"].unique().to_list())
RNG = np.random.default_rng(7)
BENCH = pl.DataFrame({"date": DATES, "return": RNG.normal(0.0005, 0.01, len(DATES))})


def run_with(benchmark: Any = None, **metrics: Any) -> ml4t_sql.Run:
    data: dict[str, Any] = {"prices": PANEL}
    if benchmark is not None:
        data["benchmark"] = benchmark
    return ml4t_sql.run({"data": data, "strategy": STRATEGY, "metrics": metrics}, write=False)


@pytest.fixture(scope="module")
def with_returns() -> ml4t_sql.Run:
    return run_with(BENCH)


def test_benchmark_table_contract_and_primary_series(with_returns: ml4t_sql.Run):
    b = with_returns.benchmark
    assert b.columns == ["run_id", "series", "date", "return", "nav", "is_primary"]
    assert b.group_by("series").len().sort("series").rows() == [("benchmark", len(DATES)), ("universe", len(DATES))]
    bench = b.filter(pl.col("series") == "benchmark").sort("date")
    assert bench["is_primary"].all() and not b.filter(pl.col("series") == "universe")["is_primary"].any()
    expected = BENCH["return"].to_numpy().copy()
    expected[0] = 0.0  # the first date's return is 0: every curve starts at the first close
    np.testing.assert_allclose(bench["return"].to_numpy(), expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(bench["nav"].to_numpy(), 1e6 * np.cumprod(1 + expected), rtol=1e-12)


def test_metrics_use_the_primary_series(with_returns: ml4t_sql.Run):
    stats = with_returns.stats()
    bench = with_returns.benchmark.filter(pl.col("is_primary")).sort("date")["return"].to_numpy()
    assert stats["benchmark_total_return"] == pytest.approx(np.prod(1 + bench) - 1, rel=1e-12)
    universe_only = run_with().stats()
    assert universe_only["benchmark_total_return"] != pytest.approx(stats["benchmark_total_return"])


def test_universe_is_the_daily_equal_weight_mean_of_close_to_close_returns(with_returns: ml4t_sql.Run):
    closes = PANEL.pivot(on="asset", index="date", values="close").sort("date").drop("date").to_numpy()
    expected = np.nanmean(closes[1:] / closes[:-1] - 1, axis=1)
    universe = with_returns.benchmark.filter(pl.col("series") == "universe").sort("date")["return"].to_numpy()
    assert universe[0] == 0.0
    np.testing.assert_allclose(universe[1:], expected, rtol=1e-12)


def test_every_source_form_gives_the_same_series(tmp_path: Path, with_returns: ml4t_sql.Run):
    expected = with_returns.benchmark.filter(pl.col("series") == "benchmark")["return"].to_numpy()
    BENCH.write_parquet(tmp_path / "b.parquet")
    # zipline's form: a CSV of UTC-midnight timestamps
    stamps = [f"{d.isoformat()} 00:00:00+00:00" for d in DATES]
    pl.DataFrame({"date": stamps, "return": BENCH["return"]}).write_csv(tmp_path / "zipline.csv")
    # prices: a close column that compounds to the same returns, with a base row the day before
    prices = 100 * np.cumprod(1 + BENCH["return"].to_numpy())
    base = pl.DataFrame({"date": [DATES[0] - dt.timedelta(days=1)], "close": [100.0]})
    level = pl.concat([base, pl.DataFrame({"date": DATES, "close": prices})])
    level.write_csv(tmp_path / "level.csv")
    for source in (
        str(tmp_path / "b.parquet"),
        str(tmp_path / "zipline.csv"),
        str(tmp_path / "level.csv"),
        BENCH.lazy(),
    ):
        got = run_with(source).benchmark.filter(pl.col("series") == "benchmark")["return"].to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (BENCH.rename({"return": "r"}), "needs a `return` column"),
        (BENCH.filter(pl.col("date") > DATES[3]), "covers"),
        (BENCH.filter(pl.col("date") < DATES[-2]), "covers"),
        (pl.concat([BENCH, BENCH.head(1)]), "duplicate dates"),
        (BENCH.with_columns(pl.when(pl.col("date") == DATES[5]).then(-1.5).otherwise("return").alias("return")),
         "-100% or less"),
        (BENCH.with_columns(pl.when(pl.col("date") == DATES[5]).then(None).otherwise("return").alias("return")),
         "NULL or non-finite"),
        (BENCH.with_columns(pl.col("return").cast(pl.String)), "must be numeric"),
        (BENCH.with_columns(pl.col("date").cast(pl.Datetime) + pl.duration(hours=16)), "time of day"),
        (BENCH.head(0), "is empty"),
    ],
)  # fmt: skip
def test_bad_benchmarks_stop_the_run_with_a_named_rule(frame: pl.DataFrame, needle: str, tmp_path: Path):
    with pytest.raises(InputError, match="benchmark") as info:
        ml4t_sql.run({"data": {"prices": PANEL, "benchmark": frame}, "strategy": STRATEGY}, warehouse=tmp_path)
    assert needle in str(info.value)
    assert not (tmp_path / "runs").exists()


def test_risk_free_rate_and_periods_reach_the_metrics():
    base, other = run_with().stats(), run_with(risk_free_rate=0.05, periods_per_year=12).stats()
    assert other["volatility"] == pytest.approx(base["volatility"] * np.sqrt(12 / 252), rel=1e-12)
    assert other["sharpe"] < base["sharpe"] * np.sqrt(12 / 252)
