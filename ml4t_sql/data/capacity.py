"""Capacity inputs of the fold: each fill bar's volume and impact's sigma, as dense arrays.

Only loaded when some variant sets `max_participation` or `impact_coefficient` (the default
path reads neither). `capacity_arrays` gives, for window dates start..stop-1, the [T, N] volume
(sql/sources/fill_volume.sql; NaN without a bar or with a NULL volume) and the [K, T, N] sigma
per distinct `impact_vol_window` (sql/sources/impact_sigma.sql gives it at each bar; here it is
carried forward to the decision, the previous window date; 0 with fewer than two returns or
before the asset's first bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from ..config import Execution
from ..templates import render


def sigma_windows(executions: Sequence[Execution]) -> tuple[int, ...] | None:
    """The distinct `impact_vol_window`s of the variants pricing impact; None: no variant caps or
    prices impact (no capacity inputs at all)."""
    impact = sorted({x.impact_vol_window for x in executions if x.impact_coefficient > 0})
    if not impact and all(x.max_participation is None for x in executions):
        return None
    return tuple(impact)


def capacity_arrays(
    con: duckdb.DuckDBPyConnection, windows: tuple[int, ...], start: int, stop: int, n_assets: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """(volume [T, N], sigma [K, T, N] or None without windows) for window dates start..stop-1."""
    shape = (stop - start, n_assets)
    volume = np.full(shape, np.nan)
    rows = con.sql(render("sources/fill_volume"), params={"start": start, "stop": stop}).to_arrow_table()
    d, a = _ints(rows.column("date_idx")) - start, _ints(rows.column("asset_idx"))
    volume[d, a] = np.asarray(rows.column("volume").to_numpy(zero_copy_only=False), dtype=np.float64)
    if not windows:
        return volume, None
    sigma = np.zeros((len(windows), *shape))
    for k, window in enumerate(windows):
        params = {"start": start, "stop": stop, "window": window}
        rows = con.sql(render("sources/impact_sigma"), params=params).to_arrow_table()
        sigma[k] = _forward(rows, start, stop, n_assets)
    return volume, sigma


def _forward(table: pa.Table, start: int, stop: int, n_assets: int) -> np.ndarray:
    """[stop - start, N] the sigma for fills on start..stop-1: each asset's sigma at its latest bar
    at or before the decision (the window date before), 0 before its first bar."""
    n = stop - start
    out = np.zeros((n, n_assets))
    if n == 0:
        return out
    carry = np.asarray(table.column("carry").to_numpy(zero_copy_only=False), dtype=bool)
    a = _ints(table.column("asset_idx"))
    value = np.nan_to_num(np.asarray(table.column("sigma").to_numpy(zero_copy_only=False), dtype=np.float64))
    before = np.zeros(n_assets)
    before[a[carry]] = value[carry]
    here = ~carry
    day = np.asarray(table.column("date_idx").to_numpy(zero_copy_only=False), dtype=np.float64)[here]
    row = day.astype(np.int64) - (start - 1)  # decision rows 0..n-1 for fills start..stop-1
    at = np.full((n, n_assets), np.nan)
    at[row, a[here]] = value[here]
    latest = np.where(~np.isnan(at), np.arange(n)[:, None], -1)
    np.maximum.accumulate(latest, axis=0, out=latest)
    filled = np.take_along_axis(at, np.maximum(latest, 0), axis=0)
    out[:] = np.where(latest >= 0, filled, before[None, :])
    return out


def _ints(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(column.to_numpy(), dtype=np.int64)
