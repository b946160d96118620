"""sql/reports/turnover.sql: monthly sums of turnover and costs, costs in basis points of the month's mean NAV."""

import datetime as dt

import pytest


def test_monthly_sums(sql):
    equity = [
        {"run_id": "r", "date": dt.date(2020, 1, 30), "nav": 100.0, "turnover": 0.5, "costs": 0.01},
        {"run_id": "r", "date": dt.date(2020, 1, 31), "nav": 300.0, "turnover": 0.25, "costs": 0.03},
        {"run_id": "r", "date": dt.date(2020, 2, 3), "nav": 300.0, "turnover": 0.0, "costs": 0.0},
    ]
    out = sql("reports/turnover", {"equity": equity})
    assert [r["month"] for r in out] == [dt.date(2020, 1, 1), dt.date(2020, 2, 1)]
    assert [r["turnover"] for r in out] == pytest.approx([0.75, 0.0])
    assert [r["costs_bps"] for r in out] == pytest.approx([0.04 / 200 * 1e4, 0.0])
