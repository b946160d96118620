"""The cash rule of the buys (cash_shortfall): scale, sequential, borrow (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml4t_sql.choices import CashShortfall, OrderStatus, Rounding, code
from ml4t_sql.engine.fill import fill
from ml4t_sql.engine.shortfall import in_turn_fills

from .cases import decision, ledger_of, one_date, panel, rules

FILLED, SCALED = code(OrderStatus.FILLED), code(OrderStatus.SCALED)
PRICES = [[10.0, 10.0, 10.0], [10.0, 10.0, 10.0]]


def run_buys(orders: dict[tuple[int, int], float], cash: float, *, weight: float = 0.0, **values):
    p = panel(PRICES, PRICES)
    ctx, book, day = one_date(p, rules(1, **values), 1, cash=[cash])
    book.pending = decision(3, 1, orders, weight=weight)
    fill(ctx, book, day)
    return book, ledger_of(day)


def test_scale_cuts_every_buy_by_one_factor_and_ends_at_zero_cash():
    # buys 10 + 10 shares at 10: need 200 > cash 100: factor 0.5, 5 shares each, cash exactly 0.
    book, lg = run_buys({(0, 0): 10, (0, 1): 10}, 100.0)
    assert book.shares.tolist() == [5.0, 5.0, 0.0] and book.cash.tolist() == [0.0]
    assert lg.orders.status.tolist() == [SCALED, SCALED] and lg.orders.filled_shares.tolist() == [5.0, 5.0]


def test_scale_with_whole_shares_rounds_each_buy_toward_zero():
    # need 30 + 50 = 80 > 60: factor 0.75 -> 2.25 and 3.75 shares -> 2 and 3; cash 60 - 50 = 10.
    book, lg = run_buys({(0, 0): 3, (0, 1): 5}, 60.0, fractional=False)
    assert book.shares.tolist() == [2.0, 3.0, 0.0] and book.cash.tolist() == [10.0]
    assert lg.orders.status.tolist() == [SCALED, SCALED]


def test_enough_cash_fills_in_full():
    book, lg = run_buys({(0, 0): 3, (0, 1): 5}, 80.0)
    assert book.shares.tolist() == [3.0, 5.0, 0.0] and book.cash.tolist() == [0.0]
    assert lg.orders.status.tolist() == [FILLED, FILLED]


def test_sequential_fills_in_ascending_value_order_then_what_is_left():
    # weight 0.1 each at nav 1000: value = 100 - 0 for both (a tie: by asset). Cash 100:
    # asset 0 (30) fits, left 70; asset 1 wants 80: gets 70 / 10 = 7 shares, cash 0; asset 2 wants 10: 0.
    seq = np.array([code(CashShortfall.SEQUENTIAL)])
    book, lg = run_buys({(0, 0): 3, (0, 1): 8, (0, 2): 1}, 100.0, weight=0.1, cash_shortfall=seq)
    assert book.shares.tolist() == [3.0, 7.0, 0.0] and book.cash.tolist() == [0.0]
    assert lg.orders.status.tolist() == [FILLED, SCALED, SCALED]
    assert lg.orders.filled_shares.tolist() == [3.0, 7.0, 0.0]
    assert lg.trades.asset_idx.tolist() == [0, 1]  # a buy cut to 0 shares is no trade


def test_borrow_fills_every_buy_and_cash_goes_negative():
    borrow = np.array([code(CashShortfall.BORROW)])
    book, lg = run_buys({(0, 0): 10, (0, 1): 5}, 100.0, cash_shortfall=borrow)
    assert book.shares.tolist() == [10.0, 5.0, 0.0] and book.cash.tolist() == [-50.0]
    assert lg.orders.status.tolist() == [FILLED, FILLED]


def test_in_turn_whole_shares_try_later_buys_with_what_a_cut_left():
    # cash 25, whole shares. By value: asset 2 (value 4, cost 4) fits, left 21; asset 0 (value 30,
    # cost 30) is cut: 21 / 10 -> 2 shares, left 1; asset 1 (value 31, cost 1) then fits: left 0.
    q = np.array([3.0, 1.0, 1.0])
    px = np.array([10.0, 1.0, 4.0])
    value, asset, variant = np.array([30.0, 31.0, 4.0]), np.array([0, 1, 2]), np.zeros(3, dtype=np.int64)
    out = in_turn_fills(q, px, np.zeros(3), value, asset, variant, np.array([25.0]), np.array([False]))
    assert out.tolist() == [2.0, 1.0, 1.0]


def test_sequential_with_whole_shares_and_commission():
    # commission 10%: asset 0's 3 shares cost 33 <= 50, left 17; asset 1 wants 8 (88): 17 / 1.1 / 10 = 1.54 -> 1.
    seq = np.array([code(CashShortfall.SEQUENTIAL)])
    book, lg = run_buys({(0, 0): 3, (0, 1): 8}, 50.0, weight=0.1, cash_shortfall=seq, fractional=False,
                        commission_rate=0.1, rounding=np.array([code(Rounding.TARGET)]))  # fmt: skip
    assert book.shares.tolist() == [3.0, 1.0, 0.0]
    assert book.cash[0] == pytest.approx(50.0 - 33.0 - 11.0, abs=1e-12)
    assert lg.orders.status.tolist() == [FILLED, SCALED]
