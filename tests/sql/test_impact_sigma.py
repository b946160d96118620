"""Capacity inputs on literal rows: sql/sources/impact_history.sql, the returns and the sigma the fold
reads (ml4t_sql/data/capacity.py, ml4t_sql/engine/sigma.py), and the bars' volume in the panel."""

import datetime as dt
import statistics

import numpy as np
import pytest

from .conftest import every_sigma, impact_sigma, returns

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


def test_the_history_is_each_assets_last_bars_before_the_chunk_with_their_closes(sql):
    ret_a = [A[k] / A[k - 1] - 1 for k in range(1, 6)]
    # a chunk from window date 4 (D4): each asset's last 2 bars before it, A's D2, D3 and B's D1, D3
    rows = sql("sources/impact_history", TABLES, {"before": 4, "window": 2}, actions=False, before=True)
    assert [(r["asset_idx"], r["close"]) for r in rows] == [(0, 99.0), (0, 102.0), (1, 44.0), (1, 55.0)]
    got = {(r["asset_idx"], r["close"]): r["ret"] for r in rows}
    assert got[(0, 99.0)] == ret_a[1] and got[(0, 102.0)] == ret_a[2]
    assert got[(1, 55.0)] == pytest.approx(0.1, rel=1e-12) and got[(1, 44.0)] == pytest.approx(-0.2, rel=1e-12)
    assert sql("sources/impact_history", TABLES, {"before": 0, "window": 2}, actions=False, before=True) == []


