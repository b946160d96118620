"""`[strategy] stale = "hold"`: a held asset without a bar or a finite signal on a rebalance date keeps
its shares, and its weight comes out of its leg (docs/SEMANTICS.md, *Stale holdings*).

A hand-computed ledger, then the engine against the two plain references on random panels:
tests/strategy_reference.py for the targets, tests/reference.py (its `fresh` rule) for the fold.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ml4t_sql
from ml4t_sql.errors import ConfigError
from tests.depth import examples
from tests.factories import bars_from_prices
from tests.reference import simulate
from tests.test_engine_vs_reference import assert_same_run
from tests.test_strategy_vs_reference import panel

from . import strategy_reference as ref

DAYS = [dt.date(2021, 3, d) for d in (1, 2, 3, 4)]


def ledger_inputs() -> tuple[pl.DataFrame, pl.DataFrame]:
    """A: open 10 every day, closes 10, 12, 12, 12; B: 20 flat. A's signal is NULL on the second date."""
    rows = []
    for i, d in enumerate(DAYS):
        rows.append((d, "A", 10.0, 10.0 if i == 0 else 12.0))
        rows.append((d, "B", 20.0, 20.0))
    prices = pl.DataFrame(
        [(d, a, o, max(o, c), min(o, c), c, 1e6) for d, a, o, c in rows],
        schema=["date", "asset", "open", "high", "low", "close", "volume"],
        orient="row",
    )
    signals = pl.DataFrame(
        [(d, a, None if (i == 1 and a == "A") else s) for i, d in enumerate(DAYS) for a, s in (("A", 2.0), ("B", 1.0))],
        schema={"date": pl.Date, "asset": pl.String, "score": pl.Float64},
        orient="row",
    )
    return prices, signals


def ledger_run(stale: str):
    prices, signals = ledger_inputs()
    config = {
        "data": {"prices": prices, "signals": signals},
        "strategy": {"signal": "score", "top_n": 2, "stale": stale},
        "execution": {"delist_after": 0},
    }
    return ml4t_sql.run(config, write=False)


def test_a_held_asset_without_a_signal_keeps_its_shares_and_its_weight_leaves_the_leg():
    """Date 1: 50,000 A and 25,000 B (half each of 1,000,000). At the close of date 2, A is worth
    600,000 of a NAV of 1,100,000 (6/11) and has no signal: it keeps its shares, and B's target is
    (1 - 6/11) = 5/11 of the NAV, 25,000 shares: what it holds, so no order at all."""
    run = ledger_run("hold")
    assert run.orders.filter(pl.col("decision_date") == DAYS[1]).height == 0
    on_day_3 = {a: s for a, s in run.positions.filter(pl.col("date") == DAYS[2]).select("asset", "shares").iter_rows()}
    assert on_day_3 == {"A": 50_000.0, "B": 25_000.0}
    assert run.equity.filter(pl.col("date") == DAYS[1])["nav"].item() == 1_100_000.0
    # exit (the default): A's target is 0 on date 2, so A is sold at the open of date 3
    exit_run = ledger_run("exit")
    sold = exit_run.trades.filter((pl.col("date") == DAYS[2]) & (pl.col("asset") == "A"))
    assert sold["side"].to_list() == ["sell"] and sold["shares"].to_list() == [50_000.0]


def test_hold_is_refused_for_a_custom_strategy():
    prices, _ = ledger_inputs()
    with pytest.raises(ConfigError, match=r"\[strategy\] `stale`: applies to the built-in strategy only"):
        ml4t_sql.run({"data": {"prices": prices}, "strategy": {"sql": "select date, asset, 0.5 as weight from prices",
                                                               "stale": "hold"}}, write=False)  # fmt: skip


