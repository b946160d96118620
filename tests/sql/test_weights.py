"""sql/strategy/weights.sql: each leg's weights (equal, signal, rank, inverse_vol), its exposure and
group shares, per variant; and sql/strategy/targets.sql: the signed result."""

import datetime as dt
import itertools
import math
import random

import pytest

from tests.sql.conftest import run_sql

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def variant(i, weighting="equal", long_exposure=1.0, short_exposure=0.0, group_neutral=False):
    return {"variant": i, "weighting": weighting, "long_exposure": long_exposure, "short_exposure": short_exposure,
            "group_neutral": group_neutral}  # fmt: skip


def weigh(rows, variants):
    return run_sql("strategy/weights", {"selection": rows, "variants": variants})


def selection(variant, rows=((D1, "A", 3.0), (D1, "B", 1.0), (D1, "C", -1.0), (D2, "A", 0.0)), leg=1):
    return [
        {"variant": variant, "date": d, "asset": a, "signal": s, "grp": None, "vol": None, "leg": leg, "n": None,
         "g_n": None}
        for d, a, s in rows
    ]  # fmt: skip


def test_equal_and_signal_weights_side_by_side(sql):
    rows = weigh(selection(0) + selection(1), [variant(0), variant(1, "signal")])
    got = {(r["variant"], r["date"], r["asset"]): r["weight"] for r in rows}
    assert got == pytest.approx(
        {
            (0, D1, "A"): 1 / 3, (0, D1, "B"): 1 / 3, (0, D1, "C"): 1 / 3, (0, D2, "A"): 1.0,
            (1, D1, "A"): 0.75, (1, D1, "B"): 0.25,  # only positive signals carry weight
        }
    )  # fmt: skip


def signal_selection(signals, *, date=D1):
    return [
        {"variant": 0, "date": date, "asset": f"A{i:02d}", "signal": s, "grp": None, "vol": None, "leg": 1,
         "n": None, "g_n": None}
        for i, s in enumerate(signals)  # fmt: skip
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
    rows = weigh(signal_selection(signals), [variant(0, "signal")])
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
    expected = {r["asset"]: r["weight"] for r in weigh(rows, [variant(0, "signal")])}
    for seed in range(3):
        mixed = rows[:]
        random.Random(seed).shuffle(mixed)
        got = {r["asset"]: r["weight"] for r in weigh(mixed, [variant(0, "signal")])}
        assert got == expected  # every bit: the denominator is an exact sum
    assert math.fsum(expected.values()) == pytest.approx(1.0, abs=1e-14)


def row(asset, signal, *, leg=1, grp=None, vol=None, n=None, g_n=None, date=D1, variant=0):
    return {"variant": variant, "date": date, "asset": asset, "signal": signal, "grp": grp, "vol": vol, "leg": leg,
            "n": n, "g_n": g_n}  # fmt: skip


def by_asset(rows):
    return {(r["asset"], r["leg"]): r["weight"] for r in rows}


def test_rank_weights_from_the_most_extreme_signal_ties_by_asset(sql):
    """Long: highest signal gets k; short: lowest gets k; equal signals rank by asset."""
    rows = [row("A", 3.0), row("B", 1.0), row("C", 1.0), row("D", -2.0, leg=-1), row("E", -1.0, leg=-1)]
    got = by_asset(weigh(rows, [variant(0, "rank", long_exposure=1.2, short_exposure=0.3)]))
    assert got == pytest.approx(
        {("A", 1): 1.2 * 3 / 6, ("B", 1): 1.2 * 2 / 6, ("C", 1): 1.2 / 6, ("D", -1): 0.3 * 2 / 3, ("E", -1): 0.3 / 3}
    )


def test_signal_short_leg_takes_the_negative_part_and_a_leg_without_one_is_empty(sql):
    rows = [row("A", 2.0), row("B", -1.0), row("C", -3.0, leg=-1), row("D", -1.0, leg=-1), row("E", 0.5, leg=-1)]
    got = by_asset(weigh(rows, [variant(0, "signal", short_exposure=1.0)]))
    assert got == pytest.approx({("A", 1): 1.0, ("C", -1): 0.75, ("D", -1): 0.25})  # B, E: no positive part
    empty = weigh([row("B", -1.0), row("C", 0.0)], [variant(0, "signal")])
    assert empty == []


def test_inverse_vol_weights(sql):
    rows = [row("A", 1.0, vol=0.01), row("B", 0.5, vol=0.02), row("C", 0.1, vol=0.04)]
    got = by_asset(weigh(rows, [variant(0, "inverse_vol")]))
    assert got == pytest.approx({("A", 1): 4 / 7, ("B", 1): 2 / 7, ("C", 1): 1 / 7})


def test_group_neutral_splits_the_leg_by_eligible_counts_and_a_group_of_one(sql):
    """Groups x (3 eligible of 6, 2 selected), y (2 eligible, 1 selected), z (1 eligible, none
    selected: its sixth stays in cash)."""
    rows = [
        row("A", 3.0, grp="x", n=6, g_n=3), row("B", 2.0, grp="x", n=6, g_n=3),
        row("C", 1.0, grp="y", n=6, g_n=2),
    ]  # fmt: skip
    got = by_asset(weigh(rows, [variant(0, "equal", group_neutral=True)]))
    assert got == pytest.approx({("A", 1): 0.25, ("B", 1): 0.25, ("C", 1): 2 / 6})
    assert math.fsum(got.values()) == pytest.approx(5 / 6)


def test_targets_sign_the_short_leg_and_drop_zero_weights(sql):
    caps = [
        {"variant": 0, "date": D1, "asset": "A", "grp": None, "leg": 1, "weight": 0.6},
        {"variant": 0, "date": D1, "asset": "B", "grp": None, "leg": -1, "weight": 0.3},
        {"variant": 1, "date": D1, "asset": "A", "grp": None, "leg": 1, "weight": 0.0},  # long_exposure 0
    ]
    rows = sql("strategy/targets", {"caps": caps}, source="caps")
    assert [(r["variant"], r["asset"], r["weight"]) for r in rows] == [(0, "A", 0.6), (0, "B", -0.3)]


def test_inverse_vol_without_a_positive_vol_gets_no_row(sql):
    rows = [row("A", 1.0, vol=0.02), row("B", 0.5, vol=0.0), row("C", 0.1, vol=None)]
    assert by_asset(weigh(rows, [variant(0, "inverse_vol")])) == {("A", 1): 1.0}
