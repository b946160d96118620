"""sql/research/quantile_returns.sql: the mean over dates of the per-date means (not the pooled mean)."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_mean_of_daily_means_and_std_null_on_one_date(sql):
    daily = [
        {"date": D1, "horizon": 1, "quantile": 1, "n_assets": 3, "mean_fwd_return": 0.01},
        {"date": D2, "horizon": 1, "quantile": 1, "n_assets": 1, "mean_fwd_return": 0.03},
        {"date": D1, "horizon": 1, "quantile": 2, "n_assets": 2, "mean_fwd_return": -0.01},
    ]
    rows = sql("research/quantile_returns", {"quantile_daily_returns": daily})
    assert [(r["quantile"], r["n_dates"]) for r in rows] == [(1, 2), (2, 1)]
    assert rows[0]["mean_fwd_return"] == pytest.approx(0.02)  # a pooled mean would be 0.015
    assert rows[0]["std_fwd_return"] == pytest.approx(0.02**0.5 * 0.1)
    assert rows[1]["std_fwd_return"] is None
