"""sql/strategy/targets.sql: equal and signal-proportional weights, per variant."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def selection(variant, weighting):
    rows = [(D1, "A", 3.0), (D1, "B", 1.0), (D1, "C", -1.0), (D2, "A", 0.0)]
    return [
        {"variant": variant, "weighting": weighting, "date": d, "asset": a, "signal": s, "rank": i + 1}
        for i, (d, a, s) in enumerate(rows)
    ]


def test_equal_and_signal_weights_side_by_side(sql):
    rows = sql("strategy/targets", {"selection": selection(0, "equal") + selection(1, "signal")})
    got = {(r["variant"], r["date"], r["asset"]): r["weight"] for r in rows}
    assert got == pytest.approx(
        {
            (0, D1, "A"): 1 / 3, (0, D1, "B"): 1 / 3, (0, D1, "C"): 1 / 3, (0, D2, "A"): 1.0,
            (1, D1, "A"): 0.75, (1, D1, "B"): 0.25,  # only positive signals carry weight
        }
    )  # fmt: skip
