"""Step delist: held assets sold at their last close, before any fill (hand-computed)."""

from __future__ import annotations

import numpy as np

from ml4t_sql.choices import Side, TradeReason, code
from ml4t_sql.engine.delist import delist

from .cases import ledger_of, one_date, panel, rules

NAN = float("nan")


def test_every_variant_holding_the_asset_sells_it_at_its_last_close():
    # asset 0 delists on date 1 (no bar: open NaN, last close 4 from date 0); asset 1 trades.
    # v0 holds 10 of asset 0: +40 cash; v1 holds 5 of asset 0 (+20) and 3 of asset 1 (kept).
    p = panel([[4, 7], [NAN, 7]], [[4, 7], [4, 7.5]], delist={1: [0]})
    ctx, book, day = one_date(p, rules(2), 1, cash=[1.0, 2.0], shares={(0, 0): 10, (1, 0): 5, (1, 1): 3})
    delist(ctx, book, day)
    assert book.cash.tolist() == [41.0, 22.0]
    assert book.shares.tolist() == [0.0, 0.0, 0.0, 3.0]
    assert day.traded.tolist() == [40.0, 20.0] and day.costs.tolist() == [0.0, 0.0]
    t = ledger_of(day).trades
    assert t.variant.tolist() == [0, 1] and t.asset_idx.tolist() == [0, 0] and t.date_idx.tolist() == [1, 1]
    assert t.shares.tolist() == [10.0, 5.0] and t.price.tolist() == [4.0, 4.0] and t.notional.tolist() == [40.0, 20.0]
    assert t.side.tolist() == [code(Side.SELL)] * 2 and t.reason.tolist() == [code(TradeReason.DELISTED)] * 2
    assert t.commission.tolist() == [0.0, 0.0] and t.slippage_cost.tolist() == [0.0, 0.0]
    assert t.decision_date_idx.tolist() == [-1, -1]  # no decision: NULL in the table


def test_nothing_happens_when_nobody_holds_the_asset_or_nothing_delists():
    p = panel([[4, 7], [NAN, 7]], [[4, 7], [4, 7]], delist={1: [0]})
    for t, held in ((1, {(0, 1): 2.0}), (0, {(0, 0): 2.0})):
        ctx, book, day = one_date(p, rules(1), t, cash=[5.0], shares=held)
        before = book.shares.copy()
        delist(ctx, book, day)
        assert book.cash.tolist() == [5.0] and np.array_equal(book.shares, before)
        assert len(ledger_of(day).trades) == 0
