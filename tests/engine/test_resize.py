"""Step resize: sizing = "fill_price" re-sizes the pending decision at the open (hand-computed)."""

from __future__ import annotations

import numpy as np

from ml4t_sql.engine.resize import resize

from .cases import decision, one_date, panel, rules

NAN = float("nan")


def test_targets_are_resized_with_the_nav_and_prices_of_the_open():
    # decided at close 10 (asset 0) and 20 (asset 1): held 10 of asset 1. Open: asset 0 at 8,
    # asset 1 cannot trade (NaN): valued at its decision close 20.
    # nav_open = cash 800 + 10 * 20 = 1000; asset 0: 0.4 * 1000 / 8 = 50 shares (decided: 40).
    p = panel([[10, 20], [8, NAN]], [[10, 20], [10, 20]])
    ctx, book, day = one_date(p, rules(1, fill_price_sizing=True), 1, cash=[800.0], shares={(0, 1): 10})
    d = decision(2, 1, {(0, 0): 40.0, (0, 1): -10.0}, price=10.0, weight=0.4, nav=1000.0)
    d.price = np.array([10.0, 20.0])
    d.weight = np.array([0.4, 0.0])
    d.close_row = np.array([10.0, 20.0])
    book.pending = d
    resize(ctx, book, day)
    assert d.nav_open is not None and d.nav_open.tolist() == [1000.0]
    assert d.target.tolist() == [50.0, 0.0] and d.order.tolist() == [50.0, -10.0]


def test_decision_close_variants_are_left_as_decided():
    p = panel([[10.0], [8.0]], [[10.0], [10.0]])
    ctx, book, day = one_date(p, rules(2, fill_price_sizing=np.array([True, False])), 1, cash=[1000.0, 1000.0])
    d = decision(1, 2, {(1, 0): 40.0}, weight=0.4)
    d.close_row = np.array([10.0])
    book.pending = d
    resize(ctx, book, day)
    assert d.order.tolist() == [40.0] and d.nav_open is None
