"""The built-in strategy's SQL against an independent plain-Python reference (tests/strategy_reference.py),
on random ragged panels with ties, NULL/NaN/inf signals and gaps, for runs and sweep grids."""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ml4t_sql
from tests.depth import examples

from . import strategy_reference as ref
from .factories import make_prices

SCHEDULES = ["daily", "weekly", "monthly", "month_end", "quarterly"]


def panel(seed: int, n_assets: int, n_days: int, separate: bool) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Prices with gaps and a signal with many ties (steps of 0.5), NULLs, NaNs and infinities; as a
    column of prices, or a separate relation that also has rows without a bar."""
    prices = make_prices(n_assets, n_days, seed, ragged=True, gap_prob=0.1, delist_prob=0.2)
    rng = random.Random(seed)

    def draw() -> float | None:
        u = rng.random()
        if u < 0.06:
            return None
        if u < 0.09:
            return rng.choice([math.nan, math.inf, -math.inf])
        return round(rng.gauss(0.0, 1.0) * 2) / 2  # steps of 0.5: many ties

    if not separate:
        return prices.with_columns(pl.Series("score", [draw() for _ in range(prices.height)], pl.Float64)), None
    dates = sorted(prices["date"].unique())
    assets = sorted(prices["asset"].unique())
    rows = [(d, a, draw()) for d in dates for a in assets if rng.random() < 0.9]  # some without a bar
    signals = pl.DataFrame(rows, schema={"date": pl.Date, "asset": pl.String, "score": pl.Float64}, orient="row")
    return prices, signals


def config(prices: pl.DataFrame, signals: pl.DataFrame | None, strategy: dict[str, Any], window: dict[str, Any]):
    data: dict[str, Any] = {"prices": prices, "quality": {"no_signal_date": "cash"}}
    if signals is not None:
        data["signals"] = signals
    return {"data": data, "strategy": {"signal": "score", **strategy}, "execution": window}


def expected(prices: pl.DataFrame, signals: pl.DataFrame | None, strategy: dict[str, Any], window: dict[str, Any]):
    source = signals if signals is not None else prices
    return ref.targets(
        prices.select("date", "asset").iter_rows(),
        source.select("date", "asset", "score").iter_rows(),
        top_n=strategy["top_n"],
        weighting=strategy.get("weighting", "equal"),
        rebalance=strategy.get("rebalance", "daily"),
        rebalance_every=strategy.get("rebalance_every"),
        min_signal=strategy.get("min_signal"),
        start=window.get("start"),
        end=window.get("end"),
    )


def assert_same(got: pl.DataFrame, want: dict[tuple[dt.date, str], float], rel: float = 1e-12) -> None:
    have = {(d, a): w for d, a, w in got.select("date", "asset", "weight").iter_rows()}
    assert set(have) == set(want)
    for key, weight in want.items():
        assert have[key] == pytest.approx(weight, rel=rel), key


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, ...]:
    seed = draw(st.integers(0, 10_000))
    n_assets = draw(st.integers(2, 12))
    prices, signals = panel(seed, n_assets, draw(st.integers(3, 70)), draw(st.booleans()))
    strategy = {
        # mostly fewer than the eligible assets, so that ties and the cut matter
        "top_n": draw(st.integers(1, n_assets - 1) | st.integers(1, 14)),
        "weighting": draw(st.sampled_from(["equal", "signal"])),
        "rebalance": draw(st.sampled_from(["daily", "daily", *SCHEDULES])),
    }
    if draw(st.booleans()):
        strategy["min_signal"] = draw(st.sampled_from([-0.5, 0.0, 0.3]))
    if draw(st.integers(0, 3)) == 0:  # replaces `rebalance` when both are set
        strategy["rebalance_every"] = draw(st.integers(1, 9))
    dates = sorted(prices["date"].unique())
    window: dict[str, Any] = {}
    if draw(st.booleans()):
        i = draw(st.integers(0, len(dates) - 1))
        j = draw(st.integers(i, len(dates) - 1))
        window = {"start": dates[i], "end": dates[j]}
    return prices, signals, strategy, window


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_targets_equal_the_reference(case: tuple[Any, ...]):
    prices, signals, strategy, window = case
    run = ml4t_sql.run(config(prices, signals, strategy, window), write=False)
    assert_same(run.targets, expected(prices, signals, strategy, window))


@pytest.mark.parametrize("seed", [1, 2])
def test_every_variant_of_a_sweep_equals_the_reference(seed: int):
    prices, signals = panel(seed, 10, 60, separate=seed % 2 == 0)
    grid = {"top_n": [1, 3, 20], "weighting": ["equal", "signal"], "rebalance": SCHEDULES, "min_signal": [None, 0.0]}
    result = ml4t_sql.sweep(config(prices, signals, {"top_n": 1}, {}), grid=grid, write=False)
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    assert result.variants.height == len(combos)
    for variant, combo in enumerate(combos):
        strategy = {k: v for k, v in combo.items() if v is not None}
        got = result.tables["targets"].filter(pl.col("variant") == variant)
        assert_same(got, expected(prices, signals, strategy, {}))


def test_a_sweep_over_rebalance_every_equals_the_reference():
    prices, signals = panel(3, 8, 45, separate=False)
    grid = {"rebalance_every": [1, 2, 5, 44, 45, 100], "top_n": [2, 5]}
    result = ml4t_sql.sweep(config(prices, signals, {"top_n": 1, "rebalance": "monthly"}, {}), grid=grid, write=False)
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    for variant, combo in enumerate(combos):
        got = result.tables["targets"].filter(pl.col("variant") == variant)
        assert_same(got, expected(prices, signals, combo, {}))

# --- the universe filters (SPEC 8, 14.3): price, dollar volume, history, membership, groups, vol -----


def members_of(prices: pl.DataFrame, rng: random.Random, spans: bool) -> list[tuple[Any, ...]]:
    """Random membership: per asset, up to two non-overlapping inclusive spans (one may stay open,
    one may be a single date), or snapshots on a few dates (some before the first bar)."""
    dates = sorted(prices["date"].unique())
    assets = sorted(prices["asset"].unique())
    if spans:
        out: list[tuple[Any, ...]] = []
        for a in assets:
            cuts = sorted(rng.sample(range(len(dates)), min(len(dates), rng.choice([1, 2, 3, 4]))))
            if len(cuts) >= 2:
                out.append((a, dates[cuts[0]], dates[cuts[1]]))  # start = end when the draw says so
            if len(cuts) in (1, 3):
                out.append((a, dates[cuts[-1]], None))
            elif len(cuts) == 4:
                out.append((a, dates[cuts[2]], dates[cuts[3]]))
        return [m for m in out if not (len(out) > 1 and rng.random() < 0.15)]
    snaps = sorted(rng.sample(dates, min(len(dates), 3)))
    return [(d, a) for d in snaps for a in assets if rng.random() < 0.6]


def groups_of(prices: pl.DataFrame, rng: random.Random, dated: bool) -> list[tuple[Any, ...]]:
    """Random groups: some assets without any row, a NULL value, a group of one; dated rows change."""
    dates = sorted(prices["date"].unique())
    assets = sorted(prices["asset"].unique())
    names = ["tech", "energy", None, "solo"]
    if not dated:
        return [(a, rng.choice(names)) for a in assets if rng.random() < 0.85]
    return [(d, a, rng.choice(names)) for a in assets for d in rng.sample(dates, min(len(dates), 2))]


def frame(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row")


@st.composite
def universe_cases(draw: st.DrawFn) -> tuple[Any, ...]:
    seed = draw(st.integers(0, 10_000))
    n_assets = draw(st.integers(2, 10))
    prices, signals = panel(seed, n_assets, draw(st.integers(3, 50)), draw(st.booleans()))
    rng = random.Random(seed + 1)
    closes = sorted(prices["close"].to_list())
    strategy: dict[str, Any] = {
        "top_n": draw(st.integers(1, n_assets)),
        "weighting": draw(st.sampled_from(["equal", "signal", "inverse_vol"])),
        "rebalance": draw(st.sampled_from(["daily", "daily", *SCHEDULES])),
    }
    if draw(st.booleans()):  # an actual close: the bound is inclusive
        strategy["min_price"] = closes[draw(st.integers(0, len(closes) - 1))]
    if draw(st.booleans()):
        dollars = sorted((prices["close"] * prices["volume"]).to_list())
        strategy["min_adv"] = dollars[draw(st.integers(0, len(dollars) - 1))]
        strategy["adv_window"] = draw(st.sampled_from([1, 3, 20]))
    if draw(st.booleans()):
        strategy["min_history"] = draw(st.integers(1, 12))
    if strategy["weighting"] == "inverse_vol":
        strategy["vol_window"] = draw(st.sampled_from([2, 3, 10]))
    data: dict[str, Any] = {}
    kind = draw(st.sampled_from(["none", "spans", "snapshots"]))
    if kind != "none":
        members = members_of(prices, rng, spans=kind == "spans")
        if kind == "spans":
            data["universe"] = frame(members, {"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date})
        else:
            data["universe"] = frame(members, {"date": pl.Date, "asset": pl.String})
    groups = None
    if draw(st.booleans()):
        dated = draw(st.booleans())
        groups = groups_of(prices, rng, dated)
        schema = {"asset": pl.String, "sector": pl.String}
        data["assets"] = frame(groups, {"date": pl.Date, **schema} if dated else schema)
        strategy["group"] = "sector"
    return prices, signals, strategy, data, groups


def expected_universe(prices, signals, strategy, data, groups):
    source = signals if signals is not None else prices
    members = None
    if "universe" in data:
        members = list(data["universe"].iter_rows())
    keys = ("min_price", "min_adv", "adv_window", "min_history", "vol_window")
    return ref.targets(
        prices.select("date", "asset").iter_rows(),
        source.select("date", "asset", "score").iter_rows(),
        top_n=strategy["top_n"],
        weighting=strategy["weighting"],
        rebalance=strategy["rebalance"],
        prices=prices.select("date", "asset", "close", "volume").iter_rows(),
        members=members,
        groups=groups,
        **{k: strategy[k] for k in keys if k in strategy},
    )


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(universe_cases())
def test_universe_filters_equal_the_reference(case: tuple[Any, ...]):
    prices, signals, strategy, data, groups = case
    cfg = config(prices, signals, strategy, {})
    cfg["data"].update(data)
    run = ml4t_sql.run(cfg, write=False)
    rel = 1e-9 if strategy["weighting"] == "inverse_vol" else 1e-12  # DuckDB's windowed stddev vs statistics
    assert_same(run.targets, expected_universe(prices, signals, strategy, data, groups), rel=rel)


def test_a_sweep_over_min_price_ranks_each_universe_in_one_statement():
    prices, signals = panel(5, 10, 40, separate=True)
    closes = sorted(prices["close"].to_list())
    levels = [None, closes[len(closes) // 3], closes[2 * len(closes) // 3]]
    grid = {"min_price": levels, "top_n": [2, 4]}
    result = ml4t_sql.sweep(config(prices, signals, {"top_n": 1}, {}), grid=grid, write=False)
    for variant, (level, top_n) in enumerate(itertools.product(*grid.values())):
        strategy = {"top_n": top_n, "weighting": "equal", "rebalance": "daily", "min_price": level}
        if level is None:
            del strategy["min_price"]
        got = result.tables["targets"].filter(pl.col("variant") == variant)
        assert_same(got, expected_universe(prices, signals, strategy, {}, None))
