"""Step *fill*: the previous date's decision fills on this bar: cancel, sells first, then buys.

docs/SEMANTICS.md, *What happens on each window date*, step 2. The buys' cash rule is in
shortfall.py; `sizing = "fill_price"` re-sizing runs before, as its own step (resize.py).
"""

from __future__ import annotations

import numpy as np

from .context import Context, per_variant
from .costs import commission
from .ledger import Day
from .panel import F64, I64
from .rules import CANCELLED, IN_BAND, PARTIAL, REBALANCE, SKIPPED
from .shortfall import cut_buys, floor
from .state import Book, Decision


def fill(ctx: Context, book: Book, day: Day) -> None:
    """Every order of the pending decision resolved at this open; none survives it.

    Orders of assets that cannot trade at this open are `cancelled`, skipped ones stay `skipped`;
    sells fill at open * (1 - slippage - impact), then buys at open * (1 + slippage + impact),
    cut to the cash by the variant's cash rule (`scaled`; impact from step cap). Commission:
    costs.commission. An order step cap cut is `partial` (also when then scaled).

    Requires: book.pending, book.cash, book.shares, panel.open[t], rules (costs, cash rule).
    Sets: book.cash, book.shares, book.pending (None), day.traded, day.costs, day.fills (reason
        `rebalance`); orders rows (filled, scaled, cancelled, skipped).
    """
    d = book.pending
    if d is None:
        return
    book.pending = None
    opens = ctx.open[day.t][d.asset]
    status = np.zeros(d.flat.size, dtype=np.int8)  # FILLED
    tradable = ~np.isnan(opens)
    status[~tradable] = CANCELLED
    status[d.skipped] = SKIPPED
    if d.in_band is not None:
        status[d.in_band] = IN_BAND
    live = tradable & ~d.skipped
    # per entry of d: filled shares (signed), price, notional, commission, slippage cost (impact
    # included), impact cost
    fills = np.zeros((6, d.flat.size))
    order = d.order
    sell = (live & (order < 0)).nonzero()[0]
    if sell.size:
        _sell(ctx, book, day, d, sell, opens, fills)
    buy = (live & (order > 0)).nonzero()[0]
    if buy.size:
        _buy(ctx, book, day, d, buy, opens, fills, status)
    filled = fills[0]
    requested = order
    if d.requested is not None:  # step cap: the orders as decided, and those it cut (the rest cancelled)
        requested = d.requested
        status[live & (np.abs(order) < np.abs(requested))] = PARTIAL
    day.journal.orders.append(
        (d.date, day.date, d.variant, d.asset, d.weight, d.price, d.target, requested, order, filled, status)
    )
    moved = filled.nonzero()[0]  # a buy cut to 0 shares (cash 0, or whole shares) is no trade
    if moved.size:  # the trades in the order of d's entries: (variant, asset)
        day.trade(REBALANCE, d.date, d.flat[moved], d.variant[moved], d.asset[moved], *fills[:, moved])


def _sell(ctx: Context, book: Book, day: Day, d: Decision, sell: I64, opens: F64, fills: F64) -> None:
    """The sells (positions `sell` in d): cash gains notional - commission; their columns of `fills` set."""
    V = ctx.V
    vs = d.variant[sell]
    signed = d.order[sell]  # < 0
    q = -signed
    raw = opens[sell]
    impact = d.impact[sell] if d.impact is not None else 0.0
    px = raw * (ctx.sell_factor[vs] - impact)
    notional = q * px
    paid = commission(ctx, vs, q, notional)
    hit = q * raw * impact
    slip = q * raw * ctx.slippage[vs] + hit
    book.cash += per_variant(vs, notional - paid, V)
    day.traded += per_variant(vs, notional, V)
    day.costs += per_variant(vs, paid + slip, V)
    fills[:, sell] = signed, px, notional, paid, slip, hit
    book.shares[d.flat[sell]] -= q


def _buy(ctx: Context, book: Book, day: Day, d: Decision, buy: I64, opens: F64, fills: F64, status: np.ndarray) -> None:
    """The buys (positions `buy` in d), cut by the cash rule: cash falls by notional + commission;
    their columns of `fills` set."""
    V = ctx.V
    vb = d.variant[buy]
    raw = opens[buy]
    impact = d.impact[buy] if d.impact is not None else 0.0
    px = raw * (ctx.buy_factor[vb] + impact)
    q, cut = cut_buys(ctx, book, d, buy, vb, d.order[buy], px, raw, status)
    notional = q * px
    paid = commission(ctx, vb, q, notional, empty=True)  # a buy the cash rule cut to 0 shares
    hit = q * raw * impact
    slip = q * raw * ctx.slippage[vb] + hit
    cash = book.cash
    if ctx.signed:  # a floor below 0, or cash below it already (a delisted short's buy-back)
        f = floor(ctx, d)
        above = cash >= f  # a variant below its floor after the sells fills no buy; left as it is
        cash -= per_variant(vb, notional + paid, V)
        at_floor = ctx.lending & above & ((cash < f) | (cut & ctx.fractional))
        cash[at_floor] = f[at_floor]
    else:
        cash -= per_variant(vb, notional + paid, V)
        # exactly 0 after a cut; never float dust below 0 (unless the variant borrows)
        cash[((cash < 0.0) & ctx.lending) | (cut & ctx.fractional)] = 0.0
    day.traded += per_variant(vb, notional, V)
    day.costs += per_variant(vb, paid + slip, V)
    fills[:, buy] = q, px, notional, paid, slip, hit
    book.shares[d.flat[buy]] += q
