"""sql/strategy/cutoffs.sql: per signal and date, the top_n-th best signal (ties counted)."""

import datetime as dt

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)


def test_cutoff_is_the_nth_largest_signal_with_ties_and_short_dates(sql):
    universe = [
        {"signal_id": 0, "date": D1, "asset": a, "signal": s}
        for a, s in zip("ABCDE", (5.0, 4.0, 4.0, 4.0, 1.0), strict=True)
    ]
    universe += [
        {"signal_id": 0, "date": D2, "asset": "A", "signal": -3.0},
        {"signal_id": 0, "date": D3, "asset": "A", "signal": 2.0},
        {"signal_id": 0, "date": D3, "asset": "B", "signal": 2.0},
        {"signal_id": 1, "date": D1, "asset": "A", "signal": 7.0},
    ]
    rows = sql("strategy/cutoffs", {"universe": universe}, {"top_n": 2})
    # D1: top two are 5 and 4 -> cutoff 4 (B, C and D all tie there); D2: one asset only; D3: a tie
    assert [(r["signal_id"], r["date"], r["cutoff"]) for r in rows] == [
        (0, D1, 4.0),
        (0, D2, -3.0),
        (0, D3, 2.0),
        (1, D1, 7.0),
    ]
