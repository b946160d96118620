"""Step fill: cancel, sells first, then buys, on the bar after the decision (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml4t_sql.choices import OrderStatus, Side, TradeReason, code
from ml4t_sql.engine.fill import fill

from .cases import decision, ledger_of, one_date, panel, rules

NAN = float("nan")
FILLED, CANCELLED, SKIPPED = code(OrderStatus.FILLED), code(OrderStatus.CANCELLED), code(OrderStatus.SKIPPED)


def test_sells_then_buys_with_costs():
    # cash 100, holds 10 of asset 0. Decided on date 0: sell 5 of asset 0, buy 4 of asset 1.
    # Open on date 1: 10 and 20; slippage 1%, commission 0.1%.
    # sell: price 10 * 0.99 = 9.9, notional 49.5, commission 0.0495, slippage cost 5 * 10 * 0.01 = 0.5
    #   cash 100 + 49.5 - 0.0495 = 149.4505
    # buy: price 20 * 1.01 = 20.2, notional 80.8, commission 0.0808, slippage cost 4 * 20 * 0.01 = 0.8
    #   need 80.8 * 1.001 = 80.8808 <= cash: filled; cash 149.4505 - 80.8808 = 68.5697
    p = panel([[10, 20], [10, 20]], [[10, 20], [10, 20]])
    ctx, book, day = one_date(p, rules(1, commission_rate=0.001, slippage_rate=0.01), 1, cash=[100.0],
                              shares={(0, 0): 10})  # fmt: skip
    book.pending = decision(2, 1, {(0, 0): -5, (0, 1): 4})
    fill(ctx, book, day)
    assert book.pending is None
    assert book.cash[0] == pytest.approx(68.5697, abs=1e-12)
    assert book.shares.tolist() == [5.0, 4.0]
    assert day.traded[0] == pytest.approx(49.5 + 80.8, abs=1e-12)
    assert day.costs[0] == pytest.approx(0.0495 + 0.5 + 0.0808 + 0.8, abs=1e-12)
    lg = ledger_of(day)
    t = lg.trades
    assert t.asset_idx.tolist() == [0, 1] and t.side.tolist() == [code(Side.SELL), code(Side.BUY)]
    assert t.shares.tolist() == [5.0, 4.0]
    assert t.price.tolist() == pytest.approx([9.9, 20.2], abs=1e-12)
    assert t.commission.tolist() == pytest.approx([0.0495, 0.0808], abs=1e-12)
    assert t.slippage_cost.tolist() == pytest.approx([0.5, 0.8], abs=1e-12)
    assert t.reason.tolist() == [code(TradeReason.REBALANCE)] * 2 and t.decision_date_idx.tolist() == [0, 0]
    o = lg.orders
    assert o.status.tolist() == [FILLED, FILLED] and o.filled_shares.tolist() == [-5.0, 4.0]
    assert o.decision_date_idx.tolist() == [0, 0] and o.fill_date_idx.tolist() == [1, 1]


def test_an_asset_that_cannot_trade_is_cancelled_and_a_skipped_order_stays_skipped():
    # asset 0 has no open on date 1: its sell is cancelled; asset 1's buy was skipped at the decision.
    p = panel([[10, 20], [NAN, 20]], [[10, 20], [10, 20]])
    ctx, book, day = one_date(p, rules(1), 1, cash=[100.0], shares={(0, 0): 10})
    book.pending = decision(2, 1, {(0, 0): -5, (0, 1): 1}, skipped=((0, 1),))
    fill(ctx, book, day)
    assert book.cash.tolist() == [100.0] and book.shares.tolist() == [10.0, 0.0]
    assert day.traded.tolist() == [0.0]
    lg = ledger_of(day)
    assert len(lg.trades) == 0
    assert lg.orders.status.tolist() == [CANCELLED, SKIPPED] and lg.orders.filled_shares.tolist() == [0.0, 0.0]


def test_no_decision_no_fill():
    p = panel([[10.0]], [[10.0]])
    ctx, book, day = one_date(p, rules(1), 0, cash=[5.0])
    fill(ctx, book, day)
    assert book.cash.tolist() == [5.0] and len(ledger_of(day).orders) == 0


def test_variants_fill_side_by_side():
    # v0 buys 2 of asset 0 at 10; v1 buys 1 of asset 0 and 1 of asset 1 at 10: sums per variant.
    p = panel([[10, 10], [10, 10]], [[10, 10], [10, 10]])
    ctx, book, day = one_date(p, rules(2), 1, cash=[100.0, 50.0])
    book.pending = decision(2, 2, {(0, 0): 2, (1, 0): 1, (1, 1): 1})
    fill(ctx, book, day)
    assert book.cash.tolist() == [80.0, 30.0]
    assert np.array_equal(book.shares, [2.0, 0.0, 1.0, 1.0])
    assert ledger_of(day).trades.variant.tolist() == [0, 1, 1]
