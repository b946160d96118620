"""sql/research/quantile_turnover.sql: share of a quantile's assets not in it on the previous window
date; no row on the first window date; an asset without a signal the day before counts as new."""

import datetime as dt

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6)]
CALENDAR = [{"date": d, "date_idx": i} for i, d in enumerate(DAYS)]


def test_turnover_per_quantile(sql):
    q = {
        DAYS[0]: {"A": 1, "B": 1, "C": 2, "D": 2},
        DAYS[1]: {"A": 1, "C": 1, "B": 2, "D": 2, "E": 2},  # C moved down, B up, E new
        DAYS[2]: {"A": 2},  # a quantile of one
    }
    factor = [{"date": d, "asset": a, "signal": 0.0, "quantile": k} for d, row in q.items() for a, k in row.items()]
    rows = sql("research/quantile_turnover", {"factor": factor, "calendar": CALENDAR})
    got = {(r["date"], r["quantile"]): (r["n_assets"], r["n_new"], r["turnover"]) for r in rows}
    assert got == {
        (DAYS[1], 1): (2, 1, 0.5),  # C is new in 1
        (DAYS[1], 2): (3, 2, 2 / 3),  # B and E are new in 2
        (DAYS[2], 2): (1, 1, 1.0),  # A was in 1
    }
