"""From relations to the fold's dense arrays (dates x assets), and back to asset names.

This is where the window's bars become NumPy: a query pulls (date_idx, asset_idx, open, close,
and as the rules need them high, low and volume) as Arrow record batches, each scattered into
T x N arrays, and a forward fill gives the last close. Delisting dates are found here too, from
the gaps between an asset's bars, so the fold only looks them up.

A window too big for memory comes in chunks of dates (`iter_panels`): each chunk is one query
over that date range, and what a chunk hands to the next (each asset's last close and the index
of its latest bar) makes the chunks equal to one whole panel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ..engine.panel import Panel, Targets

BATCH_ROWS = 1 << 20
BYTES_PER_CELL = 48
"""Peak bytes per (date, asset) cell while a panel is built: six float64 or int64 T x N arrays."""

_BARS = """
select c.date_idx, a.asset_idx, p.open, p.close{extremes}{volume}
from ml4t.prices as p
inner join ml4t.calendar as c on c.date = p.date
inner join ml4t.assets as a on a.asset = p.asset
{where}
"""


@dataclass
class _Carry:
    """What the dates before a chunk leave to it, per asset."""

    last_close: np.ndarray  # close of the latest bar so far (NaN: none)
    latest: np.ndarray  # window index of the latest bar so far (-1: none)


def window_axes(con: duckdb.DuckDBPyConnection) -> tuple[np.ndarray, np.ndarray]:
    """The window's dates and assets, in index order. Needs `calendar` and `assets` on `con`."""
    dates = con.sql("select date from ml4t.calendar order by date_idx").to_arrow_table().column(0).to_numpy()
    assets = con.sql("select asset from ml4t.assets order by asset_idx").to_arrow_table().column(0)
    return dates, assets.to_numpy(zero_copy_only=False)


def load_panel(con: duckdb.DuckDBPyConnection, delist_after: int) -> tuple[Panel, np.ndarray, np.ndarray]:
    """The window's bars as one `Panel` (one chunk of `iter_panels`), with the window's dates and
    the assets, in index order."""
    dates, assets = window_axes(con)
    ((_, _, panel),) = iter_panels(con, delist_after, len(dates), len(assets), max(len(dates), 1))
    return panel, dates, assets


def iter_panels(
    con: duckdb.DuckDBPyConnection, delist_after: int, n_dates: int, n_assets: int, chunk_dates: int,
    *, extremes: bool = False, volume: bool = False,
) -> Iterator[tuple[int, int, Panel]]:  # fmt: skip
    """(start, stop, panel of window dates start..stop-1), chunk after chunk; with `extremes`, the
    panels carry the bars' high and low too (for `[risk]` stops), with `volume` the bars' volume
    (for `max_participation` and impact: NaN without a bar or with a NULL volume) and where the
    assets have bars (`Panel.bars`, for impact's sigma)."""
    carry = _start(n_assets)
    for start in range(0, n_dates, chunk_dates):
        stop = min(start + chunk_dates, n_dates)
        sql = _BARS.format(where="where c.date_idx >= $start and c.date_idx < $stop",
                           extremes=", p.high, p.low" if extremes else "",
                           volume=", p.volume" if volume else "")  # fmt: skip
        reader = con.sql(sql, params={"start": start, "stop": stop}).to_arrow_reader(BATCH_ROWS)
        panel, carry = _build(reader, start, stop - start, n_assets, carry, delist_after, extremes, volume)
        yield start, stop, panel


