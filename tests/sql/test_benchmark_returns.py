"""sql/sources/benchmark_returns.sql: a benchmark on the window's calendar; off-calendar rows compound forward."""

import datetime as dt

import pytest

D = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]
CALENDAR = [{"date": d, "date_idx": i} for i, d in enumerate(D)]


def test_returns_on_the_calendar_first_date_zero_weekend_row_compounds_into_monday(sql):
    rows = [
        {"date": dt.date(2019, 12, 31), "value": 0.5},  # before the window: ignored (first date is 0)
        {"date": D[0], "value": 0.01},  # the first date: 0 by convention
        {"date": D[1], "value": 0.02},
        {"date": dt.date(2020, 1, 4), "value": 0.10},  # a Saturday row: compounds into Monday the 6th
        {"date": D[2], "value": -0.05},
        {"date": D[3], "value": 0.03},
        {"date": dt.date(2020, 1, 8), "value": 0.9},  # after the window: dropped
    ]
    out = sql("sources/benchmark_returns", {"benchmark_input": rows, "calendar": CALENDAR}, kind="return")
    assert [r["date"] for r in out] == D
    assert [r["return"] for r in out] == pytest.approx([0.0, 0.02, 1.10 * 0.95 - 1, 0.03], abs=1e-15)


def test_a_date_without_benchmark_row_has_return_zero(sql):
    rows = [{"date": D[0], "value": 0.0}, {"date": D[1], "value": 0.02}, {"date": D[3], "value": 0.03}]
    out = sql("sources/benchmark_returns", {"benchmark_input": rows, "calendar": CALENDAR}, kind="return")
    assert [r["return"] for r in out] == pytest.approx([0.0, 0.02, 0.0, 0.03], abs=1e-15)


def test_prices_become_returns_from_the_last_price_at_or_before_the_previous_date(sql):
    rows = [
        {"date": dt.date(2019, 12, 31), "value": 90.0},
        {"date": D[0], "value": 100.0},
        {"date": D[1], "value": 110.0},
        {"date": dt.date(2020, 1, 4), "value": 121.0},  # Saturday price: counted in Monday's return
        {"date": D[2], "value": 99.0},
        {"date": D[3], "value": 99.0},
    ]
    out = sql("sources/benchmark_returns", {"benchmark_input": rows, "calendar": CALENDAR}, kind="price")
    assert [r["return"] for r in out] == pytest.approx([0.0, 0.1, 99 / 110 - 1, 0.0], abs=1e-15)
