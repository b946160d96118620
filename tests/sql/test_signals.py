"""sql/sources/signals.sql: signals from their own relation (any key names) or from prices."""

import datetime as dt

D = dt.date(2020, 1, 2)


def test_separate_signals_are_rekeyed_and_keep_every_signal_column(sql):
    rows = sql(
        "sources/signals",
        {"input_signals": [{"ts": dt.datetime(2020, 1, 2), "sym": "X", "mom": 0.1, "value": 2.0}]},
        from_prices=False,
        date="ts",
        asset="sym",
        extra=("mom", "value"),
        fold=False,
    )
    assert rows == [{"date": D, "asset": "X", "mom": 0.1, "value": 2.0}]


def test_signals_inside_prices(sql):
    price = {"date": D, "asset": "X", "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 0.0, "score": 3.0}
    rows = sql("sources/signals", {"prices": [price]}, from_prices=True)
    assert rows == [{"date": D, "asset": "X", "score": 3.0}]
