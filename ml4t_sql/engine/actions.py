"""Step *actions*: corporate actions on raw prices at their ex-date, after financing, before delisting.

docs/SEMANTICS.md, *Corporate actions*; SPEC 12 and 14.1, 14.12.
"""

from __future__ import annotations

import numpy as np

from ..choices import EventRule, code
from .context import Context, per_variant
from .ledger import Day
from .panel import F64, I64
from .state import Book

SPLIT, DIVIDEND = code(EventRule.SPLIT), code(EventRule.DIVIDEND)


def actions(ctx: Context, book: Book, day: Day) -> None:
    """The dividends and splits of ex-date t, on the holdings of the previous close.

    Per held (variant, asset) with an action on t, in this order: cash += dividend x shares
    (a short pays it); then shares x= split, a whole-share variant keeping the part toward zero
    and taking the fraction in cash at ``previous last close / split`` (a short pays for its
    fraction). An `events` row per rule that applied. The pending decision (from t - 1) is
    scaled: target and order shares x split (whole shares: toward zero), decision prices and
    closes / split. The panel's last closes are raw: from t on they are post-split already
    (a split needs a bar on its ex-date, data.actions).

    Requires: panel.actions at t, panel.last_close[t - 1] (or the chunk's prev_close),
        book.shares and book.cash (the previous close's, after step finance), book.pending.
    Sets: book.cash (+ dividends, + cash in lieu), book.shares, book.pending's target, order,
        price, close_row; day.dividends [V]; events rows (split, dividend).
    """
    if ctx.actions_ptr is None:
        return
    t = day.t
    lo, hi = ctx.actions_ptr[t], ctx.actions_ptr[t + 1]
    if lo == hi:
        return
    acts = ctx.panel.actions
    assert acts is not None
    asset, split, dividend = acts.asset[lo:hi], acts.split[lo:hi], acts.dividend[lo:hi]
    flat = (ctx.variant_base + asset).ravel()  # variant-major: (variant, asset) order
    k = np.tile(np.arange(asset.size), ctx.V)
    held = book.shares[flat]
    on = held != 0
    if on.any():
        _book(ctx, book, day, flat[on], k[on], held[on], split, dividend, _previous_close(ctx, t, asset))
    if (split != 1.0).any():
        _scale_pending(ctx, book, asset, split)


def _previous_close(ctx: Context, t: int, asset: I64) -> F64:
    if t > 0:
        return ctx.last_close[t - 1, asset]
    assert ctx.panel.actions is not None
    return ctx.panel.actions.prev_close[asset]


def _book(
    ctx: Context, book: Book, day: Day, f: I64, k: I64, held: F64, split: F64, dividend: F64, prev: F64
) -> None:
    """Dividends, then splits, of the held entries `f` (flat) of actions `k`."""
    V = ctx.V
    v, a = np.divmod(f, ctx.N)
    d = dividend[k]
    paid = d != 0.0
    if paid.any():
        cash = d[paid] * held[paid]
        book.cash += per_variant(v[paid], cash, V)
        day.dividends += per_variant(v[paid], cash, V)
        detail = [f"{x:.10g} per share on {q:.10g} shares" for x, q in zip(d[paid], held[paid], strict=True)]
        day.event(DIVIDEND, v[paid], a[paid], detail)
    s = split[k]
    moved = s != 1.0
    if not moved.any():
        return
    fm, vm, sm, qm = f[moved], v[moved], s[moved], held[moved]
    new = qm * sm
    kept = np.where(ctx.fractional[vm], new, np.trunc(new))
    price = prev[k[moved]] / sm
    lieu = (new - kept) * price
    book.cash += per_variant(vm, lieu, V)
    book.shares[fm] = kept
    if book.entry.size:  # [risk] (SPEC 14.12): entry prices and trailing references in post-split prices
        gone = kept == 0.0
        book.entry[fm] = np.where(gone, np.nan, book.entry[fm] / sm)
        book.best[fm] = np.where(gone, np.nan, book.best[fm] / sm)
    detail = [
        f"ratio {x:.10g}: {q:.10g} -> {n:.10g} shares" + (f", {r:.10g} paid in cash at {p:.10g}" if r else "")
        for x, q, n, r, p in zip(sm, qm, kept, new - kept, price, strict=True)
    ]
    day.event(SPLIT, vm, a[moved], detail)


def _scale_pending(ctx: Context, book: Book, asset: I64, split: F64) -> None:
    """The decision of t - 1, waiting for this open, in post-split shares and prices."""
    d = book.pending
    if d is None:
        return
    ratio = np.ones(ctx.N)
    ratio[asset] = split
    r = ratio[d.asset]
    if (r == 1.0).all():
        return
    whole = ~ctx.fractional[d.variant]
    d.target = np.where(whole, np.trunc(d.target * r), d.target * r)
    d.order = np.where(whole, np.trunc(d.order * r), d.order * r)
    d.price = d.price / r
    if d.close_row is not None:
        d.close_row = d.close_row / ratio
