"""Capacity inputs of the fold: each fill bar's volume (a dense array) and impact's sigma.

Only loaded when some variant sets `max_participation` or `impact_coefficient` (the default
path reads neither). `capacity_arrays` gives, for window dates start..stop-1, the [T, N] volume
(sql/sources/fill_volume.sql; NaN without a bar or with a NULL volume) and the [K, T, N] sigma
per distinct `impact_vol_window`, as an engine.sigma.WindowSigma over the returns of
sql/sources/impact_returns.sql: it computes the sigma of the orders step cap asks for only, each
from its asset's latest bar at or before the decision (0 with fewer than two returns or before
the asset's first bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from ..config import Execution
from ..engine.panel import Targets
from ..engine.sigma import WindowSigma
from ..templates import render


def sigma_windows(executions: Sequence[Execution]) -> tuple[int, ...] | None:
    """The distinct `impact_vol_window`s of the variants pricing impact; None: no variant caps or
    prices impact (no capacity inputs at all)."""
    impact = sorted({x.impact_vol_window for x in executions if x.impact_coefficient > 0})
    if not impact and all(x.max_participation is None for x in executions):
        return None
    return tuple(impact)


def capacity_arrays(
    con: duckdb.DuckDBPyConnection, windows: tuple[int, ...], start: int, stop: int, n_assets: int,
    targets: Targets | None = None,
) -> tuple[np.ndarray, WindowSigma | None]:
    """(volume [T, N], the [K, T, N] sigma or None without windows) for window dates start..stop-1;
    with `targets` (the chunk's), the sigma of the likely orders is computed at once."""
    shape = (stop - start, n_assets)
    volume = np.full(shape, np.nan)
    rows = con.sql(render("sources/fill_volume"), params={"start": start, "stop": stop}).to_arrow_table()
    d, a = _ints(rows.column("date_idx")) - start, _ints(rows.column("asset_idx"))
    volume[d, a] = np.asarray(rows.column("volume").to_numpy(zero_copy_only=False), dtype=np.float64)
    if not windows:
        return volume, None
    params = {"start": start, "stop": stop, "window": max(windows)}
    rows = con.sql(render("sources/impact_returns"), params=params).to_arrow_table()
    likely = None if targets is None else likely_orders(targets)
    return volume, window_sigma(rows, windows, start, stop, n_assets, likely)


def likely_orders(targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """(t, a): the fills on t of the assets with a target weight on t - 1 or t - 2 (any variant),
    the orders a decision on t - 1 most likely sends (its targets and what the one before bought)."""
    T = targets.is_rebalance.shape[1]
    day = np.repeat(np.arange(T), np.diff(targets.ptr))
    t = np.concatenate([day + 1, day + 2])
    a = np.concatenate([targets.asset, targets.asset])
    keep = t < T
    width = int(a.max(initial=0)) + 1
    pairs = np.unique(t[keep] * width + a[keep])
    return pairs // width, pairs % width


def window_sigma(
    table: pa.Table, windows: tuple[int, ...], start: int, stop: int, n_assets: int,
    likely: tuple[np.ndarray, np.ndarray] | None = None,
) -> WindowSigma:
    """The sigma of fills on start..stop-1 from sql/sources/impact_returns.sql's rows: each fill
    reads the window ending at its asset's latest bar at or before the decision (the window date
    before), none before the asset's first bar; `likely` fills (t, a) computed at once."""
    n = max(stop - start, 0)
    asset = _ints(table.column("asset_idx"))
    ret = np.asarray(table.column("ret").to_numpy(zero_copy_only=False), dtype=np.float64)  # NULL: NaN
    # j: 1 + the fill date of a decision bar (window date start - 1 + i fills on i), 0 before them
    j = _ints(table.column("date_idx").fill_null(start - 2)) - (start - 2)
    row = np.arange(1, asset.size + 1)  # row 0: "no bar yet"
    new = np.ones(asset.size, dtype=bool)
    np.not_equal(asset[1:], asset[:-1], out=new[1:])
    first = np.r_[1, np.maximum.accumulate(np.where(new, row, 0))]
    key = asset * (n + 1) + j
    return WindowSigma.build(np.r_[np.nan, ret], first, key, np.asarray(windows, dtype=np.int64), n, n_assets, likely)


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.int64)
