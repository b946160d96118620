"""Seeded synthetic panels for benchmarks: daily OHLCV plus a score, as Parquet.

    python benchmarks/panel.py N_ASSETS N_DAYS OUT_DIR [--seed 0]

Writes OUT_DIR/prices.parquet (date, asset, open, high, low, close, volume, score), sorted by
(date, asset). Prices follow a geometric random walk with an overnight gap; the score is noise
with some persistence, so top-N selections change gradually, as real signals do. Every asset
trades every day (the benchmark measures speed, not data quality).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def make_panel(n_assets: int, n_days: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2000-01-03")
    days = np.busday_offset(start, np.arange(n_days), roll="forward")
    drift = rng.normal(0.0003, 0.0002, n_assets)
    vol = rng.uniform(0.01, 0.03, n_assets)
    log_ret = rng.standard_normal((n_days, n_assets)) * vol + drift
    close = 50.0 * np.exp(np.cumsum(log_ret, axis=0))
    gap = np.exp(rng.standard_normal((n_days, n_assets)) * vol * 0.3)
    open_ = np.vstack([close[:1], close[:-1]]) * gap
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, (n_days, n_assets)))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, (n_days, n_assets)))
    score = np.empty((n_days, n_assets))
    score[0] = rng.standard_normal(n_assets)
    noise = rng.standard_normal((n_days, n_assets))
    for t in range(1, n_days):  # AR(1) persistence, vectorized across assets
        score[t] = 0.95 * score[t - 1] + 0.31 * noise[t]
    names = pa.array([f"A{i:05d}" for i in range(n_assets)], pa.string())
    codes = pa.array(np.tile(np.arange(n_assets, dtype=np.int32), n_days))
    return pa.table(
        {
            "date": pa.array(np.repeat(days, n_assets).astype("datetime64[D]"), pa.date32()),
            "asset": pa.DictionaryArray.from_arrays(codes, names).cast(pa.string()),
            "open": open_.ravel(),
            "high": high.ravel(),
            "low": low.ravel(),
            "close": close.ravel(),
            "volume": np.full(n_days * n_assets, 1e6),
            "score": score.ravel(),
        }
    )


def write_panel(n_assets: int, n_days: int, out: Path, seed: int = 0) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "prices.parquet"
    pq.write_table(make_panel(n_assets, n_days, seed), path, compression="zstd", row_group_size=1 << 20)
    return path


def cached_panel(size: str) -> Path:
    """benchmarks/.data/<size>/prices.parquet for a size like "500x2520" (assets x days), seed 0,
    written on first use."""
    path = Path(__file__).resolve().parent / ".data" / size / "prices.parquet"
    if not path.exists():
        n_assets, n_days = (int(x) for x in size.split("x"))
        write_panel(n_assets, n_days, path.parent, seed=0)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_assets", type=int)
    parser.add_argument("n_days", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_panel(args.n_assets, args.n_days, args.out, args.seed))
