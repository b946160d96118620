"""From relations to the fold's dense arrays (dates x assets), and back to asset names.

This is where the window's bars become NumPy: one query pulls (date_idx, asset_idx, open, close),
one scatter fills T x N arrays, one forward fill gives the last close. Delisting dates are found
here too, from the gaps between an asset's bars, so the fold only looks them up.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from .fold import Panel, Targets


def load_panel(con: duckdb.DuckDBPyConnection, delist_after: int) -> tuple[Panel, np.ndarray, np.ndarray]:
    """The window's bars as a `Panel`, with the window's dates and the assets, in index order.

    Needs tables `calendar(date, date_idx)` and `assets(asset, asset_idx)` on `con`.
    """
    dates = con.sql("select date from calendar order by date_idx").to_arrow_table().column(0).to_numpy()
    assets = (
        con.sql("select asset from assets order by asset_idx").to_arrow_table().column(0).to_numpy(zero_copy_only=False)
    )
    bars = con.sql(
        """
        select c.date_idx, a.asset_idx, p.open, p.close
        from prices as p
        inner join calendar as c on c.date = p.date
        inner join assets as a on a.asset = p.asset
        """
    ).to_arrow_table()
    T, N = len(dates), len(assets)
    d = _ints(bars.column("date_idx"))
    a = _ints(bars.column("asset_idx"))
    close = np.full((T, N), np.nan)
    close[d, a] = _floats(bars.column("close"))
    opens = np.full((T, N), np.nan)
    opens[d, a] = _floats(bars.column("open"))  # NULL open (no_fill policy) stays NaN: cannot trade

    has_bar = np.zeros((T, N), dtype=bool)
    has_bar[d, a] = True
    # index of each asset's latest bar at or before t (-1 before the first)
    latest = np.where(has_bar, np.arange(T, dtype=np.int64)[:, None], -1)
    np.maximum.accumulate(latest, axis=0, out=latest)
    last_close = np.take_along_axis(close, np.maximum(latest, 0), axis=0)
    last_close[latest < 0] = np.nan

    ptr, who = _delistings(latest, delist_after)
    return Panel(open=opens, last_close=last_close, delist_ptr=ptr, delist_asset=who), dates, assets


def _delistings(latest: np.ndarray, delist_after: int) -> tuple[np.ndarray, np.ndarray]:
    """Per date, the assets on their `delist_after`-th consecutive date without a bar (CSR)."""
    T = latest.shape[0]
    if delist_after <= 0:
        return np.zeros(T + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
    gap = np.arange(T, dtype=np.int64)[:, None] - latest
    t_idx, a_idx = np.nonzero((latest >= 0) & (gap == delist_after))
    ptr = np.zeros(T + 1, dtype=np.int64)
    np.add.at(ptr, t_idx + 1, 1)
    return np.cumsum(ptr), a_idx.astype(np.int64)  # np.nonzero is row-major: sorted by date


def load_targets(con: duckdb.DuckDBPyConnection, n_dates: int, n_variants: int = 1) -> Targets:
    """The variants' targets as CSR by date index. Needs `final_targets(variant, date, asset,
    weight)`, `rebalance(variant, date)`, `calendar` and `assets` on `con`."""
    rebal = con.sql("select r.variant, c.date_idx from rebalance as r inner join calendar as c using (date)")
    rebal_rows = rebal.to_arrow_table()
    is_rebalance = np.zeros((n_variants, n_dates), dtype=bool)
    is_rebalance[_ints(rebal_rows.column(0)), _ints(rebal_rows.column(1))] = True
    rows = con.sql(
        """
        select c.date_idx, t.variant, a.asset_idx, t.weight
        from final_targets as t
        inner join calendar as c on c.date = t.date
        inner join assets as a on a.asset = t.asset
        order by c.date_idx, t.variant, a.asset_idx
        """
    ).to_arrow_table()
    d = _ints(rows.column(0))
    return Targets(
        is_rebalance=is_rebalance,
        ptr=date_pointers(d, n_dates),
        variant=_ints(rows.column(1)),
        asset=_ints(rows.column(2)),
        weight=_floats(rows.column(3)),
    )


def date_pointers(date_idx: np.ndarray, n_dates: int) -> np.ndarray:
    """CSR row pointers of rows sorted by date index."""
    ptr = np.zeros(n_dates + 1, dtype=np.int64)
    np.add.at(ptr, date_idx + 1, 1)
    return np.cumsum(ptr)


def _ints(col: pa.ChunkedArray) -> np.ndarray:
    return col.to_numpy().astype(np.int64, copy=False)


def _floats(col: pa.ChunkedArray) -> np.ndarray:
    return col.cast(pa.float64()).fill_null(np.nan).to_numpy()
