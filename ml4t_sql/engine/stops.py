"""Steps *stops* and *trail*: `[risk]` stop_loss, take_profit and trailing_stop (SPEC 11, 14.10).

docs/SEMANTICS.md, *Position rules*. Step stops runs after the fills at the open: it first books
the date's fills into each position's entry price (the average fill price, reset when the
position goes flat or flips), then exits every position whose open (held overnight) or bar
reaches a level. Step trail runs after the close: the best close since entry, the trailing
stop's reference.
"""

from __future__ import annotations

import numpy as np

from ..choices import EventRule, code
from .context import Context, per_variant
from .costs import commission
from .ledger import Day
from .panel import F64, I64, B
from .rules import STOP_LOSS, TAKE_PROFIT, TRAILING_STOP
from .state import Book

EVENT_OF_REASON = np.zeros(max(STOP_LOSS, TRAILING_STOP, TAKE_PROFIT) + 1, dtype=np.int8)
"""The events rule of a risk exit's trade reason."""
for _reason, _rule in ((STOP_LOSS, EventRule.STOP_LOSS), (TRAILING_STOP, EventRule.TRAILING_STOP),
                       (TAKE_PROFIT, EventRule.TAKE_PROFIT)):  # fmt: skip
    EVENT_OF_REASON[_reason] = code(_rule)


def stops(ctx: Context, book: Book, day: Day) -> None:
    """Entry prices from the date's fills, then the risk exits of t.

    Per held position with a bar on t (open, high and low known), s = +1 long, -1 short:
    stop = the tighter of entry x (1 - s stop_loss) and ref x (1 - s trailing_stop) (a tie:
    stop_loss), take = entry x (1 + s take_profit); ref = the best close since entry, or the
    entry price for a position entered or flipped at t's open (which has no open check). A
    position held overnight whose open is at or beyond a level (stop first) exits at the open;
    otherwise one whose low (long) or high (short) reaches the stop exits at the stop, else one
    whose high (long) or low (short) reaches the take-profit exits there (a level is clipped into
    the bar's range). Exits fill in full at that price moved by slippage and pay commission.

    Requires: day.fills (delistings, the decision's fills), book.shares, book.entry, book.best,
        panel.open, high, low [t], the variants' levels and costs.
    Sets: book.entry, book.best (the date's fills; NaN when flat), book.cash, book.shares (0 on
        exit), book.reentry (reentry_after on exit), day.traded, day.costs, day.fills (reasons
        stop_loss, take_profit, trailing_stop, no decision).
    """
    r = ctx.risk
    if r is None or not r.stops:
        return
    if day.fills:
        _enter(book, day)
    shares = book.shares
    held = shares.nonzero()[0]
    if not held.size:
        return
    t, N = day.t, ctx.N
    v, a = held // N, held % N
    lo, hi, op = r.low[t][a], r.high[t][a], ctx.open[t][a]
    q = shares[held]
    long = q > 0
    s = np.sign(q)  # held: never 0
    k = v + ctx.V * long  # the levels' index: side x V + variant (0 short, 1 long)
    entry, best = book.entry[held], book.best[held]
    fresh = np.isnan(best)  # entered or flipped at t's open
    # times s, every position is a long: it exits at or below its stop, at or above its take
    fixed_s = s * (entry * r.stop_factor[k])
    trailing_s = s * (np.where(fresh, entry, best) * r.trailing_factor[k])
    stop_s = np.fmax(fixed_s, trailing_s)  # the tighter; NaN: rule off
    take_s = s * (entry * r.take_factor[k])
    op_s = s * op
    checked = r.checkable[t][a]  # the bar has an open, a high and a low
    overnight = checked & ~fresh
    gap_stop = overnight & (op_s <= stop_s)
    gap_take = overnight & ~gap_stop & (op_s >= take_s)
    gap = gap_stop | gap_take
    intraday = checked & ~gap
    hit_stop = intraday & (np.where(long, lo, -hi) <= stop_s)
    hit_take = intraday & ~hit_stop & (np.where(long, hi, -lo) >= take_s)
    out = gap | hit_stop | hit_take
    if not out.any():
        return
    i = out.nonzero()[0]
    is_stop = gap_stop[i] | hit_stop[i]
    si, tr, fx = s[i], trailing_s[i], fixed_s[i]
    level = si * np.where(is_stop, stop_s[i], take_s[i])
    raw = np.where(gap[i], op[i], np.minimum(np.maximum(level, lo[i]), hi[i]))  # into the bar's range
    use_trailing = (tr > fx) | (np.isnan(fx) & ~np.isnan(tr))  # a tie: stop_loss
    reason = np.where(is_stop, np.where(use_trailing, TRAILING_STOP, STOP_LOSS), TAKE_PROFIT)
    f, vi, ai = held[i], v[i], a[i]
    _exit(ctx, book, day, f, vi, ai, q[i], si, raw, reason)
    if r.any_reentry:
        book.reentry[f] = r.reentry_after[vi]
    _events(day, vi, ai, reason, entry[i], level, raw, gap[i])