def test_the_chunks_own_returns_are_the_views_bits_with_gaps_actions_and_history_before_the_window():
    """The returns impact's sigma reads, per asset in date order: those of sql/sources/returns.sql
    (ml4t.returns) over its last bars before the chunk and its bars on the chunk's decision dates,
    the chunk's computed from the panel: equal bit for bit, in every chunk of a window that starts
    after the first bars (the returns of the window's first bars read closes before it)."""
    import duckdb
    import polars as pl

    from ml4t_sql.data.capacity import impact_sigma as load_sigma
    from ml4t_sql.data.panel import iter_panels
    from tests.factories import make_prices

    from .conftest import load_tables, run_sql

    prices = make_prices(9, 160, seed=11, gap_prob=0.15).select("date", "asset", "open", "close", "volume")
    dates, assets = sorted(prices["date"].unique()), sorted(prices["asset"].unique())
    bars = prices.sort("asset", "date").rows(named=True)
    actions = [{"date": r["date"], "asset": r["asset"], "split": 2.0 if i % 3 else 1.0,
                "dividend": 0.0 if i % 3 else 0.4} for i, r in enumerate(bars[7::23])]  # fmt: skip
    prices = pl.DataFrame([{**r, "open": r["open"] / 2, "close": r["close"] / 2} if (i // 23) % 3 == 1 else r
                           for i, r in enumerate(bars)])  # fmt: skip
    window = dates[40:]  # 40 dates of history before the window
    tables = {"prices": prices, "actions": actions,
              "calendar": [{"date": d, "date_idx": i} for i, d in enumerate(window)],
              "assets": [{"asset": a, "asset_idx": i} for i, a in enumerate(assets)]}  # fmt: skip
    tables["action_factors"] = run_sql("sources/action_factors", tables)
    assert sum(r["factor"] != 1.0 for r in tables["action_factors"]) > 5
    con = duckdb.connect()
    load_tables(con, tables)
    view = con.sql(returns(actions=True) + " order by asset, date").pl()
    T, N, w = len(window), len(assets), 6
    every = [panel for _, _, panel in iter_panels(con, 0, T, N, 30, volume=True)]
    chunks = [(s, min(s + 30, T)) for s in range(0, T, 30)]
    for (start, stop), panel in zip(chunks, every, strict=True):
        sigma = load_sigma(con, (w,), start, stop, panel, actions=True)
        row_asset = sigma.key // sigma.width
        for a, name in enumerate(assets):
            mine = view.filter(pl.col("asset") == name)
            before = mine.filter(pl.col("date") < window[start]).tail(w)["ret"].to_numpy()
            inside = mine.filter(pl.col("date").is_between(window[start], window[stop - 1], closed="left"))
            want = np.r_[before, inside["ret"].to_numpy()]
            got = sigma.ret[1:][row_asset == a]
            assert np.array_equal(got, np.asarray(want, dtype=float), equal_nan=True), (start, name)
    con.close()


def sigma(start: int, stop: int, windows: tuple[int, ...] = (3,)) -> np.ndarray:
    return impact_sigma(TABLES, windows, start, stop)


def test_each_fill_gets_its_decisions_sigma_over_the_assets_own_bars():
    ret_a = [A[k] / A[k - 1] - 1 for k in range(1, 6)]
    whole = sigma(0, 6)
    # a fill on t reads the decision's (t - 1) last 3 bars: on D3, A's bars D0..D2 (two returns)
    assert whole[0, 3, 0] == pytest.approx(statistics.stdev(ret_a[0:2]), rel=1e-12)
    assert whole[0, 5, 0] == pytest.approx(statistics.stdev(ret_a[1:4]), rel=1e-12)  # the last 3 up to D4
    assert whole[0, 1, 0] == whole[0, 2, 0] == 0.0  # fewer than two returns so far
    sd_b = statistics.stdev([0.1, -0.2])  # B's bars D0, D1, D3: the gap D1 -> D3 is one return
    # fill on D4: decision D3 (B's bar there); fill on D5: decision D4 (no bar of B: its latest, D3)
    assert whole[0, 4, 1] == pytest.approx(sd_b, rel=1e-12) and whole[0, 5, 1] == whole[0, 4, 1]
    assert whole[0, 3, 1] == 0.0  # B's decision D2 carries its bar D1: one return


def test_sigma_is_the_same_in_chunks_and_with_other_windows_beside_it():
    whole = sigma(0, 6, (3, 2))
    parts = [sigma(a, b, (3, 2)) for a, b in ((0, 2), (2, 5), (5, 6))]
    assert np.array_equal(np.concatenate(parts, axis=1), whole)
    assert np.array_equal(whole[0], sigma(0, 6, (3,))[0])  # bit for bit: a wider window beside it adds zeros
    ret_a = [A[k] / A[k - 1] - 1 for k in range(1, 6)]
    assert whole[1, 5, 0] == pytest.approx(abs(ret_a[3] - ret_a[2]) / 2**0.5, rel=1e-12)  # window 2: D3's and D4's


def test_the_panel_keeps_a_null_volume_as_nan_and_zero_as_zero():
    """Step cap's volume: the fill bar's, NaN without a bar or with a NULL volume (fills nothing)."""
    import duckdb

    from ml4t_sql.data.panel import iter_panels

    from .conftest import load_tables

    con = duckdb.connect()
    load_tables(con, {**TABLES, "prices": [{**r, "open": r["close"]} for r in PRICES]})
    ((_, _, panel),) = iter_panels(con, 0, len(D), 2, len(D), volume=True)
    ((_, _, plain),) = iter_panels(con, 0, len(D), 2, len(D))
    con.close()
    assert panel.volume is not None and plain.volume is None
    want = np.array([[10.0, np.nan], [20.0, 0.0], [30.0, np.nan], [40.0, 7.0], [50.0, np.nan], [60.0, np.nan]])
    assert np.array_equal(panel.volume, want, equal_nan=True)


def test_a_sigma_computed_in_bulk_is_the_one_computed_when_asked():
    """The fold's sigma of an order is the same bits whether the chunk computed it in bulk (a likely
    order) or step cap asked for it, with a wider window beside it or not."""
    import duckdb
    import polars as pl

    from ml4t_sql.data.capacity import impact_sigma
    from ml4t_sql.data.panel import iter_panels
    from ml4t_sql.engine.sigma import WindowSigma
    from tests.factories import make_prices

    from .conftest import load_tables

    prices = make_prices(12, 120, seed=5).select("date", "asset", "open", "close", "volume")
    dates, assets = sorted(prices["date"].unique()), sorted(prices["asset"].unique())
    prices = prices.filter(pl.col("close").hash(seed=1) % 7 != 0)  # gaps in every asset's bars
    tables = {"prices": prices, "returns": returns(),
              "calendar": [{"date": d, "date_idx": i} for i, d in enumerate(dates)],
              "assets": [{"asset": a, "asset_idx": i} for i, a in enumerate(assets)]}  # fmt: skip
    con = duckdb.connect()
    load_tables(con, tables)
    ((_, _, panel),) = iter_panels(con, 0, 120, len(assets), 120, volume=True)
    asked = impact_sigma(con, (20, 7), 30, 120, panel.chunk(30, 120), actions=False)
    con.close()
    t, a = (x.ravel() for x in np.meshgrid(np.arange(90), np.arange(len(assets)), indexing="ij"))
    bulk = WindowSigma.build(asked.ret, asked.first, asked.key, asked.windows, 90, len(assets), (t, a))
    every = every_sigma(asked)
    assert not np.isnan(bulk.known).any() and np.array_equal(bulk.known, every)
    assert (every > 0).mean() > 0.9
    planes, n = np.arange(len(assets)) % 2, np.arange(len(assets))  # a sweep's orders of both windows at once
    assert all(np.array_equal(asked[planes, t, n], every[planes, t, n]) for t in range(90))