@st.composite
def cases(draw: st.DrawFn):
    seed = draw(st.integers(0, 10_000))
    n_assets = draw(st.integers(2, 9))
    prices, signals = panel(seed, n_assets, draw(st.integers(3, 45)), separate=draw(st.booleans()))
    strategy = {
        "signal": "score",
        "top_n": draw(st.integers(1, n_assets)),
        "weighting": draw(st.sampled_from(["equal", "signal"])),
        "rebalance": draw(st.sampled_from(["daily", "daily", "weekly", "monthly"])),
        "stale": "hold",
        "long_exposure": draw(st.sampled_from([1.0, 1.0, 0.6])),
    }
    execution = {
        "delist_after": draw(st.sampled_from([0, 1, 3])),
        "commission_bps": draw(st.sampled_from([0.0, 5.0])),
        "fractional": draw(st.booleans()),
    }  # sizing decision_close: fill_price's status ties at 1e-12 of tiny re-sized buys are not this rule's
    return prices, signals, strategy, execution


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_hold_equals_the_references(case):
    prices, signals, strategy, execution = case
    data = {"prices": prices, "quality": {"no_signal_date": "cash"}}
    if signals is not None:
        data["signals"] = signals
    window = {"start": prices["date"].min()}  # the reference's window: the whole calendar, not "auto"
    run = ml4t_sql.run({"data": data, "strategy": strategy, "execution": {**execution, **window}}, write=False)

    source = signals if signals is not None else prices
    bars = set(prices.select("date", "asset").iter_rows())
    weights = ref.targets(bars, source.select("date", "asset", "score").iter_rows(), top_n=strategy["top_n"],
                          weighting=strategy["weighting"], rebalance=strategy["rebalance"])  # fmt: skip
    weights = {k: w * strategy["long_exposure"] for k, w in weights.items()}
    fresh = {(d, a) for d, a, s in source.select("date", "asset", "score").iter_rows()
             if s is not None and math.isfinite(s) and (d, a) in bars}  # fmt: skip
    got = {(d, a): w for d, a, w in run.targets.select("date", "asset", "weight").iter_rows()}
    assert set(got) == set(weights) and all(got[k] == pytest.approx(w, rel=1e-12) for k, w in weights.items())
    by_date: dict[dt.date, dict[str, float]] = {}  # the fold's reference takes the engine's targets (to the bit)
    for (d, a), w in got.items():
        by_date.setdefault(d, {})[a] = w
    calendar = sorted({d for d, _ in bars})
    expected = simulate(bars_from_prices(prices), by_date, set(ref.schedule(calendar, strategy["rebalance"])),
                        fresh=fresh, long_exposure=strategy["long_exposure"], **execution)  # fmt: skip
    assert_same_run(run, expected, run.targets, 1_000_000.0)


def test_a_sweep_over_stale_equals_its_single_runs_and_chunks_change_nothing():
    """Both rules in one sweep, each variant its single run, and a window folded in chunks of dates
    (the stale assets travel with each chunk's targets) gives the same tables."""
    prices, signals = panel(5, 8, 40, separate=True)
    config = {
        "data": {"prices": prices, "signals": signals, "quality": {"no_signal_date": "cash"}},
        "strategy": {"signal": "score", "top_n": 3},
        "execution": {"delist_after": 4},
    }
    result = ml4t_sql.sweep(config, grid={"stale": ["exit", "hold"], "rebalance_every": [1, 3]}, write=False)
    for variant, (stale, every) in enumerate([("exit", 1), ("exit", 3), ("hold", 1), ("hold", 3)]):
        strategy = {**config["strategy"], "stale": stale, "rebalance_every": every}
        single = ml4t_sql.run({**config, "strategy": strategy}, write=False)
        small = {"delist_after": 4, "memory_budget_mb": 0.01}
        chunked = ml4t_sql.run({**config, "strategy": strategy, "execution": small}, write=False)
        for name in ("equity", "positions", "trades", "orders"):
            mine = result.tables[name].filter(pl.col("variant") == variant).drop("run_id", "variant")
            assert mine.equals(getattr(single, name).drop("run_id")), (variant, name)
            assert getattr(chunked, name).drop("run_id").equals(getattr(single, name).drop("run_id")), (variant, name)
    hold, exit_ = (result.tables["orders"].filter(pl.col("variant") == v).height for v in (2, 0))
    assert hold < exit_  # kept assets send no orders
