"""sql/reports/carry.sql: financing (and dividends, when equity has them) per month and running."""

import datetime as dt

import pytest


def _equity(dividends=False):
    rows = [
        {"run_id": "r", "date": dt.date(2020, 1, 30), "financing": 1.0, "dividends": 0.0},
        {"run_id": "r", "date": dt.date(2020, 1, 31), "financing": -3.0, "dividends": 2.0},
        {"run_id": "r", "date": dt.date(2020, 2, 3), "financing": 0.5, "dividends": -1.0},
    ]
    return rows if dividends else [{k: v for k, v in r.items() if k != "dividends"} for r in rows]


def test_months_and_running_totals(sql):
    out = sql("reports/carry", {"equity": _equity()}, dividends=False)
    assert [(r["month"], r["financing"], r["cumulative_financing"]) for r in out] == [
        (dt.date(2020, 1, 1), -2.0, -2.0), (dt.date(2020, 2, 1), 0.5, pytest.approx(-1.5)),
    ]  # fmt: skip
    assert "dividends" not in out[0]


def test_dividends_when_present(sql):
    out = sql("reports/carry", {"equity": _equity(dividends=True)}, dividends=True)
    assert [(r["dividends"], r["cumulative_dividends"]) for r in out] == [(2.0, 2.0), (-1.0, 1.0)]
