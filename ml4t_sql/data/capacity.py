"""Capacity inputs of the fold: each fill bar's volume and impact's sigma, as dense arrays.

Only loaded when some variant sets `max_participation` or `impact_coefficient` (the default
path reads neither). `capacity_arrays` gives, for window dates start..stop-1, the [T, N] volume
(sql/sources/fill_volume.sql; NaN without a bar or with a NULL volume) and the [K, T, N] sigma
per distinct `impact_vol_window` (sql/sources/impact_sigma.sql: returns up to the decision,
the previous window date; 0 with fewer than two returns or before the asset's first bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np

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
        d, a = _ints(rows.column("date_idx")) - start, _ints(rows.column("asset_idx"))
        values = np.asarray(rows.column("sigma").to_numpy(zero_copy_only=False), dtype=np.float64)
        sigma[k, d, a] = np.nan_to_num(values)  # one return: stddev_samp is NULL, the rule says 0
    return volume, sigma


def _ints(column: object) -> np.ndarray:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)  # type: ignore[attr-defined]
