"""Step *close*: the date's trades booked, the book valued at the last closes.

docs/SEMANTICS.md, *What happens on each window date*, step 3.
"""

from __future__ import annotations

import numpy as np

from .context import Context, per_variant
from .ledger import Day
from .state import Book


def close(ctx: Context, book: Book, day: Day) -> None:
    """NAV = cash + sum(shares * last close); the equity row and the positions of t written.

    The date's trades (day.fills, from every step before this one) go to the trades log in
    (variant, asset) order. Return, exposures and turnover are ratios the journal computes once
    at the end (with the date's traded notional and costs, day.traded and day.costs).

    Requires: day.fills, book.cash, book.shares, panel.last_close[t].
    Sets: day.nav [V]; trades rows; the journal's equity row t (cash, market value, gross) and
        positions rows.
    """
    day.book_trades()
    t, journal = day.t, day.journal
    cash, shares, V = book.cash, book.shares, ctx.V
    held = shares.nonzero()[0]
    v, a = np.divmod(held, ctx.N)
    close_ = ctx.last_close[t][a]
    held_shares = shares[held]
    values = held_shares * close_
    market_value = per_variant(v, values, V)
    nav = day.nav = cash + market_value
    journal.cash[t], journal.market_value[t], journal.gross[t] = cash, market_value, per_variant(v, np.abs(values), V)
    if held.size:
        journal.positions.append((day.date, v, a, held_shares, close_, values, values / nav[v]))
