"""Capacity inputs' SQL on literal rows: sql/sources/impact_sigma.sql and fill_volume.sql."""

import datetime as dt
import statistics

import pytest

D = [dt.date(2024, 1, d) for d in (2, 3, 4, 5, 8, 9)]
CAL = [{"date": d, "date_idx": i} for i, d in enumerate(D)]
ASSETS = [{"asset": "A", "asset_idx": 0}, {"asset": "B", "asset_idx": 1}]
# A: a bar every date; B: bars on D0, D1, D3 only (a gap: D1 -> D3 is one return)
A = [100.0, 101.0, 99.0, 102.0, 104.0, 103.0]
PRICES = [{"date": d, "asset": "A", "close": c, "volume": 10.0 * (i + 1)}
          for i, (d, c) in enumerate(zip(D, A, strict=True))]
PRICES += [{"date": D[0], "asset": "B", "close": 50.0, "volume": None},
           {"date": D[1], "asset": "B", "close": 55.0, "volume": 0.0},
           {"date": D[3], "asset": "B", "close": 44.0, "volume": 7.0}]  # fmt: skip
TABLES = {"prices": PRICES, "calendar": CAL, "assets": ASSETS}


def test_sigma_is_that_of_the_decision_dates_last_returns(sql):
    rows = sql("sources/impact_sigma", TABLES, {"start": 0, "stop": 6, "window": 3})
    got = {(r["date_idx"], r["asset_idx"]): r["sigma"] for r in rows}
    ret_a = [A[k] / A[k - 1] - 1 for k in range(1, 6)]
    # fill on D2: decision D1, one return of A -> 0; fill on D3: decision D2, two returns
    assert got[(1, 0)] == 0.0 and got[(2, 0)] == 0.0
    assert got[(3, 0)] == pytest.approx(statistics.stdev(ret_a[0:2]), rel=1e-12)
    assert got[(5, 0)] == pytest.approx(statistics.stdev(ret_a[1:4]), rel=1e-12)  # the last 3 up to D4
    # B: returns 0.1 (D1) and -0.2 (D3, across the gap); on D5 (decision D4, no bar) its latest bar's sigma
    assert got[(3, 1)] == 0.0 and got[(4, 1)] == pytest.approx(statistics.stdev([0.1, -0.2]), rel=1e-12)
    assert got[(5, 1)] == got[(4, 1)]
    assert (0, 0) not in got  # the window's first date has no decision before it


def test_fill_volume_keeps_null_and_zero(sql):
    rows = sql("sources/fill_volume", TABLES, {"start": 0, "stop": 2})
    assert [(r["date_idx"], r["asset_idx"], r["volume"]) for r in rows] == [
        (0, 0, 10.0), (0, 1, None), (1, 0, 20.0), (1, 1, 0.0)
    ]
