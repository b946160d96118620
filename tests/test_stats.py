"""Metrics (ml4t_sql.stats): hand-computed values, and agreement with empyrical where definitions coincide.

empyrical-reloaded is a test-only dependency. Where a definition differs (docs/METRICS.md), the
test converts: empyrical's excess_sharpe is not annualized, and it has no hit rate or durations.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import empyrical as ep
import numpy as np
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.results.metrics import NAN_METRICS, annualized, compute_metrics, drawdown_durations
from ml4t_sql.templates import render

from .factories import make_prices

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-9


def metrics_of(returns, *, bench=None, initial=100.0, rf=0.0, periods=252, **extra):
    r = np.asarray(returns, dtype=float)
    nav = initial * np.cumprod(1 + r)
    n = len(r)
    args = {"turnover": np.zeros(n), "costs": np.zeros(n), "gross": np.ones(n), "holdings": np.ones(n), "n_trades": 0}
    args.update(extra)
    return compute_metrics(
        nav=nav, returns=r, initial_cash=initial, risk_free_rate=rf, periods_per_year=periods,
        benchmark=None if bench is None else np.asarray(bench, dtype=float), **args,
    )  # fmt: skip


# --- hand-computed ------------------------------------------------------------------------------

R = [0.0, 0.1, -0.1, 0.05]  # NAV 100, 110, 99, 103.95
B = [0.0, 0.05, -0.05, 0.0]


def test_hand_computed_returns_and_risk():
    m = metrics_of(R)
    sd = math.sqrt(0.021875 / 3)  # squared deviations from the mean 0.0125 sum to 0.021875
    assert m["total_return"] == pytest.approx(0.0395, abs=1e-15)
    assert m["cagr"] == pytest.approx(1.0395**63 - 1, rel=1e-12)  # 252 / 4 dates
    assert m["volatility"] == pytest.approx(sd * math.sqrt(252), rel=1e-12)
    assert m["sharpe"] == pytest.approx(0.0125 / sd * math.sqrt(252), rel=1e-12)
    assert m["sortino"] == pytest.approx(0.0125 / 0.05 * math.sqrt(252), rel=1e-12)  # sqrt(0.01 / 4) = 0.05
    assert m["max_drawdown"] == pytest.approx(-0.1, rel=1e-12)  # 99 / 110 - 1
    assert (m["max_drawdown_duration"], m["longest_drawdown_duration"]) == (2.0, 2.0)  # peak date 2, still under
    assert m["calmar"] == pytest.approx((1.0395**63 - 1) / 0.1, rel=1e-12)
    assert (m["hit_rate"], m["best_day"], m["worst_day"]) == (0.5, 0.1, -0.1)
    assert m["final_nav"] == pytest.approx(103.95, rel=1e-15)


def test_hand_computed_risk_free_rate_and_annualization():
    m = metrics_of(R, rf=0.05, periods=4)
    rf_d = 1.05**0.25 - 1
    sd = math.sqrt(0.021875 / 3)
    downside = math.sqrt(sum(min(x - rf_d, 0) ** 2 for x in R) / 4)
    assert m["sharpe"] == pytest.approx((0.0125 - rf_d) / sd * 2, rel=1e-12)
    assert m["sortino"] == pytest.approx((0.0125 - rf_d) / downside * 2, rel=1e-12)
    assert m["volatility"] == pytest.approx(sd * 2, rel=1e-12)
    assert m["cagr"] == pytest.approx(0.0395, rel=1e-12)  # 4 dates at 4 a year: one year


def test_hand_computed_trading_keys():
    m = metrics_of(
        R, turnover=np.array([0.0, 1.0, 0.5, 0.5]), costs=np.array([0.0, 2.0, 1.0, 0.5]),
        gross=np.array([0.0, 1.0, 0.9, 0.7]), net=np.array([0.0, 1.0, 0.5, 0.5]),
        holdings=np.array([0, 3, 2, 3]), n_trades=7,
    )  # fmt: skip
    assert m["avg_turnover"] == 0.5 and m["annual_turnover"] == 126.0 and m["total_turnover"] == 2.0
    assert (m["total_costs"], m["n_trades"], m["avg_holdings"]) == (3.5, 7.0, 2.0)
    assert (m["avg_gross_exposure"], m["avg_net_exposure"]) == (pytest.approx(0.65), 0.5)


def test_hand_computed_benchmark_keys():
    m = metrics_of(R, bench=B, periods=4)
    # mean(b) = 0; cov(r, b) = (0.1 * 0.05 + 0.1 * 0.05) / 4 = 0.0025; var(b) = 0.005 / 4 = 0.00125
    assert m["beta"] == pytest.approx(2.0, rel=1e-12)
    assert m["alpha"] == pytest.approx(1.0125**4 - 1, rel=1e-12)  # r - 2b = 0, 0, 0, 0.05
    te = math.sqrt(0.006875 / 3)  # active = 0, 0.05, -0.05, 0.05: squared deviations sum to 0.006875
    assert m["tracking_error"] == pytest.approx(te * 2, rel=1e-12)
    assert m["information_ratio"] == pytest.approx(0.0125 / te * 2, rel=1e-12)
    assert m["correlation"] == pytest.approx(0.0025 / math.sqrt(0.021875 / 4 * 0.00125), rel=1e-12)
    assert m["benchmark_total_return"] == pytest.approx(1.05 * 0.95 - 1, rel=1e-12)
    assert m["benchmark_max_drawdown"] == pytest.approx(-0.05, rel=1e-12)
    assert m["excess_return"] == pytest.approx(1.0395 / 0.9975 - 1, rel=1e-12)


@pytest.mark.parametrize(
    ("nav", "expected"),
    [
        ([100, 110, 99, 105, 111, 90, 95], (2, 3)),  # 110 -> 99 recovers at 111 (3 dates); 111 -> 90 never (2)
        ([100, 101, 102], (0, 0)),  # no drawdown
        ([99, 98, 100, 100], (3, 3)),  # below the initial cash from the first date; back on date 3
        ([100, 90, 95, 80, 100], (4, 4)),  # one spell, deepest inside it
    ],
)
def test_drawdown_durations(nav, expected):
    assert drawdown_durations(np.array(nav, dtype=float), 100.0) == expected


def test_no_losing_day_gives_nan_sortino_and_calmar():
    m = metrics_of([0.0, 0.01, 0.02])
    assert math.isnan(m["sortino"]) and math.isnan(m["calmar"]) and m["max_drawdown"] == 0.0


# --- any periods_per_year: no overflow, NaN only where documented --------------------------------

EXTREME_PERIODS = [1, 2, 252, 98_280, 10**6, 10**9]  # 98,280: minute bars of a 252-day year


@pytest.mark.parametrize("periods", EXTREME_PERIODS)
@pytest.mark.parametrize("kind", ["gains", "losses", "flat", "one-date", "wild"])
def test_any_periods_per_year_computes_without_overflow(periods: int, kind: str):
    rng = np.random.default_rng(periods % 97)
    r = {
        "gains": np.abs(rng.normal(0.01, 0.005, 5)),  # a short window of gains: cagr overflows at large P
        "losses": -np.abs(rng.normal(0.01, 0.005, 5)),
        "flat": np.zeros(5),
        "one-date": np.zeros(1),
        "wild": rng.normal(0.0, 0.3, 400),
    }[kind]
    b = rng.normal(0.0, 0.01, len(r))
    m = metrics_of(r, bench=b, rf=0.04, periods=periods, net=np.ones(len(r)))
    assert len(m) == 41  # every key, the benchmark ones included
    for key, value in m.items():
        assert not math.isinf(value), (key, value)
        assert not math.isnan(value) or key in NAN_METRICS, (key, value)
    growth = float(np.prod(1 + r))
    if math.log(growth) * periods / len(r) < 700:  # the annualized growth fits a double
        assert m["cagr"] == pytest.approx(growth ** (periods / len(r)) - 1, rel=1e-9)
    else:
        assert math.isnan(m["cagr"])  # documented: too large for a double
    if kind == "losses":
        assert -1.0 <= m["cagr"] < 0.0  # tends to -1 (everything lost within a year), never below


def test_annualized_is_pow_until_it_overflows():
    assert annualized(1.1, 2.0) == 1.1**2.0 - 1.0
    assert annualized(2.0, 1023) == 2.0**1023 - 1.0
    assert math.isnan(annualized(2.0, 1024)) and math.isnan(annualized(1.0001, 1e9))
    assert annualized(0.5, 1e9) == -1.0 and annualized(0.0, 3.0) == -1.0 and annualized(-0.2, 3.0) == -1.0


def test_a_run_with_a_huge_periods_per_year_publishes_its_metrics():
    prices = make_prices(n_assets=4, n_days=6, seed=2, ragged=False)
    run = ml4t_sql.run(
        {"data": {"prices": prices.with_columns(pl.col("close").alias("score"))},
         "strategy": {"signal": "score", "top_n": 2}, "metrics": {"periods_per_year": 10**9}},
        write=False,
    )  # fmt: skip
    stats = run.stats()
    assert stats["annual_turnover"] == pytest.approx(stats["avg_turnover"] * 1e9)
    assert all(not math.isnan(v) or k in NAN_METRICS for k, v in stats.items())


# --- empyrical ----------------------------------------------------------------------------------


def empyrical_values(r: np.ndarray, b: np.ndarray, rf: float, periods: int) -> dict[str, float]:
    """Our keys, computed by empyrical (rf here is the rate of one period, as empyrical takes it)."""
    return {
        "total_return": ep.cum_returns_final(r),
        "cagr": ep.annual_return(r, annualization=periods),
        "volatility": ep.annual_volatility(r, annualization=periods),
        "sharpe": ep.sharpe_ratio(r, risk_free=rf, annualization=periods),
        "sortino": ep.sortino_ratio(r, required_return=rf, annualization=periods),
        "max_drawdown": ep.max_drawdown(r),
        "calmar": ep.calmar_ratio(r, annualization=periods),
        "benchmark_total_return": ep.cum_returns_final(b),
        "benchmark_cagr": ep.annual_return(b, annualization=periods),
        "benchmark_volatility": ep.annual_volatility(b, annualization=periods),
        "benchmark_sharpe": ep.sharpe_ratio(b, risk_free=rf, annualization=periods),
        "benchmark_max_drawdown": ep.max_drawdown(b),
        "alpha": ep.alpha(r, b, risk_free=rf, annualization=periods),
        "beta": ep.beta(r, b, risk_free=rf),
        "tracking_error": ep.annual_volatility(r - b, annualization=periods),
        "information_ratio": ep.excess_sharpe(r, b) * math.sqrt(periods),  # empyrical's is per period
    }


@pytest.mark.parametrize(("seed", "rf", "periods"), [(0, 0.0, 252), (1, 0.03, 252), (2, 0.02, 12), (3, 0.0, 52)])
def test_agrees_with_empyrical_on_random_series(seed: int, rf: float, periods: int):
    rng = np.random.default_rng(seed)
    b = rng.normal(0.0004, 0.01, 750)
    r = 0.0002 + 1.2 * b + rng.normal(0, 0.006, 750)
    ours = metrics_of(r, bench=b, rf=rf, periods=periods)
    theirs = empyrical_values(r, b, (1 + rf) ** (1 / periods) - 1, periods)
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=TOL, rel=TOL), key


# --- the bundled example ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> ml4t_sql.Run:
    return ml4t_sql.run(ROOT / "examples" / "top25_momentum.toml", write=False)


def test_example_metrics_agree_with_empyrical_within_1e_9(example: ml4t_sql.Run):
    stats = example.stats()
    r = example.equity["return"].to_numpy()
    primary = example.benchmark.filter(example.benchmark["is_primary"]).sort("date")
    assert primary["series"][0] == "benchmark"  # the example configures SPY
    b = primary["return"].to_numpy()
    for key, value in empyrical_values(r, b, 0.0, 252).items():
        assert stats[key] == pytest.approx(value, abs=TOL, rel=TOL), key
    assert stats["hit_rate"] == pytest.approx(float(np.mean(r > 0)))


def test_example_drawdown_durations_match_the_drawdown_periods_sql(example: ml4t_sql.Run):
    con = duckdb.connect()
    con.register("equity", example.equity.to_arrow())
    con.execute(f"create table drawdowns as {render('reports/drawdowns')}")
    periods = con.sql(f"select depth, duration from ({render('reports/drawdown_periods')}) order by depth").fetchall()
    con.close()
    stats = example.stats()
    assert periods[0][0] == pytest.approx(stats["max_drawdown"], abs=1e-12)
    assert periods[0][1] == stats["max_drawdown_duration"]
    assert max(p[1] for p in periods) == stats["longest_drawdown_duration"]


def test_example_holdings_and_trades_come_from_the_tables(example: ml4t_sql.Run):
    stats = example.stats()
    per_date = example.positions.group_by("date").len()
    assert stats["avg_holdings"] == pytest.approx(per_date["len"].sum() / example.equity.height, rel=1e-12)
    assert stats["n_trades"] == example.trades.height
    assert stats["avg_net_exposure"] == pytest.approx(example.equity["net_exposure"].mean(), rel=1e-12)
