"""sql/strategy/cutoffs.sql: per signal and date, the top_n-th best signal (ties counted)."""

import datetime as dt

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)


def test_cutoff_is_the_nth_largest_signal_with_ties_and_short_dates(sql):
    universe = [
        {"universe_id": 0, "date": D1, "asset": a, "signal": s}
        for a, s in zip("ABCDE", (5.0, 4.0, 4.0, 4.0, 1.0), strict=True)
    ]
    universe += [
        {"universe_id": 0, "date": D2, "asset": "A", "signal": -3.0},
        {"universe_id": 0, "date": D3, "asset": "A", "signal": 2.0},
        {"universe_id": 0, "date": D3, "asset": "B", "signal": 2.0},
        {"universe_id": 1, "date": D1, "asset": "A", "signal": 7.0},
    ]
    rows = sql("strategy/cutoffs", {"universe": universe}, {"top_n": 2})
    # D1: top two are 5 and 4 -> cutoff 4 (B, C and D all tie there); D2: one asset only; D3: a tie
    assert [(r["universe_id"], r["date"], r["cutoff"]) for r in rows] == [
        (0, D1, 4.0),
        (0, D2, -3.0),
        (0, D3, 2.0),
        (1, D1, 7.0),
    ]


def test_a_top_n_above_every_universe_keeps_every_asset_without_reserving_top_n_slots(sql):
    # DuckDB's max(x, n) reserves n slots per date and refuses n >= 1,000,000: n is capped at the
    # largest universe of a date, so even a top_n of 1e9 costs what the universe does.
    universe = [
        {"universe_id": 0, "date": d, "asset": f"A{i:03d}", "signal": float(i % 7)}
        for d in (D1, D2, D3)
        for i in range(300 if d == D1 else 5)
    ]
    for top_n in (300, 999_999, 1_000_000, 10**9):
        rows = sql("strategy/cutoffs", {"universe": universe}, {"top_n": top_n})
        assert [(r["date"], r["cutoff"]) for r in rows] == [(D1, 0.0), (D2, 0.0), (D3, 0.0)], top_n