def chunk_dates(
    n_dates: int, n_assets: int, n_variants: int, budget_mb: float, cell_bytes: int = BYTES_PER_CELL
) -> int | None:
    """Dates per chunk so that a chunk's arrays fit half the budget; None: the whole window fits.
    `cell_bytes`: peak bytes per (date, asset) cell (BYTES_PER_CELL, + 8 with a borrow fee array)."""
    per_date = cell_bytes * n_assets + 64 * n_variants
    budget = budget_mb * 2**20 / 2
    if per_date * n_dates <= budget:
        return None
    return max(1, int(budget // per_date))


def _start(n_assets: int) -> _Carry:
    return _Carry(np.full(n_assets, np.nan), np.full(n_assets, -1, dtype=np.int64))


def _build(
    reader: pa.RecordBatchReader, start: int, n_dates: int, n_assets: int, carry: _Carry, delist_after: int,
    extremes: bool = False, volume: bool = False,
) -> tuple[Panel, _Carry]:  # fmt: skip
    """Scatter the reader's bars (window dates start..start+n_dates-1) into a Panel."""
    shape = (n_dates, n_assets)
    close = np.full(shape, np.nan)
    opens = np.full(shape, np.nan)  # NULL open (no_fill policy) stays NaN: cannot trade
    high, low = (np.full(shape, np.nan), np.full(shape, np.nan)) if extremes else (None, None)
    volumes = np.full(shape, np.nan) if volume else None
    has_bar = np.zeros(shape, dtype=bool)
    for batch in reader:
        cell = (_ints(batch.column(0)) - start) * n_assets + _ints(batch.column(1))  # flat (date, asset)
        opens.reshape(-1)[cell] = _floats(batch.column(2))
        close.reshape(-1)[cell] = _floats(batch.column(3))
        if high is not None and low is not None:
            high.reshape(-1)[cell] = _floats(batch.column("high"))
            low.reshape(-1)[cell] = _floats(batch.column("low"))
        if volumes is not None:
            volumes.reshape(-1)[cell] = _floats(batch.column("volume"))
        has_bar.reshape(-1)[cell] = True
    # window index of each asset's latest bar at or before each date (-1 before the first)
    latest = np.where(has_bar, np.arange(start, start + n_dates, dtype=np.int64)[:, None], carry.latest[None, :])
    np.maximum.accumulate(latest, axis=0, out=latest)
    here = latest >= start
    last_close = np.take_along_axis(close, np.where(here, latest - start, 0), axis=0)
    last_close = np.where(here, last_close, carry.last_close[None, :])
    ptr, who = _delistings(latest, start, delist_after)
    panel = Panel(open=opens, last_close=last_close, delist_ptr=ptr, delist_asset=who, high=high, low=low,
                  volume=volumes, bars=has_bar if volume else None)  # fmt: skip
    after = _Carry(last_close[-1].copy(), latest[-1].copy()) if n_dates else carry
    return panel, after


def _delistings(latest: np.ndarray, start: int, delist_after: int) -> tuple[np.ndarray, np.ndarray]:
    """Per date, the assets on their `delist_after`-th consecutive date without a bar (CSR)."""
    T = latest.shape[0]
    if delist_after <= 0:
        return np.zeros(T + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
    gap = np.arange(start, start + T, dtype=np.int64)[:, None] - latest
    t_idx, a_idx = np.nonzero((latest >= 0) & (gap == delist_after))
    return date_pointers(t_idx, T), a_idx.astype(np.int64)  # np.nonzero is row-major: sorted by date


def load_targets(
    con: duckdb.DuckDBPyConnection,
    n_dates: int,
    n_variants: int = 1,
    *,
    stale: bool = False,
    legs: tuple[np.ndarray, np.ndarray] | None = None,
) -> Targets:
    """The variants' targets as CSR by date index. Needs `final_targets(variant, date, asset,
    weight)`, `rebalance(variant, date)`, `calendar` and `assets` on `con`; with `stale`, also
    `ml4t.stale(variant, date, asset)` (the assets `stale = "hold"` variants keep). `legs`: each
    variant's long and short exposure ([V] each; default 1 and 0)."""
    rebal = con.sql("select r.variant, c.date_idx from ml4t.rebalance as r inner join ml4t.calendar as c using (date)")
    rebal_rows = rebal.to_arrow_table()
    is_rebalance = np.zeros((n_variants, n_dates), dtype=bool)
    is_rebalance[_ints(rebal_rows.column(0)), _ints(rebal_rows.column(1))] = True
    rows = con.sql(
        """
        select c.date_idx, t.variant, a.asset_idx, t.weight
        from ml4t.final_targets as t
        inner join ml4t.calendar as c on c.date = t.date
        inner join ml4t.assets as a on a.asset = t.asset
        order by c.date_idx, t.variant, a.asset_idx
        """
    ).to_arrow_table()
    d = _ints(rows.column(0))
    kept: dict[str, np.ndarray] = {}
    if stale:
        held = con.sql(
            """
            select c.date_idx, s.variant, a.asset_idx
            from ml4t.stale as s
            inner join ml4t.calendar as c on c.date = s.date
            inner join ml4t.assets as a on a.asset = s.asset
            order by c.date_idx, s.variant, a.asset_idx
            """
        ).to_arrow_table()
        kept = dict(stale_ptr=date_pointers(_ints(held.column(0)), n_dates), stale_variant=_ints(held.column(1)),
                    stale_asset=_ints(held.column(2)))  # fmt: skip
    return Targets(
        is_rebalance=is_rebalance,
        ptr=date_pointers(d, n_dates),
        variant=_ints(rows.column(1)),
        asset=_ints(rows.column(2)),
        weight=_floats(rows.column(3)),
        long_exposure=None if legs is None else legs[0],
        short_exposure=None if legs is None else legs[1],
        **kept,
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
