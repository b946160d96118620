"""sql/strategy/caps.sql: max_group_weight (a group's share of a leg), then max_weight (one asset),
by water-filling; what no asset can take stays in cash."""

import datetime as dt
import math

import pytest

D1 = dt.date(2020, 1, 2)


def variant(i, max_weight=None, max_group_weight=None, group_neutral=False):
    return {"variant": i, "max_weight": max_weight, "max_group_weight": max_group_weight,
            "group_neutral": group_neutral}  # fmt: skip


def weights(pairs, *, variant=0, leg=1, groups=None):
    groups = groups or {}
    return [
        {"variant": variant, "date": D1, "asset": a, "grp": groups.get(a), "leg": leg, "weight": w} for a, w in pairs
    ]


def capped(sql, rows, variants):
    return {(r["variant"], r["asset"], r["leg"]): r["weight"] for r in sql("strategy/caps", {"weights": rows,
            "variants": variants})}  # fmt: skip


def test_a_cap_that_binds_twice(sql):
    """0.5 and 0.3 over 0.25: cut, the excess 0.3 spread over C and D (0.15, 0.05 -> 0.375, 0.125)
    makes C exceed too: cut again, the rest goes to D alone."""
    rows = weights([("A", 0.5), ("B", 0.3), ("C", 0.15), ("D", 0.05)])
    got = capped(sql, rows, [variant(0, max_weight=0.25)])
    assert got == pytest.approx({(0, "A", 1): 0.25, (0, "B", 1): 0.25, (0, "C", 1): 0.25, (0, "D", 1): 0.25})
    rows = weights([("A", 0.5), ("B", 0.3), ("C", 0.1), ("D", 0.06), ("E", 0.04)])
    got = capped(sql, rows, [variant(0, max_weight=0.3)])
    # pass 1: A -> 0.3, 0.2 spread over B..E (0.5): B 0.42 -> pass 2: B -> 0.3, 0.4 over C..E (0.2)
    assert got == pytest.approx({(0, "A", 1): 0.3, (0, "B", 1): 0.3, (0, "C", 1): 0.2, (0, "D", 1): 0.12,
                                 (0, "E", 1): 0.08})  # fmt: skip


def test_a_leg_that_cannot_reach_its_exposure_holds_k_times_the_cap(sql):
    rows = weights([("A", 0.5), ("B", 0.3), ("C", 0.2)]) + weights([("X", 0.2), ("Y", 0.1)], leg=-1)
    got = capped(sql, rows, [variant(0, max_weight=0.2)])
    assert got == pytest.approx({(0, "A", 1): 0.2, (0, "B", 1): 0.2, (0, "C", 1): 0.2, (0, "X", -1): 0.2,
                                 (0, "Y", -1): 0.1})  # fmt: skip
    assert math.fsum(w for (_, _, leg), w in got.items() if leg == 1) == pytest.approx(0.6)  # 0.4 in cash


def test_ties_at_the_cap_and_no_cap(sql):
    rows = weights([("A", 0.25), ("B", 0.25), ("C", 0.25), ("D", 0.25)]) + weights([("A", 0.9), ("B", 0.1)], variant=1)
    got = capped(sql, rows, [variant(0, max_weight=0.25), variant(1)])
    assert got == pytest.approx({(0, a, 1): 0.25 for a in "ABCD"} | {(1, "A", 1): 0.9, (1, "B", 1): 0.1})


def test_group_cap_then_asset_cap_within_each_group(sql):
    """Group x holds 0.7 over a cap of 0.5: cut to 0.5 (A, B scaled by 5/7), the 0.2 goes to y
    (a group of one: C 0.3 -> 0.5); then max_weight 0.3 within each group's share: x's A
    (0.357) -> 0.3, B takes the rest of x; y's C can hold only 0.3: 0.2 stays in cash."""
    groups = {"A": "x", "B": "x", "C": "y"}
    rows = weights([("A", 0.5), ("B", 0.2), ("C", 0.3)], groups=groups)
    got = capped(sql, rows, [variant(0, max_group_weight=0.5)])
    assert got == pytest.approx({(0, "A", 1): 0.5 * 5 / 7, (0, "B", 1): 0.2 * 5 / 7, (0, "C", 1): 0.5})
    got = capped(sql, rows, [variant(0, max_weight=0.3, max_group_weight=0.5)])
    assert got == pytest.approx({(0, "A", 1): 0.3, (0, "B", 1): 0.2, (0, "C", 1): 0.3})


def test_group_neutral_caps_redistribute_within_the_group(sql):
    groups = {"A": "x", "B": "x", "C": "y", "D": "y"}
    rows = weights([("A", 0.4), ("B", 0.1), ("C", 0.25), ("D", 0.25)], groups=groups)
    got = capped(sql, rows, [variant(0, max_weight=0.3, group_neutral=True)])
    assert got == pytest.approx({(0, "A", 1): 0.3, (0, "B", 1): 0.2, (0, "C", 1): 0.25, (0, "D", 1): 0.25})
    got = capped(sql, rows, [variant(0, max_weight=0.3)])  # the leg: the excess goes to B, C and D
    assert got == pytest.approx({(0, "A", 1): 0.3, (0, "B", 1): 0.1 / 0.6 * 0.7, (0, "C", 1): 0.25 / 0.6 * 0.7,
                                 (0, "D", 1): 0.25 / 0.6 * 0.7})  # fmt: skip
