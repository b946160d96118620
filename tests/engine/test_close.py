"""Step close: NAV, exposures, positions at the last close (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest

from ml4t_sql.engine.close import close
from ml4t_sql.engine.state import FoldState

from .cases import ledger_of, one_date, panel, rules


def test_nav_is_cash_plus_shares_at_the_last_close_per_variant():
    # last closes: asset 0 at 5, asset 1 at 2. v0: cash 10 + 2 * 5 = 20; v1: cash 20 + 1 * 5 + 3 * 2 = 31.
    p = panel([[5, 2]], [[5, 2]])
    ctx, book, day = one_date(p, rules(2), 0, cash=[10.0, 20.0], shares={(0, 0): 2, (1, 0): 1, (1, 1): 3})
    day.traded += [4.0, 0.0]
    close(ctx, book, day)
    assert day.nav.tolist() == [20.0, 31.0]
    state = FoldState(book.cash, book.shares, np.array([16.0, 31.0]), 1, 1)
    lg = ledger_of(day, state)
    e = lg.equity
    assert e.cash.tolist() == [10.0, 20.0] and e.market_value.tolist() == [10.0, 11.0]
    assert e.nav.tolist() == [20.0, 31.0]
    assert e.gross_exposure.tolist() == [0.5, 11.0 / 31.0] and e.net_exposure.tolist() == [0.5, 11.0 / 31.0]
    p_ = lg.positions
    assert p_.variant.tolist() == [0, 1, 1] and p_.asset_idx.tolist() == [0, 0, 1] and p_.date_idx.tolist() == [0, 0, 0]
    assert p_.shares.tolist() == [2.0, 1.0, 3.0] and p_.close.tolist() == [5.0, 5.0, 2.0]
    assert p_.market_value.tolist() == [10.0, 5.0, 6.0]
    assert p_.weight.tolist() == pytest.approx([0.5, 5.0 / 31.0, 6.0 / 31.0], abs=1e-15)


def test_return_and_turnover_use_the_previous_nav():
    # nav before the date 16 (v0): return 20 / 16 - 1 = 0.25, turnover 4 / 16 = 0.25.
    p = panel([[5.0]], [[5.0]])
    ctx, book, day = one_date(p, rules(1), 0, cash=[10.0], shares={(0, 0): 2})
    day.traded += 4.0
    close(ctx, book, day)
    lg = day.journal.ledger(np.array([16.0]), FoldState(book.cash, book.shares, day.nav, 1, 1))
    assert lg.equity.return_.tolist() == [0.25] and lg.equity.turnover.tolist() == [0.25]


def test_no_position_rows_when_nothing_is_held():
    p = panel([[5.0]], [[5.0]])
    ctx, book, day = one_date(p, rules(1), 0, cash=[10.0])
    close(ctx, book, day)
    assert day.nav.tolist() == [10.0] and len(ledger_of(day).positions) == 0
