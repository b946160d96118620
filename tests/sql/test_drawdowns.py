"""sql/reports/drawdowns.sql: NAV against its running peak, which starts at the initial cash."""

import datetime as dt

import pytest


def test_underwater_curve_with_the_initial_cash_as_first_peak(sql):
    navs = [(100.0, 0.0), (95.0, -0.05), (110.0, 110 / 95 - 1), (99.0, -0.1)]
    equity = [{"run_id": "r", "date": dt.date(2020, 1, 2 + i), "nav": n, "return": r} for i, (n, r) in enumerate(navs)]
    equity[0]["nav"], equity[0]["return"] = 98.0, -0.02  # a first-date loss: the peak is the initial cash, 100
    out = sql("reports/drawdowns", {"equity": equity})
    assert [r["peak"] for r in out] == pytest.approx([100.0, 100.0, 110.0, 110.0])
    assert [r["drawdown"] for r in out] == pytest.approx([-0.02, -0.05, 0.0, -0.1])
