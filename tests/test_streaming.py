"""A window too big for the memory budget is folded in chunks of dates; nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

import ml4t_sql
from ml4t_sql.data.panel import chunk_dates
from ml4t_sql.sweeps import sweep

from .factories import make_prices

TABLES = ("equity", "positions", "trades", "orders", "targets", "metrics", "benchmark")


@pytest.fixture(scope="module")
def prices() -> pl.DataFrame:
    frame = make_prices(n_assets=12, n_days=90, seed=5, gap_prob=0.05, delist_prob=0.2, null_open_prob=0.02)
    return frame.with_columns(pl.Series("score", [((i * 7919) % 97) / 48.0 - 1.0 for i in range(frame.height)]))


def config(prices: pl.DataFrame, **execution: Any) -> dict[str, Any]:
    return {
        "data": {"prices": prices, "quality": {"missing_open": "no_fill"}},
        "strategy": {"signal": "score", "top_n": 4},
        "execution": {"delist_after": 3, "commission_bps": 5.0, "fractional": False, **execution},
    }


def test_the_budget_decides_the_chunks():
    # per date: 48 bytes per asset + 64 per variant; a chunk may use half the budget
    assert chunk_dates(2520, 500, 1, 2048) is None  # 500 x 2,520 fits
    assert chunk_dates(6300, 10_000, 1, 2048) == 2236  # 1 GiB / 480,064 bytes per date
    assert chunk_dates(90, 12, 1, 0.01) == 8  # 5,242.88 bytes / 640 bytes per date


@pytest.mark.parametrize("sizing", ["decision_close", "fill_price"])
def test_chunked_run_writes_the_same_tables(prices: pl.DataFrame, tmp_path: Path, sizing: str):
    whole = ml4t_sql.run(config(prices, sizing=sizing), warehouse=tmp_path)
    chunked = ml4t_sql.run(config(prices, sizing=sizing, memory_budget_mb=0.01), warehouse=tmp_path)  # 8 dates a chunk
    for name in TABLES:
        a = pq.read_table(whole.path / f"{name}.parquet").drop_columns(["run_id"])
        b = pq.read_table(chunked.path / f"{name}.parquet").drop_columns(["run_id"])
        assert a.equals(b), f"{name} differs when folded in chunks"
    assert chunked.trades.drop("run_id").equals(whole.trades.drop("run_id"))  # read back from disk


def test_chunked_sweep_writes_the_same_tables(prices: pl.DataFrame, tmp_path: Path):
    grid = {"top_n": [2, 4], "rebalance": ["daily", "weekly"]}
    whole = sweep(config(prices), grid=grid, warehouse=tmp_path)
    chunked = sweep(config(prices, memory_budget_mb=0.01), grid=grid, warehouse=tmp_path)
    for name in (*TABLES, "variants"):
        a = pq.read_table(whole.path / f"{name}.parquet").drop_columns(["run_id"])
        b = pq.read_table(chunked.path / f"{name}.parquet").drop_columns(["run_id"])
        assert a.equals(b), f"{name} differs when folded in chunks"


def test_a_run_kept_in_memory_honours_the_budget_too(prices: pl.DataFrame, monkeypatch: pytest.MonkeyPatch):
    import ml4t_sql.pipeline as pipeline

    chunks: list[tuple[int, int]] = []
    real = pipeline.iter_panels

    def counted(*args: Any, **kwargs: Any) -> Any:
        for start, stop, panel in real(*args, **kwargs):
            chunks.append((start, stop))
            yield start, stop, panel

    monkeypatch.setattr(pipeline, "iter_panels", counted)
    whole = ml4t_sql.run(config(prices), write=False)
    assert chunks == [(0, 90)]  # the whole window is one chunk
    chunks.clear()
    chunked = ml4t_sql.run(config(prices, memory_budget_mb=0.01), write=False)
    assert len(chunks) > 1 and chunks[0] == (0, 8) and chunks[-1][1] == 90
    for name in TABLES:
        assert chunked.tables[name].drop("run_id").equals(whole.tables[name].drop("run_id")), name
