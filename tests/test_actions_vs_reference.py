"""Corporate actions on raw prices (SPEC 12): the engine against the plain reference, and the
invariants of SPEC 12 and 7 with splits and dividends, on random panels.

The reference (tests/reference.py) implements the actions a second time, per asset on dicts,
dividing its remembered last close; the engine reads raw closes from its panel.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import ml4t_sql
from tests.depth import examples
from tests.factories import (
    actions_from_frame,
    bars_from_prices,
    make_actions,
    make_prices,
    make_targets,
    run_engine,
    targets_from_frame,
)
from tests.reference import simulate
from tests.test_engine_vs_reference import assert_same_run, cases

REL = 1e-9
SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_with_actions(prices, targets, actions, *, rates=None, **execution) -> dict:
    """Engine and reference on raw `prices` with `actions`: every table, and the events' keys."""
    weights, rebalance = targets_from_frame(targets)
    table = None if rates is None else dict(rates.select("date", "rate").iter_rows())
    ref = simulate(bars_from_prices(prices), weights, rebalance, rates=table, actions=actions_from_frame(actions),
                   **execution)  # fmt: skip
    data: dict = {"actions": actions}
    if rates is not None:
        data.update(rates=rates, quality={"stale_rate": "carry"})
    run = run_engine(prices, targets, data=data, **execution)
    assert_same_run(run, ref, targets, execution.get("initial_cash", 1_000_000.0))
    money = REL * max([execution.get("initial_cash", 1_000_000.0)] + [abs(r["nav"]) for r in ref["equity"]])
    got = run.equity["dividends"].to_list()
    want = [r["dividends"] for r in ref["equity"]]
    assert all(abs(g - w) <= max(REL * abs(w), money) for g, w in zip(got, want, strict=True))
    events = sorted(run.tables["events"].select("date", "asset", "rule").iter_rows())
    assert events == [(e["date"], e["asset"], e["rule"]) for e in ref["events"]]
    assert run.stats()["total_dividends"] == pytest.approx(sum(want), rel=1e-9, abs=money)
    return ref


FIXED = [
    dict(seed=31),
    dict(seed=32, fractional=False, commission_bps=10.0, slippage_bps=5.0),
    dict(seed=33, sizing="fill_price", fractional=False, delist_after=2),
    dict(seed=34, weight_mode="signed", allow_short=True, max_leverage=2.0, short_fee=0.05, cash_rate=0.03,
         margin_rate=0.08),
    dict(seed=35, weight_mode="signed", allow_short=True, max_leverage=1.5, fractional=False, sizing="fill_price",
         cash_shortfall="sequential"),
    dict(seed=36, fractional=False, rounding="order", cash_shortfall="borrow", margin_rate=0.1),
]


