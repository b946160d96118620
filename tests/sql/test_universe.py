"""sql/strategy/universe.sql: a bar on t and a finite signal on t (and above min_signal)."""

import datetime as dt
import math

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def price(day, asset):
    return {"date": day, "asset": asset, "close": 1.0}


SIGNALS = [
    {"date": D1, "asset": "A", "score": 0.5},
    {"date": D1, "asset": "B", "score": None},  # NULL: never eligible
    {"date": D1, "asset": "C", "score": math.nan},  # NaN: never eligible
    {"date": D1, "asset": "D", "score": math.inf},  # infinite: never eligible
    {"date": D1, "asset": "E", "score": -0.2},
    {"date": D1, "asset": "F", "score": 0.9},  # no bar on D1: not eligible
    {"date": D2, "asset": "A", "score": 0.7},  # D2 is not a rebalance date
]
PRICES = [price(D1, a) for a in "ABCDE"] + [price(D2, "A"), price(D2, "F")]


def test_eligibility(sql):
    rows = sql(
        "strategy/universe",
        {"signals": SIGNALS, "prices": PRICES, "rebalance_dates": [{"date": D1}]},
        signal="score",
        has_min_signal=False,
        signals_in_prices=False,
    )
    assert rows == [{"date": D1, "asset": "A", "signal": 0.5}, {"date": D1, "asset": "E", "signal": -0.2}]


def test_signals_inside_prices_need_no_join(sql):
    """When the signal is a column of prices, every signal row is a bar: no join with prices."""
    rows = sql(
        "strategy/universe",
        {"signals": SIGNALS, "rebalance_dates": [{"date": D1}]},
        signal="score",
        has_min_signal=False,
        signals_in_prices=True,
    )
    assert [r["asset"] for r in rows] == ["A", "E", "F"]


def test_min_signal_is_strict(sql):
    rows = sql(
        "strategy/universe",
        {"signals": SIGNALS, "prices": PRICES, "rebalance_dates": [{"date": D1}]},
        {"min_signal": -0.2},
        signal="score",
        has_min_signal=True,
        signals_in_prices=False,
    )
    assert [r["asset"] for r in rows] == ["A"]
