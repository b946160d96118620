"""Impact's sigma for the fold: `impact_sigma` (the bars' volume, which step cap also reads,
comes with the panel: data.panel.iter_panels).

Only loaded when some variant prices impact (`impact_coefficient`; the default path reads
nothing of it). `impact_sigma` gives, for the fills on a chunk's window dates start..stop-1, the
[K, T, N] sigma per distinct `impact_vol_window`, as an engine.sigma.WindowSigma: it computes
the sigma of the orders step cap asks for only, each from its asset's latest bar at or before the
decision (0 with fewer than two returns or before the asset's first bar).

The returns are those of sql/sources/returns.sql. Those dated before the chunk come from
sql/sources/impact_history.sql (each asset's last bars there); the chunk's own bars' returns are
computed from its panel by the same rule, close / (previous close x factor) - 1 with the factors
of sql/sources/action_factors.sql, in the same floating-point operations, so the bits are the
view's (tests/sql/test_impact_sigma.py) without computing a window function over every bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from ..config import Execution
from ..engine.panel import F64, I64, B, Panel, Targets
from ..engine.sigma import WindowSigma
from ..templates import render

_FACTORS = """
select c.date_idx, a.asset_idx, f.factor
from ml4t.action_factors as f
inner join ml4t.calendar as c on c.date = f.date
inner join ml4t.assets as a on a.asset = f.asset
where c.date_idx >= $start and c.date_idx < $stop
"""


def sigma_windows(executions: Sequence[Execution]) -> tuple[int, ...] | None:
    """The distinct `impact_vol_window`s of the variants pricing impact; None: no variant caps or
    prices impact (no capacity inputs at all: neither volume nor sigma)."""
    impact = sorted({x.impact_vol_window for x in executions if x.impact_coefficient > 0})
    if not impact and all(x.max_participation is None for x in executions):
        return None
    return tuple(impact)


def impact_sigma(
    con: duckdb.DuckDBPyConnection, windows: tuple[int, ...], start: int, stop: int, panel: Panel, *,
    actions: bool, targets: Targets | None = None,
) -> WindowSigma:  # fmt: skip
    """The [K, T, N] sigma of `windows` (not empty) for fills on window dates start..stop-1;
    `panel`: those dates' (loaded with `volume`: its bars and last closes), `actions`: whether
    `[data] actions` are given; with `targets` (the chunk's), the likely orders' sigmas at once."""
    assert panel.bars is not None, "the panel of impact's sigma is loaded with volume=True"
    sql = render("sources/impact_history", actions=actions, before=True)
    history = con.sql(sql, params={"before": start, "window": max(windows)}).to_arrow_table()
    h_asset, h_ret, h_close = _ints(history.column(0)), _floats(history.column(1)), _floats(history.column(2))
    n, N = stop - start, panel.n_assets
    m = max(n - 1, 0)  # the bars deciding this chunk's fills: window dates start..stop-2
    factor = _factors(con, start, start + m, m, N) if actions else None
    bars = panel.bars[:m]
    ret = chunk_returns(bars, panel.last_close[:m], _last_per_asset(h_asset, h_close, N), factor)
    rows = _rows(h_asset, h_ret, bars, ret, n)
    likely = None if targets is None else likely_orders(targets)
    return WindowSigma.build(*rows, np.asarray(windows, dtype=np.int64), n, N, likely)


def chunk_returns(bars: B, last_close: F64, prev_close: F64, factor: F64 | None) -> F64:
    """[m, N] each bar's return over the asset's previous bar, NaN without a bar or on the asset's
    first: close / (previous close x factor) - 1, as sql/sources/returns.sql (factor 1 where None).
    `prev_close`: [N] the close of each asset's latest bar before these dates (NaN: none)."""
    prev = np.empty_like(last_close)
    if prev.shape[0]:
        prev[0] = prev_close
        prev[1:] = last_close[:-1]
        unknown = np.isnan(prev)  # no bar in the window yet (the first chunk): the one before the window
        prev[unknown] = np.broadcast_to(prev_close, prev.shape)[unknown]
    if factor is not None:
        prev *= factor
    return np.where(bars, last_close / prev - 1, np.nan)


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


def _rows(h_asset: I64, h_ret: F64, bars: B, ret: F64, n: int) -> tuple[F64, I64, I64]:
    """WindowSigma's (ret, first, key) of the history rows (by asset, then date) and the chunk's
    bars ([m, N]): each asset's history, then its bars. The key is asset x (n + 1) + j, j = 0 for
    history and 1 + the fill date (t + 1) for a bar on the chunk's date t."""
    N, m = bars.shape[1], bars.shape[0]
    grid = np.zeros((N, n + 1), dtype=bool)  # [asset, j]: its positions are the bars' keys
    grid[:, 2 : 2 + m] = bars.T
    key = np.flatnonzero(grid)  # by asset, then date
    rets = ret.T[bars.T]  # the same order
    if h_asset.size:  # each asset's history before its first bar of the chunk, in date order
        h_key = h_asset * (n + 1)
        at = np.searchsorted(key, h_key)
        key, rets = np.insert(key, at, h_key), np.insert(rets, at, h_ret)
    size = np.bincount(key // (n + 1), minlength=N)
    first = np.r_[1, np.repeat(np.cumsum(size) - size + 1, size)]  # 1-based: row 0 is "no bar yet"
    return np.r_[np.nan, rets], first, key


def _factors(con: duckdb.DuckDBPyConnection, start: int, stop: int, m: int, n_assets: int) -> F64:
    """[m, N] the action factors (sql/sources/action_factors.sql) of the bars on window dates
    start..stop-1, 1 where none."""
    rows = con.sql(_FACTORS, params={"start": start, "stop": stop}).to_arrow_table()
    factor = np.ones((m, n_assets))
    factor[_ints(rows.column(0)) - start, _ints(rows.column(1))] = _floats(rows.column(2))
    return factor


def _last_per_asset(asset: I64, value: F64, n_assets: int) -> F64:
    """[N] each asset's last value (rows by asset), NaN for an asset without rows."""
    out = np.full(n_assets, np.nan)
    last = np.r_[asset[1:] != asset[:-1], True] if asset.size else np.zeros(0, dtype=bool)
    out[asset[last]] = value[last]
    return out


def _ints(column: pa.ChunkedArray) -> I64:
    return np.asarray(column.to_numpy(), dtype=np.int64)


def _floats(column: pa.ChunkedArray) -> F64:
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)  # NULL: NaN
