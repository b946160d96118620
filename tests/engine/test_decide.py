"""Step decide: sizing, whole-share rounding, dust, min_trade_value, pending (hand-computed)."""

from __future__ import annotations

import numpy as np

from ml4t_sql.choices import OrderStatus, Rounding, code
from ml4t_sql.engine.decide import decide

from .cases import ledger_of, one_date, panel, rules, targets

PENDING, SKIPPED = code(OrderStatus.PENDING), code(OrderStatus.SKIPPED)
CLOSES = [[10.0, 20.0, 8.0], [10.0, 20.0, 8.0]]


def decided(rows, *, nav=(1000.0,), shares=None, t=0, rebalance=None, **values):
    """decide() on date t of a 2-date window; rows: (date, variant, asset, weight)."""
    V = len(nav)
    p = panel(CLOSES, CLOSES)
    ctx, book, day = one_date(p, rules(V, **values), t, shares=shares, tg=targets(2, V, rows, rebalance))
    day.nav = np.array(nav)
    decide(ctx, book, day)
    assert not ctx.weight_buf.any(), "the weight scratch is left as found"
    return book, day


def test_targets_from_weights_at_the_close_and_held_untargeted_assets_go_to_zero():
    # nav 1000: asset 0 weight 0.5 at close 10 -> 50 shares; asset 1 held (5), untargeted: weight 0, sell 5.
    book, _ = decided([(0, 0, 0, 0.5)], shares={(0, 1): 5})
    d = book.pending
    assert d is not None and d.date == 0
    assert d.asset.tolist() == [0, 1] and d.weight.tolist() == [0.5, 0.0] and d.price.tolist() == [10.0, 20.0]
    assert d.target.tolist() == [50.0, 0.0] and d.order.tolist() == [50.0, -5.0]
    assert d.skipped.tolist() == [False, False] and d.nav.tolist() == [1000.0]


def test_dust_is_no_order_and_small_orders_are_skipped():
    # asset 0: holds 50 = target: order 0 is dust (dropped). asset 2: weight 0.004 -> 4 / 8 = 0.5 shares,
    # notional 4 < min_trade_value 5: skipped (reported, never filled).
    book, _ = decided([(0, 0, 0, 0.5), (0, 0, 2, 0.004)], shares={(0, 0): 50}, min_trade_value=5.0)
    d = book.pending
    assert d is not None
    assert d.asset.tolist() == [2] and d.order.tolist() == [0.5] and d.skipped.tolist() == [True]


def test_whole_shares_round_the_target_or_the_order():
    # holding 10 of asset 0 (close 10); weight 0.076 of 1000 -> 7.6 shares.
    # target: trunc(7.6) = 7, order -3; order: trunc(-2.4) = -2, target 8.
    for rounding, target, order in ((Rounding.TARGET, 7.0, -3.0), (Rounding.ORDER, 8.0, -2.0)):
        book, _ = decided([(0, 0, 0, 0.076)], shares={(0, 0): 10}, fractional=False,
                          rounding=np.array([code(rounding)]))  # fmt: skip
        d = book.pending
        assert d is not None and d.target.tolist() == [target] and d.order.tolist() == [order], rounding


def test_order_snap_rounds_an_order_within_1e_4_of_a_whole_number():
    # weight 0.1499995 of 1000 at 10 -> 14.99995 shares: order_snap buys 15, order buys 14.
    for rounding, expected in ((Rounding.ORDER_SNAP, 15.0), (Rounding.ORDER, 14.0)):
        book, _ = decided([(0, 0, 0, 0.1499995)], fractional=False, rounding=np.array([code(rounding)]))
        d = book.pending
        assert d is not None and d.order.tolist() == [expected], rounding


def test_only_the_variants_rebalancing_decide():
    # v1 does not rebalance on date 0: its holding is not a candidate.
    book, _ = decided([(0, 0, 0, 0.5)], nav=(1000.0, 500.0), shares={(1, 1): 5}, rebalance=[(0, 0)])
    d = book.pending
    assert d is not None and d.variant.tolist() == [0] and d.asset.tolist() == [0]


def test_on_the_last_window_date_the_orders_are_pending_and_nothing_waits():
    book, day = decided([(1, 0, 0, 0.5), (1, 0, 2, 0.004)], t=1, min_trade_value=5.0)
    assert book.pending is None
    o = ledger_of(day).orders
    assert o.status.tolist() == [PENDING, SKIPPED] and o.fill_date_idx.tolist() == [-1, -1]
    assert o.decision_date_idx.tolist() == [1, 1] and o.order_shares.tolist() == [50.0, 0.5]
    assert o.filled_shares.tolist() == [0.0, 0.0]


def test_no_rebalance_no_decision():
    book, _ = decided([(1, 0, 0, 0.5)], t=0)
    assert book.pending is None
