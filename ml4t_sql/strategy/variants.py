"""The built-in strategy's two small tables, made from the configuration as Arrow (values never
enter SQL text): `ml4t.variants` (one row per variant: its universe, selection, weighting,
exposure and cap keys) and `ml4t.universes` (one row per distinct universe).

Variants share a universe when they agree on everything that decides eligibility: the signal,
the schedule, min_signal, the universe filters, membership, the group and, for inverse_vol, the
vol_window; a sweep ranks each distinct universe once.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ..choices import Schedule, Weighting
from ..config import Strategy


def universe_key(s: Strategy, membership: bool) -> tuple[object, ...]:
    """What makes a universe: variants with equal keys share one."""
    return (
        s.signal,
        s.schedule or Schedule.DAILY,
        s.min_price,
        s.min_adv,
        s.adv_window if s.min_adv is not None else None,
        s.min_history,
        membership,
        s.group,
        s.vol_window if s.weighting == Weighting.INVERSE_VOL else None,
        s.min_signal,
    )


def plain(s: Strategy) -> bool:
    """A plain top-N variant: ranks at or above the cutoffs are all it needs."""
    return not (s.bottom_n or s.quantiles is not None or s.group_neutral or s.hold_rank or s.hold_rank_short)


def tables(variants: Sequence[Strategy], membership: bool) -> tuple[pa.Table, pa.Table]:
    """`ml4t.variants` and `ml4t.universes` of the variants (ids in order of first use)."""
    signals = list(dict.fromkeys(s.signal for s in variants))
    keys = list(dict.fromkeys(universe_key(s, membership) for s in variants))
    groups = list(dict.fromkeys(s.group for s in variants if s.group is not None))
    quantiled = [s.quantiles is not None for s in variants]
    variant_table = pa.table(
        {
            "variant": pa.array(range(len(variants)), pa.int64()),
            "signal_id": pa.array([signals.index(s.signal) for s in variants], pa.int64()),
            "universe_id": pa.array([keys.index(universe_key(s, membership)) for s in variants], pa.int64()),
            "top_n": pa.array([0 if q else s.top_n for s, q in zip(variants, quantiled, strict=True)], pa.int64()),
            "bottom_n": pa.array([0 if q else s.bottom_n for s, q in zip(variants, quantiled, strict=True)],
                                 pa.int64()),  # fmt: skip
            "quantiles": pa.array([s.quantiles for s in variants], pa.int64()),
            "long_short": pa.array([s.long_short for s in variants], pa.bool_()),
            "hold_rank": pa.array([s.hold_rank for s in variants], pa.int64()),
            "hold_rank_short": pa.array([s.hold_rank_short for s in variants], pa.int64()),
            "group_neutral": pa.array([s.group_neutral for s in variants], pa.bool_()),
            "max_group_weight": pa.array([s.max_group_weight for s in variants], pa.float64()),
            "weighting": pa.array([str(s.weighting) for s in variants], pa.string()),
            "schedule": pa.array([s.schedule or Schedule.DAILY for s in variants], pa.string()),
            "min_signal": pa.array([s.min_signal for s in variants], pa.float64()),
            "vol_window": pa.array([s.vol_window for s in variants], pa.int64()),
            "long_exposure": pa.array([s.long_exposure for s in variants], pa.float64()),
            "short_exposure": pa.array([s.short_exposure for s in variants], pa.float64()),
            "max_weight": pa.array([s.max_weight for s in variants], pa.float64()),
            "stale": pa.array([str(s.stale) for s in variants], pa.string()),
        }
    )
    columns = list(zip(*keys, strict=True))
    universe_table = pa.table(
        {
            "universe_id": pa.array(range(len(keys)), pa.int64()),
            "signal_id": pa.array([signals.index(str(k)) for k in columns[0]], pa.int64()),
            "schedule": pa.array([str(k) for k in columns[1]], pa.string()),
            "min_price": pa.array(columns[2], pa.float64()),
            "min_adv": pa.array(columns[3], pa.float64()),
            "adv_window": pa.array(columns[4], pa.int64()),
            "min_history": pa.array(columns[5], pa.int64()),
            "membership": pa.array(columns[6], pa.bool_()),
            "group_id": pa.array([None if k is None else groups.index(str(k)) for k in columns[7]], pa.int64()),
            "vol_window": pa.array(columns[8], pa.int64()),
            "min_signal": pa.array(columns[9], pa.float64()),
        }
    )
    return variant_table, universe_table
