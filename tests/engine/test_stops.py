"""Steps stops, trail, drawdown and reentry on hand-computed ledgers (SPEC 11, 14.10, 14.11).

Every case: cash 1,000, one asset (or two), no costs unless said; the decision at date 0's close
buys weight 1 (or -1) at close 10, so the fill at date 1's open 10 holds 100 shares (entry 10).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ml4t_sql.choices import TradeReason, code
from ml4t_sql.engine import FoldState, run_fold
from ml4t_sql.engine.panel import Panel

from .cases import panel, rules, targets

NAN = np.nan
SL, TP, TS = code(TradeReason.STOP_LOSS), code(TradeReason.TAKE_PROFIT), code(TradeReason.TRAILING_STOP)
REB = code(TradeReason.REBALANCE)


def bars(rows: list[tuple[float, float, float, float]]) -> Panel:
    """One asset's (open, high, low, close) per date."""
    o, h, lo, c = (np.array([[r[k]] for r in rows]) for k in range(4))
    return dataclasses.replace(panel(o.tolist(), c.tolist()), high=h, low=lo)


def fold(p: Panel, weight: float = 1.0, rebalance: list[int] | None = None, **risk):
    tg = targets(p.n_dates, 1, [(t, 0, 0, weight) for t in (rebalance or [0])])
    return run_fold(p, tg, rules(1, **risk))


def exits(ledger) -> list[tuple[int, int, float, float]]:
    t = ledger.trades
    return [(int(d), int(r), float(s), float(px)) for d, r, s, px in
            zip(t.date_idx, t.reason, t.shares, t.price, strict=True) if r != REB]  # fmt: skip


def test_a_gap_through_the_stop_exits_at_the_open():
    # held overnight from date 1; date 2 opens at 8.5, below the stop 10 x 0.9 = 9: sold at 8.5
    p = bars([(10, 10, 10, 10), (10, 10.5, 9.8, 10), (8.5, 8.7, 8.0, 8.2)])
    lg = fold(p, stop_loss=0.1)
    assert exits(lg) == [(2, SL, 100.0, 8.5)]
    assert lg.equity.cash.tolist() == [1_000.0, 0.0, 850.0]


def test_an_intraday_stop_exits_at_its_level():
    # date 2 opens 9.5 (above 9), its low 8.8 reaches 9: sold at 9
    p = bars([(10, 10, 10, 10), (10, 10.5, 9.8, 10), (9.5, 9.6, 8.8, 9.2)])
    lg = fold(p, stop_loss=0.1)
    assert exits(lg) == [(2, SL, 100.0, 9.0)]
    assert lg.equity.nav.tolist() == [1_000.0, 1_000.0, 900.0]


def test_the_entry_bar_is_checked_intraday_only():
    # entered at date 1's open 10; its low 8.9 reaches 9 on that bar: sold at 9 the same date
    p = bars([(10, 10, 10, 10), (10, 10.2, 8.9, 9.5), (9.5, 9.6, 9.4, 9.5)])
    assert exits(fold(p, stop_loss=0.1)) == [(1, SL, 100.0, 9.0)]


def test_stop_before_take_profit_on_one_bar():
    # date 2's bar spans 8.5 .. 11.5: both 9 (stop) and 11 (take-profit) reached; the stop wins
    p = bars([(10, 10, 10, 10), (10, 10.2, 9.9, 10), (10, 11.5, 8.5, 10)])
    assert exits(fold(p, stop_loss=0.1, take_profit=0.1)) == [(2, SL, 100.0, 9.0)]
    # a gap up through 11 takes the profit at the open 11.4
    p = bars([(10, 10, 10, 10), (10, 10.2, 9.9, 10), (11.4, 11.6, 11.2, 11.5)])
    assert exits(fold(p, stop_loss=0.1, take_profit=0.1)) == [(2, TP, 100.0, 11.4)]


def test_a_short_stops_on_the_high_and_takes_profit_on_the_low():
    # -100 shares at 10 (cash 2,000); stop 10 x 1.1 = 11 reached by date 2's high 11.5: bought back at 11
    p = bars([(10, 10, 10, 10), (10, 10.3, 9.9, 10), (10.5, 11.5, 10.4, 11)])
    lg = fold(p, weight=-1.0, stop_loss=0.1)
    assert exits(lg) == [(2, SL, 100.0, 11.0)] and lg.trades.side.tolist() == [1, 0]
    assert lg.equity.cash.tolist() == [1_000.0, 2_000.0, 900.0]
    # take-profit 10 x 0.8 = 8 reached by the low 7.9
    p = bars([(10, 10, 10, 10), (10, 10.3, 9.9, 10), (8.5, 8.6, 7.9, 8)])
    assert exits(fold(p, weight=-1.0, take_profit=0.2)) == [(2, TP, 100.0, 8.0)]


