"""The `[risk]` rules: the engine against the plain reference (tests/risk_reference.py) on random
panels with every rule on at once (longs and shorts), and the invariants of SPEC 11."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ml4t_sql
from tests.depth import examples
from tests.factories import (
    actions_from_frame,
    bars_from_prices,
    make_actions,
    make_prices,
    make_targets,
    targets_from_frame,
)
from tests.reference import simulate
from tests.test_engine_vs_reference import EQUITY, ORDERS, POSITIONS, REL, TRADES, compare_table
from tests.test_engine_vs_reference import cases as execution_cases

RISK_KEYS = ("stop_loss", "take_profit", "trailing_stop", "reentry_after", "max_drawdown", "halt_dates")


def run_both(prices: pl.DataFrame, targets: pl.DataFrame, risk: dict, actions: pl.DataFrame | None = None,
             **execution) -> tuple[object, dict]:  # fmt: skip
    """The engine (window: every date of the prices, as the reference's) and the reference."""
    weights, rebalance = targets_from_frame(targets)
    acts = None if actions is None else actions_from_frame(actions)
    ref = simulate(bars_from_prices(prices), weights, rebalance, actions=acts, **execution, **risk)
    execution.setdefault("start", prices["date"].min())
    data = {} if actions is None else {"actions": actions}
    run = ml4t_sql.run(
        {
            "data": {"prices": prices, "tables": {"my_targets": targets}, "quality": {"missing_open": "no_fill"},
                     **data},
            "strategy": {"sql": "select date, asset, weight from my_targets"},
            "execution": execution,
            "risk": risk,
        },
        write=False,
    )
    return run, ref


def assert_same(run, ref: dict, initial_cash: float) -> None:
    floor = REL * max([initial_cash] + [abs(r["nav"]) for r in ref["equity"]])
    trades = run.trades.filter(pl.col("notional") > floor)
    ref_trades = [r for r in ref["trades"] if r["notional"] > floor]
    problems = compare_table("equity", run.equity, ref["equity"], ["date"], EQUITY, floor)
    problems += compare_table("trades", trades, ref_trades, ["date", "asset", "reason"], TRADES, floor)
    problems += compare_table("orders", run.orders, ref["orders"], ["decision_date", "asset"], ORDERS, floor)
    problems += compare_table("positions", run.positions, ref["positions"], ["date", "asset"], POSITIONS, floor)
    got = sorted((r["date"], r["asset"] or "", r["rule"]) for r in run.tables["events"].iter_rows(named=True))
    want = sorted((r["date"], r["asset"] or "", r["rule"]) for r in ref["events"])
    if got != want:
        problems.append(f"events: engine {sorted(set(got) ^ set(want))[:6]} differ from the reference")
    assert not problems, "engine and reference disagree:\n" + "\n".join(problems[:20])


@st.composite
def risk_rules(draw) -> dict:
    """Every rule on (most of the time), at levels the random panels reach."""
    risk: dict = {}
    for key, values in (("stop_loss", [0.01, 0.03, 0.08]), ("take_profit", [0.02, 0.05, 0.15]),
                        ("trailing_stop", [0.01, 0.04, 0.1]), ("max_drawdown", [0.02, 0.05, 0.2])):  # fmt: skip
        if draw(st.integers(0, 4)):
            risk[key] = draw(st.sampled_from(values))
    if any(k in risk for k in ("stop_loss", "take_profit", "trailing_stop")):
        risk["reentry_after"] = draw(st.integers(0, 3))
    if "max_drawdown" in risk:
        risk["halt_dates"] = draw(st.integers(0, 6))
    return risk


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=execution_cases(), risk=risk_rules())
def test_engine_matches_reference_with_every_rule(case, risk):
    prices, targets, execution, _rates, _shuffle = case
    run, ref = run_both(prices, targets, risk, **execution)
    assert_same(run, ref, execution.get("initial_cash", 1_000_000.0))


FIXED = [
    dict(seed=31, stop_loss=0.02, take_profit=0.04, reentry_after=2),
    dict(seed=32, trailing_stop=0.02, stop_loss=0.05, slippage_bps=10.0, commission_bps=5.0),
    dict(seed=33, stop_loss=0.01, trailing_stop=0.01, take_profit=0.02, weight_mode="signed", allow_short=True,
         max_leverage=1.5, reentry_after=1),
    dict(seed=34, max_drawdown=0.03, halt_dates=3, stop_loss=0.03, fractional=False),
    dict(seed=35, max_drawdown=0.02, halt_dates=0, trailing_stop=0.03, weight_mode="signed", allow_short=True,
         sizing="fill_price"),
]