@pytest.mark.parametrize("case", FIXED, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_fixed_seed_with_actions(case):
    case = dict(case)
    seed, mode = case.pop("seed"), case.pop("weight_mode", "equal")
    adjusted = make_prices(6, 60, seed, gap_prob=0.05, delist_prob=0.2, null_open_prob=0.05)
    prices, actions = make_actions(adjusted, seed, split_prob=0.04, dividend_prob=0.08)
    targets = make_targets(adjusted, seed, top_n=4, schedule_prob=0.5, weight_mode=mode,
                           max_gross=case.get("max_leverage", 1.0))  # fmt: skip
    ref = check_with_actions(prices, targets, actions, **case)
    rules = {e["rule"] for e in ref["events"]}
    assert rules == {"split", "dividend"}, f"the fixed case must move holdings by both rules, got {rules}"
    if case.get("allow_short"):
        assert any(r["dividends"] < 0 for r in ref["equity"]) or any(r["dividends"] > 0 for r in ref["equity"])


def test_a_split_restates_the_pending_order_in_lots_and_a_holding_keeps_its_odd_lot():
    """lot_size 10: 100,010 shares held (a lot multiple) become 150,015 at a 3-for-2 split (no
    fraction: nothing to cash, the odd 5 shares stay); the pending target 50,000 becomes 75,000
    (toward zero to a lot) and its order what reaches it, a sale of 75,015 (found by hypothesis,
    explore mode: the engine had restated the target without its lot)."""
    days = [dt.date(2021, 3, d) for d in (1, 2, 3, 4)]
    price = [10.0, 10.0, 10.0 / 1.5, 10.0 / 1.5]
    prices = pl.DataFrame([(d, "A", p, p, p, p, 1e6) for d, p in zip(days, price, strict=True)],
                          schema=["date", "asset", "open", "high", "low", "close", "volume"], orient="row")  # fmt: skip
    targets = pl.DataFrame({"date": days[:2], "asset": ["A", "A"], "weight": [1.0, 0.5]})
    actions = pl.DataFrame({"date": [days[2]], "asset": ["A"], "split": [1.5], "dividend": [0.0]})
    execution = dict(initial_cash=1_000_100.0, fractional=False, lot_size=10, delist_after=0)
    check_with_actions(prices, targets, actions, **execution)
    run = run_engine(prices, targets, data={"actions": actions}, **execution)
    order = run.orders.filter(pl.col("decision_date") == days[1])
    assert order.select("target_shares", "order_shares", "filled_shares").row(0) == (75_000.0, -75_015.0, -75_015.0)
    assert run.positions.filter(pl.col("date") == days[2])["shares"].item() == 75_000.0


@st.composite
def action_cases(draw):
    prices, targets, execution, rates, _ = draw(cases())
    seed = draw(st.integers(0, 2**31 - 1))
    raw, actions = make_actions(prices, seed, split_prob=draw(st.sampled_from([0.0, 0.05, 0.2])),
                                dividend_prob=draw(st.sampled_from([0.05, 0.2])),
                                off_bar_dividends=draw(st.booleans()))  # fmt: skip
    return raw, targets, actions, execution, rates


@SETTINGS
@given(action_cases())
def test_engine_matches_reference_with_actions(case):
    prices, targets, actions, execution, rates = case
    if actions.height == 0:
        return  # an empty actions relation is refused (test_bad_input); nothing to compare here
    check_with_actions(prices, targets, actions, rates=rates, **execution)


# --- SPEC 12's invariants ------------------------------------------------------------------------


def assert_same_nav(a: ml4t_sql.Run, b: ml4t_sql.Run) -> None:
    """Two runs' NAV paths equal to 1e-9 relative (an absolute floor of 1e-9 of the largest NAV)."""
    x, y = a.equity["nav"].to_list(), b.equity["nav"].to_list()
    floor = REL * max(abs(v) for v in x + y)
    bad = [(i, p, q) for i, (p, q) in enumerate(zip(x, y, strict=True)) if abs(p - q) > max(REL * abs(q), floor)]
    assert not bad, f"NAV paths differ on {len(bad)} dates, e.g. {bad[:3]}"


@st.composite
def invariant_cases(draw, *, reinvest: bool):
    seed = draw(st.integers(0, 2**31 - 1))
    if reinvest:  # every holding re-sized at every open: no asset without a bar or an open while held
        adjusted = make_prices(draw(st.integers(1, 5)), draw(st.integers(3, 40)), seed, ragged=False)
    else:
        adjusted = make_prices(draw(st.integers(1, 5)), draw(st.integers(3, 40)), seed,
                               gap_prob=draw(st.sampled_from([0.0, 0.1])),
                               delist_prob=draw(st.sampled_from([0.0, 0.3])),
                               null_open_prob=draw(st.sampled_from([0.0, 0.1])))  # fmt: skip
    raw, actions = make_actions(adjusted, seed, split_prob=draw(st.sampled_from([0.05, 0.2])),
                                dividend_prob=0.2 if reinvest else 0.0, off_bar_dividends=False,
                                need_open=reinvest)  # fmt: skip
    lever = draw(st.sampled_from([None, 1.0, 2.0]))
    targets = make_targets(adjusted, seed, top_n=draw(st.integers(1, 3)), schedule_prob=1.0,
                           weight_mode="signed" if lever else "random", max_gross=lever or 1.0)  # fmt: skip
    execution: dict = dict(delist_after=draw(st.sampled_from([0, 2])),
                           cash_rate=draw(st.sampled_from([0.0, 0.04])), margin_rate=0.08)  # fmt: skip
    if lever:
        execution.update(allow_short=True, max_leverage=lever, short_fee=draw(st.sampled_from([0.0, 0.05])))
    if reinvest:
        execution.update(sizing="fill_price")
    else:  # buy and hold: the first date's targets only
        targets = targets.filter(pl.col("date") == targets["date"].min())
        execution.update(commission_bps=draw(st.sampled_from([0.0, 10.0])), slippage_bps=5.0)
    return adjusted, raw, actions, targets, execution


@SETTINGS
@given(invariant_cases(reinvest=False))
def test_splits_only_buy_and_hold_on_raw_prices_equals_the_split_adjusted_run(case):
    """`adjusted` is the split-adjusted series up to one constant per asset (make_actions), which
    fractional buy-and-hold NAV does not see."""
    adjusted, raw, actions, targets, execution = case
    if actions.height == 0 or targets.height == 0:
        return
    assert_same_nav(run_engine(raw, targets, data={"actions": actions}, **execution),
                    run_engine(adjusted, targets, **execution))  # fmt: skip


def reinvested(raw: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """`raw` adjusted with each dividend reinvested at its ex-date open: every price dated before an
    ex-date e times open_e / (split_e x open_e + dividend_e) (SPEC 12)."""
    act = actions_from_frame(actions)
    out = []
    for (_,), bars in raw.sort("date").group_by("asset", maintain_order=True):
        rows = list(bars.iter_rows(named=True))
        factor = 1.0
        for row in reversed(rows):
            prices = {c: None if row[c] is None else row[c] * factor for c in ("open", "high", "low", "close")}
            out.append({**row, **prices})
            split, dividend = act.get((row["date"], row["asset"]), (1.0, 0.0))
            factor *= row["open"] / (split * row["open"] + dividend) if (split, dividend) != (1.0, 0.0) else 1.0
    return pl.DataFrame(out, schema=raw.schema).sort("date", "asset")


@SETTINGS
@given(invariant_cases(reinvest=True))
def test_daily_fill_price_run_on_raw_prices_equals_the_dividend_reinvested_run(case):
    """The invariant needs every holding re-sized to its target at every open (SPEC 12): an order
    cancelled or scaled would leave a dividend in cash in one run and in the shares in the other."""
    _, raw, actions, targets, execution = case
    if actions.height == 0 or targets.height == 0:
        return
    on_raw = run_engine(raw, targets, data={"actions": actions}, **execution)
    assume(set(on_raw.orders["status"]) <= {"filled", "pending"})
    assert_same_nav(on_raw, run_engine(reinvested(raw, actions), targets, **execution))


def test_the_invariants_can_fail():
    """Buy and hold of a dividend payer against its reinvested series: dividends sit in cash, so
    the NAV paths part (SPEC 12: a buy-and-hold cannot equal a total-return series)."""
    adjusted = make_prices(2, 30, 5, ragged=False)
    raw, actions = make_actions(adjusted, 5, split_prob=0.0, dividend_prob=0.3, off_bar_dividends=False,
                                need_open=True)  # fmt: skip
    targets = make_targets(adjusted, 5, top_n=2)
    targets = targets.filter(pl.col("date") == targets["date"].min())
    with pytest.raises(AssertionError, match="NAV paths differ"):
        assert_same_nav(run_engine(raw, targets, data={"actions": actions}),
                        run_engine(reinvested(raw, actions), targets))  # fmt: skip


# --- SPEC 7's invariants with actions ------------------------------------------------------------


def test_nav_identity_truncation_and_determinism_hold_with_actions():
    adjusted = make_prices(6, 80, 41, gap_prob=0.05, delist_prob=0.2, null_open_prob=0.05)
    raw, actions = make_actions(adjusted, 41, split_prob=0.05, dividend_prob=0.1)
    targets = make_targets(adjusted, 41, top_n=4, schedule_prob=0.5, weight_mode="signed", max_gross=1.5)
    execution = dict(allow_short=True, max_leverage=1.5, fractional=False, short_fee=0.02, cash_rate=0.03)
    whole = run_engine(raw, targets, data={"actions": actions}, **execution)
    again = run_engine(raw, targets, data={"actions": actions}, **execution)
    chunked = run_engine(raw, targets, data={"actions": actions}, memory_budget_mb=0.01, **execution)
    assert set(whole.tables["events"]["rule"]) == {"split", "dividend"}
    for name in whole.tables:
        a = whole.tables[name].drop("run_id", "elapsed_s", "created_at", strict=False)
        if name in ("runs", "lineage"):
            continue
        assert a.equals(again.tables[name].drop("run_id", strict=False)), f"{name} is not deterministic"
        assert a.equals(chunked.tables[name].drop("run_id", strict=False)), f"{name} differs when folded in chunks"
    eq, pos = whole.equity, whole.positions
    mv = pos.group_by("date").agg(pl.col("market_value").sum()).join(eq.select("date", "cash", "nav"), on="date")
    for _, value, cash, nav in mv.iter_rows():
        assert math.isclose(nav, cash + value, rel_tol=1e-9)
    closes = pos.join(raw.select("date", "asset", pl.col("close").alias("raw")), on=["date", "asset"])
    assert (closes["close"] == closes["raw"]).all()  # positions are valued at raw closes
