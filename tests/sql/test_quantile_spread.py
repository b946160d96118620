"""sql/research/quantile_spread.sql: top ($quantiles) minus bottom (1), only where both exist."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_top_minus_bottom_per_date_and_horizon(sql):
    daily = [
        {"date": D1, "horizon": 1, "quantile": 1, "n_assets": 1, "mean_fwd_return": 0.01},
        {"date": D1, "horizon": 1, "quantile": 2, "n_assets": 1, "mean_fwd_return": 0.5},  # a middle quantile
        {"date": D1, "horizon": 1, "quantile": 3, "n_assets": 1, "mean_fwd_return": 0.04},
        {"date": D2, "horizon": 1, "quantile": 3, "n_assets": 1, "mean_fwd_return": 0.02},  # no bottom: no row
    ]
    rows = sql("research/quantile_spread", {"quantile_daily_returns": daily}, {"quantiles": 3})
    assert len(rows) == 1 and rows[0]["date"] == D1
    assert (rows[0]["top_return"], rows[0]["bottom_return"]) == (0.04, 0.01)
    assert rows[0]["spread"] == pytest.approx(0.03)
