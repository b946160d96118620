"""Steps *drawdown* and *reentry*: the `[risk]` max_drawdown halt and the reentry block (SPEC 11, 14.10-14.11).

docs/SEMANTICS.md, *Portfolio rules*. Step drawdown runs after the close: it tells the decision
which variants decide on t (`day.deciding`) and which of them target all zero (`day.flatten`).
Step reentry runs just before the decision: the assets a risk exit blocks get weight 0
(`day.blocked`), and each decision taken counts down their block.
"""

from __future__ import annotations

import numpy as np

from ..choices import EventRule, code
from .context import Context
from .ledger import Day
from .state import Book


def drawdown(ctx: Context, book: Book, day: Day) -> None:
    """The halt of a variant whose NAV at the close is below (1 - max_drawdown) x its running peak.

    Per variant with a max_drawdown: on a halt date i its decision targets all zero, whatever the
    schedule; dates i+1 .. i+halt_dates take no decision and no drawdown check; then the variant
    waits (no decision, no check) for its first schedule date, where it decides again and the
    peak restarts at that close's NAV. The peak starts at the first window NAV.

    Requires: day.nav, book.peak, book.halt_left, book.waiting, the schedule of t.
    Sets: book.peak, book.halt_left, book.waiting; day.deciding, day.flatten (when some variant
        is halted, paused or waiting on t); events rows (max_drawdown, resume).
    """
    r = ctx.risk
    if r is None or not r.drawdown:
        return
    t, nav = day.t, day.nav
    if not (book.halt_left.any() or book.waiting.any()):  # nobody halted: the peaks and one comparison
        np.fmax(book.peak, np.where(np.isnan(r.max_drawdown), np.nan, nav), out=book.peak)
        if not (nav < (1.0 - r.max_drawdown) * book.peak).any():
            return
    on = ~np.isnan(r.max_drawdown)
    paused = on & (book.halt_left > 0)
    book.halt_left[paused] -= 1
    scheduled = ctx.rebalancing[t]
    waiting = on & ~paused & book.waiting
    resume = waiting & scheduled
    book.waiting[resume] = False
    book.peak[resume] = nav[resume]
    watched = on & ~paused & ~waiting
    book.peak[watched] = np.fmax(book.peak[watched], nav[watched])
    halt = watched & (nav < (1.0 - r.max_drawdown) * book.peak)
    if not (paused.any() or waiting.any() or halt.any()):
        return
    book.halt_left[halt] = r.halt_dates[halt]
    book.waiting[halt] = True
    day.deciding = (scheduled & ~paused & ~(waiting & ~resume)) | halt
    day.flatten = halt
    _events(day, halt, resume, nav, book.peak, r.max_drawdown, r.halt_dates)


def reentry(ctx: Context, book: Book, day: Day) -> None:
    """Blocked assets target 0 at the decisions of t; each decision taken counts their block down.

    Requires: book.reentry, the variants deciding on t (day.deciding, else the schedule).
    Sets: day.blocked (flat indices with weight 0), book.reentry.
    """
    r = ctx.risk
    if r is None or not r.any_reentry:
        return
    t = day.t
    deciding = day.deciding if day.deciding is not None else ctx.rebalancing[t]
    if not deciding.any():
        return
    blocked = book.reentry.nonzero()[0]
    if not blocked.size:
        return
    blocked = blocked[deciding[blocked // ctx.N]]
    if blocked.size:
        day.blocked = blocked
        book.reentry[blocked] -= 1


def _events(day: Day, halt: np.ndarray, resume: np.ndarray, nav: np.ndarray, peak: np.ndarray,
            limit: np.ndarray, dates: np.ndarray) -> None:  # fmt: skip
    for rule, m in (("max_drawdown", halt), ("resume", resume)):
        v = m.nonzero()[0]
        if not v.size:
            continue
        if rule == "max_drawdown":
            detail = [f"nav {nav[i]:.2f} below {1 - limit[i]:g} x peak {peak[i]:.2f}; targets 0, then "
                      f"{dates[i]} dates without a decision" for i in v]  # fmt: skip
        else:
            detail = [f"decisions resume; peak reset to nav {nav[i]:.2f}" for i in v]
        day.event(code(EventRule(rule)), v, np.full(v.size, -1, dtype=np.int64), detail)
