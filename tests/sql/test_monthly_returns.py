"""sql/reports/monthly_returns.sql: compounded daily returns per calendar month, with the primary benchmark."""

import datetime as dt

import pytest


def test_months_compound_and_take_the_primary_series_only(sql):
    days = [(dt.date(2020, 1, 30), 0.1, 0.01), (dt.date(2020, 1, 31), 0.1, 0.02), (dt.date(2020, 2, 3), -0.5, 0.0)]
    equity = [{"run_id": "r", "date": d, "return": r} for d, r, _ in days]
    benchmark = [{"run_id": "r", "date": d, "return": b, "is_primary": True} for d, _, b in days]
    benchmark += [{"run_id": "r", "date": d, "return": 9.0, "is_primary": False} for d, _, _ in days]
    out = sql("reports/monthly_returns", {"equity": equity, "benchmark": benchmark})
    assert [(r["year"], r["month"]) for r in out] == [(2020, 1), (2020, 2)]
    assert [r["return"] for r in out] == pytest.approx([0.21, -0.5])
    assert [r["benchmark_return"] for r in out] == pytest.approx([1.01 * 1.02 - 1, 0.0])
