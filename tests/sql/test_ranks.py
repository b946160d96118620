"""sql/strategy/ranks.sql: rank 1 = highest signal; ties by asset ascending; per date; only at or
above the date's cutoff."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_ranks_with_ties_per_date_above_the_cutoff(sql):
    universe = [
        {"date": D1, "asset": "C", "signal": 2.0},
        {"date": D1, "asset": "A", "signal": 1.0},
        {"date": D1, "asset": "B", "signal": 2.0},  # tie with C: B first
        {"date": D1, "asset": "D", "signal": 0.5},  # below the cutoff: never ranked
        {"date": D2, "asset": "A", "signal": -1.0},
    ]
    cutoffs = [{"date": D1, "cutoff": 1.0}, {"date": D2, "cutoff": -1.0}]
    rows = sql("strategy/ranks", {"universe": universe, "cutoffs": cutoffs})
    assert {(r["date"], r["asset"]): r["rank"] for r in rows} == {
        (D1, "B"): 1,
        (D1, "C"): 2,
        (D1, "A"): 3,
        (D2, "A"): 1,
    }
