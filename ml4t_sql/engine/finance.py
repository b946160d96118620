"""Step *finance*: interest on cash and fees on shorts since the previous window date, booked in
cash before any other step (before delisting).

docs/SEMANTICS.md, *Financing*; SPEC 9 and 14.1-14.2.
"""

from __future__ import annotations

import math

import numpy as np

from .context import Context, per_variant
from .ledger import Day
from .state import Book


def finance(ctx: Context, book: Book, day: Day) -> None:
    """Simple interest ``balance x rate x days / 365`` on the balances at the previous close.

    Per variant: positive cash earns the rate in force at the previous close (the rates
    relation's row, else `cash_rate`); negative cash pays `margin_rate`; every short (shares < 0)
    pays its fee (the borrow_fees relation's, else `short_fee`) on ``|shares| x previous last
    close``. Nothing on the window's first date (0 days). Signed: + earned, - paid.

    Requires: book.cash, book.shares (the previous close's balances), panel.finance (days,
        rate, fee, prev_close), panel.last_close[t - 1].
    Sets: book.cash (+ financing), day.financing [V].
    """
    if not ctx.financing:
        return
    t = day.t
    years = ctx.days[t] / 365.0
    if years == 0.0:
        return
    cash = book.cash
    rate = ctx.cash_rate
    if ctx.rate is not None and not math.isnan(ctx.rate[t]):
        rate = np.full(ctx.V, ctx.rate[t])
    amount = np.where(cash > 0, cash * rate, cash * ctx.margin_rate)
    if ctx.any_short_fee:
        amount -= _short_fees(ctx, book, t)
    amount *= years
    book.cash += amount
    day.financing[:] = amount


def _short_fees(ctx: Context, book: Book, t: int) -> np.ndarray:
    """[V] annual fees on the shorts held at the previous close: |shares| x close x fee."""
    short = np.flatnonzero(book.shares < 0)
    if not short.size:
        return np.zeros(ctx.V)
    v, a = np.divmod(short, ctx.N)
    if t > 0:
        close = ctx.last_close[t - 1, a]
    else:
        assert ctx.prev_close is not None, "a chunk after the first carries the previous closes"
        close = ctx.prev_close[a]
    fee = ctx.short_fee[v]
    if ctx.fee is not None:
        own = ctx.fee[t, a]
        fee = np.where(np.isnan(own), fee, own)
    return per_variant(v, -book.shares[short] * close * fee, ctx.V)
