"""Step finance: interest on signed cash and fees on shorts, hand-computed (SPEC 9, 14.1-14.2)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ml4t_sql.engine import run_fold
from ml4t_sql.engine.finance import finance
from ml4t_sql.engine.panel import Finance
from ml4t_sql.engine.state import FoldState

from .cases import one_date, panel, rules, targets

NAN = float("nan")


def _panel(days: list[float], rate: list[float] | None = None, fee: list[list[float]] | None = None):  # type: ignore[no-untyped-def]
    p = panel([[10, 20]] * len(days), [[10, 20], [11, 21], [12, 22]][: len(days)])
    fin = Finance(np.array(days, dtype=float), None if rate is None else np.array(rate, dtype=float),
                  None if fee is None else np.array(fee, dtype=float), np.full(2, NAN))  # fmt: skip
    return dataclasses.replace(p, finance=fin)


def test_positive_cash_earns_and_negative_cash_pays_margin():
    # 3 calendar days (a weekend) since date 0: v0 +1,000 x 0.0365 x 3/365 = 0.3; v1 -1,000 x 0.073 x 3/365 = -0.6
    p = _panel([0, 3])
    ctx, book, day = one_date(p, rules(2, cash_rate=0.0365, margin_rate=0.073), 1, cash=[1_000.0, -1_000.0])
    finance(ctx, book, day)
    assert book.cash.tolist() == pytest.approx([1_000.3, -1_000.6], abs=1e-12)
    assert day.financing.tolist() == pytest.approx([0.3, -0.6], abs=1e-12)


def test_nothing_on_the_first_window_date_nor_with_zero_cash():
    p = _panel([0, 1])
    ctx, book, day = one_date(p, rules(2, cash_rate=0.05, margin_rate=0.05), 0, cash=[1_000.0, -5.0])
    finance(ctx, book, day)
    assert book.cash.tolist() == [1_000.0, -5.0] and day.financing.tolist() == [0.0, 0.0]
    ctx, book, day = one_date(p, rules(1, cash_rate=0.05), 1, cash=[0.0])
    finance(ctx, book, day)
    assert book.cash.tolist() == [0.0] and day.financing.tolist() == [0.0]


def test_the_rates_row_overrides_cash_rate_and_nan_falls_back():
    # date 1: no row in force yet (NaN) -> cash_rate 0.0365; date 2: the row 0.073 for every variant
    p = _panel([0, 1, 2], rate=[NAN, NAN, 0.073])
    r = rules(2, cash_rate=[0.0365, 0.0], margin_rate=0.0)
    ctx, book, day = one_date(p, r, 1, cash=[365.0, 365.0])
    finance(ctx, book, day)
    assert day.financing.tolist() == pytest.approx([0.0365, 0.0], abs=1e-15)
    ctx, book, day = one_date(p, r, 2, cash=[365.0, -365.0])
    finance(ctx, book, day)
    assert day.financing.tolist() == pytest.approx([0.146, 0.0], abs=1e-15)  # margin_rate 0 on negative cash


def test_shorts_pay_the_fee_on_their_previous_close_value():
    # v0 short 10 of asset 0 (previous close 10) and long 5 of asset 1: fee 0.1 x 100 x 73/365 = 2
    # v1 short 2 of asset 1 (previous close 20), fee 0.2 from the relation: 0.2 x 40 x 73/365 = 1.6
    p = _panel([0, 73], fee=[[NAN, NAN], [NAN, 0.2]])
    r = rules(2, short_fee=0.1)
    ctx, book, day = one_date(p, r, 1, cash=[0.0, 0.0], shares={(0, 0): -10, (0, 1): 5, (1, 1): -2})
    finance(ctx, book, day)
    assert day.financing.tolist() == pytest.approx([-2.0, -1.6], abs=1e-12)
    assert book.shares.tolist() == [-10.0, 5.0, 0.0, -2.0]


def test_a_zero_fee_relation_row_overrides_a_positive_short_fee():
    p = _panel([0, 365], fee=[[0.0, 0.0], [0.0, NAN]])
    ctx, book, day = one_date(p, rules(1, short_fee=0.1), 1, cash=[0.0], shares={(0, 0): -1, (0, 1): -1})
    finance(ctx, book, day)
    assert day.financing.tolist() == pytest.approx([-2.0])  # only asset 1: 0.1 x 20


def test_the_step_returns_at_once_without_rates():
    p = _panel([0, 3])
    ctx, book, day = one_date(p, rules(1), 1, cash=[1_000.0])
    assert not ctx.financing
    finance(ctx, book, day)
    assert book.cash.tolist() == [1_000.0]


def test_rates_without_calendar_days_are_refused():
    p = panel([[10]], [[10]])
    with pytest.raises(ValueError, match="panel.finance"):
        one_date(p, rules(1, cash_rate=0.05), 0)


def test_the_fold_books_financing_before_delisting_and_in_the_equity_rows():
    # asset 0 held short 10 at close 10, delisted on date 1 (bought back at its last close 10):
    # the fee is on the previous close's balance, so it is paid even though the short is gone.
    p = panel([[10], [NAN]], [[10], [10]], delist={1: [0]})
    p = dataclasses.replace(p, finance=Finance(np.array([0.0, 365.0]), None, None, np.full(1, NAN)))
    r = rules(1, short_fee=0.1, cash_rate=0.01, initial_cash=1_000.0)
    state = dataclasses.replace(FoldState.start(r, 1, 2), cash=np.array([1_100.0]), shares=np.array([-10.0]))
    ledger = run_fold(p, targets(2, 1, []), r, state=state)
    # date 0: 0 days. date 1: +1,100 x 0.01 - 10 x 10 x 0.1 = 11 - 10 = +1; then the buy-back -100
    assert ledger.equity.financing.tolist() == pytest.approx([0.0, 1.0])
    assert ledger.equity.cash.tolist() == pytest.approx([1_100.0, 1_001.0])
    assert ledger.equity.costs.tolist() == [0.0, 0.0]


def test_chunks_equal_one_fold_with_shorts_across_the_boundary():
    p = panel([[10, 20]] * 4, [[10, 20], [11, 21], [12, 19], [13, 18]])
    p = dataclasses.replace(p, finance=Finance(np.array([0.0, 3.0, 1.0, 1.0]), np.array([NAN, 0.02, 0.02, 0.03]),
                                               None, np.full(2, NAN)))  # fmt: skip
    r = rules(1, short_fee=0.05, margin_rate=0.08)
    start = dataclasses.replace(FoldState.start(r, 2, 4), cash=np.array([-500.0]), shares=np.array([-3.0, 40.0]))
    tg = targets(4, 1, [])
    whole = run_fold(p, tg, r, state=start)
    first = run_fold(p.chunk(0, 2), tg.chunk(0, 2), r, state=start)
    second = run_fold(p.chunk(2, 4), tg.chunk(2, 4), r, state=first.state)
    both = np.concatenate([first.equity.financing, second.equity.financing])
    assert both.tobytes() == whole.equity.financing.tobytes()
    assert whole.state.equals(second.state)
    # date 2 (second chunk's first): cash after date 1, shorts valued at date 1's close 11
    cash1 = -500.0 + (-500.0 * 0.08 - 3 * 10 * 0.05) * 3 / 365
    assert whole.equity.financing[2] == pytest.approx((cash1 * 0.08 - 3 * 11 * 0.05) / 365)


# --- against the reference's day-by-day accrual, with shorts (config cannot short yet) -------------


def _signed_case(seed: int):  # type: ignore[no-untyped-def]
    """A random panel without delistings, signed shares and cash, calendar gaps (weekends), rates
    and dated borrow fees; no targets, so the balances change by financing only."""
    import bisect
    import datetime as dt

    from .cases import random_case

    rng = np.random.default_rng(seed)
    p, _, _ = random_case(seed, n_dates=int(rng.integers(2, 20)), n_assets=int(rng.integers(1, 6)), n_variants=3,
                          delist_after=10_000)  # fmt: skip
    T, N, V = p.n_dates, p.n_assets, 3
    gaps = rng.choice([1, 1, 1, 3, 4, 10], T)
    day0 = dt.date(2021, 3, 1)
    dates = [day0 + dt.timedelta(days=int(g)) for g in np.cumsum(np.concatenate(([0], gaps[1:])))]
    rate_days = sorted({day0 + dt.timedelta(days=int(d)) for d in rng.integers(-5, 3 * T, int(rng.integers(0, 5)))})
    rates = {d: float(rng.choice([0.0, rng.uniform(-0.01, 0.1)])) for d in rate_days}
    fee_rows = {(day0 + dt.timedelta(days=int(rng.integers(-3, 3 * T))), int(a)): float(rng.uniform(0, 0.3))
                for a in rng.integers(0, N, int(rng.integers(0, 6)))}  # fmt: skip
    days = np.array([0.0] + [(b - a).days for a, b in zip(dates, dates[1:], strict=False)])
    rate = np.full(T, np.nan)
    fee = np.full((T, N), np.nan)
    for t in range(1, T):  # the row in force at the previous date, by bisection (the reference walks days)
        k = bisect.bisect_right(rate_days, dates[t - 1])
        rate[t] = rates[rate_days[k - 1]] if k else np.nan
        for a in range(N):
            own = sorted(d for d, b in fee_rows if b == a and d <= dates[t - 1])
            fee[t, a] = fee_rows[(own[-1], a)] if own else np.nan
    finance_in = Finance(days, rate if rates else None, fee if fee_rows else None, np.full(N, NAN))
    p = dataclasses.replace(p, finance=finance_in)
    r = rules(V, cash_rate=rng.choice([0.0, 0.02, -0.005], V), margin_rate=rng.choice([0.0, 0.06, 0.5], V),
              short_fee=rng.choice([0.0, 0.01, 0.2], V))  # fmt: skip
    held = np.where(~np.isnan(p.last_close[0]), 1.0, 0.0)  # only assets priced on the first date can be held
    shares = (rng.choice([-7.0, -1.5, 0.0, 2.0, 9.0], (V, N)) * held).ravel()
    cash = rng.choice([-800.0, 0.0, 300.0, 5_000.0], V)
    state = dataclasses.replace(FoldState.start(r, N, T), cash=cash, shares=shares)
    return p, r, state, dates, rates, {(d, f"a{a}"): v for (d, a), v in fee_rows.items()}


@pytest.mark.parametrize("seed", range(40))
def test_financing_matches_the_reference_with_shorts_and_signed_cash(seed):
    from tests.reference import accrue

    p, r, state, dates, rates, fees = _signed_case(seed)
    T, N, V = p.n_dates, p.n_assets, r.n_variants
    tg = targets(T, V, [])
    ledger = run_fold(p, tg, r, state=state)
    got = ledger.equity.financing.reshape(T, V)
    for v in range(V):
        cash = float(state.cash[v])
        shares = {f"a{a}": float(state.shares[v * N + a]) for a in range(N) if state.shares[v * N + a] != 0}
        for t in range(T):
            want = 0.0
            if t:
                closes = {f"a{a}": float(p.last_close[t - 1, a]) for a in range(N)}
                want = accrue(dates[t - 1], dates[t], cash, shares, closes, cash_rate=float(r.cash_rate[v]),
                              margin_rate=float(r.margin_rate[v]), short_fee=float(r.short_fee[v]),
                              rates=rates, borrow_fees=fees)  # fmt: skip
            cash += want
            assert got[t, v] == pytest.approx(want, rel=1e-9, abs=1e-9), (seed, t, v)
    # in chunks: the same bits (the previous closes cross the boundary in Finance.prev_close)
    cut = max(1, T // 2)
    first = run_fold(p.chunk(0, cut), tg.chunk(0, cut), r, state=state)
    second = run_fold(p.chunk(cut, T), tg.chunk(cut, T), r, state=first.state)
    both = np.concatenate([first.equity.financing, second.equity.financing])
    assert both.tobytes() == ledger.equity.financing.tobytes()
