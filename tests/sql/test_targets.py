"""sql/strategy/targets.sql: equal and signal-proportional weights."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
SELECTION = [
    {"date": D1, "asset": "A", "signal": 3.0, "rank": 1},
    {"date": D1, "asset": "B", "signal": 1.0, "rank": 2},
    {"date": D1, "asset": "C", "signal": -1.0, "rank": 3},
    {"date": D2, "asset": "A", "signal": 0.0, "rank": 1},
]


def weights(rows):
    return {(r["date"], r["asset"]): r["weight"] for r in rows}


def test_equal_weight(sql):
    got = weights(sql("strategy/targets", {"selection": SELECTION}, weighting="equal"))
    assert got == pytest.approx({(D1, "A"): 1 / 3, (D1, "B"): 1 / 3, (D1, "C"): 1 / 3, (D2, "A"): 1.0})


def test_signal_weight_uses_positive_signals_only(sql):
    got = weights(sql("strategy/targets", {"selection": SELECTION}, weighting="signal"))
    assert got == pytest.approx({(D1, "A"): 0.75, (D1, "B"): 0.25})
