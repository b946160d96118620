"""Step *actions*: corporate actions on raw prices at their ex-date, after financing, before delisting.

docs/SEMANTICS.md, *Corporate actions*; SPEC 12 and 14.1, 14.12.
"""

from __future__ import annotations

import numpy as np

from ..choices import EventRule, code
from .context import Context, per_variant
from .ledger import Day
from .panel import F64, I64
from .rules import ROUND_TARGET
from .state import Book

SPLIT, DIVIDEND = code(EventRule.SPLIT), code(EventRule.DIVIDEND)


def actions(ctx: Context, book: Book, day: Day) -> None:
    """The dividends and splits of ex-date t, on the holdings of the previous close.

    Per held (variant, asset) with an action on t, in this order: cash += dividend x shares
    (a short pays it); then shares x= split, a whole-share variant keeping the part toward zero
    and taking the fraction in cash at ``previous last close / split`` (a short pays for its
    fraction). An `events` row per rule that applied. The pending decision (from t - 1) is
    restated: shares x split; whole shares round the target toward zero to a multiple of
    `lot_size` and order what reaches it from the post-split holding (an exit sells all of it), or
    (`rounding = "order"`) the order so, the target what it makes; a holding keeps its odd lot
    (only fractions go to cash). Decision prices and
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
    moved = r != 1.0
    whole = moved & ~ctx.fractional[d.variant]
    lot = ctx.lot[d.variant]  # whole shares: toward zero to a multiple of the lot (1: a share)
    held = book.shares[d.flat]  # post-split (_book ran first)
    by_order = np.zeros(r.size, dtype=bool)
    if ctx.rules.rounding is not None:  # rounding "order": the order in lots, the target what it makes
        by_order = whole & (ctx.rules.rounding[d.variant] != ROUND_TARGET)
    by_target = whole & ~by_order  # the target in lots, the order what reaches it
    target = np.where(by_target, np.trunc(d.target * r / lot) * lot, d.target * r)
    order = np.where(by_order, np.trunc(d.order * r / lot) * lot, np.where(by_target, target - held, d.order * r))
    d.target, d.order = np.where(by_order, held + order, target), order
    d.price = d.price / r
    if d.close_row is not None:
        d.close_row = d.close_row / ratio
