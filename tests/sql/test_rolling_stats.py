"""sql/reports/rolling_stats.sql: trailing volatility and Sharpe over a full window only, per run."""

import datetime as dt
import statistics

import pytest


def test_full_windows_only_with_the_stats_definitions(sql):
    returns = [0.01, -0.02, 0.03, 0.0]
    equity = [{"run_id": "r", "date": dt.date(2020, 1, 2 + i), "return": x} for i, x in enumerate(returns)]
    equity.append({"run_id": "other", "date": dt.date(2020, 1, 2), "return": 0.5})
    params = {"window": 3, "periods_per_year": 4, "risk_free": 0.001}
    out = [r for r in sql("reports/rolling_stats", {"equity": equity}, params) if r["run_id"] == "r"]
    assert [r["volatility"] for r in out[:2]] == [None, None]
    for row, window in zip(out[2:], (returns[0:3], returns[1:4]), strict=True):
        sd = statistics.stdev(window)
        assert row["volatility"] == pytest.approx(sd * 2, abs=1e-15)
        assert row["sharpe"] == pytest.approx((statistics.mean(window) - 0.001) / sd * 2, abs=1e-12)
