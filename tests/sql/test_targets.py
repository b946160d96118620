"""sql/strategy/targets.sql: equal, signal-proportional and inverse-volatility weights, per variant."""

import datetime as dt
import itertools
import math
import random

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def selection(variant, weighting):
    rows = [(D1, "A", 3.0), (D1, "B", 1.0), (D1, "C", -1.0), (D2, "A", 0.0)]
    return [
        {"variant": variant, "weighting": weighting, "date": d, "asset": a, "signal": s, "vol": None, "rank": i + 1}
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


def signal_selection(signals, *, date=D1):
    return [
        {
            "variant": 0,
            "weighting": "signal",
            "date": date,
            "asset": f"A{i:02d}",
            "signal": s,
            "vol": None,
            "rank": i + 1,
        }  # fmt: skip
        for i, s in enumerate(signals)
    ]


HUGE, TINY, TOP = 1e300, 1e-300, 1.7976931348623157e308  # TOP: the largest double


@pytest.mark.parametrize(
    "signals",
    [
        [HUGE] * 5,  # their plain sum, 5e300, fits; ...
        [TOP] * 4,  # ... this one overflows to inf: weights would be 0
        [TOP, HUGE, 1.0],
        [TINY] * 3,
        [TINY, 2 * TINY, 5e-324],  # 5e-324: the smallest subnormal
        [HUGE, TINY, 1.0],
        [3.0, 1.0, 3.0, 1e-9, 7.5],
    ],
    ids=["1e300", "max-double", "mixed-huge", "1e-300", "subnormal", "huge-and-tiny", "ordinary"],
)
def test_signal_weights_are_finite_and_sum_to_one_at_any_size(sql, signals):
    rows = sql("strategy/targets", {"selection": signal_selection(signals)})
    weights = {r["asset"]: r["weight"] for r in rows}
    assert len(weights) == len(signals) and all(0.0 <= w <= 1.0 for w in weights.values())
    assert math.fsum(weights.values()) == pytest.approx(1.0, abs=1e-15)
    largest = max(signals)
    for i, s in enumerate(signals):  # proportional to the signal: s / sum, computed as (s / max) / sum(s / max)
        expected = (s / largest) / math.fsum(x / largest for x in signals)
        assert weights[f"A{i:02d}"] == pytest.approx(expected, rel=1e-15, abs=1e-300)
    for i, j in itertools.combinations(range(len(signals)), 2):
        if signals[i] == signals[j]:  # exact ties get exactly equal weights
            assert weights[f"A{i:02d}"] == weights[f"A{j:02d}"]


def test_signal_weights_do_not_depend_on_the_order_of_the_rows(sql):
    rng = random.Random(5)
    signals = [rng.lognormvariate(0, 8) for _ in range(300)]  # spread over many orders of magnitude
    rows = signal_selection(signals)
    expected = {r["asset"]: r["weight"] for r in sql("strategy/targets", {"selection": rows})}
    for seed in range(3):
        mixed = rows[:]
        random.Random(seed).shuffle(mixed)
        got = {r["asset"]: r["weight"] for r in sql("strategy/targets", {"selection": mixed})}
        assert got == expected  # every bit: the denominator is an exact sum
    assert math.fsum(expected.values()) == pytest.approx(1.0, abs=1e-14)


def test_inverse_vol_weights_are_proportional_to_one_over_sigma(sql):
    rows = [("A", 0.5, 0.01), ("B", 0.2, 0.02), ("C", -1.0, 0.04), ("D", 0.1, 0.02)]  # B and D: equal sigma
    picked = [
        {"variant": 0, "weighting": "inverse_vol", "date": D1, "asset": a, "signal": s, "vol": v, "rank": i + 1}
        for i, (a, s, v) in enumerate(rows)
    ]
    got = {r["asset"]: r["weight"] for r in sql("strategy/targets", {"selection": picked})}
    total = 100 + 50 + 25 + 50  # 1 / sigma; a negative signal weighs the same as any other
    assert got == pytest.approx({"A": 100 / total, "B": 50 / total, "C": 25 / total, "D": 50 / total}, rel=1e-15)
    assert got["B"] == got["D"]
