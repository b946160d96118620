"""sql/strategy/held.sql: hold ranks, date by date: a previous pick stays while its rank <= h, the
leg is filled up to top_n with the best-ranked others; a date without eligible assets forgets."""

import datetime as dt

DATES = [dt.date(2020, 1, d) for d in (2, 3, 6, 7, 8)]


def ranks(date, signals):
    """Full ranks of {asset: signal} on `date` (one universe, no groups)."""
    desc = sorted(signals, key=lambda a: (-signals[a], a))
    asc = sorted(signals, key=lambda a: (signals[a], a))
    return [
        {"universe_id": 0, "date": date, "asset": a, "signal": signals[a], "grp": None, "vol": None,
         "rank": desc.index(a) + 1, "rank_asc": asc.index(a) + 1, "n": len(signals), "g_rank": desc.index(a) + 1,
         "g_rank_asc": asc.index(a) + 1, "g_n": len(signals)}
        for a in signals
    ]  # fmt: skip


def variant(i, top_n, hold_rank=None, bottom_n=0, hold_rank_short=None):
    return {"variant": i, "universe_id": 0, "schedule": "daily", "top_n": top_n, "bottom_n": bottom_n,
            "hold_rank": hold_rank, "hold_rank_short": hold_rank_short, "group_neutral": False,
            "min_signal": None}  # fmt: skip


RANKS = (
    ranks(DATES[0], {"A": 5.0, "B": 4.0, "C": 3.0, "D": 2.0, "E": 1.0})
    + ranks(DATES[1], {"C": 5.0, "D": 4.0, "A": 3.0, "E": 2.0, "B": 1.0})  # A rank 3 <= 3 stays; B rank 5 goes
    + ranks(DATES[2], {"D": 5.0, "C": 5.0, "B": 4.0, "E": 3.0, "A": 2.0})  # A rank 5: out; C (tie, by asset) first
    # DATES[3]: no eligible asset: nothing selected, nothing remembered
    + ranks(DATES[4], {"E": 3.0, "A": 2.0, "C": 1.0})
)
SCHEDULES = [{"schedule": "daily", "date": d} for d in DATES]


def picks(rows):
    return sorted((r["variant"], r["date"].day, r["asset"], r["leg"]) for r in rows)


def test_hold_rank_keeps_previous_picks_within_it(sql):
    rows = sql("strategy/held", {"ranks": RANKS, "variants": [variant(0, 2, 3), variant(1, 2, 2)],
               "schedule_dates": SCHEDULES})  # fmt: skip
    assert picks(rows) == [
        (0, 2, "A", 1), (0, 2, "B", 1),
        (0, 3, "A", 1), (0, 3, "C", 1),  # A kept at rank 3, filled with C
        (0, 6, "C", 1), (0, 6, "D", 1),  # C kept (rank 1); A out (rank 5); D fills
        (0, 8, "A", 1), (0, 8, "E", 1),  # after a date without picks: the plain top 2
        (1, 2, "A", 1), (1, 2, "B", 1),  # hold_rank = top_n: the plain top 2 every date
        (1, 3, "C", 1), (1, 3, "D", 1),
        (1, 6, "C", 1), (1, 6, "D", 1),
        (1, 8, "A", 1), (1, 8, "E", 1),
    ]  # fmt: skip


def test_hold_rank_short_ranks_among_the_assets_not_long(sql):
    rows = sql("strategy/held", {"ranks": RANKS, "variants": [variant(0, 1, None, 1, 3)],
               "schedule_dates": SCHEDULES})  # fmt: skip
    assert picks(rows) == [
        (0, 2, "A", 1), (0, 2, "E", -1),
        (0, 3, "C", 1), (0, 3, "E", -1),  # E kept: short rank 2 of B, E, A, D (C is long) <= 3; B would be first
        (0, 6, "C", 1), (0, 6, "E", -1),  # C ties D at 5 and ranks first by asset; E kept at short rank 2
        (0, 8, "C", -1), (0, 8, "E", 1),
    ]  # fmt: skip
