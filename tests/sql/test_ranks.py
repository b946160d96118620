"""sql/strategy/ranks.sql: rank 1 = highest signal; ties by asset ascending; per universe and date;
only at or above the cutoff."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_ranks_with_ties_per_signal_and_date_above_the_cutoff(sql):
    universe = [
        {"universe_id": 0, "date": D1, "asset": "C", "signal": 2.0, "vol": None},
        {"universe_id": 0, "date": D1, "asset": "A", "signal": 1.0, "vol": None},
        {"universe_id": 0, "date": D1, "asset": "B", "signal": 2.0, "vol": None},  # tie with C: B first
        {"universe_id": 0, "date": D1, "asset": "D", "signal": 0.5, "vol": None},  # below the cutoff: never ranked
        {"universe_id": 0, "date": D2, "asset": "A", "signal": -1.0, "vol": None},
        {"universe_id": 1, "date": D1, "asset": "D", "signal": 9.0, "vol": None},  # another signal ranks apart
    ]
    cutoffs = [
        {"universe_id": 0, "date": D1, "cutoff": 1.0},
        {"universe_id": 0, "date": D2, "cutoff": -1.0},
        {"universe_id": 1, "date": D1, "cutoff": 9.0},
    ]
    rows = sql("strategy/ranks", {"universe": universe, "cutoffs": cutoffs})
    assert {(r["universe_id"], r["date"], r["asset"]): r["rank"] for r in rows} == {
        (0, D1, "B"): 1,
        (0, D1, "C"): 2,
        (0, D1, "A"): 3,
        (0, D2, "A"): 1,
        (1, D1, "D"): 1,
    }
