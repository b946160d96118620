"""Impact's sigma, computed for the orders that need it (`WindowSigma`), not for every bar.

docs/SEMANTICS.md, *Capacity and trading costs*: sigma is the sample standard deviation (ddof 1)
of the asset's last w returns over its own bars up to the decision (its latest bar at or before
it), those there are if fewer, 0 with fewer than 2. Step cap asks for the sigma of each order of
the pending decision: a date has tens of orders, the panel hundreds of thousands of bars. The
sigmas of the likely orders (the assets with a target weight at the decision or the date before)
are computed in bulk when the chunk is loaded (`known`); any other is computed when asked.

Each value depends on the returns of its window only, summed in date order by a running sum
(one row of the window after another, whatever the number of windows): a sigma never changes when later bars
are added, when the dates are folded in chunks, when a sweep asks for more orders at once, or
whether it was computed in bulk or when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .panel import F64, I64

BULK_ROWS = 1 << 16
"""Windows per bulk step (bounds the [rows, window] scratch)."""


@dataclass(frozen=True)
class WindowSigma:
    """The [K, T, N] sigmas of the fills on T dates, one plane per window, as `sigma[k, t, a]`.

    ret: [R + 1] the returns the windows read, by (asset, date), NaN on an asset's first bar;
        row 0 is a NaN that no window counts (the row of "no bar yet").
    first: [R + 1] each row's asset's first row (a window never reaches before it; 1 for row 0).
    key: [R] the sort key of rows 1..R, asset x `width` + j: j = 1 + t for the bar of the
        decision of a fill on t (the window date before t), 0 for the bars before the first
        decision; ascending, so the latest bar at or before a decision is a binary search away.
    width: the fill dates the keys count (T of `build`) + 1.
    windows: [K] the returns in each plane's window.
    known: [K, T, N] the sigmas computed in bulk, NaN where not (see `build`).
    offset: the first fill date of `known` in the dates of `key` (a chunk's start).
    """

    ret: F64
    first: I64
    key: I64
    width: int
    windows: I64
    known: F64
    offset: int = 0

    @classmethod
    def build(cls, ret: F64, first: I64, key: I64, windows: I64, n_dates: int, n_assets: int,
              likely: tuple[I64, I64] | None = None) -> WindowSigma:  # fmt: skip
        """The sigma of fills on `n_dates` dates over these returns (`key` counting asset x
        (n_dates + 1)); with `likely` (t, a), the fills (t[i], a[i]) computed in bulk now, in every
        plane."""
        known = np.full((windows.size, n_dates, n_assets), np.nan)
        sigma = cls(ret, first, key, n_dates + 1, windows, known)
        if likely is not None:
            t, a = likely
            for i in range(0, t.size, BULK_ROWS):
                tt, aa = t[i : i + BULK_ROWS], a[i : i + BULK_ROWS]
                end = sigma.end(tt, aa)
                for k, w in enumerate(windows):
                    known[k, tt, aa] = sigma._compute(end, int(w), int(w))
        return sigma

    def __getitem__(self, key: tuple[I64 | int, int, I64]) -> F64:
        """The sigma of plane k[i] for a fill on t of asset a[i] (k an array like a, or one plane)."""
        k, t, a = key
        out = self.known[k, t, a]
        missing = np.isnan(out)
        if missing.any():
            w = np.broadcast_to(self.windows[k], a.shape)[missing]
            out[missing] = self._compute(self.end(t, a[missing]), w, int(w.max()))
        return out

    def end(self, t: I64 | int, a: I64) -> I64:
        """The row of asset a's latest bar at or before the decision of a fill on t (0: none)."""
        width = self.width
        r = np.searchsorted(self.key, a * width + (np.asarray(t) + self.offset + 1), side="right")
        return np.where((r > 0) & (self.key[np.maximum(r - 1, 0)] // width == a), r, 0)

    def _compute(self, end: I64, w: I64 | int, span: int) -> F64:
        """The sigma of the windows of w rows ending at rows `end` (span: the widest w)."""
        lowest = np.maximum(self.first[end], end - (w - 1))  # the window's rows: lowest .. end
        rows = end - np.arange(span - 1, -1, -1)[:, None]  # [span, windows], oldest first
        x = self.ret[np.where(rows >= lowest, rows, 0)]  # row 0 is no return
        outside = np.isnan(x)
        n = span - np.count_nonzero(outside, axis=0)
        x[outside] = 0.0
        mean = _in_date_order(x) / np.maximum(n, 1)
        dev = x - mean
        dev[outside] = 0.0
        dev *= dev
        var = _in_date_order(dev) / np.maximum(n - 1, 1)
        return np.where(n >= 2, np.sqrt(var), 0.0)

    def chunk(self, start: int, stop: int) -> WindowSigma:
        """Fills on dates start..stop-1 (views)."""
        return WindowSigma(self.ret, self.first, self.key, self.width, self.windows, self.known[:, start:stop],
                           self.offset + start)  # fmt: skip


def _in_date_order(x: F64) -> F64:
    """The column sums of [span, windows] `x`, adding its rows one after another (oldest first):
    the same bits whatever the number of windows (np.sum's pairwise order depends on the length)."""
    total = x[0].copy()
    for row in x[1:]:
        total += row
    return total
