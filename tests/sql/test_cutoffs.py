"""sql/strategy/cutoffs.sql: per date, the signal of the top_n-th best asset (ties counted)."""

import datetime as dt

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)


def test_cutoff_is_the_nth_largest_signal_with_ties_and_short_dates(sql):
    universe = [
        {"date": D1, "asset": a, "signal": s} for a, s in zip("ABCDE", (5.0, 4.0, 4.0, 4.0, 1.0), strict=True)
    ] + [{"date": D2, "asset": "A", "signal": -3.0}, {"date": D3, "asset": "A", "signal": 2.0}]
    universe.append({"date": D3, "asset": "B", "signal": 2.0})
    rows = sql("strategy/cutoffs", {"universe": universe}, {"top_n": 2})
    # D1: top two are 5 and 4 -> cutoff 4 (B, C and D all tie there); D2: one asset only; D3: a tie
    assert rows == [{"date": D1, "cutoff": 4.0}, {"date": D2, "cutoff": -3.0}, {"date": D3, "cutoff": 2.0}]
