"""sql/research/quantile_daily_returns.sql: equal-weight mean forward return per date, horizon and
quantile; NULL forward returns left out (a quantile without any: no row)."""

import datetime as dt

import pytest

D1 = dt.date(2020, 1, 2)


def test_means_per_quantile_without_null_returns(sql):
    factor = [
        {"date": D1, "asset": "A", "signal": 1.0, "quantile": 1},
        {"date": D1, "asset": "B", "signal": 2.0, "quantile": 1},
        {"date": D1, "asset": "C", "signal": 3.0, "quantile": 2},
        {"date": D1, "asset": "D", "signal": 4.0, "quantile": 2},  # NULL return
        {"date": D1, "asset": "E", "signal": 5.0, "quantile": 3},  # NULL return only: no row
    ]
    fwd = [
        {"date": D1, "asset": "A", "horizon": 5, "fwd_return": 0.01},
        {"date": D1, "asset": "B", "horizon": 5, "fwd_return": 0.03},
        {"date": D1, "asset": "C", "horizon": 5, "fwd_return": -0.02},
        {"date": D1, "asset": "D", "horizon": 5, "fwd_return": None},
        {"date": D1, "asset": "E", "horizon": 5, "fwd_return": None},
    ]
    rows = sql("research/quantile_daily_returns", {"factor": factor, "forward_returns": fwd})
    assert [(r["quantile"], r["n_assets"]) for r in rows] == [(1, 2), (2, 1)]
    assert rows[0]["mean_fwd_return"] == pytest.approx(0.02) and rows[1]["mean_fwd_return"] == pytest.approx(-0.02)
