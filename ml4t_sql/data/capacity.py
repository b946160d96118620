"""Impact's sigma for the fold: `impact_sigma` (the bars' volume, which step cap also reads,
comes with the panel: data.panel.iter_panels).

Only loaded when some variant prices impact (`impact_coefficient`; the default path reads
nothing of it). `impact_sigma` gives, for window dates start..stop-1, the [K, T, N] sigma per
distinct `impact_vol_window`, as an engine.sigma.WindowSigma over the returns of
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
    prices impact (no capacity inputs at all: neither volume nor sigma)."""
    impact = sorted({x.impact_vol_window for x in executions if x.impact_coefficient > 0})
    if not impact and all(x.max_participation is None for x in executions):
        return None
    return tuple(impact)


def impact_sigma(
    con: duckdb.DuckDBPyConnection, windows: tuple[int, ...], start: int, stop: int, n_assets: int,
    targets: Targets | None = None,
) -> WindowSigma:  # fmt: skip
    """The [K, T, N] sigma of `windows` (not empty) for window dates start..stop-1; with `targets`
    (the chunk's), the sigma of the likely orders is computed at once."""
    params = {"start": start, "stop": stop, "window": max(windows)}
    rows = con.sql(render("sources/impact_returns"), params=params).to_arrow_table()
    likely = None if targets is None else likely_orders(targets)
    return window_sigma(rows, windows, start, stop, n_assets, likely)


def likely_orders(targets: Targets) -> tuple[np.ndarray, np.ndarray]:
    """(t, a): the fills on t of the assets with a target weight on t - 1 or t - 2 (any variant),
    the orders a decision on t - 1 most likely sends (its targets and what the one before bought)."""
    T = targets.is_rebalance.shape[1]
    day = np.repeat(np.arange(T), np.diff(targets.ptr))
    likely = np.zeros((T + 2, int(targets.asset.max(initial=0)) + 1), dtype=bool)
    likely[day + 1, targets.asset] = True
    likely[day + 2, targets.asset] = True
    t, a = likely[:T].nonzero()  # row-major: sorted by date, then asset, once each
    return t, a


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
