"""sql/research/factor.sql: window dates, a bar and a finite signal; ntile quantiles, 1 = lowest,
ties by asset ascending (the strategy's rank order), the top quantile larger when n % q != 0."""

import datetime as dt

D0, D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)
CALENDAR = [{"date": D1, "date_idx": 0}, {"date": D2, "date_idx": 1}]  # D0 is before the window


def test_quantiles_ties_null_signals_missing_bars_and_the_window(sql):
    prices = [{"date": d, "asset": a, "open": 1.0} for d in (D0, D1) for a in "ABCDE"]
    prices += [{"date": D2, "asset": "A", "open": 1.0}]
    signals = [
        {"date": D0, "asset": "A", "score": 1.0},  # before the window
        {"date": D1, "asset": "A", "score": 3.0},
        {"date": D1, "asset": "B", "score": 3.0},  # tie with A: A ranks higher (asset ascending)
        {"date": D1, "asset": "C", "score": 1.0},
        {"date": D1, "asset": "D", "score": None},  # NULL: left out
        {"date": D1, "asset": "E", "score": 0.5},
        {"date": D1, "asset": "F", "score": 9.0},  # no bar on D1: left out
        {"date": D2, "asset": "A", "score": 2.0},  # a group of one
    ]
    tables = {"calendar": CALENDAR, "prices": prices, "signals": signals}
    rows = sql("research/factor", tables, {"quantiles": 3}, signal="score")
    assert {(r["date"], r["asset"]): (r["signal"], r["quantile"]) for r in rows} == {
        (D1, "A"): (3.0, 3),  # ntile over A, B, C, E (descending): A=1, B=1, C=2, E=3
        (D1, "B"): (3.0, 3),
        (D1, "C"): (1.0, 2),
        (D1, "E"): (0.5, 1),
        (D2, "A"): (2.0, 3),  # one asset: the top quantile, the lower ones empty
    }


def test_nan_and_infinite_signals_are_left_out(sql):
    tables = {
        "calendar": CALENDAR,
        "prices": "select * from (values (date '2020-01-03', 'A', 1.0), (date '2020-01-03', 'B', 1.0),"
        " (date '2020-01-03', 'C', 1.0)) t(date, asset, open)",
        "signals": "select * from (values (date '2020-01-03', 'A', 'nan'::double), (date '2020-01-03', 'B',"
        " 'infinity'::double), (date '2020-01-03', 'C', 1.0)) t(date, asset, score)",
    }
    rows = sql("research/factor", tables, {"quantiles": 2}, signal="score")
    assert [(r["asset"], r["quantile"]) for r in rows] == [("C", 2)]
