"""sql/checks/null_key.sql and duplicate_key.sql: the generic key rules, on (date, asset) and (date)."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
ROWS = [
    {"date": D1, "asset": "A", "v": 1},
    {"date": D1, "asset": "A", "v": 2},  # a duplicate key
    {"date": D1, "asset": "B", "v": 3},
    {"date": D2, "asset": None, "v": 4},
    {"date": D2, "asset": None, "v": 5},  # NULL keys: null_key's, and equal for grouping
    {"date": None, "asset": "B", "v": 6},
]


def test_null_keys(check):
    rows = check("null_key", "signals", {"signals": ROWS}, keys=("date", "asset"))
    assert sorted(r["v"] for r in rows) == [4, 5, 6]
    rows = check("null_key", "signals", {"signals": ROWS}, keys=("date",))
    assert [r["v"] for r in rows] == [6]


def test_duplicate_keys(check):
    rows = check("duplicate_key", "signals", {"signals": ROWS}, keys=("date", "asset"))
    assert rows == [{"date": D1, "asset": "A", "copies": 2}, {"date": D2, "asset": None, "copies": 2}]
    assert check("duplicate_key", "signals", {"signals": ROWS}, keys=("date",)) == [
        {"date": D1, "copies": 3},
        {"date": D2, "copies": 2},
    ]
