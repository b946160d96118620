"""sql/sources/prices.sql: the [data.quality] policies applied to flagged rows."""

import datetime as dt

import pytest

from ml4t_sql.config import Quality

D = dt.date(2020, 1, 2)


def flagged(asset, bad=False, missing=False, inconsistent=False):
    return {
        "date": D, "asset": asset, "open": None if missing else 10.0, "high": 11.0, "low": 9.0, "close": 10.0,
        "volume": 1.0, "is_bad_price": bad, "is_missing_open": missing, "is_inconsistent": inconsistent,
    }  # fmt: skip


ROWS = [flagged("OK"), flagged("BAD", bad=True), flagged("NOOPEN", missing=True), flagged("ODD", inconsistent=True)]


@pytest.mark.parametrize(
    ("missing_open", "inconsistent_ohlc", "kept"),
    [
        ("no_fill", "keep", {"OK", "NOOPEN", "ODD"}),
        ("drop", "keep", {"OK", "ODD"}),
        ("no_fill", "drop", {"OK", "NOOPEN"}),
        ("drop", "drop", {"OK"}),
    ],
)
def test_policies_drop_or_keep_flagged_rows(sql, missing_open, inconsistent_ohlc, kept):
    quality = Quality(missing_open=missing_open, bad_price="drop", inconsistent_ohlc=inconsistent_ohlc)
    rows = sql("sources/prices", {"typed_prices": ROWS}, quality=quality, extra=())
    assert {r["asset"] for r in rows} == kept
    assert set(rows[0]) == {"date", "asset", "open", "high", "low", "close", "volume"}


def test_no_fill_keeps_the_null_open(sql):
    quality = Quality(missing_open="no_fill")
    rows = sql("sources/prices", {"typed_prices": [flagged("NOOPEN", missing=True)]}, quality=quality, extra=())
    assert rows[0]["open"] is None and rows[0]["close"] == 10.0
