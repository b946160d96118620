"""sql/strategy/selection.sql: each variant's legs on its own schedule (min_signal is the universe's)."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
RANKS = [
    {"universe_id": 0, "date": D1, "asset": a, "signal": 3.0 - i, "rank": i + 1, "grp": None, "vol": None}
    for i, a in enumerate("ABC")
]
RANKS += [{"universe_id": 0, "date": D2, "asset": "A", "signal": 1.0, "rank": 1, "grp": None, "vol": None}]
SCHEDULES = [{"schedule": "daily", "date": D1}, {"schedule": "daily", "date": D2}, {"schedule": "monthly", "date": D1}]


def variant(i, top_n, schedule="daily", min_signal=None):
    return {"variant": i, "universe_id": 0, "top_n": top_n, "weighting": "equal", "schedule": schedule,
            "min_signal": min_signal, "bottom_n": 0, "quantiles": None, "long_short": False, "hold_rank": None,
            "hold_rank_short": None, "group_neutral": False}  # fmt: skip


def test_top_n_and_schedule_per_variant(sql):
    variants = [variant(0, 2), variant(1, 5, "monthly")]
    tables = {"ranks": RANKS, "variants": variants, "schedule_dates": SCHEDULES}
    rows = sql("strategy/selection", tables, full=False, hold=False)
    assert sorted((r["variant"], r["date"], r["asset"]) for r in rows) == [
        (0, D1, "A"), (0, D1, "B"), (0, D2, "A"),       # top 2, daily
        (1, D1, "A"), (1, D1, "B"), (1, D1, "C"),       # fewer than 5 eligible: all; monthly: D1 only
    ]  # fmt: skip


def full_ranks(rows, date=D1, universe_id=0):
    """ranks (full) of literal (asset, signal, grp) rows: both ways, over the universe and by group."""
    def order(members, sign):
        return sorted(members, key=lambda r: (sign * r[1], r[0]))
    out = []
    for a, s, g in rows:
        group = [r for r in rows if r[2] == g]
        out.append({
            "universe_id": universe_id, "date": date, "asset": a, "signal": s, "grp": g, "vol": None,
            "rank": order(rows, -1).index((a, s, g)) + 1, "rank_asc": order(rows, 1).index((a, s, g)) + 1,
            "n": len(rows), "g_rank": order(group, -1).index((a, s, g)) + 1,
            "g_rank_asc": order(group, 1).index((a, s, g)) + 1, "g_n": len(group),
        })  # fmt: skip
    return out


def full_variant(i, **keys):
    base = variant(i, keys.pop("top_n", 0))
    return base | keys


def legs(rows):
    return sorted((r["variant"], r["asset"], r["leg"]) for r in rows)


# A, B tie at 2.0; E has no peer in its group z (a group of one)
BOOK = [("A", 2.0, "x"), ("B", 2.0, "x"), ("C", 1.0, "y"), ("D", 0.5, "x"), ("E", -1.0, "z"), ("F", -1.0, "y")]


def test_short_leg_is_the_lowest_not_in_the_long_leg(sql):
    variants = [full_variant(0, top_n=2, bottom_n=2), full_variant(1, top_n=5, bottom_n=3)]
    rows = sql("strategy/selection", {"ranks": full_ranks(BOOK), "variants": variants, "schedule_dates": SCHEDULES},
               full=True, hold=False)  # fmt: skip
    assert legs(rows) == [
        (0, "A", 1), (0, "B", 1), (0, "E", -1), (0, "F", -1),  # E and F tie at -1.0: E first
        (1, "A", 1), (1, "B", 1), (1, "C", 1), (1, "D", 1), (1, "E", 1), (1, "F", -1),  # only F is left
    ]  # fmt: skip


def test_quantiles_top_and_bottom_ntile_and_too_few_assets(sql):
    """6 assets in 4 quantiles: ntile sizes 2, 2, 1, 1: long A, B; short F. 7 quantiles: no book."""
    variants = [full_variant(0, quantiles=4, long_short=True), full_variant(1, quantiles=4),
                full_variant(2, quantiles=7, long_short=True)]  # fmt: skip
    rows = sql("strategy/selection", {"ranks": full_ranks(BOOK), "variants": variants, "schedule_dates": SCHEDULES},
               full=True, hold=False)  # fmt: skip
    assert legs(rows) == [(0, "A", 1), (0, "B", 1), (0, "F", -1), (1, "A", 1), (1, "B", 1)]


def test_group_neutral_selects_within_each_group(sql):
    variants = [full_variant(0, top_n=1, bottom_n=1, group_neutral=True), full_variant(1, quantiles=2,
                long_short=True, group_neutral=True)]  # fmt: skip
    rows = sql("strategy/selection", {"ranks": full_ranks(BOOK), "variants": variants, "schedule_dates": SCHEDULES},
               full=True, hold=False)  # fmt: skip
    assert legs(rows) == [
        (0, "A", 1), (0, "C", 1), (0, "D", -1), (0, "E", 1), (0, "F", -1),  # z (a group of one): E long, no short
        (1, "A", 1), (1, "B", 1), (1, "C", 1), (1, "D", -1), (1, "F", -1),  # x: ntile(2) of 3 = 2, 1; z: 1 < 2
    ]  # fmt: skip
