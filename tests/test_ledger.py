"""Hand-computed ledgers: 2-3 assets over a few days, one test per rule of docs/SEMANTICS.md.

Every expected number is worked out by hand in the comments, not taken from the engine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

import ml4t_sql

DAYS = [dt.date(2021, 3, d) for d in (1, 2, 3, 4, 5, 8, 9)]  # Mon..Fri, Mon, Tue


def panel(bars: dict[str, list[tuple[float | None, float] | None]]) -> pl.DataFrame:
    """{asset: [(open, close) or None (no bar), one per day]} -> prices frame."""
    rows = []
    for asset, series in bars.items():
        for day, bar in zip(DAYS, series, strict=False):
            if bar is not None:
                o, c = bar
                hi, lo = max(c, o or c), min(c, o or c)
                rows.append({"date": day, "asset": asset, "open": o, "high": hi, "low": lo, "close": c, "volume": 1.0})
    return pl.DataFrame(rows, schema_overrides={"open": pl.Float64})


def backtest(bars: dict[str, Any], targets: list[tuple[int, str, float]], **execution: Any) -> ml4t_sql.Run:
    """Targets as (day index, asset, weight); each distinct day is a rebalance date."""
    frame = pl.DataFrame(
        [{"date": DAYS[i], "asset": a, "weight": w} for i, a, w in targets],
        schema={"date": pl.Date, "asset": pl.String, "weight": pl.Float64},
    )
    config = {
        "data": {"prices": panel(bars), "tables": {"my_targets": frame}, "quality": {"missing_open": "no_fill"}},
        "strategy": {"sql": "select date, asset, weight from my_targets"},
        "execution": {"delist_after": 0, **execution},
    }
    return ml4t_sql.run(config, write=False)


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in frame.select(columns).iter_rows()]


def col(frame: pl.DataFrame, name: str) -> list[Any]:
    return frame[name].to_list()


def test_decision_at_close_fills_at_next_open_and_nav_each_close():
    # cash 1000. d0: nav 1000; targets A 0.4 -> 400/10 = 40 sh, B 0.4 -> 400/20 = 20 sh.
    # d1 open: buy 40 A @ 11 = 440, 20 B @ 19 = 380; cash 1000 - 820 = 180.
    # d1 close: 40*12 + 20*18 = 840, nav 1020, return 0.02, turnover 820 / 1000.
    # d2 close: 40*12.5 + 20*20 = 900, nav 1080, return 1080/1020 - 1, turnover 0.
    run = backtest(
        {"A": [(10, 10), (11, 12), (12, 12.5)], "B": [(20, 20), (19, 18), (18, 20)]},
        [(0, "A", 0.4), (0, "B", 0.4)],
        initial_cash=1000.0,
    )
    assert col(run.equity, "cash") == pytest.approx([1000, 180, 180])
    assert col(run.equity, "nav") == pytest.approx([1000, 1020, 1080])
    assert col(run.equity, "return") == pytest.approx([0, 0.02, 1080 / 1020 - 1])
    assert col(run.equity, "turnover") == pytest.approx([0, 0.82, 0])
    assert col(run.equity, "gross_exposure") == pytest.approx([0, 840 / 1020, 900 / 1080])
    assert rows(run.trades, "date", "asset", "side", "shares", "price", "reason") == [
        (DAYS[1], "A", "buy", pytest.approx(40), 11.0, "rebalance"),
        (DAYS[1], "B", "buy", pytest.approx(20), 19.0, "rebalance"),
    ]
    assert rows(run.orders, "decision_date", "fill_date", "asset", "target_shares", "status") == [
        (DAYS[0], DAYS[1], "A", pytest.approx(40), "filled"),
        (DAYS[0], DAYS[1], "B", pytest.approx(20), "filled"),
    ]
    assert rows(run.positions, "date", "asset", "shares", "market_value") == [
        (DAYS[1], "A", pytest.approx(40), pytest.approx(480)),
        (DAYS[1], "B", pytest.approx(20), pytest.approx(360)),
        (DAYS[2], "A", pytest.approx(40), pytest.approx(500)),
        (DAYS[2], "B", pytest.approx(20), pytest.approx(400)),
    ]


def test_sells_fill_first_then_buys_scale_by_one_factor_to_exactly_zero_cash():
    # d0: A 1.0 -> 100 sh @ close 10. d1 open 10: buy 100 for 1000 = cash (no cut), cash 0.
    # d1: nav 1000; targets A 0.5 -> 50 sh (sell 50), B 0.5 -> 1000*0.5/20 = 25 sh (buy 25).
    # d2 open: sell 50 A @ 8 -> cash 400; buy 25 B @ 24 = 600 > 400 -> s = 2/3, 16.667 sh, cash 0.
    # d2 close: 50*8 + 16.667*24 = 800; turnover (400 + 400) / 1000.
    run = backtest(
        {"A": [(10, 10), (10, 10), (8, 8)], "B": [(20, 20), (20, 20), (24, 24)]},
        [(0, "A", 1.0), (1, "A", 0.5), (1, "B", 0.5)],
        initial_cash=1000.0,
    )
    assert col(run.equity, "cash") == [1000.0, 0.0, 0.0]  # exactly 0
    assert col(run.equity, "nav") == pytest.approx([1000, 1000, 800])
    assert col(run.equity, "turnover") == pytest.approx([0, 1.0, 0.8])
    d1 = run.orders.filter(pl.col("decision_date") == DAYS[1])
    assert rows(d1, "asset", "order_shares", "filled_shares", "status") == [
        ("A", pytest.approx(-50), pytest.approx(-50), "filled"),
        ("B", pytest.approx(25), pytest.approx(50 / 3), "scaled"),
    ]


def test_scaling_is_common_to_all_buys():
    # d0 nav 1000: A 0.5 -> 50 sh, B 0.5 -> 25 sh. d1 opens 11 and 22: cost 550 + 550 = 1100 > 1000.
    # s = 1000/1100: A 45.4545 sh, B 22.7273 sh; both cut by the same factor; cash exactly 0.
    run = backtest(
        {"A": [(10, 10), (11, 11)], "B": [(20, 20), (22, 22)]}, [(0, "A", 0.5), (0, "B", 0.5)], initial_cash=1000.0
    )
    s = 1000 / 1100
    assert col(run.trades, "shares") == pytest.approx([50 * s, 25 * s])
    assert col(run.orders, "status") == ["scaled", "scaled"]
    assert col(run.equity, "cash")[-1] == 0.0


def test_commission_and_slippage():
    # cash 10000, 10 bps commission, 20 bps slippage. d0: A 0.5 -> 50 sh @ 100.
    # d1 buy @ 100 * 1.002 = 100.2: notional 5010, commission 5.01, slippage cost 50*100*0.002 = 10.
    #   cash 10000 - 5010 - 5.01 = 4984.99; close 100: nav 9984.99; costs 15.01.
    # d1 target 0 (sell 50). d2 sell @ 110 * 0.998 = 109.78: notional 5489, commission 5.489,
    #   slippage cost 50*110*0.002 = 11; cash 4984.99 + 5489 - 5.489 = 10468.501.
    run = backtest(
        {"A": [(100, 100), (100, 100), (110, 110)]},
        [(0, "A", 0.5), (1, "A", 0.0)],
        initial_cash=10000.0,
        commission_bps=10.0,
        slippage_bps=20.0,
    )
    assert rows(run.trades, "side", "price", "notional", "commission", "slippage_cost") == [
        ("buy", pytest.approx(100.2), pytest.approx(5010), pytest.approx(5.01), pytest.approx(10)),
        ("sell", pytest.approx(109.78), pytest.approx(5489), pytest.approx(5.489), pytest.approx(11)),
    ]
    assert col(run.equity, "cash") == pytest.approx([10000, 4984.99, 10468.501])
    assert col(run.equity, "costs") == pytest.approx([0, 15.01, 16.489])
    assert col(run.equity, "nav") == pytest.approx([10000, 9984.99, 10468.501])


def test_min_trade_value_skips_small_orders():
    # d0: A 0.5 -> 50 sh @ 10. d1: nav 1000; A 0.51 -> 51 sh: order 1 sh = 10 < 50: skipped;
    # B 0.3 -> 300/20 = 15 sh = 300 >= 50: filled on d2.
    run = backtest(
        {"A": [(10, 10)] * 3, "B": [(20, 20)] * 3},
        [(0, "A", 0.5), (1, "A", 0.51), (1, "B", 0.3)],
        initial_cash=1000.0,
        min_trade_value=50.0,
    )
    d1 = run.orders.filter(pl.col("decision_date") == DAYS[1])
    assert rows(d1, "asset", "order_shares", "filled_shares", "status") == [
        ("A", pytest.approx(1), 0.0, "skipped"),
        ("B", pytest.approx(15), pytest.approx(15), "filled"),
    ]
    assert rows(run.trades, "date", "asset") == [(DAYS[1], "A"), (DAYS[2], "B")]


def test_no_bar_cancels_the_order_and_it_is_never_retried():
    # A has no bar on d1 and a NULL open on d3 (no_fill). d0 targets A, B 0.5 -> A cancelled on d1,
    # B filled; d1..d2 no decision: A is not retried on d2. d2 targets A 0.5 again -> d3 open NULL:
    # cancelled again; its close 10 still values nothing (no A shares).
    run = backtest(
        {"A": [(10, 10), None, (10, 10), (None, 10), (10, 10)], "B": [(20, 20)] * 5},
        [(0, "A", 0.5), (0, "B", 0.5), (2, "A", 0.5), (2, "B", 0.5)],
        initial_cash=1000.0,
    )
    assert rows(run.orders.filter(pl.col("asset") == "A"), "decision_date", "fill_date", "status", "filled_shares") == [
        (DAYS[0], DAYS[1], "cancelled", 0.0),
        (DAYS[2], DAYS[3], "cancelled", 0.0),
    ]
    assert run.trades.filter(pl.col("asset") == "A").height == 0
    assert set(col(run.trades, "date")) == {DAYS[1]}  # B's one fill; B's second order is dust (already at 0.5)


def test_delisting_sells_at_last_close_before_the_fills_of_that_day():
    # delist_after 2. d0: A 0.5 -> 50 sh @ 10; d1 fill @ 10, cash 500; A's last bar d1 (close 12).
    # d2: no A bar (gap 1). d2 decision: B 1.0: nav 500 + 50*12 = 1100 -> B 1100/20 = 55 sh; A order
    # -50. d3: gap 2 -> A delisted at 12: cash 500 + 600 = 1100 before fills; A's order cancelled;
    # B 55 @ 20 = 1100 <= 1100: filled in full (without the credit it would be cut to 500).
    run = backtest(
        {"A": [(10, 10), (10, 12), None, None, None], "B": [(20, 20)] * 5},
        [(0, "A", 0.5), (2, "B", 1.0)],
        initial_cash=1000.0,
        delist_after=2,
    )
    assert rows(run.trades, "date", "asset", "side", "shares", "price", "commission", "reason") == [
        (DAYS[1], "A", "buy", pytest.approx(50), 10.0, 0.0, "rebalance"),
        (DAYS[3], "A", "sell", pytest.approx(50), 12.0, 0.0, "delisted"),
        (DAYS[3], "B", "buy", pytest.approx(55), 20.0, 0.0, "rebalance"),
    ]
    d2 = run.orders.filter(pl.col("decision_date") == DAYS[2])
    assert rows(d2, "asset", "status") == [("A", "cancelled"), ("B", "filled")]
    assert col(run.equity, "nav") == pytest.approx([1000, 1100, 1100, 1100, 1100])
    assert col(run.equity, "turnover")[3] == pytest.approx((600 + 1100) / 1100)


def test_last_decision_is_pending():
    run = backtest({"A": [(10, 10), (10, 11)]}, [(0, "A", 0.5), (1, "A", 1.0)], initial_cash=1000.0)
    last = run.orders.filter(pl.col("decision_date") == DAYS[1])
    # d1: nav 500 + 50*11 = 1050 -> 1050/11 = 95.4545 sh, order 45.4545; no next bar.
    assert rows(last, "fill_date", "target_shares", "order_shares", "filled_shares", "status") == [
        (None, pytest.approx(1050 / 11), pytest.approx(1050 / 11 - 50), 0.0, "pending")
    ]
    assert run.trades.height == 1


def test_whole_shares_round_toward_zero_and_after_scaling():
    # d0 nav 1000: A 0.5 @ 30 -> 16.67 -> 16 sh; B 0.5 @ 7 -> 71.43 -> 71 sh.
    # d1 opens 31 and 7.5: 496 + 532.5 = 1028.5 > 1000 -> s = 0.97229: A 15.56 -> 15, B 69.03 -> 69.
    # cost 465 + 517.5 = 982.5, cash 17.5.
    run = backtest(
        {"A": [(30, 30), (31, 31)], "B": [(7, 7), (7.5, 7.5)]},
        [(0, "A", 0.5), (0, "B", 0.5)],
        initial_cash=1000.0,
        fractional=False,
    )
    assert col(run.orders, "target_shares") == [16.0, 71.0]
    assert col(run.trades, "shares") == [15.0, 69.0]
    assert col(run.equity, "cash") == pytest.approx([1000, 17.5])


def test_fill_price_sizing_sizes_at_the_next_open():
    # d0: A 0.5; d1 opens at 8. decision_close: 500/10 = 50 sh. fill_price: nav at the open 1000,
    # 500/8 = 62.5 sh.
    bars = {"A": [(10, 10), (8, 9)]}
    at_close = backtest(bars, [(0, "A", 0.5)], initial_cash=1000.0)
    at_open = backtest(bars, [(0, "A", 0.5)], initial_cash=1000.0, sizing="fill_price")
    assert col(at_close.trades, "shares") == pytest.approx([50])
    assert col(at_open.trades, "shares") == pytest.approx([62.5])
    assert col(at_open.orders, "target_shares") == pytest.approx([62.5])


# --- compatibility options (SEMANTICS.md, "Compatibility options") -----------------------------


def test_cash_shortfall_sequential_fills_the_smallest_buy_first_and_cuts_the_next():
    # d0 nav 1000: A 0.3 @ 10 -> 30 sh (value 300), B 0.7 @ 20 -> 35 sh (value 700).
    # d1 opens 12 and 22: A costs 360, B 770, 1130 > 1000.
    # sequential: A first (300 < 700): 360 -> cash 640; B: 770 > 640 -> 640 / 22 = 29.0909 sh, cash 0.
    # scale (default): s = 1000 / 1130 for both.
    bars = {"A": [(10, 10), (12, 12)], "B": [(20, 20), (22, 22)]}
    targets = [(0, "A", 0.3), (0, "B", 0.7)]
    run = backtest(bars, targets, initial_cash=1000.0, cash_shortfall="sequential")
    assert col(run.trades, "shares") == pytest.approx([30, 640 / 22])
    assert col(run.orders, "status") == ["filled", "scaled"]
    assert col(run.equity, "cash") == [1000.0, 0.0]
    default = backtest(bars, targets, initial_cash=1000.0)
    assert col(default.trades, "shares") == pytest.approx([30 * 1000 / 1130, 35 * 1000 / 1130])


def test_cash_shortfall_sequential_breaks_ties_by_asset():
    # d0 nav 1000: A 0.5 @ 10 -> 50 sh, B 0.5 @ 20 -> 25 sh: both add 500, a tie; A goes first.
    # d1 opens 11 and 22: A 550 -> cash 450; B 550 > 450 -> 450 / 22 sh. Listing B first changes nothing.
    bars = {"A": [(10, 10), (11, 11)], "B": [(20, 20), (22, 22)]}
    run = backtest(bars, [(0, "B", 0.5), (0, "A", 0.5)], initial_cash=1000.0, cash_shortfall="sequential")
    assert rows(run.trades, "asset", "shares") == [("A", pytest.approx(50)), ("B", pytest.approx(450 / 22))]
    assert col(run.equity, "cash")[-1] == 0.0


def test_cash_shortfall_sequential_whole_shares_and_commission():
    # commission 100 bps. d0 nav 1000: A 0.2 @ 10 -> 20 sh, B 0.3 @ 100 -> 3 sh, C 0.5 @ 5 -> 100 sh.
    # d1 opens A 30, B 150, C 5; in order of value A (200), B (300), C (500):
    #   A 20 x 30 = 600, +6 -> cash 394;
    #   B 3 x 150 = 450 x 1.01 > 394 -> floor(394 / 1.01 / 150) = 2 sh: 300 + 3 -> cash 91;
    #   C 100 x 5 = 500 x 1.01 > 91 -> floor(91 / 1.01 / 5) = floor(18.02) = 18 sh: 90 + 0.9 -> cash 0.1.
    run = backtest(
        {"A": [(10, 10), (30, 30)], "B": [(100, 100), (150, 150)], "C": [(5, 5), (5, 5)]},
        [(0, "A", 0.2), (0, "B", 0.3), (0, "C", 0.5)],
        initial_cash=1000.0,
        fractional=False,
        commission_bps=100.0,
        cash_shortfall="sequential",
    )
    assert rows(run.trades, "asset", "shares", "commission") == [
        ("A", 20.0, pytest.approx(6.0)),
        ("B", 2.0, pytest.approx(3.0)),
        ("C", 18.0, pytest.approx(0.9)),
    ]
    assert col(run.orders, "status") == ["filled", "scaled", "scaled"]
    assert col(run.equity, "cash")[-1] == pytest.approx(0.1)


def test_cash_shortfall_borrow_fills_every_buy_and_cash_goes_below_zero():
    # d0 nav 1000: A 0.5 @ 10 -> 50 sh, B 0.5 @ 20 -> 25 sh. d1 opens 11 and 22: 1100 > 1000, all
    # filled: cash -100; close 11 and 22: nav -100 + 550 + 550 = 1000, gross exposure 1.1.
    run = backtest(
        {"A": [(10, 10), (11, 11)], "B": [(20, 20), (22, 22)]},
        [(0, "A", 0.5), (0, "B", 0.5)],
        initial_cash=1000.0,
        cash_shortfall="borrow",
    )
    assert col(run.trades, "shares") == pytest.approx([50, 25])
    assert col(run.orders, "status") == ["filled", "filled"]
    assert col(run.equity, "cash") == pytest.approx([1000, -100])
    assert col(run.equity, "nav") == pytest.approx([1000, 1000])
    assert col(run.equity, "gross_exposure")[-1] == pytest.approx(1.1)


def test_rounding_order_rounds_the_order_not_the_target():
    # d0: A 1.0 @ 100 -> 10 sh, filled d1 @ 100. d1 nav 1000: A 0.76 -> 7.6 sh.
    #   rounding target (default): target 7, sell 3.  rounding order: trunc(7.6 - 10) = -2, sell 2, target 8.
    # d2 nav 1000 (close 100): A 0.93 -> 9.3 sh. target: 9 - 7 = buy 2; order: trunc(9.3 - 8) = buy 1, target 9.
    bars = {"A": [(100, 100)] * 4}
    targets = [(0, "A", 1.0), (1, "A", 0.76), (2, "A", 0.93)]
    by_target = backtest(bars, targets, initial_cash=1000.0, fractional=False)
    by_order = backtest(bars, targets, initial_cash=1000.0, fractional=False, rounding="order")
    assert col(by_target.trades, "shares") == [10.0, 3.0, 2.0]
    assert col(by_order.trades, "shares") == [10.0, 2.0, 1.0]
    assert rows(by_order.orders, "target_shares", "order_shares") == [(10.0, 10.0), (8.0, -2.0), (9.0, 1.0)]


def test_rounding_order_needs_whole_shares():
    with pytest.raises(ml4t_sql.ConfigError, match="rounding"):
        backtest({"A": [(10, 10)] * 2}, [(0, "A", 1.0)], rounding="order")


def test_rounding_order_snap_snaps_orders_within_1e4_of_a_whole_number():
    # d0 nav 1000: A 0.2999999 @ 10 -> 29.99999 sh: within 1e-4 of 30. order -> 29, order_snap -> 30.
    bars = {"A": [(10, 10)] * 2}
    by_order = backtest(bars, [(0, "A", 0.2999999)], initial_cash=1000.0, fractional=False, rounding="order")
    snapped = backtest(bars, [(0, "A", 0.2999999)], initial_cash=1000.0, fractional=False, rounding="order_snap")
    assert col(by_order.trades, "shares") == [29.0]
    assert col(snapped.trades, "shares") == [30.0]
    assert col(snapped.orders, "target_shares") == [30.0]
    # 29.99 is 0.01 from 30: not snapped
    far = backtest(bars, [(0, "A", 0.2999)], initial_cash=1000.0, fractional=False, rounding="order_snap")
    assert col(far.trades, "shares") == [29.0]
