"""The execution rules of each variant (`Rules`), and the codes and tolerances the steps share.

Every rule parameter is one array entry per variant, so V variants fold at once. The integer
codes are those of ml4t_sql.choices (`code(member)`), which is how statuses, reasons, sides and
the per-variant choices travel in the fold's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..choices import CashShortfall, OrderStatus, Rounding, Side, TradeReason, code
from .panel import F64, I64, B

DUST = 1e-9
"""Orders with notional at most DUST * NAV are no orders (float noise of re-targeting)."""
SCALE_EPS = 1e-12
"""A buy scale factor within SCALE_EPS of 1 reports as `filled`, not `scaled`."""
SNAP = 1e-4
"""`rounding = "order_snap"`: an order within SNAP of a whole number is that number (zipline)."""

FILLED, SCALED, CANCELLED, SKIPPED, PENDING, PARTIAL, IN_BAND = (code(s) for s in OrderStatus)
SCALE, SEQUENTIAL, BORROW = (code(c) for c in CashShortfall)
ROUND_TARGET, ROUND_ORDER, ROUND_ORDER_SNAP = (code(r) for r in Rounding)
REBALANCE, DELISTED = code(TradeReason.REBALANCE), code(TradeReason.DELISTED)
STOP_LOSS, TAKE_PROFIT, TRAILING_STOP = (code(r) for r in (TradeReason.STOP_LOSS, TradeReason.TAKE_PROFIT,
                                                            TradeReason.TRAILING_STOP))
BUY, SELL = (code(s) for s in Side)


@dataclass(frozen=True, kw_only=True)
class Rules:
    """Execution parameters, one entry per variant (units as in `ml4t_sql.config.Execution`)."""

    initial_cash: F64
    fill_price_sizing: B
    fractional: B
    commission_rate: F64
    slippage_rate: F64
    min_trade_value: F64
    cash_shortfall: I64 | None = None
    """Codes SCALE, SEQUENTIAL, BORROW per variant; None: SCALE for all (the default rule)."""
    rounding: I64 | None = None
    """Whole shares: codes ROUND_TARGET (None: all), ROUND_ORDER, ROUND_ORDER_SNAP per variant."""
    max_leverage: F64 | None = None
    """The gross weight limit per variant; the buys' cash floor is (1 - max_leverage) x the NAV the
    decision was sized with. None: 1 for all (floor 0, the default rule)."""
    cash_rate: F64 | None = None
    """Annual rate on positive cash (decimal; None: 0), before the first row of `Panel.finance.rate`."""
    margin_rate: F64 | None = None
    """Annual rate on negative cash (decimal; None: 0)."""
    short_fee: F64 | None = None
    """Annual fee on the absolute market value of shorts (decimal; None: 0), unless
    `Panel.finance.fee` overrides it for an asset."""

    max_participation: F64 | None = None
    """The largest fill per order as a fraction of the fill bar's volume (inf: no cap); None: no cap."""
    commission_per_share: F64 | None = None
    """Commission per filled share (None: 0); adds to commission_rate x notional."""
    commission_min: F64 | None = None
    """The least commission of a fill with shares > 0 (None: 0)."""
    impact_coefficient: F64 | None = None
    """Square-root impact: the price moves by this x sigma x sqrt(shares / volume) (None: 0)."""
    impact_vol_window: I64 | None = None
    """The returns in impact's sigma per variant (one of `Panel.sigma_windows`); None: 20."""
    drift_band: F64 | None = None
    """|current weight - target weight| at most this skips the order (`in_band`); NaN: no band."""
    lot_size: F64 | None = None
    """Whole shares: targets round toward zero to a multiple of this (1: whole shares; None: 1)."""

    @property
    def any_cap(self) -> bool:
        return self.max_participation is not None and bool(np.isfinite(self.max_participation).any())

    @property
    def any_fixed_commission(self) -> bool:
        return any(r is not None and bool(r.any()) for r in (self.commission_per_share, self.commission_min))

    @property
    def any_impact(self) -> bool:
        return self.impact_coefficient is not None and bool(self.impact_coefficient.any())

    @property
    def any_band(self) -> bool:
        return self.drift_band is not None and bool((~np.isnan(self.drift_band)).any())

    @property
    def any_lot(self) -> bool:
        return self.lot_size is not None and bool((self.lot_size != 1.0).any())

    stop_loss: F64 | None = None
    """`[risk]` levels per variant as fractions (0.1 = 10%; NaN: off), None: off for all (step stops)."""
    take_profit: F64 | None = None
    trailing_stop: F64 | None = None
    reentry_after: I64 | None = None
    """Decisions an asset stays at target 0 after a risk exit (None: 0 for all)."""
    max_drawdown: F64 | None = None
    """Drawdown from the running peak that halts a variant (fraction; NaN: off; None: off for all)."""
    halt_dates: I64 | None = None
    """Window dates without a decision after a halt (None: 21 for all)."""

    @property
    def any_stops(self) -> bool:
        """Some variant has a stop_loss, take_profit or trailing_stop (needs the panel's high and low)."""
        return any(r is not None and bool((~np.isnan(r)).any()) for r in
                   (self.stop_loss, self.take_profit, self.trailing_stop))  # fmt: skip

    @property
    def any_drawdown(self) -> bool:
        """Some variant has a max_drawdown."""
        return self.max_drawdown is not None and bool((~np.isnan(self.max_drawdown)).any())

    @property
    def any_financing(self) -> bool:
        """Some variant earns or pays financing at its own rates (a relation aside)."""
        return any(r is not None and bool(r.any()) for r in (self.cash_rate, self.margin_rate, self.short_fee))

    @property
    def n_variants(self) -> int:
        return int(self.initial_cash.size)
