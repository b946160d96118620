"""sql/checks/intraday.sql: naive timestamps with a time of day; aware ones off UTC midnight."""

import datetime as dt

import polars as pl


def test_naive_timestamps_must_be_midnights(check):
    ts = [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 3, 16), dt.datetime(2020, 1, 6, 0, 0, 1), None]
    rows = check("intraday", "input_prices", {"input_prices": [{"t": t} for t in ts]}, column="t", utc=False)
    assert rows == [{"ts": ts[1]}, {"ts": ts[2]}]


def test_aware_timestamps_must_be_utc_midnights(check):
    frame = pl.DataFrame({"t": [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 2, 5)]}).with_columns(
        pl.col("t").dt.replace_time_zone("UTC")
    )
    rows = check("intraday", "input_benchmark", {"input_benchmark": frame}, column="t", utc=True)
    assert len(rows) == 1 and rows[0]["ts"].hour in (0, 5) and rows[0]["ts"].astimezone(dt.UTC).hour == 5
