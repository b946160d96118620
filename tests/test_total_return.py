"""Dividends on real data (docs/VALIDATION.md): the Yahoo sample's dividends recovered from Adj
Close, and examples/03_total_return.py against Adj Close within the documented bounds."""

from __future__ import annotations

import runpy
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "warehouse" / "sample" / "yahoo_dow_2017.parquet"
SQL = ROOT / "examples" / "dividends_from_adj_close.sql"


def test_the_sample_is_small_and_its_dividends_are_recovered():
    assert SAMPLE.stat().st_size < 1 << 20
    con = duckdb.connect()
    con.read_parquet(str(SAMPLE)).create_view("prices")
    rows = con.sql(SQL.read_text()).pl()
    assert rows.height == 587 and rows["asset"].n_unique() == 30
    assert rows["split"].unique().to_list() == [1.0] and rows["dividend"].min() > 0
    (big,) = rows.filter(pl.col("dividend") > 5).iter_rows(named=True)  # the Fortive spin-off, counted again
    assert (big["asset"], str(big["date"])) == ("DHR", "2016-07-05")
    assert big["dividend"] == pytest.approx(24.56, abs=1e-5)
    aapl = rows.filter(pl.col("asset") == "AAPL")["dividend"].to_list()
    assert aapl[0] == pytest.approx(2.65 / 7, rel=1e-3)  # 2.65 a share before the 7-for-1 split of 2014


@pytest.mark.slow
def test_the_example_matches_adj_close_within_the_documented_bounds():
    table = runpy.run_path(str(ROOT / "examples" / "03_total_return.py"))["residuals"]()
    assert table.height == 30
    by = {r["asset"]: r for r in table.iter_rows(named=True)}
    others = [r["reinvested_relative"] for a, r in by.items() if a != "DHR"]
    assert max(abs(x) for x in others) < 6e-4
    assert by["DHR"]["reinvested_relative"] == pytest.approx(-0.0999, abs=1e-3)
    assert table["buy_and_hold"].min() == pytest.approx(-0.496, abs=2e-3) == by["DHR"]["buy_and_hold"]
    assert table["buy_and_hold"].max() == pytest.approx(0.0577, abs=1e-3) == by["GE"]["buy_and_hold"]
    assert all(r["dividends"] > 0 for r in by.values())
