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

FILLED, SCALED, CANCELLED, SKIPPED, PENDING = (code(s) for s in OrderStatus)
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
