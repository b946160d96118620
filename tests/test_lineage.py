"""The runs' lineage: every input's rows digested per date, independent of row order."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

import ml4t_sql

from .factories import make_prices, shuffled


@pytest.fixture(scope="module")
def prices() -> pl.DataFrame:
    return make_prices(n_assets=6, n_days=25, seed=11, ragged=False)


def config(prices: pl.DataFrame, **data: Any) -> dict[str, Any]:
    signals = prices.select("date", "asset", (pl.col("close") / pl.col("open")).alias("score"))
    bench = prices.group_by("date").agg(pl.col("close").mean().alias("price")).sort("date")
    sectors = pl.DataFrame({"asset": sorted(prices["asset"].unique()), "sector": ["x", "y"] * 3})
    events = prices.select("date", "asset").head(10)
    base = {"prices": prices, "signals": signals, "benchmark": bench, "tables": {"sectors": sectors, "events": events}}
    return {"data": {**base, **data}, "strategy": {"signal": "score", "top_n": 2}}


def lineage(cfg: dict[str, Any]) -> tuple[pl.DataFrame, str]:
    run = ml4t_sql.run(cfg, write=False)
    return run.tables["lineage"].drop("run_id"), run.tables["runs"]["input_fingerprint"][0]


def digest(frame: pl.DataFrame, name: str) -> dict[Any, str]:
    rows = frame.filter(pl.col("input") == name)
    return dict(zip(rows["date"].to_list(), rows["digest"].to_list(), strict=True))


def test_every_input_has_its_rows_counted_per_date(prices: pl.DataFrame):
    frame, _ = lineage(config(prices))
    assert set(frame["input"]) == {"prices", "signals", "benchmark", "tables.sectors", "tables.events"}
    per_date = frame.filter(pl.col("input") == "prices").sort("date")
    expected = prices.group_by("date").len().sort("date")
    assert per_date["date"].to_list() == expected["date"].to_list()
    assert per_date["n_rows"].to_list() == expected["len"].to_list()
    static = frame.filter(pl.col("input") == "tables.sectors")
    assert static["date"].to_list() == [None] and static["n_rows"].to_list() == [6]  # no date column: one row
    assert frame.filter(pl.col("input") == "tables.events")["n_rows"].sum() == 10


def test_row_order_changes_nothing(prices: pl.DataFrame):
    a, fa = lineage(config(prices))
    cfg = config(prices)
    cfg["data"] = {k: shuffled(v, seed=3) if isinstance(v, pl.DataFrame) else v for k, v in cfg["data"].items()}
    cfg["data"]["tables"] = {k: shuffled(v, seed=4) for k, v in cfg["data"]["tables"].items()}
    b, fb = lineage(cfg)
    assert a.sort("input", "date").equals(b.sort("input", "date")) and fa == fb


@pytest.mark.parametrize("which", ["prices", "signals", "benchmark", "tables.sectors", "tables.events"])
def test_a_change_shows_on_its_input_and_date_only(prices: pl.DataFrame, which: str):
    before, fingerprint = lineage(config(prices))
    cfg = config(prices)
    day = sorted(prices["date"].unique())[7]
    data = cfg["data"]
    if which == "prices":
        data["prices"] = prices.with_columns(
            pl.when((pl.col("date") == day) & (pl.col("asset") == "A002")).then(pl.col("volume") + 1)
            .otherwise(pl.col("volume")).alias("volume")
        )  # fmt: skip
    elif which == "signals":
        s = data["signals"]
        data["signals"] = s.with_columns(
            pl.when(pl.col("date") == day).then(pl.col("score") * 1.5).otherwise(pl.col("score"))
        )
    elif which == "benchmark":
        b = data["benchmark"]
        data["benchmark"] = b.with_columns(
            pl.when(pl.col("date") == day).then(pl.col("price") + 0.01).otherwise(pl.col("price"))
        )
    elif which == "tables.sectors":
        data["tables"]["sectors"] = data["tables"]["sectors"].with_columns(pl.lit("z").alias("sector"))
    else:
        data["tables"]["events"] = data["tables"]["events"].with_columns(pl.lit(day).alias("date"))
    after, changed = lineage(cfg)
    assert changed != fingerprint
    for name in ("prices", "signals", "benchmark", "tables.sectors", "tables.events"):
        old, new = digest(before, name), digest(after, name)
        if name != which:
            assert old == new, name
        elif name == "tables.sectors":
            assert old[None] != new[None]
        elif name == "tables.events":
            assert set(new) == {day}  # every row moved to that date
        else:
            assert [d for d in old if old[d] != new.get(d)] == [day], name


def test_a_sweep_has_one_lineage_for_all_its_variants(prices: pl.DataFrame):
    result = ml4t_sql.sweep(config(prices), grid={"top_n": [1, 2]}, write=False)
    single, _ = lineage(config(prices))
    assert result.tables["lineage"].drop("run_id").equals(single)
