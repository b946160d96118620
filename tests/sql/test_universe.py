"""sql/strategy/universe.sql: per signal, a bar on t and a finite signal on t, on the dates some
variant using that signal rebalances."""

import datetime as dt
import math

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def price(day, asset):
    return {"date": day, "asset": asset, "close": 1.0}


SIGNALS = [
    {"date": D1, "asset": "A", "score": 0.5, "other": 1.0},
    {"date": D1, "asset": "B", "score": None, "other": 1.0},  # NULL: never eligible
    {"date": D1, "asset": "C", "score": math.nan, "other": 1.0},  # NaN: never eligible
    {"date": D1, "asset": "D", "score": math.inf, "other": 1.0},  # infinite: never eligible
    {"date": D1, "asset": "E", "score": -0.2, "other": 1.0},
    {"date": D1, "asset": "F", "score": 0.9, "other": 1.0},  # no bar on D1: not eligible
    {"date": D2, "asset": "A", "score": 0.7, "other": 2.0},  # D2 is rebalanced only with "other"
]
PRICES = [price(D1, a) for a in "ABCDE"] + [price(D2, "A"), price(D2, "F")]
SCHEDULES = [{"schedule": "monthly", "date": D1}, {"schedule": "daily", "date": D1}, {"schedule": "daily", "date": D2}]
VARIANTS = [
    {"variant": 0, "universe_id": 0, "schedule": "monthly"},
    {"variant": 1, "universe_id": 1, "schedule": "daily"},
]
INPUTS = {"signals": SIGNALS, "prices": PRICES, "schedule_dates": SCHEDULES, "variants": VARIANTS}


def universes(*signals):
    """The templates' `universes`: one per signal column, no min_signal, group or vol_window."""
    return [{"signal": s, "min_signal": False, "group": None, "vol_window": None} for s in signals]


def keys(rows):
    return [(r["universe_id"], r["date"], r["asset"], r["signal"]) for r in rows]


def test_eligibility_per_signal_and_schedule(sql):
    rows = sql("strategy/universe", INPUTS, universes=universes("score", "other"), signals_in_prices=False)
    assert keys(rows) == [
        (0, D1, "A", 0.5),
        (0, D1, "E", -0.2),
        (1, D1, "A", 1.0),
        (1, D1, "B", 1.0),
        (1, D1, "C", 1.0),
        (1, D1, "D", 1.0),
        (1, D1, "E", 1.0),
        (1, D2, "A", 2.0),
    ]


def test_signals_inside_prices_need_no_join(sql):
    """When the signal is a column of prices, every signal row is a bar: no join with prices."""
    inputs = {k: v for k, v in INPUTS.items() if k != "prices"}
    rows = sql("strategy/universe", inputs, universes=universes("score"), signals_in_prices=True)
    assert [(r["date"], r["asset"]) for r in rows] == [(D1, "A"), (D1, "E"), (D1, "F")]