def test_the_trailing_stop_follows_the_best_close_and_the_tighter_level_names_the_reason():
    # closes 12 then 11: the reference is 12, the trailing level 12 x 0.9 = 10.8 (tighter than the
    # stop_loss 9.5); date 3's low 10.5 reaches it: sold at 10.8 as trailing_stop
    p = bars([(10, 10, 10, 10), (10, 12.2, 9.9, 12), (12, 12.1, 10.9, 11), (11, 11.2, 10.5, 10.6)])
    assert exits(fold(p, stop_loss=0.05, trailing_stop=0.1)) == [(3, TS, 100.0, 10.8)]
    # a tie (both 9 on the entry bar, the reference being the entry price) is a stop_loss
    p = bars([(10, 10, 10, 10), (10, 10.2, 8.9, 9.5)])
    assert exits(fold(p, stop_loss=0.1, trailing_stop=0.1)) == [(1, SL, 100.0, 9.0)]


def test_an_exit_pays_slippage_and_commission_and_no_cash_rule():
    # slippage 1%, commission 0.1%: the buy of date 1 fills at 10.1 (entry price 10.1), 1,000 / (1.01
    # x 1.001) / 10 ... shares; the stop 10.1 x 0.9 = 9.09, reached by the low 9: sold at 9.09 x 0.99
    p = bars([(10, 10, 10, 10), (10, 10.2, 9.9, 10), (9.5, 9.6, 9.0, 9.2)])
    lg = fold(p, stop_loss=0.1, slippage_rate=0.01, commission_rate=0.001)
    q = 1_000.0 / 10.0  # sized at the decision close; the buy is cut to the cash
    q = 1_000.0 / (10.1 * 1.001)
    ((date, reason, shares, price),) = exits(lg)
    assert (date, reason) == (2, SL) and shares == pytest.approx(q, rel=1e-12)
    assert price == pytest.approx(9.09 * 0.99, rel=1e-12)
    assert lg.equity.cash[-1] == pytest.approx(q * 9.09 * 0.99 * (1 - 0.001), rel=1e-12)


def test_reentry_after_blocks_the_next_decisions():
    # daily targets of weight 1; stopped out at date 2 (low 8.8 < 9). reentry_after = 2: the
    # decisions of dates 2 and 3 target 0; date 4's buys again (filled at date 5's open)
    rows = [(10, 10, 10, 10), (10, 10.2, 9.9, 10), (9.5, 9.6, 8.8, 9.2), (9.2, 9.3, 9.1, 9.2),
            (9.2, 9.3, 9.1, 9.2), (9.2, 9.3, 9.1, 9.2)]  # fmt: skip
    lg = fold(bars(rows), rebalance=list(range(6)), stop_loss=0.1, reentry_after=2)
    buys = [int(d) for d, r in zip(lg.trades.date_idx, lg.trades.reason, strict=True) if r == REB]
    assert buys == [1, 5] and exits(lg) == [(2, SL, 100.0, 9.0)]


def test_a_drawdown_halt_sells_everything_and_pauses_the_decisions():
    # daily targets of weight 1. NAV 1,000, 1,000, 850 at date 2's close: below 0.9 x 1,000, a halt:
    # the decision of date 2 targets 0 (sold at date 3's open 8.5); halt_dates = 2: dates 3 and 4
    # take no decision; date 5 is a schedule date: it buys again, and its NAV is the new peak.
    rows = [(10, 10, 10, 10), (10, 10, 10, 10), (9, 9, 8.5, 8.5), (8.5, 8.5, 8.5, 8.5), (8, 8, 8, 8),
            (8, 8, 8, 8), (8, 8, 8, 8)]  # fmt: skip
    lg = fold(bars(rows), rebalance=list(range(7)), max_drawdown=0.1, halt_dates=2)
    t = lg.trades
    assert list(zip(t.date_idx.tolist(), t.side.tolist(), strict=True)) == [(1, 0), (3, 1), (6, 0)]
    decided = set(lg.orders.decision_date_idx.tolist())
    assert {2, 5} <= decided and not decided & {3, 4}
    assert lg.state.peak.tolist() == [850.0] and lg.state.halt_left.tolist() == [0]


@pytest.mark.parametrize("cut", [1, 2, 3, 4, 5])
def test_every_risk_state_carries_across_chunks(cut: int):
    rows = [(10, 10, 10, 10), (10, 12.2, 9.9, 12), (12, 12.1, 10.9, 11), (11, 11.2, 10.5, 10.6),
            (10.6, 10.7, 9.0, 9.1), (9, 9.5, 8.8, 9.4), (9.4, 9.6, 9.3, 9.5)]  # fmt: skip
    p = bars(rows)
    tg = targets(7, 1, [(t, 0, 0, 1.0) for t in range(7)])
    r = rules(1, stop_loss=0.05, trailing_stop=0.1, reentry_after=1, max_drawdown=0.15, halt_dates=1)
    whole = run_fold(p, tg, r)
    first = run_fold(p.chunk(0, cut), tg.chunk(0, cut), r, state=FoldState.start(r, 1, 7))
    second = run_fold(p.chunk(cut, 7), tg.chunk(cut, 7), r, state=first.state)
    assert second.state == whole.state
    joined = np.concatenate([first.equity.nav, second.equity.nav])
    assert joined.tolist() == whole.equity.nav.tolist()
    assert exits(whole), "the case must exit"
