"""The fold itself: folding a window in chunks of dates equals folding it at once."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml4t_sql.engine.fold import FoldState, Ledger, Panel, Rules, Targets, run_fold


def random_case(seed: int, n_dates: int = 40, n_assets: int = 7, n_variants: int = 3):
    """A ragged panel with gaps and NULL opens, random targets, varied rules."""
    rng = np.random.default_rng(seed)
    has_bar = rng.random((n_dates, n_assets)) > 0.15
    close = np.where(has_bar, np.exp(rng.normal(3, 0.3, (n_dates, n_assets))), np.nan)
    opens = np.where(
        has_bar & (rng.random((n_dates, n_assets)) > 0.05), close * rng.uniform(0.97, 1.03, close.shape), np.nan
    )
    latest = np.where(has_bar, np.arange(n_dates)[:, None], -1)
    latest = np.maximum.accumulate(latest, axis=0)
    last_close = np.take_along_axis(close, np.maximum(latest, 0), axis=0)
    last_close[latest < 0] = np.nan
    gap = np.arange(n_dates)[:, None] - latest
    t_idx, a_idx = np.nonzero((latest >= 0) & (gap == 2))
    delist_ptr = np.concatenate(([0], np.cumsum(np.bincount(t_idx, minlength=n_dates))))
    panel = Panel(opens, last_close, delist_ptr, a_idx.astype(np.int64))

    rows = []
    rebalance = rng.random((n_variants, n_dates)) > 0.4
    for t in range(n_dates):
        for v in range(n_variants):
            if rebalance[v, t]:
                priced = np.flatnonzero(has_bar[t])
                picked = rng.choice(priced, size=min(3, priced.size), replace=False) if priced.size else []
                for a in sorted(picked):
                    rows.append((t, v, a, 0.3))
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    ptr = np.concatenate(([0], np.cumsum(np.bincount(arr[:, 0].astype(int), minlength=n_dates))))
    targets = Targets(rebalance, ptr, arr[:, 1].astype(np.int64), arr[:, 2].astype(np.int64), arr[:, 3])
    rules = Rules(
        initial_cash=np.full(n_variants, 10_000.0),
        fill_price_sizing=np.array([False, True, False])[:n_variants],
        fractional=np.array([True, True, False])[:n_variants],
        commission_rate=np.array([0.0, 0.001, 0.0005])[:n_variants],
        slippage_rate=np.array([0.0, 0.0, 0.001])[:n_variants],
        min_trade_value=np.array([0.0, 0.0, 50.0])[:n_variants],
    )
    return panel, targets, rules


def concat(ledgers: list[Ledger]) -> dict[str, dict[str, np.ndarray]]:
    return {
        name: {k: np.concatenate([getattr(lg, name)[k] for lg in ledgers]) for k in getattr(ledgers[0], name)}
        for name in ("equity", "trades", "orders", "positions")
    }


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 39), max_size=6, unique=True))
def test_chunks_fold_to_the_same_ledger(seed: int, cuts: list[int]):
    panel, targets, rules = random_case(seed)
    whole = run_fold(panel, targets, rules)
    bounds = [0, *sorted(cuts), panel.n_dates]
    ledgers, state = [], FoldState.start(rules, panel.n_assets, panel.n_dates)
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        ledger = run_fold(panel.chunk(start, stop), targets.chunk(start, stop), rules, state=state)
        ledgers.append(ledger)
        state = ledger.state
    parts = concat(ledgers)
    for name in ("equity", "trades", "orders", "positions"):
        for key, expected in getattr(whole, name).items():
            np.testing.assert_array_equal(parts[name][key], expected, err_msg=f"{name}.{key}")


def test_a_case_trades_in_every_variant():
    """The random cases exercise what the chunk test relies on (fills, skips, delistings)."""
    panel, targets, rules = random_case(1)
    ledger = run_fold(panel, targets, rules)
    assert set(np.unique(ledger.trades["variant"])) == {0, 1, 2}
    assert set(np.unique(ledger.orders["status"])) >= {0, 2}  # filled and cancelled
    assert panel.delist_asset.size > 0
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(ledger.equity["nav"][0::3], ledger.equity["nav"][1::3])
