"""sql/reports/equity_curve.sql: NAV, growth from the initial cash, benchmark NAVs, excess return; per run."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_growth_and_excess_over_the_primary_benchmark(sql):
    equity = [
        {"run_id": "a", "date": D1, "nav": 100.0, "return": 0.0},
        {"run_id": "a", "date": D2, "nav": 120.0, "return": 0.2},
        {"run_id": "b", "date": D1, "nav": 50.0, "return": 0.0},  # a run without benchmark rows
    ]
    benchmark = [
        {"run_id": "a", "series": "universe", "date": D1, "nav": 100.0, "is_primary": False},
        {"run_id": "a", "series": "universe", "date": D2, "nav": 90.0, "is_primary": False},
        {"run_id": "a", "series": "benchmark", "date": D1, "nav": 100.0, "is_primary": True},
        {"run_id": "a", "series": "benchmark", "date": D2, "nav": 110.0, "is_primary": True},
    ]
    out = sql("reports/equity_curve", {"equity": equity, "benchmark": benchmark})
    assert out == [
        {"run_id": "a", "date": D1, "nav": 100.0, "growth": 1.0, "benchmark_nav": 100.0, "universe_nav": 100.0,
         "excess_return": 0.0},
        {"run_id": "a", "date": D2, "nav": 120.0, "growth": 1.2, "benchmark_nav": 110.0, "universe_nav": 90.0,
         "excess_return": pytest.approx(120 / 110 - 1)},
        {"run_id": "b", "date": D1, "nav": 50.0, "growth": 1.0, "benchmark_nav": None, "universe_nav": None,
         "excess_return": None},
    ]  # fmt: skip
