"""Shorts and leverage in the fold (SPEC 9, 14.7): short sales, covers, flips, the buys' cash
floor (1 - max_leverage) x nav_decision, delisted shorts, rounding toward zero (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml4t_sql.choices import CashShortfall, OrderStatus, Rounding, Side, TradeReason, code
from ml4t_sql.engine import run_fold
from ml4t_sql.engine.decide import decide
from ml4t_sql.engine.delist import delist
from ml4t_sql.engine.fill import fill

from .cases import decision, ledger_of, one_date, panel, rules, targets

NAN = float("nan")
FILLED, SCALED, SKIPPED = code(OrderStatus.FILLED), code(OrderStatus.SCALED), code(OrderStatus.SKIPPED)
BUY, SELL = code(Side.BUY), code(Side.SELL)
PRICES = [[10.0, 15.0], [10.0, 15.0]]


def run_orders(orders: dict[tuple[int, int], float], cash: float, *, shares=None, nav: float = 1_000.0,
               prices=PRICES, **values):  # fmt: skip
    p = panel(prices, prices)
    ctx, book, day = one_date(p, rules(1, **values), 1, cash=[cash], shares=shares)
    book.pending = decision(2, 1, orders, nav=nav)
    fill(ctx, book, day)
    return book, ledger_of(day)


def test_a_short_sale_credits_cash_with_its_proceeds_less_costs():
    # sell 5 of asset 0 short at open 10, slippage 1%, commission 0.1%: price 9.9, notional 49.5,
    # commission 0.0495, slippage cost 0.5; cash 100 + 49.5 - 0.0495 = 149.4505; shares -5.
    book, lg = run_orders({(0, 0): -5}, 100.0, commission_rate=0.001, slippage_rate=0.01)
    assert book.cash[0] == pytest.approx(149.4505, abs=1e-12) and book.shares.tolist() == [-5.0, 0.0]
    t = lg.trades
    assert t.side.tolist() == [SELL] and t.shares.tolist() == [5.0] and t.price.tolist() == pytest.approx([9.9])
    assert t.commission.tolist() == pytest.approx([0.0495]) and t.slippage_cost.tolist() == pytest.approx([0.5])
    assert lg.orders.status.tolist() == [FILLED] and lg.orders.filled_shares.tolist() == [-5.0]


def test_a_cover_is_a_buy():
    # short 5 of asset 0, cash 150; cover 5 at open 8, slippage 1%: price 8.08, notional 40.4,
    # commission 0.1% 0.0404; cash 150 - 40.4404 = 109.5596; flat.
    prices = [[8.0, 15.0], [8.0, 15.0]]
    book, lg = run_orders({(0, 0): 5}, 150.0, shares={(0, 0): -5}, prices=prices, commission_rate=0.001,
                          slippage_rate=0.01)  # fmt: skip
    assert book.cash[0] == pytest.approx(109.5596, abs=1e-12) and book.shares.tolist() == [0.0, 0.0]
    assert lg.trades.side.tolist() == [BUY] and lg.trades.notional.tolist() == pytest.approx([40.4])


def test_short_sales_pay_for_the_buys_without_leverage():
    # cash 0: short 15 of asset 0 at 10 (+150), then buy 10 of asset 1 at 15 (-150): sells first, cash 0.
    book, lg = run_orders({(0, 0): -15, (0, 1): 10}, 0.0)
    assert book.cash.tolist() == [0.0] and book.shares.tolist() == [-15.0, 10.0]
    assert lg.orders.status.tolist() == [FILLED, FILLED]


def test_the_floor_binds_with_leverage():
    # max_leverage 2, nav_decision 1,000: floor -1,000, room 1,000 - (-1,000) = 2,000. Buy 100 of
    # asset 0 (1,000) and 100 of asset 1 (1,500): need 2,500 > 2,000: factor 0.8 -> 80 and 80
    # shares, cash exactly -1,000.
    book, lg = run_orders({(0, 0): 100, (0, 1): 100}, 1_000.0, max_leverage=2.0)
    assert book.shares.tolist() == pytest.approx([80.0, 80.0], rel=1e-15) and book.cash.tolist() == [-1_000.0]
    assert lg.orders.status.tolist() == [SCALED, SCALED]


def test_the_floor_with_commission_and_whole_shares():
    # commission 1%: need 2,500 x 1.01 = 2,525 > 2,000: factor 2,000 / 2,525 -> 79.2079 shares each;
    # whole shares: 79 and 79, cash 1,000 - 79 x 25 x 1.01 = -994.75 (above the floor).
    book, lg = run_orders({(0, 0): 100, (0, 1): 100}, 1_000.0, max_leverage=2.0, commission_rate=0.01,
                          fractional=False)  # fmt: skip
    assert book.shares.tolist() == [79.0, 79.0] and book.cash[0] == pytest.approx(-994.75, abs=1e-9)
    assert lg.orders.status.tolist() == [SCALED, SCALED]


def test_leverage_within_the_floor_fills_in_full():
    # max_leverage 1.5, nav 1,000: floor -500; buying 1,500 with cash 1,000 ends at -500: filled.
    book, lg = run_orders({(0, 0): 150}, 1_000.0, max_leverage=1.5)
    assert book.cash.tolist() == [-500.0] and lg.orders.status.tolist() == [FILLED]


def test_a_book_already_below_its_floor_fills_no_buy_and_keeps_its_cash():
    # floor -1,000 (nav_decision 1,000, max_leverage 2); cash -1,200 after the sells: no room.
    book, lg = run_orders({(0, 0): 10}, -1_200.0, max_leverage=2.0)
    assert book.cash.tolist() == [-1_200.0] and book.shares.tolist() == [0.0, 0.0]
    assert lg.orders.status.tolist() == [SCALED] and len(lg.trades) == 0


def test_sequential_fills_in_turn_down_to_the_floor():
    # max_leverage 2: room 2,000. Smallest value first (weights 0.1 and 0.2 of nav 1,000): asset 0's
    # 1,000 fills, asset 1 gets the 1,000 left: 66.67 of its 100 shares; cash -1,000.
    p = panel(PRICES, PRICES)
    ctx, book, day = one_date(p, rules(1, max_leverage=2.0, cash_shortfall=[code(CashShortfall.SEQUENTIAL)]), 1,
                              cash=[1_000.0])  # fmt: skip
    d = decision(2, 1, {(0, 0): 100, (0, 1): 100})
    d.weight = np.array([0.1, 0.2])
    book.pending = d
    fill(ctx, book, day)
    assert book.shares.tolist() == pytest.approx([100.0, 1_000.0 / 15.0], rel=1e-14)
    assert book.cash[0] == pytest.approx(-1_000.0, abs=1e-9)


def test_borrow_has_no_floor():
    book, lg = run_orders({(0, 0): 100, (0, 1): 100}, 1_000.0, max_leverage=2.0,
                          cash_shortfall=[code(CashShortfall.BORROW)])  # fmt: skip
    assert book.cash.tolist() == [-1_500.0] and lg.orders.status.tolist() == [FILLED, FILLED]


def test_a_delisted_short_is_bought_back_at_its_last_close_without_costs():
    # short 10 of asset 0 (last close 4, delisting on date 1): cash 150 - 40 = 110; a buy.
    p = panel([[4, 7], [NAN, 7]], [[4, 7], [4, 7]], delist={1: [0]})
    ctx, book, day = one_date(p, rules(1, commission_rate=0.01, slippage_rate=0.01), 1, cash=[150.0],
                              shares={(0, 0): -10})  # fmt: skip
    delist(ctx, book, day)
    assert book.cash.tolist() == [110.0] and book.shares.tolist() == [0.0, 0.0]
    t = ledger_of(day).trades
    assert t.side.tolist() == [BUY] and t.shares.tolist() == [10.0] and t.notional.tolist() == [40.0]
    assert t.reason.tolist() == [code(TradeReason.DELISTED)] and t.commission.tolist() == [0.0]
    assert day.traded.tolist() == [40.0] and day.costs.tolist() == [0.0]


def test_a_flip_from_long_to_short_is_one_sell_and_the_equity_splits_long_and_short():
    # date 0: weight 1 on asset 0 at close 10, nav 1,000 -> 100 shares, filled at the open of date 1
    # (10). Date 1: weight -0.5 at close 10 -> target -50, order -150, filled at date 2's open 10:
    # cash 1,500, shares -50. Close 12 on date 2: nav 1,500 - 600 = 900.
    opens = [[10.0], [10.0], [10.0]]
    closes = [[10.0], [10.0], [12.0]]
    lg = run_fold(panel(opens, closes), targets(3, 1, [(0, 0, 0, 1.0), (1, 0, 0, -0.5)]), rules(1))
    t = lg.trades
    assert t.side.tolist() == [BUY, SELL] and t.shares.tolist() == [100.0, 150.0]
    assert lg.orders.order_shares.tolist() == [100.0, -150.0]
    e = lg.equity
    assert e.cash.tolist() == [1_000.0, 0.0, 1_500.0] and e.nav.tolist() == [1_000.0, 1_000.0, 900.0]
    assert e.gross_exposure[2] == pytest.approx(600 / 900) and e.net_exposure[2] == pytest.approx(-600 / 900)
    assert e.long_exposure.tolist() == [0.0, 1.0, 0.0]
    assert e.short_exposure[:2].tolist() == [0.0, 0.0] and e.short_exposure[2] == pytest.approx(600 / 900)
    assert e.turnover.tolist() == [0.0, 1.0, 1.5]
    assert lg.positions.shares.tolist() == [100.0, -50.0] and lg.positions.weight[1] == pytest.approx(-600 / 900)


def test_long_and_short_exposures_of_a_mixed_book():
    # date 0: +0.6 on asset 0 (close 10) and -0.4 on asset 1 (close 20), nav 1,000: 60 and -20 shares.
    # Date 1 closes 11 and 18: values 660 and -360, cash 1,000 - 600 + 400 = 800, nav 1,100.
    opens = [[10.0, 20.0], [10.0, 20.0]]
    closes = [[10.0, 20.0], [11.0, 18.0]]
    lg = run_fold(panel(opens, closes), targets(2, 1, [(0, 0, 0, 0.6), (0, 0, 1, -0.4)]), rules(1))
    e = lg.equity
    assert e.nav[1] == 1_100.0 and e.cash[1] == 800.0
    assert e.long_exposure[1] == pytest.approx(660 / 1100) and e.short_exposure[1] == pytest.approx(360 / 1100)
    assert e.gross_exposure[1] == pytest.approx(1020 / 1100) and e.net_exposure[1] == pytest.approx(300 / 1100)


@pytest.mark.parametrize(
    ("rounding", "weight", "held", "expected_target"),
    [(Rounding.TARGET, -0.37, 0.0, -3.0),  # target -3.7 -> -3
     (Rounding.ORDER, -0.37, 0.4, -3.6),  # order -4.1 -> -4
     (Rounding.ORDER, -0.37, -1.2, -3.2),  # order -2.5 -> -2
     (Rounding.ORDER_SNAP, -0.399995, 0.0, -4.0)],  # order -3.99995 snaps to -4
)  # fmt: skip
def test_whole_shares_round_negative_targets_and_orders_toward_zero(rounding, weight, held, expected_target):
    # nav 100 (as given), close 10: target weight x 10 shares before rounding.
    p = panel([[10.0], [10.0]], [[10.0], [10.0]])
    tg = targets(2, 1, [(0, 0, 0, weight)])
    ctx, book, day = one_date(p, rules(1, fractional=False, rounding=[code(rounding)]), 0, shares={(0, 0): held},
                              tg=tg)  # fmt: skip
    day.nav = np.array([100.0])
    decide(ctx, book, day)
    d = book.pending
    assert d is not None
    assert d.target.tolist() == pytest.approx([expected_target], abs=1e-12)


def test_dust_and_min_trade_value_use_the_absolute_order():
    # nav 1,000; a short order of -4 shares at 10 (notional 40) is below min_trade_value 50: skipped;
    # a short order of -6 (60) is not.
    p = panel([[10.0, 10.0], [10.0, 10.0]], [[10.0, 10.0], [10.0, 10.0]])
    tg = targets(2, 1, [(0, 0, 0, -0.04), (0, 0, 1, -0.06)])
    ctx, book, day = one_date(p, rules(1, min_trade_value=50.0), 0, tg=tg)
    day.nav = np.array([1_000.0])
    decide(ctx, book, day)
    d = book.pending
    assert d is not None
    assert d.order.tolist() == pytest.approx([-4.0, -6.0]) and d.skipped.tolist() == [True, False]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunks_of_a_levered_long_short_fold_equal_the_whole(seed):
    # random_case's weights, half of them negated, gross up to 1.3 x 2; max_leverage 3 for some variants
    import dataclasses

    from ml4t_sql.engine import FoldState

    from .cases import random_case

    p, tg, r = random_case(seed)
    flip = np.random.default_rng(seed).random(tg.weight.size) < 0.5
    tg = dataclasses.replace(tg, weight=np.where(flip, -2.0 * tg.weight, 2.0 * tg.weight))
    r = dataclasses.replace(r, max_leverage=np.array([1.0, 3.0, 2.6, 3.0])[: r.n_variants])
    whole = run_fold(p, tg, r)
    assert (whole.equity.short_exposure > 0).any()
    state = FoldState.start(r, p.n_assets, p.n_dates)
    parts = []
    for lo, hi in ((0, 9), (9, 17), (17, p.n_dates)):
        lg = run_fold(p.chunk(lo, hi), tg.chunk(lo, hi), r, state=state)
        parts.append(lg)
        state = lg.state
    for name in ("equity", "trades", "orders", "positions"):
        joined = type(getattr(whole, name)).concat([getattr(x, name) for x in parts])
        for field, values in joined.columns().items():
            assert np.array_equal(values, getattr(getattr(whole, name), field), equal_nan=True), (name, field)


def test_a_chunk_without_short_targets_still_runs_the_short_rules():
    # chunk 1 (dates 0-1) shorts asset 0 (-1.0 at close 10: -100 shares, cash 2,000 after the fill);
    # chunk 2 has no targets, and asset 0 delists on date 3 at its last close 25: the buy-back
    # takes 2,500, cash -500, kept (no clamp to 0), and NAV -500.
    opens = [[10.0, 1.0], [10.0, 1.0], [NAN, 1.0], [NAN, 1.0]]
    closes = [[10.0, 1.0], [25.0, 1.0], [25.0, 1.0], [25.0, 1.0]]
    from ml4t_sql.engine import FoldState

    p = panel(opens, closes, delist={3: [0]})
    tg = targets(4, 1, [(0, 0, 0, -1.0)])
    r = rules(1)
    first = run_fold(p.chunk(0, 2), tg.chunk(0, 2), r, state=FoldState.start(r, 2, 4))
    second = run_fold(p.chunk(2, 4), tg.chunk(2, 4), r, state=first.state)
    assert second.equity.cash.tolist() == [2_000.0, -500.0] and second.equity.nav.tolist() == [-500.0, -500.0]
    assert second.trades.side.tolist() == [BUY] and second.trades.reason.tolist() == [code(TradeReason.DELISTED)]


def test_each_variant_has_its_own_floor():
    # the same buys (100 of asset 0 at 10, 100 of asset 1 at 15: 2,500) with cash 1,000, nav 1,000:
    # v0 max_leverage 1 -> factor 0.4, cash 0; v1 max_leverage 2 -> factor 0.8, cash -1,000;
    # v2 max_leverage 3 -> room 3,000 >= 2,500: filled, cash -1,500.
    p = panel(PRICES, PRICES)
    ctx, book, day = one_date(p, rules(3, max_leverage=[1.0, 2.0, 3.0]), 1, cash=[1_000.0] * 3)
    book.pending = decision(2, 3, {(v, a): 100 for v in range(3) for a in range(2)})
    fill(ctx, book, day)
    assert book.cash.tolist() == [0.0, -1_000.0, -1_500.0]
    assert book.shares.tolist() == pytest.approx([40.0, 40.0, 80.0, 80.0, 100.0, 100.0], rel=1e-15)
    assert ledger_of(day).orders.status.tolist() == [SCALED, SCALED, SCALED, SCALED, FILLED, FILLED]


def test_a_decision_at_nav_below_zero_closes_out_and_drops_zero_orders():
    # nav -500 (as given), short 100 of asset 0 at close 25, weight -1 on asset 0 and 0.5 on asset 1
    # (not held): targets sized with max(nav, 0) = 0 -> cover 100 of asset 0; asset 1's order is 0: dust.
    p = panel([[25.0, 10.0], [25.0, 10.0]], [[25.0, 10.0], [25.0, 10.0]])
    tg = targets(2, 1, [(0, 0, 0, -1.0), (0, 0, 1, 0.5)])
    ctx, book, day = one_date(p, rules(1), 0, cash=[2_000.0], shares={(0, 0): -100}, tg=tg)
    day.nav = np.array([-500.0])
    decide(ctx, book, day)
    d = book.pending
    assert d is not None
    assert d.asset.tolist() == [0] and d.target.tolist() == [0.0] and d.order.tolist() == [100.0]
