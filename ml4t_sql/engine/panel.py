"""The fold's inputs over a window of dates: prices (`Panel`) and target weights (`Targets`).

Both are dense or CSR NumPy arrays indexed by window date index (local to the chunk) and asset
index; ml4t_sql.data.panel builds them from relations. The fold only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from .sigma import WindowSigma

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True)
class Finance:
    """Per-date financing inputs over the window's T dates (step finance).

    days: calendar days since the previous window date (0 on the window's first date).
    rate: the `[data] rates` rate in force at the previous close (the latest row dated <= the
        previous window date), NaN before the first row (the variant's `cash_rate` applies);
        None: no rates relation.
    fee: [T, N] the `[data] borrow_fees` fee in force at the previous close per asset, NaN where
        none (the variant's `short_fee` applies); None: no borrow_fees relation.
    prev_close: [N] every asset's last close on the window date before the first date of this
        chunk (NaN: none; the window's first date accrues nothing).
    """

    days: F64
    rate: F64 | None = None
    fee: F64 | None = None
    prev_close: F64 | None = None

    def chunk(self, start: int, stop: int, last_close: F64) -> Finance:
        """Dates start..stop-1 (views), `last_close` the whole panel's (for the previous close)."""
        prev = last_close[start - 1] if start > 0 else self.prev_close
        return Finance(self.days[start:stop], None if self.rate is None else self.rate[start:stop],
                       None if self.fee is None else self.fee[start:stop], prev)  # fmt: skip


@dataclass(frozen=True)
class Actions:
    """Corporate actions by ex-date over the window's T dates (step actions), CSR like the delistings.

    Date t's actions are entries ptr[t]:ptr[t+1], sorted by asset, one per asset: `split` the
    ratio of new to old shares (1: none), `dividend` cash per old share (0: none).
    prev_close: [N] every asset's last close on the window date before this chunk's first date
    (NaN: none), for the cash in lieu of a whole-share split on the chunk's first date.
    """

    ptr: I64
    asset: I64
    split: F64
    dividend: F64
    prev_close: F64

    def chunk(self, start: int, stop: int, prev_close: F64) -> Actions:
        """Dates start..stop-1 (views), `prev_close` the last closes of date start - 1."""
        k0, k1 = int(self.ptr[start]), int(self.ptr[stop])
        prev = prev_close
        return Actions(self.ptr[start : stop + 1] - k0, self.asset[k0:k1], self.split[k0:k1],
                       self.dividend[k0:k1], prev)  # fmt: skip


@dataclass(frozen=True)
class Panel:
    """Dense daily prices over the window: T dates x N assets.

    open: open where the asset can trade at that open, NaN otherwise (no bar, or NULL open).
    last_close: close of the latest bar at or before each date, NaN before the first bar.
    delist_ptr, delist_asset: per date, the assets reaching `delist_after` dates without a bar
        (CSR layout: date t's assets are delist_asset[delist_ptr[t]:delist_ptr[t+1]]).
    finance: calendar days, rates and borrow fees for step finance (None: no financing inputs;
        then the rules' rates must be 0).
    actions: splits and dividends by ex-date for step actions (None: no `[data] actions`).
    volume: [T, N] the bar's volume, NaN without a bar or with a NULL volume (step cap; None:
        no variant caps or prices impact).
    bars: [T, N] True where the asset has a bar, loaded with `volume` (impact's sigma computes
        the bars' returns from them and last_close: ml4t_sql.data.capacity; the fold never reads it).
    sigma: [K, T, N] impact's sigma for an order filling on t (its decision's returns, one plane
        per window of `sigma_windows`), read as sigma[k, t, a]: an array, or a sigma.WindowSigma
        that computes the entries asked for; None: no variant prices impact.
    high, low: the bar's high and low, NaN where no bar or NULL (step stops; None: not loaded,
        which rules with stops refuse).
    """

    open: F64
    last_close: F64
    delist_ptr: I64
    delist_asset: I64
    finance: Finance | None = None
    actions: Actions | None = None
    volume: F64 | None = None
    sigma: F64 | WindowSigma | None = None
    sigma_windows: tuple[int, ...] = ()
    high: F64 | None = None
    low: F64 | None = None
    bars: B | None = None

    @property
    def n_dates(self) -> int:
        return int(self.open.shape[0])

    @property
    def n_assets(self) -> int:
        return int(self.open.shape[1])

    def chunk(self, start: int, stop: int) -> Panel:
        """Dates start..stop-1 (views, no copies)."""
        p0, p1 = int(self.delist_ptr[start]), int(self.delist_ptr[stop])
        finance = None if self.finance is None else self.finance.chunk(start, stop, self.last_close)
        actions = None
        if self.actions is not None:
            prev = self.last_close[start - 1] if start > 0 else self.actions.prev_close
            actions = self.actions.chunk(start, stop, prev)
        rows = {k: None if x is None else x[start:stop] for k, x in (("high", self.high), ("low", self.low))}
        return Panel(self.open[start:stop], self.last_close[start:stop], self.delist_ptr[start : stop + 1] - p0,
                     self.delist_asset[p0:p1], finance, actions,
                     volume=None if self.volume is None else self.volume[start:stop],
                     sigma=_chunk_sigma(self.sigma, start, stop),
                     sigma_windows=self.sigma_windows, bars=None if self.bars is None else self.bars[start:stop],
                     **rows)  # fmt: skip


@dataclass(frozen=True)
class Targets:
    """Target weights of V variants (CSR by date index).

    is_rebalance: bool [V, T]. Date t's targets are the triples (variant, asset, weight) at
    positions ptr[t]:ptr[t+1], sorted by (variant, asset).
    stale_ptr, stale_variant, stale_asset: per date (CSR, sorted by (variant, asset)), the assets a
        `stale = "hold"` variant keeps if it holds them (no bar or no finite signal on that
        rebalance date: step keep_stale); empty (stale_ptr None) when no variant holds.
    long_exposure, short_exposure: [V] each variant's leg exposures (the strategy's
        `long_exposure`, `short_exposure`), which a kept asset's weight reduces.
    """

    is_rebalance: B
    ptr: I64
    variant: I64
    asset: I64
    weight: F64
    stale_ptr: I64 | None = None
    stale_variant: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    stale_asset: I64 = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    long_exposure: F64 | None = None
    short_exposure: F64 | None = None

    def chunk(self, start: int, stop: int) -> Targets:
        """Dates start..stop-1 (views, no copies)."""
        k0, k1 = int(self.ptr[start]), int(self.ptr[stop])
        stale: dict[str, np.ndarray] = {}
        if self.stale_ptr is not None:
            s0, s1 = int(self.stale_ptr[start]), int(self.stale_ptr[stop])
            stale = dict(stale_ptr=self.stale_ptr[start : stop + 1] - s0, stale_variant=self.stale_variant[s0:s1],
                         stale_asset=self.stale_asset[s0:s1])  # fmt: skip
        return Targets(self.is_rebalance[:, start:stop], self.ptr[start : stop + 1] - k0, self.variant[k0:k1],
                       self.asset[k0:k1], self.weight[k0:k1], long_exposure=self.long_exposure,
                       short_exposure=self.short_exposure, **stale)  # fmt: skip


def _chunk_sigma(sigma: F64 | WindowSigma | None, start: int, stop: int) -> F64 | WindowSigma | None:
    if sigma is None:
        return None
    return sigma[:, start:stop] if isinstance(sigma, np.ndarray) else sigma.chunk(start, stop)
