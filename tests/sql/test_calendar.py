"""sql/sources/calendar.sql: distinct price dates in the window, numbered from 0."""

import datetime as dt

import pytest

d = dt.date


def prices(*days):
    return [{"date": day, "asset": a} for day in days for a in ("A", "B")]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, [d(2020, 1, 2), d(2020, 1, 3), d(2020, 1, 6), d(2020, 1, 7)]),
        (d(2020, 1, 3), None, [d(2020, 1, 3), d(2020, 1, 6), d(2020, 1, 7)]),
        (d(2020, 1, 4), d(2020, 1, 6), [d(2020, 1, 6)]),
        (d(2020, 2, 1), None, []),
    ],
)
def test_window_and_numbering(sql, start, end, expected):
    rows = sql(
        "sources/calendar",
        {"prices": prices(d(2020, 1, 7), d(2020, 1, 2), d(2020, 1, 6), d(2020, 1, 3))},
        {"start": start, "end": end},
    )
    assert rows == [{"date": day, "date_idx": i} for i, day in enumerate(expected)]
