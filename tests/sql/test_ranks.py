"""sql/strategy/ranks.sql: rank 1 = highest signal; ties by asset ascending; per universe and date;
only at or above the cutoff."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_ranks_with_ties_per_signal_and_date_above_the_cutoff(sql):
    universe = [  # fmt: skip
        {"universe_id": 0, "date": D1, "asset": "C", "signal": 2.0, "grp": None, "vol": None},
        {"universe_id": 0, "date": D1, "asset": "A", "signal": 1.0, "grp": None, "vol": None},
        {"universe_id": 0, "date": D1, "asset": "B", "signal": 2.0, "grp": None, "vol": None},  # tie with C: B first
        {"universe_id": 0, "date": D1, "asset": "D", "signal": 0.5, "grp": None, "vol": None},  # below the cutoff
        {"universe_id": 0, "date": D2, "asset": "A", "signal": -1.0, "grp": None, "vol": None},
        {"universe_id": 1, "date": D1, "asset": "D", "signal": 9.0, "grp": None, "vol": None},  # another universe
    ]
    cutoffs = [
        {"universe_id": 0, "date": D1, "cutoff": 1.0},
        {"universe_id": 0, "date": D2, "cutoff": -1.0},
        {"universe_id": 1, "date": D1, "cutoff": 9.0},
    ]
    rows = sql("strategy/ranks", {"universe": universe, "cutoffs": cutoffs}, full=False)
    assert {(r["universe_id"], r["date"], r["asset"]): r["rank"] for r in rows} == {
        (0, D1, "B"): 1,
        (0, D1, "C"): 2,
        (0, D1, "A"): 3,
        (0, D2, "A"): 1,
        (1, D1, "D"): 1,
    }


def test_full_ranks_both_ways_and_within_groups(sql):
    """Every eligible asset ranked (no cutoff): from the top and the bottom, over the universe and
    within its group; ties by asset ascending both ways; a group of one ranks 1 both ways."""
    universe = [
        {"universe_id": 0, "date": D1, "asset": a, "signal": s, "grp": g, "vol": None}
        for a, s, g in [("A", 2.0, "x"), ("B", 2.0, "x"), ("C", 1.0, "y"), ("D", 0.5, "x"), ("E", 3.0, "z")]
    ]
    rows = sql("strategy/ranks", {"universe": universe}, full=True, neutral=True)
    got = {r["asset"]: (r["rank"], r["rank_asc"], r["n"], r["g_rank"], r["g_rank_asc"], r["g_n"]) for r in rows}
    assert got == {
        "E": (1, 5, 5, 1, 1, 1),  # a group of one
        "A": (2, 3, 5, 1, 2, 3),  # A and B tie: A first both ways
        "B": (3, 4, 5, 2, 3, 3),
        "C": (4, 2, 5, 1, 1, 1),
        "D": (5, 1, 5, 3, 1, 3),
    }
    ungrouped = sql("strategy/ranks", {"universe": universe}, full=True, neutral=False)  # no variant group_neutral
    assert {r["asset"]: (r["g_rank"], r["g_rank_asc"], r["g_n"]) for r in ungrouped} == {
        a: (v[0], v[1], v[2]) for a, v in got.items()
    }
