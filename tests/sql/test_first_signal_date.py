"""sql/sources/first_signal_date.sql: where `start = "auto"` starts a built-in strategy's window."""

import datetime as dt
import math

import pytest

D1, D2, D3, D4 = (dt.date(2020, 1, d) for d in (2, 3, 6, 7))
SIGNALS = [
    {"date": D1, "asset": "A", "s": None, "t": None},  # D1: NULL and NaN only
    {"date": D1, "asset": "B", "s": math.nan, "t": None},
    {"date": D2, "asset": "C", "s": 2.0, "t": None},  # D2: finite, but C has no bar on D2
    {"date": D2, "asset": "A", "s": math.inf, "t": 5.0},  # infinite s; t is finite
    {"date": D3, "asset": "B", "s": -1.0, "t": None},  # D3: the first finite s of an asset with a bar
    {"date": D4, "asset": "A", "s": 3.0, "t": 1.0},
]
PRICES = [{"date": d, "asset": a} for d in (D1, D2, D3, D4) for a in ("A", "B")]


@pytest.mark.parametrize(
    ("signals", "separate", "end", "expected"),
    [
        (["s"], True, None, D3),
        (["s"], False, None, D2),  # signals inside prices have a bar each: C's counts
        (["s", "t"], True, None, D2),  # a sweep's signals: the earliest of any
        (["s"], True, D2, None),  # none up to `end`
        (["t"], True, D1, None),
    ],
)
def test_the_first_date_with_a_finite_signal_of_an_asset_with_a_bar(sql, signals, separate, end, expected):
    tables = {"signals": SIGNALS, "prices": PRICES} if separate else {"signals": SIGNALS}
    rows = sql("sources/first_signal_date", tables, {"end": end}, signals=signals, separate=separate)
    assert rows == [{"date": expected}]