def trail(ctx: Context, book: Book, day: Day) -> None:
    """The best close since entry: the highest last close of a long, the lowest of a short.

    Requires: book.shares, book.best, panel.last_close[t].
    Sets: book.best of every held position.
    """
    r = ctx.risk
    if r is None or not r.stops:
        return
    held = book.shares.nonzero()[0]
    if not held.size:
        return
    close = ctx.last_close[day.t][held % ctx.N]
    b = book.best[held]
    book.best[held] = np.where(book.shares[held] > 0, np.fmax(b, close), np.fmin(b, close))


def _enter(book: Book, day: Day) -> None:
    """Each fill of the date so far, in order, into its position's entry price (and best close)."""
    pieces = day.fills
    if len(pieces) == 1:
        f, q, p = pieces[0][0], pieces[0][3], pieces[0][4]
    else:
        f, q, p = (np.concatenate([piece[i] for piece in pieces]) for i in (0, 3, 4))
        if np.bincount(f).max() > 1:  # a position filled twice on one date: one fill after the other
            _enter_in_order(book, pieces)
            return
    n = book.shares[f]
    _book_fills(book, f, n - q, n, q, p)


def _enter_in_order(book: Book, pieces: list[tuple[np.ndarray, ...]]) -> None:
    flat = np.concatenate([p[0] for p in pieces])
    u, inv = np.unique(flat, return_inverse=True)
    signed = np.concatenate([p[3] for p in pieces])
    running = book.shares[u] - np.bincount(inv, weights=signed, minlength=u.size)  # before the first fill
    at = 0
    for piece in pieces:
        f, q, p = piece[0], piece[3], piece[4]
        k = inv[at : at + f.size]
        at += f.size
        b = running[k]
        n = b + q
        running[k] = n
        _book_fills(book, f, b, n, q, p)


def _book_fills(book: Book, f: I64, b: F64, n: F64, q: F64, p: F64) -> None:
    """Fills of q shares at p moving positions f (distinct) from b to n shares."""
    e = book.entry[f]
    new = np.sign(b) != np.sign(n)  # opened, flipped or closed (a fill moves the shares: b and n both 0 never)
    added = q * b > 0.0  # bought onto a long, sold onto a short (not new: n has b's side)
    entry = np.divide(b * e + q * p, n, out=e, where=added)  # the average; e where not added
    book.entry[f] = np.where(new, np.where(n == 0.0, np.nan, p), entry)
    book.best[f[new]] = np.nan


def _exit(
    ctx: Context, book: Book, day: Day, f: I64, v: I64, a: I64, q: F64, s: F64, raw: F64, reason: np.ndarray
) -> None:
    """Close positions `f` (signed shares q, side s = +1 long, -1 short) at `raw` moved by
    slippage, paying commission."""
    slip = ctx.slippage[v]
    size = s * q
    px = raw * (1.0 - s * slip)  # a long sells below, a short buys back above
    notional = size * px
    paid = commission(ctx, v, size, notional)  # SPEC 14.8: minimums and per-share fees too, no impact
    cost = size * raw * slip
    V = ctx.V
    book.cash += per_variant(v, s * notional - paid, V)
    day.traded += per_variant(v, notional, V)
    day.costs += per_variant(v, paid + cost, V)
    book.shares[f] = 0.0
    book.entry[f] = np.nan
    book.best[f] = np.nan
    day.trade(reason, -1, f, v, a, -q, px, notional, paid, cost, np.zeros(f.size))


def _events(day: Day, v: I64, a: I64, reason: np.ndarray, entry: F64, level: F64, raw: F64, gap: B) -> None:
    """One events row per exit: the rule, its level and where it filled."""

    def detail() -> list[str]:
        return [
            f"entry {e:.6g}, level {lv:.6g}, exit {'at the open' if g else 'at the level'} {x:.6g} (before slippage)"
            for e, lv, x, g in zip(entry.tolist(), level.tolist(), raw.tolist(), gap.tolist(), strict=True)
        ]

    day.event(EVENT_OF_REASON[reason], v, a, detail)
