"""Step actions: dividends, then splits, on the previous close's holdings, hand-computed (SPEC 12, 14.1, 14.12)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ml4t_sql.engine.actions import actions
from ml4t_sql.engine.panel import Actions

from .cases import decision, ledger_of, one_date, panel, pointers, rules

NAN = float("nan")


def _panel(rows: list[tuple[int, int, float, float]], n_dates: int = 2):  # type: ignore[no-untyped-def]
    """Two assets, closes 10 and 20 on date 0 and 5 and 20 on date 1 (asset 0 split 2:1); actions
    as (date, asset, split, dividend) rows."""
    p = panel([[10, 20], [5, 20]][:n_dates], [[10, 20], [5, 20]][:n_dates])
    rows = sorted(rows)
    acts = Actions(pointers(np.array([r[0] for r in rows], dtype=np.int64), n_dates),
                   np.array([r[1] for r in rows], dtype=np.int64), np.array([r[2] for r in rows]),
                   np.array([r[3] for r in rows]), np.full(2, NAN))  # fmt: skip
    return dataclasses.replace(p, actions=acts)


def test_dividend_then_split_on_the_previous_close_holdings():
    # v0 long 7 of asset 0: dividend 0.5 x 7 = 3.5, then 2:1 -> 14 shares
    # v1 short 3 of asset 0 pays 0.5 x 3 = 1.5, then -> -6; both hold asset 1: dividend 1 per share
    p = _panel([(1, 0, 2.0, 0.5), (1, 1, 1.0, 1.0)])
    ctx, book, day = one_date(p, rules(2), 1, cash=[100.0, 100.0], shares={(0, 0): 7, (1, 0): -3, (0, 1): 2,
                                                                           (1, 1): 4})  # fmt: skip
    actions(ctx, book, day)
    assert book.cash.tolist() == pytest.approx([100 + 3.5 + 2.0, 100 - 1.5 + 4.0])
    assert book.shares.tolist() == [14.0, 2.0, -6.0, 4.0]
    assert day.dividends.tolist() == pytest.approx([5.5, 2.5])
    events = ledger_of(day).events
    assert list(zip(events.variant.tolist(), events.asset_idx.tolist(), events.rule.tolist(), strict=True)) == [
        (0, 0, 0), (0, 0, 1), (0, 1, 1), (1, 0, 0), (1, 0, 1), (1, 1, 1)]  # split = 0, dividend = 1; dividend first
    assert "ratio 2: 7 -> 14 shares" in events.detail.tolist()
    assert "0.5 per share on -3 shares" in events.detail.tolist()


def test_whole_shares_take_the_fraction_in_cash_and_shorts_pay_theirs():
    # 3:2 on date 1, previous close 10 -> 10 / 1.5 a share after: long 5 -> 7.5 -> 7 + 0.5 x 6.667 in cash;
    # short -5 -> -7.5 -> -7, pays 0.5 x 6.667
    p = _panel([(1, 0, 1.5, 0.0)])
    ctx, book, day = one_date(p, rules(2, fractional=False), 1, cash=[0.0, 0.0], shares={(0, 0): 5, (1, 0): -5})
    actions(ctx, book, day)
    assert book.shares.tolist() == [7.0, 0.0, -7.0, 0.0]
    assert book.cash.tolist() == pytest.approx([0.5 * 10 / 1.5, -0.5 * 10 / 1.5], abs=1e-12)
    assert day.dividends.tolist() == [0.0, 0.0]
    assert ledger_of(day).events.detail.tolist()[0] == "ratio 1.5: 5 -> 7 shares, 0.5 paid in cash at 6.666666667"


def test_a_dividend_without_a_bar_is_paid_and_nothing_held_writes_nothing():
    p = _panel([(1, 1, 1.0, 0.25)])
    p = dataclasses.replace(p, open=np.array([[10, 20], [5, NAN]]))  # asset 1 has no bar on date 1
    ctx, book, day = one_date(p, rules(2), 1, cash=[0.0, 0.0], shares={(0, 1): 4})
    actions(ctx, book, day)
    assert book.cash.tolist() == [1.0, 0.0] and day.dividends.tolist() == [1.0, 0.0]
    assert ledger_of(day).events.variant.tolist() == [0]


def test_the_pending_decision_is_restated_in_new_shares():
    # decided at date 0 (close 10): buy 30 of asset 0 for a target of 37, held 7; after 2:1, order 60,
    # target 74, price 5; whole shares: a 3:2 split truncates the target toward zero (7.5 -> 7) and
    # orders what reaches it from the post-split holding (2 -> 3): 4
    p = _panel([(1, 0, 2.0, 0.0)])
    ctx, book, day = one_date(p, rules(1), 1, cash=[0.0], shares={(0, 0): 7})
    d = decision(2, 1, {(0, 0): 30.0, (0, 1): 1.0}, price=10.0)
    d.target = np.array([37.0, 1.0])
    d.close_row = np.array([10.0, 20.0])
    book.pending = d
    actions(ctx, book, day)
    assert d.order.tolist() == [60.0, 1.0] and d.target.tolist() == [74.0, 1.0]
    assert d.price.tolist() == [5.0, 10.0] and d.close_row.tolist() == [5.0, 20.0]
    p = _panel([(1, 0, 1.5, 0.0)])
    ctx, book, day = one_date(p, rules(1, fractional=False), 1, cash=[0.0], shares={(0, 0): 2})
    d = decision(2, 1, {(0, 0): 3.0})
    d.target = np.array([5.0])
    book.pending = d
    actions(ctx, book, day)
    assert d.order.tolist() == [4.0] and d.target.tolist() == [7.0]


def test_no_actions_or_none_on_the_date_change_nothing():
    p = _panel([(0, 0, 2.0, 1.0)])
    ctx, book, day = one_date(p, rules(1), 1, cash=[5.0], shares={(0, 0): 3})
    actions(ctx, book, day)
    assert book.cash.tolist() == [5.0] and book.shares.tolist() == [3.0, 0.0]
    ctx, book, day = one_date(panel([[1, 1]], [[1, 1]]), rules(1), 0, cash=[5.0], shares={(0, 0): 3})
    actions(ctx, book, day)
    assert book.cash.tolist() == [5.0] and ctx.actions_ptr is None