@pytest.mark.parametrize("case", FIXED, ids=lambda c: f"seed={c['seed']}")
def test_fixed_seed(case):
    case = dict(case)
    seed, weight_mode = case.pop("seed"), case.pop("weight_mode", "equal")
    risk = {k: case.pop(k) for k in RISK_KEYS if k in case}
    prices = make_prices(8, 60, seed, gap_prob=0.05, delist_prob=0.3, null_open_prob=0.05)
    targets = make_targets(prices, seed, top_n=4, schedule_prob=0.4, weight_mode=weight_mode,
                           max_gross=case.get("max_leverage", 1.0))  # fmt: skip
    run, ref = run_both(prices, targets, risk, **case)
    assert_same(run, ref, 1_000_000.0)
    reasons = {t["reason"] for t in ref["trades"]}
    assert reasons - {"rebalance", "delisted"}, "the case must exercise a risk exit"
    if "max_drawdown" in risk:
        assert any(e["rule"] == "max_drawdown" for e in ref["events"])


@pytest.mark.parametrize("seed", [41, 42, 43])
def test_splits_divide_entry_prices_and_trailing_references(seed):
    """Raw prices with splits and dividends (SPEC 14.12): the stops on raw prices, their levels
    divided by each split, agree with the reference (whole shares: fractions paid in cash)."""
    prices, actions = make_actions(make_prices(6, 60, seed, gap_prob=0.03), seed, split_prob=0.05, need_open=True)
    targets = make_targets(prices, seed, top_n=3, schedule_prob=0.3)
    risk = dict(stop_loss=0.04, trailing_stop=0.03, take_profit=0.06)
    run, ref = run_both(prices, targets, risk, actions=actions, fractional=seed % 2 == 0)
    assert_same(run, ref, 1_000_000.0)
    rules = {e["rule"] for e in ref["events"]}
    assert "split" in rules and rules & {"stop_loss", "trailing_stop", "take_profit"}


def test_fixed_seeds_cover_every_reason_and_both_sides():
    reasons, sides = set(), set()
    for case in FIXED:
        case = dict(case)
        seed, weight_mode = case.pop("seed"), case.pop("weight_mode", "equal")
        risk = {k: case.pop(k) for k in RISK_KEYS if k in case}
        prices = make_prices(8, 60, seed, gap_prob=0.05, delist_prob=0.3, null_open_prob=0.05)
        targets = make_targets(prices, seed, top_n=4, schedule_prob=0.4, weight_mode=weight_mode,
                               max_gross=case.get("max_leverage", 1.0))  # fmt: skip
        weights, rebalance = targets_from_frame(targets)
        ref = simulate(bars_from_prices(prices), weights, rebalance, **case, **risk)
        reasons |= {t["reason"] for t in ref["trades"]}
        sides |= {(t["reason"], t["side"]) for t in ref["trades"] if t["reason"] in ("stop_loss", "take_profit")}
    assert {"stop_loss", "take_profit", "trailing_stop"} <= reasons
    assert {("stop_loss", "sell"), ("stop_loss", "buy"), ("take_profit", "sell"), ("take_profit", "buy")} <= sides


# --- invariants --------------------------------------------------------------------------------


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=execution_cases(), risk=risk_rules())
def test_a_stopped_position_exits_within_its_bar(case, risk):
    """A risk exit's price before slippage lies in the bar's [low, high]."""
    prices, targets, execution, _rates, _shuffle = case
    run, _ = run_both(prices, targets, risk, **execution)
    slip = execution.get("slippage_bps", 0.0) / 1e4
    exits = run.trades.filter(pl.col("reason").is_in(["stop_loss", "take_profit", "trailing_stop"]))
    joined = exits.join(prices.select("date", "asset", "high", "low"), on=["date", "asset"])
    assert joined.height == exits.height
    raw = joined["price"] / pl.Series([1 - slip if s == "sell" else 1 + slip for s in joined["side"]])
    tol = 1e-12 * joined["high"]
    assert ((raw >= joined["low"] - tol) & (raw <= joined["high"] + tol)).all()
