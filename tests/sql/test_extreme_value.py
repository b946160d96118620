"""sql/checks/extreme_value.sql: finite prices beyond the bounds, and huge volumes; not the bad prices."""

import math

import pytest

from ml4t_sql.data.checks import BOUNDS, MAX_PRICE, MAX_VOLUME, MIN_PRICE

STRUCTURE = {"columns": ("open", "high", "low", "close"), "volume": True}


def bar(name, close=10.0, high=11.0, volume=100.0):
    return {"name": name, "open": 10.0, "high": high, "low": 9.0, "close": close, "volume": volume}


@pytest.mark.parametrize(
    ("row", "offending"),
    [
        (bar("ok"), False),
        (bar("at-max", close=MAX_PRICE, high=MAX_PRICE), False),  # the bounds are inclusive
        (bar("above-max", close=MAX_PRICE * 1.000001, high=MAX_PRICE * 2), True),
        (bar("high-only", high=1e15), True),
        (bar("at-min", close=MIN_PRICE), False),
        (bar("below-min", close=MIN_PRICE / 2), True),
        (bar("zero", close=0.0), False),  # bad_price's
        (bar("negative", close=-1e13), False),  # bad_price's
        (bar("infinite", close=math.inf, high=math.inf), False),  # bad_price's
        (bar("nan", close=math.nan), False),  # bad_price's (NaN compares above every number in DuckDB)
        (bar("null", close=None, high=None), False),
        (bar("volume-at-max", volume=MAX_VOLUME), False),
        (bar("volume-above", volume=MAX_VOLUME * 10), True),
        (bar("volume-infinite", volume=math.inf), False),
        (bar("volume-null", volume=None), False),
    ],
    ids=lambda v: v["name"] if isinstance(v, dict) else str(v),
)
def test_each_bound(check, row, offending):
    rows = check("extreme_value", "typed_prices", {"typed_prices": [bar("pad"), row]}, dict(BOUNDS), **STRUCTURE)
    assert [r["name"] for r in rows] == ([row["name"]] if offending else [])


def test_a_benchmark_level_without_volume(check):
    levels = [{"date": i, "value": v} for i, v in enumerate([1.0, 2e12, 5e-7, None, -3.0])]
    rows = check("extreme_value", "benchmark_input", {"benchmark_input": levels}, dict(BOUNDS),
                 columns=("value",), volume=False)  # fmt: skip
    assert [r["date"] for r in rows] == [1, 2]
