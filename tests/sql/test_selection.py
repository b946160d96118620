"""sql/strategy/selection.sql: each variant's top_n on its own schedule, above its min_signal."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
RANKS = [{"universe_id": 0, "date": D1, "asset": a, "signal": 3.0 - i, "rank": i + 1, "grp": None, "vol": None} for i, a in enumerate("ABC")]
RANKS += [{"universe_id": 0, "date": D2, "asset": "A", "signal": 1.0, "rank": 1, "grp": None, "vol": None}]
SCHEDULES = [{"schedule": "daily", "date": D1}, {"schedule": "daily", "date": D2}, {"schedule": "monthly", "date": D1}]


def variant(i, top_n, schedule="daily", min_signal=None):
    return {"variant": i, "universe_id": 0, "top_n": top_n, "weighting": "equal", "schedule": schedule,
            "min_signal": min_signal, "bottom_n": 0, "quantiles": None, "long_short": False, "hold_rank": None,
            "hold_rank_short": None, "group_neutral": False}  # fmt: skip


def test_top_n_schedule_and_min_signal_per_variant(sql):
    variants = [variant(0, 2), variant(1, 5, "monthly"), variant(2, 5, min_signal=1.0)]
    rows = sql("strategy/selection", {"ranks": RANKS, "variants": variants, "schedule_dates": SCHEDULES}, full=False, hold=False)
    assert sorted((r["variant"], r["date"], r["asset"]) for r in rows) == [
        (0, D1, "A"), (0, D1, "B"), (0, D2, "A"),       # top 2, daily
        (1, D1, "A"), (1, D1, "B"), (1, D1, "C"),       # fewer than 5 eligible: all; monthly: D1 only
        (2, D1, "A"), (2, D1, "B"),                     # signal > 1.0 (C has 1.0; D2's A has 1.0)
    ]  # fmt: skip
