"""Steps cap and fill with capacity and trading costs (SPEC 10), on hand-computed ledgers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ml4t_sql.choices import OrderStatus, code
from ml4t_sql.engine.cap import cap
from ml4t_sql.engine.fill import fill
from ml4t_sql.engine.fold import run_fold

from .cases import decision, ledger_of, one_date, panel, rules, targets

FILLED, SCALED, PARTIAL, IN_BAND = (code(s) for s in (OrderStatus.FILLED, OrderStatus.SCALED, OrderStatus.PARTIAL,
                                                      OrderStatus.IN_BAND))  # fmt: skip
PRICES = [[10.0, 10.0, 10.0], [10.0, 10.0, 10.0]]


def run(orders, cash, *, volume=(100.0, 100.0, 100.0), sigma=0.0, shares=None, **values):
    """Steps cap and fill of one decision at date 1 (opens 10), volumes of date 1 as given."""
    p = panel(PRICES, PRICES)
    vol = np.array([[np.nan] * 3, list(volume)], dtype=float)
    p = replace(p, volume=vol, sigma=np.full((1, 2, 3), sigma), sigma_windows=(20,))
    ctx, book, day = one_date(p, rules(1, **values), 1, cash=[cash], shares=shares)
    book.pending = decision(3, 1, orders)
    cap(ctx, book, day)
    fill(ctx, book, day)
    return book, ledger_of(day)


def test_an_order_fills_at_most_its_share_of_the_bar_volume_and_the_rest_is_cancelled():
    # cap 10% of 100 = 10 shares: the buy of 25 fills 10 (partial); the sell of 5 fills in full
    book, lg = run({(0, 0): 25, (0, 1): -5}, 1_000.0, shares={(0, 1): 5.0}, max_participation=0.1)
    o = lg.orders
    assert o.order_shares.tolist() == [25.0, -5.0] and o.capped_shares.tolist() == [10.0, -5.0]
    assert o.filled_shares.tolist() == [10.0, -5.0] and o.status.tolist() == [PARTIAL, FILLED]
    assert book.shares.tolist() == [10.0, 0.0, 0.0] and book.cash.tolist() == [1_000.0 - 100.0 + 50.0]


def test_a_bar_without_volume_fills_nothing():
    book, lg = run({(0, 0): 25, (0, 1): 4}, 1_000.0, volume=(np.nan, 0.0, 100.0), max_participation=1.0)
    assert lg.orders.capped_shares.tolist() == [0.0, 0.0] and lg.orders.status.tolist() == [PARTIAL, PARTIAL]
    assert len(lg.trades) == 0 and book.cash.tolist() == [1_000.0]


def test_whole_shares_cap_to_the_floor_and_lots_to_a_multiple():
    # 1% of 1,234 = 12.34 -> 12 whole shares -> 10 in lots of 5
    _, lg = run({(0, 0): 50}, 1_000.0, volume=(1_234.0, 0.0, 0.0), max_participation=0.01, fractional=False)
    assert lg.orders.capped_shares.tolist() == [12.0]
    _, lg = run({(0, 0): 50}, 1_000.0, volume=(1_234.0, 0.0, 0.0), max_participation=0.01, fractional=False,
                lot_size=5.0)  # fmt: skip
    assert lg.orders.capped_shares.tolist() == [10.0] and lg.orders.filled_shares.tolist() == [10.0]


def test_the_cash_rule_scales_the_capped_buys_and_the_status_stays_partial():
    # capped to 10 and 10 shares (200) with cash 50: factor 0.25 -> 2.5 each
    book, lg = run({(0, 0): 30, (0, 1): 10}, 50.0, max_participation=0.1)
    assert lg.orders.filled_shares.tolist() == [2.5, 2.5] and lg.orders.status.tolist() == [PARTIAL, SCALED]
    assert book.cash.tolist() == [0.0]


def test_a_minimum_commission_is_charged_per_fill():
    book, lg = run({(0, 0): 3}, 1_000.0, commission_min=np.array([5.0]))
    assert lg.trades.commission.tolist() == [5.0] and book.cash.tolist() == [1_000.0 - 30.0 - 5.0]
    book, lg = run({(0, 0): 300}, 10_000.0, commission_rate=0.001, commission_per_share=0.01, commission_min=1.0)
    assert lg.trades.commission.tolist() == [pytest.approx(3.0 + 3.0)]  # 0.1% of 3,000 + 300 x 0.01


def test_the_common_factor_is_solved_with_the_minimums_and_cash_ends_at_zero():
    # 10 shares at 10 and 100 at 10, 1% commission, minimum 1.5, cash 500. At factor s the first
    # pays max(1.5, s x 1), the second max(1.5, s x 10): for 0.15 <= s < 1.5 the total is
    # 1,100 s + 10 s + 1.5 = 500 -> s = 498.5 / 1,110
    s = 498.5 / 1_110
    book, lg = run({(0, 0): 10, (0, 1): 100}, 500.0, commission_rate=0.01, commission_min=1.5)
    assert lg.orders.filled_shares.tolist() == pytest.approx([10 * s, 100 * s], rel=1e-12)
    assert lg.trades.commission.tolist() == pytest.approx([1.5, 10 * s], rel=1e-12)
    assert book.cash.tolist() == [0.0] and lg.orders.status.tolist() == [SCALED, SCALED]
    spent = float(np.sum(lg.trades.notional) + np.sum(lg.trades.commission))
    assert spent == pytest.approx(500.0, rel=1e-12)


def test_when_the_minimums_alone_do_not_fit_no_buy_fills():
    book, lg = run({(0, 0): 10, (0, 1): 10}, 8.0, commission_min=5.0)
    assert lg.orders.filled_shares.tolist() == [0.0, 0.0] and len(lg.trades) == 0
    assert book.cash.tolist() == [8.0]


def test_whole_shares_round_each_scaled_buy_and_cash_stays_above_the_floor():
    # minimum 5 each: 200 s + 10 = 117 -> s = 0.535 -> 5.35 and 5.35 shares -> 5 and 5; cash 117 - 110 = 7
    book, lg = run({(0, 0): 10, (0, 1): 10}, 117.0, commission_min=5.0, fractional=False)
    assert lg.orders.filled_shares.tolist() == [5.0, 5.0] and book.cash.tolist() == [pytest.approx(7.0)]


def test_impact_moves_the_price_by_the_square_root_of_the_participation():
    # 0.5 x sigma 0.02 x sqrt(25 / 100) = 0.005: buy at 10 x (1 + 0.001 + 0.005), sell at 10 x (1 - 0.001 - 0.005)
    book, lg = run({(0, 0): 25, (0, 1): -25}, 1_000.0, shares={(0, 1): 25.0}, sigma=0.02, impact_coefficient=0.5,
                   slippage_rate=0.001)  # fmt: skip
    t = lg.trades
    assert t.price.tolist() == pytest.approx([10.06, 9.94], rel=1e-12)
    assert t.impact_cost.tolist() == pytest.approx([1.25, 1.25], rel=1e-12)
    assert t.slippage_cost.tolist() == pytest.approx([1.5, 1.5], rel=1e-12)  # spread 0.25 + impact 1.25
    assert book.cash.tolist() == pytest.approx([1_000.0 - 251.5 + 248.5], rel=1e-12)


def test_impact_is_priced_on_the_capped_order():
    # capped to 4 of 100: 1 x 0.04 x sqrt(0.04) = 0.008
    _, lg = run({(0, 0): 25}, 1_000.0, sigma=0.04, impact_coefficient=1.0, max_participation=0.04)
    assert lg.trades.shares.tolist() == [4.0] and lg.trades.price.tolist() == pytest.approx([10.08], rel=1e-12)


def test_an_order_within_the_drift_band_is_not_sent_and_an_exit_always_trades():
    # date 0: 50% of 1,000 in asset 0 at 10 (50 shares). Date 1: target 52%, held 50%: in a 5%
    # band, not sent. Date 2: target 0: the exit trades although |0.5 - 0| is what it is.
    flat = [[10.0, 10.0]] * 4
    p = panel(flat, flat)
    tg = targets(4, 1, [(0, 0, 0, 0.5), (1, 0, 0, 0.52)], rebalance=[(0, 0), (0, 1), (0, 2)])
    lg = run_fold(p, tg, rules(1, drift_band=0.05))
    assert lg.orders.status.tolist() == [FILLED, IN_BAND, FILLED]
    assert lg.orders.filled_shares.tolist() == [50.0, 0.0, -50.0]
    lg = run_fold(p, tg, rules(1, drift_band=0.01))  # 2 points off with a 1-point band: it trades
    assert lg.orders.status.tolist() == [FILLED, FILLED, FILLED]


def test_lots_round_targets_toward_zero():
    flat = [[7.0]] * 2
    lg = run_fold(panel(flat, flat), targets(2, 1, [(0, 0, 0, 1.0)]), rules(1, fractional=False, lot_size=25.0))
    assert lg.orders.target_shares.tolist() == [125.0]  # 1,000 / 7 = 142.9 -> 125


# --- invariants on random panels with every rule on ----------------------------------------------


def _capacity_cases():
    from .cases import random_case

    out = []
    for seed in range(200):
        case = random_case(seed)
        if case[0].volume is not None:
            out.append((seed, case))
        if len(out) == 30:
            break
    return out


CAPACITY = _capacity_cases()


@pytest.mark.parametrize(("seed", "case"), CAPACITY, ids=[str(s) for s, _ in CAPACITY])
def test_filled_never_above_the_cap_and_the_cap_never_above_the_order(seed, case):
    p, tg, r = case
    lg = run_fold(p, tg, r)
    o = lg.orders
    sent = o.fill_date_idx >= 0
    filled, capped, requested = np.abs(o.filled_shares), np.abs(o.capped_shares), np.abs(o.order_shares)
    assert (filled <= capped * (1 + 1e-12) + 1e-12).all() and (capped <= requested).all()
    assert r.max_participation is not None
    rate = r.max_participation[o.variant[sent]]
    volume = np.nan_to_num(p.volume[o.fill_date_idx[sent], o.asset_idx[sent]])  # type: ignore[index]
    limit = np.where(np.isfinite(rate), np.where(np.isfinite(rate), rate, 0.0) * volume, np.inf)
    assert (filled[sent] <= limit * (1 + 1e-12)).all()
    assert ((o.status == PARTIAL) == (sent & (capped < requested) & (o.status != code(OrderStatus.CANCELLED))
                                      & ~np.isin(o.status, [code(OrderStatus.SKIPPED), IN_BAND]))).all()  # fmt: skip


@pytest.mark.parametrize(("seed", "case"), CAPACITY, ids=[str(s) for s, _ in CAPACITY])
def test_buys_never_take_cash_below_zero_and_no_order_outlives_its_bar(seed, case):
    p, tg, r = case
    lg = run_fold(p, tg, r)
    lending = r.cash_shortfall is None or np.ones(r.n_variants, dtype=bool)
    if r.cash_shortfall is not None:
        lending = r.cash_shortfall != 2  # borrow
    fixed = (r.commission_min if r.commission_min is not None else 0) + 0  # minimums can exceed a small sell
    keep = np.asarray(lending) & (np.asarray(fixed) == 0) & (r.commission_per_share == 0)  # type: ignore[operator]
    cash = lg.equity.cash.reshape(p.n_dates, r.n_variants)
    assert (cash[:, keep] >= -1e-9 * r.initial_cash[keep]).all()
    o = lg.orders  # every decision resolved on the next window date (or pending on the last)
    sent = o.fill_date_idx >= 0
    assert (o.fill_date_idx[sent] == o.decision_date_idx[sent] + 1).all()
