"""sql/reports/annual_returns.sql: compounded returns per calendar year, and the excess over the benchmark."""

import datetime as dt

import pytest


def test_years_compound_with_excess_as_relative_wealth(sql):
    days = [(dt.date(2019, 12, 31), 0.1, 0.0), (dt.date(2020, 1, 2), 0.2, 0.1), (dt.date(2020, 6, 1), 0.1, 0.0)]
    equity = [{"run_id": "r", "date": d, "return": r} for d, r, _ in days]
    benchmark = [{"run_id": "r", "date": d, "return": b, "is_primary": True} for d, _, b in days]
    out = sql("reports/annual_returns", {"equity": equity, "benchmark": benchmark})
    assert [r["year"] for r in out] == [2019, 2020]
    assert [r["return"] for r in out] == pytest.approx([0.1, 1.2 * 1.1 - 1])
    assert [r["excess_return"] for r in out] == pytest.approx([0.1, 1.32 / 1.1 - 1])
