"""The fold: the only loop over dates. Pure arrays in, arrays out; no I/O, no SQL.

The state is `cash[V]` and `shares[V, N]`: V variants of one strategy (a single run is V = 1; a
sweep folds all its variants at once) over N assets. Every step below is array arithmetic over
that state, so nothing loops over assets or variants in Python.

Each window date t runs, in order (docs/SEMANTICS.md has every rule):

1. delisting: held assets on their `delist_after`-th consecutive date without a bar are sold at
   their last close, before any fill;
2. fills of the previous date's decision, all on this bar: cancel where the asset cannot trade at
   this open, sells first, then buys, scaled by one common factor per variant if cash is short;
3. the close: NAV, exposures, turnover, costs, positions;
4. a decision, for the variants rebalancing on t: target shares from target weights, orders =
   target - current, dust dropped, small orders skipped; on the last date they stay `pending`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]

DUST = 1e-9
"""Orders with notional at most DUST * NAV are no orders (float noise of re-targeting)."""
SCALE_EPS = 1e-12
"""A buy scale factor within SCALE_EPS of 1 reports as `filled`, not `scaled`."""

# status codes of the orders table, in the order of ORDER_STATUSES
FILLED, SCALED, CANCELLED, SKIPPED, PENDING = range(5)
ORDER_STATUSES = ("filled", "scaled", "cancelled", "skipped", "pending")
REBALANCE, DELISTED = 0, 1
TRADE_REASONS = ("rebalance", "delisted")


@dataclass(frozen=True)
class Panel:
    """Dense daily prices over the window: T dates x N assets.

    open: open where the asset can trade at that open, NaN otherwise (no bar, or NULL open).
    last_close: close of the latest bar at or before each date, NaN before the first bar.
    delist_ptr, delist_asset: per date, the assets reaching `delist_after` dates without a bar
        (CSR layout: date t's assets are delist_asset[delist_ptr[t]:delist_ptr[t+1]]).
    """

    open: F64
    last_close: F64
    delist_ptr: I64
    delist_asset: I64

    @property
    def n_dates(self) -> int:
        return int(self.open.shape[0])

    @property
    def n_assets(self) -> int:
        return int(self.open.shape[1])


@dataclass(frozen=True)
class Targets:
    """Target weights of V variants (CSR by date index).

    is_rebalance: bool [V, T]. Date t's targets are the triples (variant, asset, weight) at
    positions ptr[t]:ptr[t+1].
    """

    is_rebalance: B
    ptr: I64
    variant: I64
    asset: I64
    weight: F64


@dataclass(frozen=True, kw_only=True)
class Rules:
    """Execution parameters, one entry per variant (units as in `ml4t_sql.config.Execution`)."""

    initial_cash: F64
    fill_price_sizing: B
    fractional: B
    commission_rate: F64
    slippage_rate: F64
    min_trade_value: F64

    @property
    def n_variants(self) -> int:
        return int(self.initial_cash.size)


@dataclass(frozen=True)
class Ledger:
    """Everything the fold produced, keyed by variant, date and asset indices."""

    equity: dict[str, np.ndarray]
    trades: dict[str, np.ndarray]
    orders: dict[str, np.ndarray]
    positions: dict[str, np.ndarray]


@dataclass
class _Decision:
    """Orders decided at the close of `date`, waiting for the next open. Arrays are [V, N]."""

    date: int
    rows: B  # an order exists (not dust)
    candidate: B  # targeted or held at the decision (fill_price re-sizes these)
    weight: F64
    target: F64
    order: F64
    skipped: B
    price: F64  # [N] last close at the decision
    nav: F64  # [V] NAV at the decision


class _Log:
    """Rows of one output table, appended per date as (scalar, arrays...); built once at the end."""

    def __init__(self, scalar: tuple[str, type], arrays: tuple[tuple[str, type], ...]) -> None:
        self.scalar, self.arrays = scalar, arrays
        self.rows: list[tuple[object, ...]] = []

    def build(self, order: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        names = (self.scalar, *self.arrays)
        if not self.rows:
            return {name: np.empty(0, dtype=dtype) for name, dtype in names}
        columns = list(zip(*self.rows, strict=True))
        sizes = np.fromiter((a.size for a in columns[1]), dtype=np.int64, count=len(self.rows))  # type: ignore[attr-defined]
        out: dict[str, np.ndarray] = {self.scalar[0]: np.repeat(np.asarray(columns[0], dtype=self.scalar[1]), sizes)}
        for (name, dtype), values in zip(self.arrays, columns[1:], strict=True):
            out[name] = np.concatenate(values).astype(dtype, copy=False)  # type: ignore[arg-type]
        if order:
            perm = np.lexsort(tuple(out[key] for key in reversed(order)))
            out = {name: col[perm] for name, col in out.items()}
        return out


def run_fold(panel: Panel, targets: Targets, rules: Rules, progress: object = None) -> Ledger:
    """Fold the window's dates into the ledger (see the module docstring for the steps)."""
    T, N, V = panel.n_dates, panel.n_assets, rules.n_variants
    open_, last_close = panel.open, panel.last_close
    delist_ptr = panel.delist_ptr.tolist()
    target_ptr = targets.ptr.tolist()
    rebalancing = targets.is_rebalance.T.copy()  # [T, V]
    any_rebalance: list[bool] = np.asarray(rebalancing.any(axis=1)).tolist()

    commission = rules.commission_rate[:, None]
    slippage = rules.slippage_rate[:, None]
    fractional = rules.fractional
    whole = ~fractional[:, None]
    any_whole = bool(whole.any())
    min_value = rules.min_trade_value[:, None]
    any_min_value = bool((min_value > 0).any())
    fill_price = rules.fill_price_sizing
    any_fill_price = bool(fill_price.any())

    cash = rules.initial_cash.astype(np.float64).copy()
    shares = np.zeros((V, N))
    eq_cash, eq_mv, eq_gross = np.zeros((T, V)), np.zeros((T, V)), np.zeros((T, V))
    eq_traded, eq_costs = np.zeros((T, V)), np.zeros((T, V))

    # trades: shares are signed here (< 0 sells); the table splits them into side and shares
    trades = _Log(
        ("date", np.int64),
        (("variant", np.int64), ("asset", np.int64), ("shares", np.float64), ("price", np.float64),
         ("notional", np.float64), ("commission", np.float64), ("slippage_cost", np.float64),
         ("reason", np.int8), ("decision", np.int64)),
    )  # fmt: skip
    orders = _Log(
        ("decision", np.int64),
        (("fill", np.int64), ("variant", np.int64), ("asset", np.int64), ("weight", np.float64),
         ("price", np.float64), ("target", np.float64), ("order", np.float64), ("filled", np.float64),
         ("status", np.int8)),
    )  # fmt: skip
    positions = _Log(
        ("date", np.int64),
        (("variant", np.int64), ("asset", np.int64), ("shares", np.float64), ("close", np.float64)),
    )

    pending: _Decision | None = None
    for t in range(T):
        traded = np.zeros(V)
        costs = np.zeros(V)

        # 1. delisting: sell at the last close, before fills
        if delist_ptr[t] != delist_ptr[t + 1]:
            gone = panel.delist_asset[delist_ptr[t] : delist_ptr[t + 1]]
            held = shares[:, gone]
            v, k = held.nonzero()
            if v.size:
                a = gone[k]
                q = held[v, k]
                px = last_close[t, a]
                cash += np.bincount(v, weights=q * px, minlength=V)
                notional = np.abs(q) * px
                traded += np.bincount(v, weights=notional, minlength=V)
                zero = np.zeros(v.size)
                trades.rows.append(
                    (t, v, a, -q, px, notional, zero, zero, np.full(v.size, DELISTED), np.full(v.size, -1))
                )
                shares[v, a] = 0.0

        # 2. fills of yesterday's decision, all on this bar
        if pending is not None:
            d, pending = pending, None
            opens = open_[t]
            if any_fill_price:
                _resize_at_open(d, cash, shares, opens, last_close[d.date], fill_price, whole, min_value)
            tradable = ~np.isnan(opens)
            safe_open = np.where(tradable, opens, 0.0)
            live = d.rows & ~d.skipped & tradable
            order = d.order

            sell_q = np.where(live & (order < 0), -order, 0.0)
            sell_px = safe_open * (1.0 - slippage)
            sell_notional = sell_q * sell_px
            sell_fee = sell_notional * commission
            sold = sell_notional.sum(axis=1)
            fees = sell_fee.sum(axis=1)
            cash += sold - fees
            traded += sold
            costs += fees + (sell_q * safe_open * slippage).sum(axis=1)
            shares -= sell_q

            buy = live & (order > 0)
            buy_q = np.where(buy, order, 0.0)
            buy_px = safe_open * (1.0 + slippage)
            need = (buy_q * buy_px).sum(axis=1) * (1.0 + commission[:, 0])
            scaled = need > cash
            if scaled.any():
                scale = np.where(scaled, cash / np.where(scaled, need, 1.0), 1.0)
                buy_q = buy_q * scale[:, None]
                if any_whole:
                    buy_q = np.where(whole, np.trunc(buy_q), buy_q)
            else:
                scale = np.ones(V)
            buy_notional = buy_q * buy_px
            buy_fee = buy_notional * commission
            bought = buy_notional.sum(axis=1)
            fees = buy_fee.sum(axis=1)
            cash -= bought + fees
            cash[(cash < 0.0) | (scaled & fractional)] = 0.0  # exactly 0 after a cut; never dust below 0
            traded += bought
            costs += fees + (buy_q * safe_open * slippage).sum(axis=1)
            shares += buy_q

            # the ledger of this bar: one order row per (variant, asset) decided, trades where shares moved
            v, a = d.rows.nonzero()
            status = np.where(d.skipped[v, a], SKIPPED, np.where(tradable[a], FILLED, CANCELLED)).astype(np.int8)
            cut = buy[v, a] & (scale[v] < 1.0 - SCALE_EPS)
            status[cut] = SCALED
            filled = buy_q[v, a] - sell_q[v, a]
            orders.rows.append(
                (
                    d.date,
                    np.full(v.size, t),
                    v,
                    a,
                    d.weight[v, a],
                    d.price[a],
                    d.target[v, a],
                    order[v, a],
                    filled,
                    status,
                )
            )
            moved = filled != 0
            v, a, q = v[moved], a[moved], filled[moved]
            selling = q < 0
            px = np.where(selling, sell_px[v, a], buy_px[v, a])
            notional = np.abs(q) * px
            fee = np.where(selling, sell_fee[v, a], buy_fee[v, a])
            trades.rows.append(
                (t, v, a, q, px, notional, fee, np.abs(q) * safe_open[a] * slippage[v, 0],
                 np.full(v.size, REBALANCE), np.full(v.size, d.date))
            )  # fmt: skip

        # 3. the close
        close = last_close[t]
        valued = np.where(np.isnan(close), 0.0, close)  # nothing is held before its first bar
        values = shares * valued
        market_value = values.sum(axis=1)
        nav = cash + market_value
        eq_cash[t], eq_mv[t], eq_gross[t] = cash, market_value, np.abs(values).sum(axis=1)
        eq_traded[t], eq_costs[t] = traded, costs
        v, a = shares.nonzero()
        if v.size:
            positions.rows.append((t, v, a, shares[v, a], close[a]))

        # 4. the decision, for the variants rebalancing on t
        if any_rebalance[t]:
            weight = np.zeros((V, N))
            k0, k1 = target_ptr[t], target_ptr[t + 1]
            weight[targets.variant[k0:k1], targets.asset[k0:k1]] = targets.weight[k0:k1]
            candidate = ((weight != 0) | (shares != 0)) & rebalancing[t][:, None]
            target = weight * nav[:, None] / np.where(valued > 0, valued, 1.0)
            if any_whole:
                target = np.where(whole, np.trunc(target), target)
            order = np.where(candidate, target - shares, 0.0)
            notional = np.abs(order) * valued
            rows = candidate & (notional > DUST * nav[:, None])
            skipped = rows & (notional < min_value) if any_min_value else np.zeros((V, N), dtype=bool)
            if any_fill_price and t < T - 1:  # re-sized at the next open, where dust and skips are decided
                rows = np.where(fill_price[:, None], candidate, rows)
                skipped &= ~fill_price[:, None]
            decision = _Decision(t, rows, candidate, weight, target, order, skipped, close, nav.copy())
            if t == T - 1:
                v, a = rows.nonzero()
                status = np.where(skipped[v, a], SKIPPED, PENDING).astype(np.int8)
                orders.rows.append(
                    (t, np.full(v.size, -1), v, a, weight[v, a], close[a], target[v, a], order[v, a],
                     np.zeros(v.size), status)
                )  # fmt: skip
            elif rows.any():
                pending = decision
        if progress is not None:
            progress(t + 1, T)  # type: ignore[operator]

    nav_all = eq_cash + eq_mv
    nav_prev = np.vstack([rules.initial_cash[None, :], nav_all[:-1]])
    equity = {
        "date": np.repeat(np.arange(T, dtype=np.int64), V),
        "variant": np.tile(np.arange(V, dtype=np.int64), T),
        "cash": eq_cash.ravel(),
        "market_value": eq_mv.ravel(),
        "nav": nav_all.ravel(),
        "return": (nav_all / nav_prev - 1.0).ravel(),
        "gross_exposure": (eq_gross / nav_all).ravel(),
        "net_exposure": (eq_mv / nav_all).ravel(),
        "turnover": (eq_traded / nav_prev).ravel(),
        "costs": eq_costs.ravel(),
    }
    return Ledger(
        equity=equity,
        trades=trades.build(("variant", "date", "asset")),
        orders=orders.build(("variant", "decision", "asset")),
        positions=positions.build(("variant", "date", "asset")),
    )


def _resize_at_open(
    d: _Decision, cash: F64, shares: F64, opens: F64, decision_close: F64, fill_price: B, whole: B, min_value: F64
) -> None:
    """`sizing = "fill_price"` variants: targets re-sized with NAV and prices at this open.

    SEMANTICS (Sizing): after delisting credits; assets that cannot trade at this open are valued
    and sized at the decision close; dust and `min_trade_value` use the decision close and NAV.
    """
    p = np.where(np.isnan(opens), decision_close, opens)
    valued = np.where(np.isnan(p), 0.0, p)
    nav_open = cash + (shares * valued).sum(axis=1)
    target = d.weight * nav_open[:, None] / np.where(valued > 0, valued, 1.0)
    target = np.where(whole, np.trunc(target), target)
    order = np.where(d.candidate, target - shares, 0.0)
    notional = np.abs(order) * np.where(np.isnan(decision_close), 0.0, decision_close)
    rows = d.candidate & (notional > DUST * d.nav[:, None])
    skipped = rows & (notional < min_value)
    use = fill_price[:, None]
    d.target = np.where(use, target, d.target)
    d.order = np.where(use, order, d.order)
    d.rows = np.where(use, rows, d.rows)
    d.skipped = np.where(use, skipped, d.skipped)
