"""What every step may read and no step changes: the inputs of one fold and their per-fold invariants.

`Context` is built once per call of run_fold, so that the steps, run once per date, find every
per-variant rule array, flag and pointer list ready (the per-date budget is a few microseconds of
Python; hoisting is what keeps it). The one writable member is `weight_buf`, a scratch array
that a step must leave as it found it (all zeros).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from .panel import F64, I64, B, Panel, Targets
from .risk import Risk
from .rules import BORROW, SEQUENTIAL, Rules
from .state import FoldState


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """The inputs of a fold (a chunk of T dates of a window), as the steps read them.

    T, N, V: dates of the chunk, assets, variants; t0: window index of the chunk's first date;
    n_dates: the window's length; last: local index of the window's last date (>= T when the
    window goes on after this chunk).
    """

    panel: Panel
    targets: Targets
    rules: Rules
    T: int
    N: int
    V: int
    t0: int
    n_dates: int
    last: int
    # prices
    open: F64
    last_close: F64
    delist_ptr: list[int]
    variant_base: I64  # [V, 1] variant * N, to make flat indices from asset indices
    # targets
    target_ptr: list[int]
    target_flat: I64  # variant * N + asset of every target row
    rebalancing: B  # [T, V]
    any_rebalance: list[bool]
    all_rebalance: list[bool]
    stale_ptr: list[int] | None  # per date, the assets kept under `stale = "hold"` (None: no variant holds)
    stale_flat: I64
    long_exposure: F64  # [V]
    short_exposure: F64  # [V]
    # rules
    commission: F64
    slippage: F64
    sell_factor: F64  # 1 - slippage: sell price / open
    buy_factor: F64  # 1 + slippage: buy price / open
    buy_cost: F64  # 1 + commission: cash a buy takes per notional
    fractional: B
    any_whole: bool
    fill_price: B
    any_fill_price: bool
    sequential: B
    borrowing: B
    lending: B  # ~borrowing: variants whose cash never goes below 0
    any_sequential: bool
    any_borrowing: bool
    # financing (step finance)
    financing: bool  # some variant earns or pays financing on some date (False: the step returns at once)
    days: list[float]  # calendar days since the previous window date, per date
    cash_rate: F64  # [V]
    margin_rate: F64  # [V]
    short_fee: F64  # [V]
    rate: list[float] | None  # the rates relation's rate in force per date (NaN: cash_rate); None: no relation
    fee: F64 | None  # [T, N] borrow fee per date and asset (NaN: short_fee); None: no relation
    any_short_fee: bool  # some variant or asset has a nonzero short fee
    prev_close: F64 | None  # [N] last closes of the date before the chunk
    actions_ptr: list[int] | None  # per date, the panel's corporate actions (step actions); None: no relation
    floor_rate: F64  # [V] 1 - max_leverage: the buys' cash floor per unit of the decision's NAV (<= 0)
    any_leverage: bool  # some variant's floor is below 0
    signed: bool  # leverage, borrowing or shorts (negative targets or holdings): the floor and NAV <= 0 rules run
    # capacity and trading costs (steps cap, fill; decide: drift band; sizing: lots)
    capacity: bool  # some variant caps by volume or prices impact (False: step cap returns at once)
    any_cap: bool
    all_cap: bool  # every variant caps (no inf in participation)
    participation: F64  # [V] max_participation (inf: no cap)
    any_fixed_commission: bool  # some variant pays per share or a minimum (False: bps only)
    per_share: F64  # [V]
    commission_min: F64  # [V]
    any_impact: bool
    impact: F64  # [V] impact_coefficient
    sigma_index: I64  # [V] each variant's plane of panel.sigma (0 where it prices no impact)
    one_plane: bool  # panel.sigma has one plane (every variant reads plane 0)
    any_band: bool
    band: F64  # [V] drift_band (NaN: none)
    any_lot: bool
    lot: F64  # [V] lot_size (1: whole shares)
    risk: Risk | None  # the `[risk]` rules (steps stops, trail, drawdown, reentry); None: no variant has one
    # scratch
    weight_buf: F64  # [V * N] zeros; a step may fill entries and must reset them

    @classmethod
    def build(cls, panel: Panel, targets: Targets, rules: Rules, state: FoldState) -> Context:
        T, N, V = panel.n_dates, panel.n_assets, rules.n_variants
        rebalancing = np.ascontiguousarray(targets.is_rebalance.T)
        shortfall = rules.cash_shortfall if rules.cash_shortfall is not None else np.zeros(V, dtype=np.int64)
        sequential, borrowing = shortfall == SEQUENTIAL, shortfall == BORROW
        fin = panel.finance
        zero = np.zeros(V)
        cash_rate = rules.cash_rate if rules.cash_rate is not None else zero
        margin_rate = rules.margin_rate if rules.margin_rate is not None else zero
        short_fee = rules.short_fee if rules.short_fee is not None else zero
        if fin is None and rules.any_financing:
            raise ValueError("rules with financing rates need panel.finance (the calendar days between dates)")
        fee = None if fin is None else fin.fee
        any_fee = bool(short_fee.any()) or (fee is not None and bool(np.nan_to_num(fee).any()))
        financing = fin is not None and (rules.any_financing or fin.rate is not None or any_fee)
        floor_rate = 1.0 - (rules.max_leverage if rules.max_leverage is not None else np.ones(V))
        participation = rules.max_participation if rules.max_participation is not None else np.full(V, np.inf)
        impact = rules.impact_coefficient if rules.impact_coefficient is not None else zero
        windows = rules.impact_vol_window if rules.impact_vol_window is not None else np.full(V, 20, dtype=np.int64)
        if (rules.any_cap and panel.volume is None) or (rules.any_impact and panel.sigma is None):
            raise ValueError("rules with max_participation or impact need panel.volume and panel.sigma")
        position = {w: k for k, w in enumerate(panel.sigma_windows)}
        sigma_index = np.array([position.get(int(w), 0) for w in windows], dtype=np.int64)
        return cls(
            panel=panel,
            targets=targets,
            rules=rules,
            T=T,
            N=N,
            V=V,
            t0=state.offset,
            n_dates=state.n_dates,
            last=state.n_dates - 1 - state.offset,
            open=panel.open,
            last_close=panel.last_close,
            delist_ptr=panel.delist_ptr.tolist(),
            variant_base=(np.arange(V, dtype=np.int64) * N)[:, None],
            target_ptr=targets.ptr.tolist(),
            target_flat=targets.variant * N + targets.asset,
            rebalancing=rebalancing,
            any_rebalance=np.asarray(rebalancing.any(axis=1)).tolist(),
            all_rebalance=np.asarray(rebalancing.all(axis=1)).tolist(),
            stale_ptr=None if targets.stale_ptr is None else targets.stale_ptr.tolist(),
            stale_flat=targets.stale_variant * N + targets.stale_asset,
            long_exposure=targets.long_exposure if targets.long_exposure is not None else np.ones(V),
            short_exposure=targets.short_exposure if targets.short_exposure is not None else np.zeros(V),
            commission=rules.commission_rate,
            slippage=rules.slippage_rate,
            sell_factor=1.0 - rules.slippage_rate,
            buy_factor=1.0 + rules.slippage_rate,
            buy_cost=1.0 + rules.commission_rate,
            fractional=rules.fractional,
            any_whole=bool((~rules.fractional).any()),
            fill_price=rules.fill_price_sizing,
            any_fill_price=bool(rules.fill_price_sizing.any()),
            sequential=sequential,
            borrowing=borrowing,
            lending=~borrowing,
            any_sequential=bool(sequential.any()),
            any_borrowing=bool(borrowing.any()),
            financing=financing,
            days=fin.days.tolist() if financing and fin is not None else [],
            cash_rate=cash_rate,
            margin_rate=margin_rate,
            short_fee=short_fee,
            rate=fin.rate.tolist() if fin is not None and fin.rate is not None else None,
            fee=fee,
            any_short_fee=any_fee,
            prev_close=None if fin is None else fin.prev_close,
            actions_ptr=None if panel.actions is None else panel.actions.ptr.tolist(),
            floor_rate=floor_rate,
            any_leverage=bool((floor_rate < 0).any()),
            signed=bool(  # whenever NAV or cash can go below 0; in a long-only unlevered chunk the rules are no-ops
                (floor_rate < 0).any()
                or rules.any_fixed_commission  # a sell's minimum or per-share fee can exceed its proceeds
                or borrowing.any()
                or (targets.weight < 0).any()
                or (state.shares < 0).any()
                or (state.pending_weight < 0).any()
            ),
            capacity=rules.any_cap or rules.any_impact,
            any_cap=rules.any_cap,
            all_cap=bool(np.isfinite(participation).all()),
            participation=participation,
            any_fixed_commission=rules.any_fixed_commission,
            per_share=rules.commission_per_share if rules.commission_per_share is not None else zero,
            commission_min=rules.commission_min if rules.commission_min is not None else zero,
            any_impact=rules.any_impact,
            impact=impact,
            sigma_index=sigma_index,
            one_plane=len(panel.sigma_windows) <= 1,
            any_band=rules.any_band,
            band=rules.drift_band if rules.drift_band is not None else np.full(V, np.nan),
            any_lot=rules.any_lot,
            lot=rules.lot_size if rules.lot_size is not None else np.ones(V),
            risk=Risk.build(panel, rules),
            weight_buf=np.zeros(V * N),
        )


def per_variant(v: I64, x: F64, n_variants: int) -> F64:
    """Sum of `x` per variant `v` ([n_variants]; 0 where none). float64: bincount with weights."""
    return cast(F64, np.bincount(v, weights=x, minlength=n_variants))
