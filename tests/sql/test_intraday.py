"""sql/checks/intraday.sql: naive timestamps with a time of day; aware ones off UTC midnight."""

import datetime as dt

import polars as pl


def test_naive_timestamps_must_be_midnights(check):
    ts = [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 3, 16), dt.datetime(2020, 1, 6, 0, 0, 1), None]
    rows = check("intraday", "input_prices", {"input_prices": [{"t": t} for t in ts]}, column="t", utc=False,
                 asset=None)  # fmt: skip
    assert rows == [{"t": ts[1]}, {"t": ts[2]}]


def test_the_examples_name_the_asset_column_as_the_input_does(check):
    ts = [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 3, 16)]
    table = {"input_prices": [{"sym": s, "t": t} for s, t in zip("AB", ts, strict=True)]}
    assert check("intraday", "input_prices", table, column="t", utc=False, asset="sym") == [{"sym": "B", "t": ts[1]}]


def test_aware_timestamps_must_be_utc_midnights(check):
    frame = pl.DataFrame({"t": [dt.datetime(2020, 1, 2), dt.datetime(2020, 1, 2, 5)]}).with_columns(
        pl.col("t").dt.replace_time_zone("UTC")
    )
    rows = check("intraday", "input_benchmark", {"input_benchmark": frame}, column="t", utc=True, asset=None)
    assert len(rows) == 1 and rows[0]["t"].hour in (0, 5) and rows[0]["t"].astimezone(dt.UTC).hour == 5
