"""sql/strategy/selection.sql: the top $top_n per date; fewer when fewer are ranked."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)
RANKS = [{"date": D1, "asset": a, "signal": 1.0, "rank": i + 1} for i, a in enumerate("ABC")] + [
    {"date": D2, "asset": "A", "signal": 1.0, "rank": 1}
]


def test_top_n(sql):
    rows = sql("strategy/selection", {"ranks": RANKS}, {"top_n": 2})
    assert sorted((r["date"], r["asset"]) for r in rows) == [(D1, "A"), (D1, "B"), (D2, "A")]
