"""sql/research/signal_coverage.sql: every window date, with 0 where there is nothing."""

import datetime as dt

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6)]


def test_bars_and_signals_per_window_date(sql):
    calendar = [{"date": d, "date_idx": i} for i, d in enumerate(DAYS[:2])] + [{"date": DAYS[2], "date_idx": 2}]
    prices = [{"date": DAYS[0], "asset": a, "open": 1.0} for a in "ABC"] + [
        {"date": DAYS[1], "asset": "A", "open": 1.0}
    ]
    prices += [{"date": dt.date(2019, 12, 31), "asset": "A", "open": 1.0}]  # before the window: not a window date
    factor = [{"date": DAYS[0], "asset": "A", "signal": 1.0, "quantile": 1}]
    rows = sql("research/signal_coverage", {"calendar": calendar, "prices": prices, "factor": factor})
    assert [(r["date"], r["n_bars"], r["n_signals"]) for r in rows] == [
        (DAYS[0], 3, 1),
        (DAYS[1], 1, 0),
        (DAYS[2], 0, 0),
    ]
