"""sql/research/forward_returns.sql: open(t+1+h) / open(t+1) - 1 on the window's calendar; NULL when
either bar (or its open) is missing or past the window."""

import datetime as dt

import pytest

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7, 8)]
CALENDAR = [{"date": d, "date_idx": i} for i, d in enumerate(DAYS)]


def test_forward_returns_from_the_next_open_with_gaps_null_opens_and_the_window_end(sql):
    opens = {"A": [10.0, 11.0, 12.1, 13.31, 14.0], "B": [5.0, 4.0, None, 8.0, 2.0], "C": [1.0, 2.0, 4.0, 8.0, 16.0]}
    prices = [
        {"date": d, "asset": a, "open": o}
        for a, series in opens.items()
        for d, o in zip(DAYS, series, strict=True)
        if not (a == "C" and d == DAYS[2])  # C has no bar on day 2
    ]
    rows = sql("research/forward_returns", {"calendar": CALENDAR, "prices": prices}, {"horizons": [1, 2]})
    got = {(r["date"], r["asset"], r["horizon"]): r["fwd_return"] for r in rows}
    assert got[(DAYS[0], "A", 1)] == pytest.approx(12.1 / 11.0 - 1)
    assert got[(DAYS[0], "A", 2)] == pytest.approx(13.31 / 11.0 - 1)
    assert got[(DAYS[2], "A", 1)] == pytest.approx(14.0 / 13.31 - 1)
    assert got[(DAYS[2], "A", 2)] is None  # t+1+h past the window's last date
    assert got[(DAYS[3], "A", 1)] is None and got[(DAYS[4], "A", 1)] is None
    assert got[(DAYS[0], "B", 1)] is None  # NULL open on t+1+h (day 2)
    assert got[(DAYS[1], "B", 1)] is None  # NULL open on t+1 (day 2)
    assert got[(DAYS[0], "B", 2)] == pytest.approx(8.0 / 4.0 - 1)
    assert got[(DAYS[0], "C", 1)] is None  # no bar on t+1+h
    assert got[(DAYS[1], "C", 1)] is None  # no bar on t+1
    assert got[(DAYS[1], "C", 2)] is None
    assert got[(DAYS[0], "C", 2)] == pytest.approx(8.0 / 2.0 - 1)
    assert (DAYS[2], "C", 1) not in got  # no bar on t: no row
    assert len(rows) == (5 + 5 + 4) * 2
