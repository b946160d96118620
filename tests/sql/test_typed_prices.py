"""sql/sources/typed_prices.sql: column mapping, types and one flag per quality rule."""

import datetime as dt
import math

import polars as pl

from ml4t_sql.data.quality import PriceColumns

D = dt.date(2020, 1, 2)
PLAN = PriceColumns("date", "asset", "open", "high", "low", "close", "volume", (), "DATE")


def bar(asset, open=10.0, high=11.0, low=9.0, close=10.5, volume=100.0, date=D):
    return {"date": date, "asset": asset, "open": open, "high": high, "low": low, "close": close, "volume": volume}


def flags(rows):
    return {r["asset"]: (r["is_bad_price"], r["is_missing_open"], r["is_inconsistent"]) for r in rows}


def test_each_rule_flags_its_rows_and_only_them(sql):
    rows = [
        bar("OK"),
        bar("NULLCLOSE", close=None),
        bar("NANCLOSE", close=math.nan),
        bar("ZEROOPEN", open=0.0),
        bar("NEGHIGH", high=-1.0),
        bar("INFLOW", low=math.inf),
        bar("NOOPEN", open=None),
        bar("NOOPENNOHL", open=None, high=None, low=None),
        bar("HIGHLOW", high=10.2),  # high below close 10.5
        bar("LOWHIGH", low=10.2),  # low above open 10.0
        bar("NOHL", high=None, low=None),  # nothing to check
        bar("NEGVOLUME", volume=-5.0),
        bar("NANVOLUME", volume=math.nan),
        bar("NOVOLUME", volume=None),  # volume is optional
    ]
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "open": pl.Float64,
            "high": pl.Float64,
            "low": pl.Float64,
            "close": pl.Float64,
            "volume": pl.Float64,
        },
    )
    got = flags(sql("sources/typed_prices", {"input_prices": frame}, columns=PLAN, extra=()))
    assert got == {
        "OK": (False, False, False),
        "NULLCLOSE": (True, False, False),
        "NANCLOSE": (True, False, False),
        "ZEROOPEN": (True, False, False),
        "NEGHIGH": (True, False, False),
        "INFLOW": (True, False, False),
        "NOOPEN": (False, True, False),
        "NOOPENNOHL": (False, True, False),
        "HIGHLOW": (False, False, True),
        "LOWHIGH": (False, False, True),
        "NOHL": (False, False, False),
        "NEGVOLUME": (True, False, False),
        "NANVOLUME": (True, False, False),
        "NOVOLUME": (False, False, False),
    }


def test_column_mapping_types_and_extra_columns(sql):
    """Input named like the ml4t data layout (timestamp/symbol), integer prices, an extra column."""
    frame = pl.DataFrame(
        {
            "timestamp": [dt.datetime(2020, 1, 2)],
            "symbol": ["X"],
            "o": [10],
            "h": [11],
            "l": [9],
            "c": [10],
            "v": [5],
            "sector": ["tech"],
        }
    )
    plan = PriceColumns("timestamp", "symbol", "o", "h", "l", "c", "v", ("sector",), "TIMESTAMP")
    (row,) = sql("sources/typed_prices", {"input_prices": frame}, columns=plan, extra=("sector",))
    assert {k: row[k] for k in ("date", "asset", "open", "high", "low", "close", "volume", "sector")} == {
        "date": D, "asset": "X", "open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0, "volume": 5.0, "sector": "tech",
    }  # fmt: skip
    assert isinstance(row["open"], float)


def test_missing_optional_columns_become_null(sql):
    frame = pl.DataFrame({"date": [D], "asset": ["X"], "open": [1.0], "close": [2.0]})
    plan = PriceColumns("date", "asset", "open", None, None, "close", None, (), "DATE")
    (row,) = sql("sources/typed_prices", {"input_prices": frame}, columns=plan, extra=())
    assert row["high"] is None and row["low"] is None and row["volume"] is None
    assert (row["is_bad_price"], row["is_missing_open"], row["is_inconsistent"]) == (False, False, False)
