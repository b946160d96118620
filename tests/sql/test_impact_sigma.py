"""Capacity inputs' SQL on literal rows: sql/sources/impact_sigma.sql and fill_volume.sql."""

import datetime as dt
import statistics

import numpy as np
import pytest

from .conftest import returns

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
TABLES = {"prices": PRICES, "returns": returns(), "calendar": CAL, "assets": ASSETS}


def test_sigma_at_each_bar_of_the_chunks_decisions_and_the_carry_before_them(sql):
    ret_a = [A[k] / A[k - 1] - 1 for k in range(1, 6)]
    # fills on D3..D5: decisions on D2..D4 (window dates 2..4), carry: each asset's bar before D2
    rows = sql("sources/impact_sigma", TABLES, {"start": 3, "stop": 6, "window": 3})
    got = {(r["date_idx"], r["asset_idx"], r["carry"]): r["sigma"] for r in rows}
    assert sorted(got, key=str) == sorted([(2, 0, False), (3, 0, False), (4, 0, False), (3, 1, False),
                                           (None, 0, True), (None, 1, True)], key=str)  # fmt: skip
    assert got[(None, 0, True)] == 0.0  # A on D1: one return
    assert got[(2, 0, False)] == pytest.approx(statistics.stdev(ret_a[0:2]), rel=1e-12)
    assert got[(4, 0, False)] == pytest.approx(statistics.stdev(ret_a[1:4]), rel=1e-12)  # the last 3 up to D4
    assert got[(None, 1, True)] == 0.0  # B on D1: one return
    assert got[(3, 1, False)] == pytest.approx(statistics.stdev([0.1, -0.2]), rel=1e-12)  # across B's gap


def test_the_fold_gets_the_decisions_sigma_carried_over_gaps_and_chunks():
    import duckdb

    from ml4t_sql.data.capacity import capacity_arrays
    from tests.sql.conftest import load_tables

    con = duckdb.connect()
    load_tables(con, TABLES)
    _, whole = capacity_arrays(con, (3,), 0, 6, 2)
    parts = [capacity_arrays(con, (3,), a, b, 2)[1] for a, b in ((0, 2), (2, 5), (5, 6))]
    con.close()
    assert whole is not None and all(p is not None for p in parts)
    assert np.array_equal(np.concatenate(parts, axis=1), whole)  # type: ignore[arg-type]
    sd_b = statistics.stdev([0.1, -0.2])
    # fill on D4: decision D3 (B's bar there); fill on D5: decision D4 (no bar of B: its latest, D3)
    assert whole[0, 4, 1] == pytest.approx(sd_b, rel=1e-12) and whole[0, 5, 1] == whole[0, 4, 1]
    assert whole[0, 3, 1] == 0.0 and whole[0, 1, 0] == 0.0  # one return so far


def test_fill_volume_keeps_null_and_zero(sql):
    rows = sql("sources/fill_volume", TABLES, {"start": 0, "stop": 2})
    assert [(r["date_idx"], r["asset_idx"], r["volume"]) for r in rows] == [
        (0, 0, 10.0), (0, 1, None), (1, 0, 20.0), (1, 1, 0.0)
    ]
