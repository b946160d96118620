"""sql/sources/benchmark_input.sql: our names and types; UTC timestamps become their UTC date."""

import datetime as dt

import duckdb
import polars as pl

from ml4t_sql.templates import render

from .conftest import load_tables


def test_renames_and_casts_a_date_column(sql):
    rows = sql("sources/benchmark_input", {"input_benchmark": [{"day": dt.date(2020, 1, 2), "ret": 1}]},
               date="day", value="ret", utc=False)  # fmt: skip
    assert rows == [{"date": dt.date(2020, 1, 2), "value": 1.0}]
    assert isinstance(rows[0]["value"], float)


def test_utc_timestamps_become_their_utc_date_whatever_the_session_time_zone():
    frame = pl.DataFrame({"date": [dt.datetime(2020, 1, 2, tzinfo=dt.UTC)], "return": [0.01]})
    for zone in ("America/New_York", "Asia/Tokyo"):
        con = duckdb.connect()
        con.execute(f"set TimeZone = '{zone}'")
        load_tables(con, {"input_benchmark": frame})
        rows = con.sql(render("sources/benchmark_input", date="date", value="return", utc=True)).fetchall()
        con.close()
        assert rows == [(dt.date(2020, 1, 2), 0.01)], zone
