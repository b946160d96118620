"""A window too big for the memory budget is folded in chunks of dates; nothing changes. A fold
continued from a state saved to disk and read back is the fold in one pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ml4t_sql
from ml4t_sql.data.panel import chunk_dates
from ml4t_sql.engine import FoldState, Ledger, Panel, Rules, Targets, run_fold
from ml4t_sql.errors import InputError, Ml4tError
from ml4t_sql.results.tables import Labels, Totals, big_tables
from ml4t_sql.store.state import load_state, save_state
from ml4t_sql.sweeps import sweep
from tests.depth import examples

from .engine.cases import cases
from .engine.cases import rules as engine_rules
from .factories import make_prices
from .test_fold import assert_same_ledger

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


def test_chunked_run_with_financing_writes_the_same_tables(prices: pl.DataFrame, tmp_path: Path):
    days = sorted(set(prices["date"].to_list()))
    rates = pl.DataFrame({"date": days[::7], "rate": [0.002 * (i % 5) for i in range(len(days[::7]))]})
    fees = pl.DataFrame({"date": days[:2], "asset": ["A000", "A001"], "fee": [0.1, 0.2]})

    def financed(**execution: Any) -> dict[str, Any]:
        cfg = config(prices, cash_rate=0.03, margin_rate=0.1, cash_shortfall="borrow", **execution)
        cfg["data"].update(rates=rates, borrow_fees=fees, quality={"missing_open": "no_fill", "stale_rate": "carry"})
        return cfg

    whole = ml4t_sql.run(financed(), write=False)
    chunked = ml4t_sql.run(financed(memory_budget_mb=0.01), write=False)
    assert (whole.equity["financing"] != 0).any()
    for name in TABLES:
        a, b = getattr(whole, name).drop("run_id"), getattr(chunked, name).drop("run_id")
        assert a.equals(b), f"{name} differs when folded in chunks"


def test_chunked_sweep_writes_the_same_tables(prices: pl.DataFrame, tmp_path: Path):
    grid = {"top_n": [2, 4], "rebalance": ["daily", "weekly"]}
    whole = sweep(config(prices), grid=grid, warehouse=tmp_path)
    chunked = sweep(config(prices, memory_budget_mb=0.01), grid=grid, warehouse=tmp_path)
    for name in (*TABLES, "variants"):
        a = pq.read_table(whole.path / f"{name}.parquet").drop_columns(["run_id"])
        b = pq.read_table(chunked.path / f"{name}.parquet").drop_columns(["run_id"])
        assert a.equals(b), f"{name} differs when folded in chunks"


def test_chunked_sweep_with_caps_impact_and_stops_writes_the_same_tables(prices: pl.DataFrame):
    """Impact's sigma in chunks: each chunk computes its likely orders' sigma in bulk and any other
    when asked (a chunk's first decision is the chunk before's), two windows side by side."""
    grid = {"impact_vol_window": [3, 20], "trailing_stop": [0.05]}

    def costly(**execution: Any) -> dict[str, Any]:
        cfg = config(prices, max_participation=0.05, impact_coefficient=0.5, drift_band=0.01,
                     commission_per_share=0.01, commission_min=1.0, **execution)  # fmt: skip
        return {**cfg, "strategy": {**cfg["strategy"], "rebalance": "daily"}}

    whole = sweep(costly(), grid=grid, write=False)
    chunked = sweep(costly(memory_budget_mb=0.01), grid=grid, write=False)
    assert (whole.tables["trades"]["impact_cost"].to_numpy() > 0).mean() > 0.5
    for name in (*TABLES, "events"):
        a, b = whole.tables[name].drop("run_id"), chunked.tables[name].drop("run_id")
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


# --- continuing a fold from a saved state (ml4t_sql.store.state) ----------------------------------


def labels_for(n_dates: int, n_assets: int) -> Labels:
    days = np.datetime64("2020-01-01") + np.arange(n_dates)
    return Labels(pa.array(days.astype("datetime64[D]"), pa.date32()), pa.array([f"A{i}" for i in range(n_assets)]))


def tables_of(ledgers: list[Ledger], n_dates: int, n_assets: int, n_variants: int) -> dict[str, pa.Table]:
    labels, totals = labels_for(n_dates, n_assets), Totals(n_dates, n_variants)
    parts: dict[str, list[pa.Table]] = {}
    for ledger in ledgers:
        for name, table in big_tables("r", ledger, labels, variants=True).items():
            parts.setdefault(name, []).append(table)
        totals.add(ledger)
    out = {name: pa.concat_tables(tables) for name, tables in parts.items()}
    out["equity"] = totals.equity_table("r", labels, variants=True)
    return out


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), cut=st.integers(0, 30), kind=st.sampled_from(["parquet", "json"]))
def test_a_fold_continued_from_a_saved_state_is_the_fold_in_one_pass(
    tmp_path: Path, case: tuple[Panel, Targets, Rules], cut: int, kind: str
):
    panel, targets, rules = case
    T, N, V = panel.n_dates, panel.n_assets, rules.n_variants
    cut = min(cut, T)
    whole = run_fold(panel, targets, rules)
    first = run_fold(panel.chunk(0, cut), targets.chunk(0, cut), rules, state=FoldState.start(rules, N, T))
    loaded = load_state(save_state(tmp_path / f"state.{kind}", first.state))
    assert loaded == first.state
    second = run_fold(panel.chunk(cut, T), targets.chunk(cut, T), rules, state=loaded)
    assert_same_ledger([first, second], whole)
    halves, one = tables_of([first, second], T, N, V), tables_of([whole], T, N, V)
    for name, table in one.items():
        assert halves[name].equals(table), name


@pytest.mark.parametrize("kind", ["parquet", "json"])
def test_saved_states_keep_every_bit(tmp_path: Path, kind: str):
    # NaN with a payload, -0.0, subnormals and the extremes survive both formats
    odd = np.array([np.nan, -0.0, 5e-324, np.finfo(float).max, -np.inf]).view(np.int64)
    odd[0] |= 0x1234  # a NaN payload
    cash = odd.view(np.float64)
    state = FoldState.from_dict(FoldState.start(engine_rules(5), 2, 9).to_dict() | {"cash": cash})
    loaded = load_state(save_state(tmp_path / f"s.{kind}", state))
    assert loaded.cash.tobytes() == cash.tobytes() and loaded == state


@pytest.mark.parametrize("kind", ["parquet", "json"])
def test_a_damaged_state_file_is_refused_by_name(tmp_path: Path, kind: str):
    path = save_state(tmp_path / f"s.{kind}", FoldState.start(engine_rules(1), 2, 9))
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(InputError, match=f"s.{kind}: not a readable fold state"):
        load_state(path)
    other = tmp_path / f"other.{kind}"
    if kind == "json":
        other.write_text('{"format": "something else"}')
    else:
        pq.write_table(pa.table({"x": [1]}), other)
    with pytest.raises(InputError, match="not a readable fold state"):
        load_state(other)


def test_a_state_file_is_parquet_or_json(tmp_path: Path):
    with pytest.raises(Ml4tError, match=r"\.parquet or a \.json file"):
        save_state(tmp_path / "s.csv", FoldState.start(engine_rules(1), 2, 9))
    assert not list(tmp_path.iterdir())  # nothing written
