"""The construction SQL (legs, quantiles, hold ranks, groups, weightings, exposures, caps) against the
plain-Python reference (tests/strategy_reference.construct), at the SQL level: the composed query of
ml4t_sql.strategy.builtin runs on literal ml4t relations, so short and levered books are checked too
(the fold cannot take them yet: config validation refuses them). Several variants run in one
statement, as in a sweep."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml4t_sql.config import Config, Data, Strategy
from ml4t_sql.data.quality import QualityReport
from ml4t_sql.strategy.builtin import targets_query
from ml4t_sql.templates import render
from tests.depth import examples

from . import strategy_reference as ref

SCHEDULES = ["daily", "weekly", "monthly", "month_end", "quarterly"]
GROUPS = ["x", "y", "z", None]


def panel(seed: int, n_assets: int, n_days: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Price rows (date, asset, close, sector) with gaps and assets without a sector, and signal
    rows (date, asset, score) with ties (steps of 0.5), NULLs, NaNs and rows without a bar."""
    rng = random.Random(seed)
    day0 = dt.date(2020, 1, 1)
    days = (day0 + dt.timedelta(days=i) for i in range(n_days * 7 // 5 + 7))
    dates = [d for d in days if d.weekday() < 5][:n_days]
    prices, signals = [], []
    for i in range(n_assets):
        asset = f"A{i:02d}"
        close = 10.0 + i
        sector = rng.choice(GROUPS)
        for d in dates:
            close *= math.exp(rng.gauss(0.0, 0.05))
            if rng.random() < 0.9:
                prices.append((d, asset, close, sector if rng.random() < 0.95 else rng.choice(GROUPS)))
            u = rng.random()
            if u < 0.9:
                score = None if u < 0.05 else math.nan if u < 0.07 else round(rng.gauss(0.0, 1.0) * 2) / 2
                signals.append((d, asset, score))
    return prices, signals


def sql_targets(prices: list[tuple[Any, ...]], signals: list[tuple[Any, ...]], variants: list[Strategy]):
    """{variant: {(date, asset): weight}} of the composed query on these rows."""
    con = duckdb.connect()
    try:
        con.execute("create schema ml4t")
        frame = pl.DataFrame(
            prices, schema={"date": pl.Date, "asset": pl.String, "close": pl.Float64, "sector": pl.String}, orient="row"
        )
        con.from_arrow(frame.to_arrow()).create("ml4t.prices")
        frame = pl.DataFrame(signals, schema={"date": pl.Date, "asset": pl.String, "score": pl.Float64}, orient="row")
        con.from_arrow(frame.to_arrow()).create("ml4t.signals")
        con.execute(
            "create table ml4t.calendar as select date, row_number() over (order by date) - 1 as date_idx "
            "from (select distinct date from ml4t.prices)"
        )
        con.execute(f"create table ml4t.schedule_dates as {render('strategy/schedule_dates')}", {"every": []})
        con.execute(f"create view ml4t.returns as {render('sources/returns')}")  # inverse_vol reads it
        # a Config built directly is not validated: short and levered books reach the SQL
        cfg = Config(data=Data(prices="prices", signals="signals"))
        plan = targets_query(con, cfg, variants, QualityReport(strict=False))
        out: dict[int, dict[tuple[dt.date, str], float]] = {i: {} for i in range(len(variants))}
        for v, d, a, w in con.sql(plan.sql, params=plan.params).fetchall():
            assert (d, a) not in out[v], "a key twice"
            out[v][(d, a)] = w
        return out
    finally:
        con.close()


def expected(prices, signals, s: Strategy) -> dict[tuple[dt.date, str], float]:
    return ref.construct(
        prices,
        signals,
        top_n=s.top_n,
        bottom_n=s.bottom_n,
        quantiles=s.quantiles,
        long_short=s.long_short,
        hold_rank=s.hold_rank,
        hold_rank_short=s.hold_rank_short,
        group=s.group is not None,
        group_neutral=s.group_neutral,
        max_group_weight=s.max_group_weight,
        weighting=str(s.weighting),
        vol_window=s.vol_window,
        long_exposure=s.long_exposure,
        short_exposure=s.short_exposure,
        max_weight=s.max_weight,
        rebalance=str(s.rebalance or "daily"),
        min_signal=s.min_signal,
    )


def assert_same(got: dict[tuple[dt.date, str], float], want: dict[tuple[dt.date, str], float], s: Strategy) -> None:
    assert set(got) == set(want), (s, sorted(set(got) ^ set(want))[:5])
    for key, weight in want.items():
        assert got[key] == pytest.approx(weight, rel=1e-9, abs=1e-12), (s, key)


@st.composite
def strategies(draw: st.DrawFn, n_assets: int) -> Strategy:
    mode = draw(st.sampled_from(["top", "long_short", "quantiles"]))
    keys: dict[str, Any] = {"signal": "score"}
    if mode == "quantiles":
        keys["quantiles"] = draw(st.integers(2, 4))
        keys["long_short"] = draw(st.booleans())
    else:
        keys["top_n"] = draw(st.integers(1, max(1, n_assets // 2)))
        if draw(st.booleans()):
            keys["hold_rank"] = keys["top_n"] + draw(st.integers(0, 3))
        if mode == "long_short":
            keys["bottom_n"] = draw(st.integers(1, max(1, n_assets // 2)))
            if draw(st.booleans()):
                keys["hold_rank_short"] = keys["bottom_n"] + draw(st.integers(0, 3))
    short = keys.get("bottom_n", 0) > 0 or keys.get("long_short", False)
    keys["short_exposure"] = draw(st.sampled_from([0.3, 1.0])) if short else 0.0
    keys["long_exposure"] = draw(st.sampled_from([1.0, 1.3, 0.5]))
    keys["group_neutral"] = draw(st.booleans())
    if draw(st.booleans()):
        keys["max_group_weight"] = draw(st.sampled_from([0.3, 0.5, 0.8]))
    if keys["group_neutral"] or "max_group_weight" in keys or draw(st.booleans()):
        keys["group"] = "sector"
    keys["weighting"] = draw(st.sampled_from(["equal", "signal", "rank", "inverse_vol"]))
    keys["vol_window"] = draw(st.integers(2, 5))
    if draw(st.booleans()):
        keys["max_weight"] = draw(st.sampled_from([0.1, 0.2, 0.35, 0.5]))
    keys["rebalance"] = draw(st.sampled_from(["daily", "daily", *SCHEDULES]))
    if draw(st.booleans()):
        keys["min_signal"] = draw(st.sampled_from([-0.5, 0.0]))
    return Strategy(**keys)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Any, ...]:
    n_assets = draw(st.integers(2, 10))
    prices, signals = panel(draw(st.integers(0, 10_000)), n_assets, draw(st.integers(3, 40)))
    variants = draw(st.lists(strategies(n_assets), min_size=1, max_size=4))
    return prices, signals, variants


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_construction_equals_the_reference(case: tuple[Any, ...]):
    prices, signals, variants = case
    got = sql_targets(prices, signals, variants)
    for i, s in enumerate(variants):
        assert_same(got[i], expected(prices, signals, s), s)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_grid_of_constructions_in_one_statement(seed: int):
    """A sweep-like grid: every combination decided in one statement equals its own reference."""
    prices, signals = panel(seed, 9, 30)
    base = Strategy(signal="score", top_n=3, group="sector")
    grid = [
        dataclasses.replace(base, weighting=w, bottom_n=b, short_exposure=0.5 if b else 0.0, hold_rank=h, max_weight=m,
                            group_neutral=g)  # fmt: skip
        for w in ("equal", "rank", "inverse_vol")
        for b in (0, 2)
        for h in (None, 5)
        for m in (None, 0.2)
        for g in (False, True)
    ]
    got = sql_targets(prices, signals, grid)
    for i, s in enumerate(grid):
        assert_same(got[i], expected(prices, signals, s), s)


# --- through a run: long-only, unlevered constructions (what the fold can take today) -----------------


def run_frames(prices, signals) -> tuple[pl.DataFrame, pl.DataFrame]:
    p = pl.DataFrame(prices, schema={"date": pl.Date, "asset": pl.String, "close": pl.Float64, "sector": pl.String},
                     orient="row")  # fmt: skip
    p = p.with_columns(open=pl.col("close"), high=pl.col("close"), low=pl.col("close"), volume=pl.lit(1e6))
    s = pl.DataFrame(signals, schema={"date": pl.Date, "asset": pl.String, "score": pl.Float64}, orient="row")
    return p, s


@pytest.mark.parametrize(
    "keys",
    [
        {"top_n": 3, "hold_rank": 5, "weighting": "rank"},
        {"quantiles": 3, "weighting": "inverse_vol", "vol_window": 3, "max_weight": 0.3},
        {"top_n": 2, "group": "sector", "group_neutral": True, "max_group_weight": 0.4, "long_exposure": 0.9},
        {"top_n": 4, "weighting": "signal", "max_weight": 0.2, "rebalance": "weekly"},
    ],
    ids=["hold-rank", "quantiles-inverse-vol-capped", "group-neutral", "signal-capped-weekly"],
)
def test_a_run_holds_the_reference_targets(keys: dict[str, Any]):
    import ml4t_sql

    prices, signals = panel(11, 10, 40)
    p, s = run_frames(prices, signals)
    config = {"data": {"prices": p, "signals": s, "quality": {"no_signal_date": "cash"}},
              "strategy": {"signal": "score", **keys}}  # fmt: skip
    run = ml4t_sql.run(config, write=False)
    got = {(d, a): w for d, a, w in run.targets.select("date", "asset", "weight").iter_rows()}
    assert_same(got, expected(prices, signals, Strategy(signal="score", **keys)), Strategy(**keys))


def test_dates_with_fewer_assets_than_quantiles_are_reported_and_all_of_them_refused():
    import ml4t_sql
    from ml4t_sql.errors import InputError

    prices, signals = panel(5, 6, 20)
    p, s = run_frames(prices, signals)
    config = {"data": {"prices": p, "signals": s, "quality": {"no_signal_date": "cash"}},
              "strategy": {"signal": "score", "quantiles": 5}}  # fmt: skip
    run = ml4t_sql.run(config, write=False)
    counts = {}
    for d, a, sc in signals:
        if sc is not None and math.isfinite(sc) and any(r[0] == d and r[1] == a for r in prices):
            counts[d] = counts.get(d, 0) + 1
    dates = sorted({r[0] for r in prices})
    short = [d for d in dates if counts.get(d, 0) < 5]
    assert short, "the panel should have short dates"
    finding = run.quality["findings"]["short_quantile_date"]
    assert finding["count"] == len(short)
    assert finding["examples"][0]["date"] == str(short[0]) or finding["examples"][0]["date"] == short[0]
    assert not set(run.targets["date"].to_list()) & set(short)  # no book those dates
    config["strategy"]["quantiles"] = 50
    with pytest.raises(InputError, match="every rebalance date has fewer eligible assets than quantiles = 50"):
        ml4t_sql.run(config, write=False)


def test_a_cap_too_small_for_its_leg_is_warned_with_the_cash_it_leaves():
    """top 3 at most 20% each: the leg holds 60% of NAV and 40% stays in cash (SPEC 8), said once
    as a warning-level finding, the largest cash share first; a cap that can be met says nothing."""
    import ml4t_sql

    prices, signals = panel(7, 8, 15)
    p, s = run_frames(prices, signals)
    config = {"data": {"prices": p, "signals": s, "quality": {"no_signal_date": "cash"}},
              "strategy": {"signal": "score", "top_n": 3, "max_weight": 0.2}}  # fmt: skip
    run = ml4t_sql.run(config, write=False)
    held = run.targets.group_by("date").agg(pl.col("weight").sum(), pl.len())
    short = held.filter(pl.col("weight") < 1 - 1e-9)
    finding = run.quality["findings"]["capped_cash"]
    assert finding["count"] == short.height > 0 and finding["policy"] == "cash"
    assert finding["examples"][0]["cash"] == pytest.approx(1 - short["weight"].min(), abs=1e-12)
    assert any(w.startswith("strategy: rebalance dates on which the caps leave part of a leg in cash")
               for w in run.quality["warnings"])  # fmt: skip
    config["strategy"]["max_weight"] = 0.5
    assert "capped_cash" not in ml4t_sql.run(config, write=False).quality["findings"]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_legs_hold_their_exposures_caps_and_signs(case: tuple[Any, ...]):
    """Whatever the construction: a date's long weights sum to at most long_exposure and its short
    weights to at least -short_exposure (less only through empty groups, a signal leg without a
    positive part or caps that cannot be met: cash), no weight's size exceeds max_weight, and a
    variant without a short leg has no negative weight."""
    prices, signals, variants = case
    got = sql_targets(prices, signals, variants)
    for i, s in enumerate(variants):
        longs: dict[dt.date, list[float]] = {}
        shorts: dict[dt.date, list[float]] = {}
        for (d, _), w in got[i].items():
            (longs if w > 0 else shorts).setdefault(d, []).append(w)
            if s.max_weight is not None:
                assert abs(w) <= s.max_weight * (1 + 1e-12)
        for ws in longs.values():
            assert math.fsum(ws) <= s.long_exposure * (1 + 1e-12)
        for ws in shorts.values():
            assert -math.fsum(ws) <= s.short_exposure * (1 + 1e-12)
        if not (s.bottom_n or s.long_short):
            assert not shorts
        if s.max_weight is None and s.max_group_weight is None and not s.group_neutral and s.weighting != "signal":
            for ws in longs.values():  # nothing goes to cash: the leg holds its exposure exactly
                assert math.fsum(ws) == pytest.approx(s.long_exposure, rel=1e-12)
