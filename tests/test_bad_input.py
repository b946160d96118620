"""The bad-input catalog: every way a config or an input can be wrong, one case each.

Each case is refused before anything is written (the warehouse has no run afterwards), by an error
whose message names the input, the rule and, for rows, the first offending ones (five at most).
The cases that a documented [data.quality] policy fixes instead are at the end of the file, with
the inputs that are odd but fine (unsorted rows, a top_n larger than the universe).
Rules and policies: docs/DATA_QUALITY.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import ConfigError, InputError
from ml4t_sql.validation import check

from .test_inputs import PANEL

STRATEGY = {"signal": "score", "top_n": 2}
DAY = dt.date(2021, 1, 8)
PRICES = PANEL.drop("score")
SIGNALS = PANEL.select("date", "asset", "score")


def cell(column: str, value: Any, *, asset: str = "S1", on: dt.date = DAY, frame: pl.DataFrame = PANEL) -> pl.DataFrame:
    """`frame` with one cell replaced (the offending row is (on, asset))."""
    hit = (pl.col("asset") == asset) & (pl.col("date") == on)
    dtype = frame.schema[column]
    return frame.with_columns(pl.when(hit).then(pl.lit(value, dtype=dtype)).otherwise(pl.col(column)).alias(column))


def prices(frame: pl.DataFrame, **data: Any) -> Callable[[Path], dict[str, Any]]:
    return lambda _: {"data": {"prices": frame, **data}, "strategy": STRATEGY}


def signals(frame: pl.DataFrame, **data: Any) -> Callable[[Path], dict[str, Any]]:
    return lambda _: {"data": {"prices": PRICES, "signals": frame, **data}, "strategy": STRATEGY}


def custom(sql: str, **strategy: Any) -> Callable[[Path], dict[str, Any]]:
    return lambda _: {"data": {"prices": PANEL}, "strategy": {"sql": sql, **strategy}}


def config(**sections: Any) -> Callable[[Path], dict[str, Any]]:
    return lambda _: {"data": {"prices": PANEL}, "strategy": STRATEGY, **sections}


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], dict[str, Any]]
    error: type[Exception]
    needles: tuple[str, ...]
    """Substrings of the message: the input, the rule, an offending row or key."""


def _tz(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("date").cast(pl.Datetime("us", "UTC")))


def _intraday(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("date").cast(pl.Datetime("us")) + pl.duration(hours=16))


def _null_signals_on(day: dt.date) -> pl.DataFrame:
    return SIGNALS.with_columns(pl.when(pl.col("date") == day).then(None).otherwise(pl.col("score")).alias("score"))


def _db_with_prices(tmp: Path) -> dict[str, Any]:
    return {"data": {"prices": {"database": str(tmp / "nowhere.duckdb"), "table": "prices"}}, "strategy": STRATEGY}


def _extra_row(**row: Any) -> pl.DataFrame:
    return pl.concat([SIGNALS, pl.DataFrame([row], schema=SIGNALS.schema)])


def _in_duckdb(sql: str) -> Callable[[Path], dict[str, Any]]:
    """Prices from a DuckDB table made by `sql` over the panel `p` (for values Polars cannot hold)."""

    def build(tmp: Path) -> dict[str, Any]:
        con = duckdb.connect(str(tmp / "odd.duckdb"))
        con.register("p", PANEL.to_arrow())
        con.execute(f"create table prices as {sql}")
        con.close()
        return {"data": {"prices": {"database": str(tmp / "odd.duckdb"), "table": "prices"}}, "strategy": STRATEGY}

    return build


def _one_row_later(frame: pl.DataFrame, to: dt.date) -> pl.DataFrame:
    """`frame` with the row (DAY, S1) moved to the date `to`."""
    hit = (pl.col("asset") == "S1") & (pl.col("date") == DAY)
    return frame.with_columns(pl.when(hit).then(pl.lit(to)).otherwise(pl.col("date")).alias("date"))


def _hive_with_a_string_close(tmp: Path) -> dict[str, Any]:
    """A hive folder whose partition asset=S2 has `close` as strings (DuckDB would cast them silently)."""
    con = duckdb.connect()
    con.register("p", PANEL.to_arrow())
    con.execute(
        f"copy (select * from p where asset <> 'S2') to '{tmp / 'hive'}' (format parquet, partition_by (asset))"
    )
    (tmp / "hive" / "asset=S2").mkdir()
    con.execute(
        "copy (select * exclude (asset) replace (cast(close as varchar) as close) from p where asset = 'S2') "
        f"to '{tmp / 'hive' / 'asset=S2' / 'part.parquet'}' (format parquet)"
    )
    con.close()
    return {"data": {"prices": str(tmp / "hive")}, "strategy": STRATEGY}


def _benchmark(frame_fn: Callable[[pl.DataFrame], pl.DataFrame]) -> Callable[[Path], dict[str, Any]]:
    levels = PANEL.filter(pl.col("asset") == "S0").select("date", pl.col("close").alias("price"))
    return lambda _: {"data": {"prices": PANEL, "benchmark": frame_fn(levels)}, "strategy": STRATEGY}


_VARIANT = PANEL.with_columns(  # S1 spelled "s1" from 2021-01-11 on: 5 rows of S1, 30 of s1
    pl.when((pl.col("asset") == "S1") & (pl.col("date") > DAY))
    .then(pl.lit("s1"))
    .otherwise(pl.col("asset"))
    .alias("asset")
)
RANGE = "dates outside 0001-01-01 .. 9999-12-31, or infinite (1 row)"
EXTREME = "prices above 1e12 or below 1e-6, or a volume above 1e15 (1 row)"


def _rates(*rows: tuple[dt.date, Any], **data: Any) -> Callable[[Path], dict[str, Any]]:
    frame = pl.DataFrame(list(rows), schema={"date": pl.Date, "rate": pl.Float64}, orient="row")
    return lambda _: {"data": {"prices": PANEL, "rates": frame, **data}, "strategy": STRATEGY}


def _fees(frame: pl.DataFrame) -> Callable[[Path], dict[str, Any]]:
    return lambda _: {"data": {"prices": PANEL, "borrow_fees": frame}, "strategy": STRATEGY}


JAN1, FEB = dt.date(2021, 1, 1), dt.date(2021, 2, 12)
EARLY = "select date '2021-01-05' as date, 'S0' as asset, 1.0 as weight"
R = "prices"
NAN, INF = float("nan"), float("inf")
BAD_PRICE = "NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume (1 row)"
ROW = "2021-01-08  S1"  # the offending row, as the message's example table prints it

CASES = [
    # --- prices: values (each a flagged row; policy fail by default) ----------------------------
    Case("duplicate-keys", prices(pl.concat([PANEL, PANEL.head(2)])), InputError,
         (R, "duplicate (date, asset) keys (2 rows)", "2021-01-04  S0")),
    Case("null-close", prices(cell("close", None)), InputError, (R, BAD_PRICE, ROW)),
    Case("nan-close", prices(cell("close", NAN)), InputError, (R, BAD_PRICE, ROW)),
    Case("infinite-close", prices(cell("close", INF)), InputError, (R, BAD_PRICE, ROW)),
    Case("zero-close", prices(cell("close", 0.0)), InputError, (R, BAD_PRICE, ROW)),
    Case("negative-close", prices(cell("close", -3.0)), InputError, (R, BAD_PRICE, ROW)),
    Case("negative-open", prices(cell("open", -1.0)), InputError, (R, BAD_PRICE, ROW)),
    Case("infinite-high", prices(cell("high", -INF)), InputError, (R, BAD_PRICE, ROW)),
    Case("null-open", prices(cell("open", None)), InputError, (R, "NULL open (1 row)", ROW, "missing_open")),
    Case("high-below-open-close", prices(cell("high", 1.0)), InputError,
         (R, "high below max(open, close) or low above min(open, close) (1 row)", ROW, "inconsistent_ohlc")),
    Case("low-above-open-close", prices(cell("low", 1e6)), InputError,
         (R, "high below max(open, close) or low above min(open, close) (1 row)", ROW)),
    Case("null-asset", prices(cell("asset", None)), InputError, (R, "NULL date or asset (1 row)", "2021-01-08  NULL")),
    Case("every-row-dropped", prices(PANEL.with_columns(pl.lit(None, pl.Float64).alias("open")),
                                     quality={"missing_open": "drop"}), InputError,
         (R, "no rows are left after the data-quality policies", "missing_open = 'drop'")),
    # --- prices: structure ------------------------------------------------------------------------
    Case("string-prices", prices(PANEL.with_columns(pl.col("close").cast(pl.String))), InputError,
         (R, "column 'close' (close) must be numeric, but it is VARCHAR", "not parsed silently")),
    Case("timezone-aware-dates", prices(_tz(PANEL)), InputError,
         (R, "column 'date' holds time-zone-aware timestamps", "at time zone")),
    Case("dates-as-strings", prices(PANEL.with_columns(pl.col("date").cast(pl.String))), InputError,
         (R, "column 'date' holds dates as strings", "cast(my_date as date)")),
    Case("times-of-day", prices(_intraday(PANEL)), InputError,
         (R, "timestamps with a time of day", "2021-01-04 16:00:00")),
    Case("missing-column", prices(PANEL.drop("close")), InputError,
         (R, "missing required column: column 'close' is not in the input", "date, asset, open, high")),
    Case("empty-prices", prices(PANEL.head(0)), InputError, (R, "the input has no rows")),
    Case("mapping-names-absent-column", prices(PANEL, columns={"asset": "ticker"}), InputError,
         (R, "[data.columns] asset = 'ticker' is not in the input", "the input's columns are: date, asset")),
    Case("column-name-not-plain", prices(PANEL.rename({"score": "score;x"})), InputError,
         (R, "column name 'score;x' is not a plain identifier")),
    Case("prices-path-missing", lambda tmp: {"data": {"prices": str(tmp / "no" / "prices.parquet")}}, ConfigError,
         ("[data] prices: path does not exist", "prices.parquet")),
    Case("prices-database-missing", _db_with_prices, ConfigError, ("database file not found", "nowhere.duckdb")),
    Case("window-without-dates", config(execution={"start": "2030-01-01"}), InputError,
         (R, "no trading dates in the window 2030-01-01 to ...", "the prices run from 2021-01-04 to 2021-02-12")),
    # --- signals ------------------------------------------------------------------------------------
    Case("signal-assets-without-prices", signals(_extra_row(date=DAY, asset="ZZZ", score=1.0),
                                                 quality={"unknown_signal_asset": "fail"}), InputError,
         ("signals", "signals for assets that have no prices (1 row)", "ZZZ", "unknown_signal_asset")),
    Case("signals-on-non-trading-dates", signals(_extra_row(date=dt.date(2021, 3, 6), asset="S1", score=1.0),
                                                 quality={"off_calendar_signal": "fail"}), InputError,
         ("signals", "signals dated on days with no price bar at all (1 row)", "2021-03-06")),
    Case("duplicate-signal-rows", signals(pl.concat([SIGNALS, SIGNALS.filter(pl.col("date") == DAY)])), InputError,
         ("signals", "duplicate (date, asset) keys (6 rows)", "2021-01-08  S0")),
    Case("every-signal-null-on-a-date", signals(_null_signals_on(DAY)), InputError,
         ("signals", "rebalance dates on which no asset has a finite 'score' signal (1 row)", "2021-01-08",
          'no_signal_date = "cash"')),
    Case("signal-column-missing", signals(SIGNALS.rename({"score": "alpha"})), InputError,
         ("signals", "no signal column 'score'", "alpha")),
    Case("signal-column-string", signals(SIGNALS.with_columns(pl.col("score").cast(pl.String))), InputError,
         ("signals", "signal column 'score' must be numeric, but it is VARCHAR")),
    Case("empty-signals", signals(SIGNALS.head(0)), InputError, ("signals", "the input has no rows")),
    Case("signal-dates-as-strings", signals(SIGNALS.with_columns(pl.col("date").cast(pl.String))), InputError,
         ("signals", "column 'date' holds dates as strings")),
    Case("signal-dates-timezone-aware", signals(_tz(SIGNALS)), InputError,
         ("signals", "time-zone-aware timestamps")),
    Case("signals-without-asset-column", signals(SIGNALS.drop("asset")), InputError,
         ("signals", "missing required column 'asset'", "date, score")),
    Case("signals-path-missing", lambda tmp: {"data": {"prices": PRICES, "signals": str(tmp / "s.parquet")}},
         ConfigError, ("[data] signals: path does not exist",)),
    # --- strategy -----------------------------------------------------------------------------------
    Case("top-n-zero", config(strategy={"signal": "score", "top_n": 0}), ConfigError,
         ("[strategy] `top_n`", "must be at least 1, got 0")),
    Case("top-n-negative", config(strategy={"signal": "score", "top_n": -3}), ConfigError,
         ("[strategy] `top_n`", "must be at least 1, got -3")),
    Case("short-leg-without-allow-short", config(strategy={"signal": "score", "bottom_n": 5, "short_exposure": 0.5}),
         ConfigError, ("[strategy]", "a short leg needs `[execution] allow_short = true`")),
    Case("levered-long-leg", config(strategy={"signal": "score", "long_exposure": 1.5}), ConfigError,
         ("`long_exposure` + `short_exposure`: 1.5", "`[execution] max_leverage`")),
    Case("quantiles-with-top-n", config(strategy={"signal": "score", "quantiles": 5, "top_n": 10}), ConfigError,
         ("[strategy] `quantiles` with `top_n`", "contradictory")),
    Case("group-neutral-without-group", config(strategy={"signal": "score", "group_neutral": True}), ConfigError,
         ("[strategy] `group_neutral`: needs `group`",)),
    Case("long-short-above-max-leverage",
         config(strategy={"signal": "score", "bottom_n": 2, "short_exposure": 1.0}, execution={"allow_short": True}),
         ConfigError, ("`long_exposure` + `short_exposure`: 2 x NAV", "max_leverage` of at least that (it is 1)")),
    # --- a custom SQL strategy ----------------------------------------------------------------------
    Case("sql-wrong-columns", custom("select date, asset, 0.1 as w from prices"), InputError,
         ("strategy sql", "must return columns (date, asset, weight); missing weight", "it returns: date, asset, w")),
    Case("sql-weight-not-numeric", custom("select date, asset, 'x' as weight from prices"), InputError,
         ("strategy sql", "column weight must be numeric, but it is VARCHAR")),
    Case("sql-date-not-a-date", custom("select cast(date as varchar) as date, asset, 0.1 as weight from prices"),
         InputError, ("strategy sql", "column date must be a DATE, but it is VARCHAR")),
    Case("sql-asset-not-text", custom("select date, 7 as asset, 0.1 as weight from prices"), InputError,
         ("strategy sql", "column asset must be VARCHAR, but it is INTEGER")),
    Case("sql-duplicate-keys",
         custom("select date, asset, 0.1 as weight from prices union all "
                "select date, asset, 0.1 from prices where asset = 'S0' and date = '2021-01-08'"),
         InputError, ("strategy sql", "duplicate (date, asset) keys (1 row)", "2021-01-08  S0")),
    Case("sql-dates-outside-calendar", custom("select date '2030-01-02' as date, 'S0' as asset, 0.5 as weight"),
         InputError, ("strategy sql", "dates that are not trading dates of prices (1 row)", "2030-01-02")),
    Case("sql-gross-weight-above-1", custom("select date, asset, 0.5 as weight from prices"), InputError,
         ("strategy sql", "gross weight sum |w| above max_leverage (1) on a date (40 rows)", "2021-01-04  3.0")),
    Case("sql-gross-weight-above-max-leverage",
         lambda _: {"data": {"prices": PANEL}, "execution": {"allow_short": True, "max_leverage": 2.0},
                    "strategy": {"sql": "select date, asset, case when asset < 'S3' then 0.5 else -0.5 end as weight "
                                        "from prices"}},
         InputError, ("strategy sql", "gross weight sum |w| above max_leverage (2) on a date (40 rows)", "3.0")),
    Case("sql-negative-weight", custom("select date, asset, -0.1 as weight from prices where asset = 'S2'"),
         InputError, ("strategy sql", "negative weight (a short needs allow_short = true) (40 rows)", "S2")),
    Case("sql-nan-weight", custom("select date, asset, 'nan'::double as weight from prices where asset = 'S3'"),
         InputError, ("strategy sql", "NULL or non-finite weight (40 rows)", "S3")),
    Case("sql-asset-without-prices", custom("select distinct date, 'ZZZ' as asset, 0.1 as weight from prices"),
         InputError, ("strategy sql", "assets that have no price bar on or before the target date", "ZZZ")),
    Case("sql-no-rows", custom("select date, asset, 0.1 as weight from prices where false"), InputError,
         ("strategy sql", "returned no rows", "weight 0")),
    Case("sql-no-rows-in-window", lambda _: {**custom(EARLY)(_), "execution": {"start": "2021-02-01"}}, InputError,
         ("strategy sql", "none of its rows is dated in the backtest window 2021-02-01 to 2021-02-12")),
    Case("sql-two-statements", custom("select date, asset, 0.1 as weight from prices; drop table prices"),
         ConfigError, ("[strategy] sql", "must be exactly one query", "select, drop")),
    Case("sql-fails", custom("select * from nowhere"), InputError,
         ("strategy sql", "the query fails", "nowhere")),
    Case("sql-file-missing", custom("my_strategy.sql"), ConfigError, ("[strategy] sql: file not found",)),
    # --- config -------------------------------------------------------------------------------------
    Case("unknown-key", config(strategy={"topn": 3}), ConfigError,
         ("[strategy]", "unknown key `topn`; did you mean `top_n`?")),
    Case("unknown-quality-key", lambda _: {"data": {"prices": PANEL, "quality": {"bad_prices": "drop"}}},
         ConfigError, ("[data.quality]", "unknown key `bad_prices`; did you mean `bad_price`?")),
    Case("unknown-section", lambda _: {"data": {"prices": PANEL}, "exection": {}}, ConfigError,
         ("unknown key `exection`; did you mean `execution`?",)),
    Case("top-n-as-string", config(strategy={"signal": "score", "top_n": "5"}), ConfigError,
         ("[strategy] `top_n`", "expected a whole number, got '5'")),
    Case("cash-as-string", config(execution={"initial_cash": "1e6"}), ConfigError,
         ("[execution] `initial_cash`", "expected a number, got '1e6'")),
    Case("flag-as-string", config(execution={"fractional": "yes"}), ConfigError,
         ("[execution] `fractional`", "expected true or false")),
    Case("date-malformed", config(execution={"start": "2021-13-01"}), ConfigError,
         ("[execution] `start`", "expected a date like 2015-01-02")),
    Case("policy-unknown", lambda _: {"data": {"prices": PANEL, "quality": {"bad_price": "repair"}}},
         ConfigError, ("[data.quality] `bad_price`", "'repair' is not one of fail, drop")),
    Case("schedule-misspelled", config(strategy={"signal": "score", "rebalance": "montly"}), ConfigError,
         ("[strategy] `rebalance`", "did you mean 'monthly'?")),
    Case("unknown-key-elsewhere", config(execution={"comission_bps": 1}), ConfigError,
         ("[execution]", "did you mean `commission_bps`?")),
    Case("top-n-as-boolean", config(strategy={"signal": "score", "top_n": True}), ConfigError,
         ("[strategy] `top_n`", "expected a whole number")),
    Case("choice-unknown", config(strategy={"signal": "score", "weighting": "cap"}), ConfigError,
         ("[strategy] `weighting`", "'cap' is not one of equal, signal")),
    Case("cash-negative", config(execution={"initial_cash": -5}), ConfigError,
         ("[execution] `initial_cash`", "must be positive")),
    Case("delist-after-negative", config(execution={"delist_after": -1}), ConfigError,
         ("[execution] `delist_after`", "must be >= 0")),
    Case("window-reversed", config(execution={"start": "2021-01-01", "end": "2020-01-01"}), ConfigError,
         ("[execution]", "start 2021-01-01 is after end 2020-01-01")),
    Case("no-data-section", lambda _: {"strategy": STRATEGY}, ConfigError, ("missing section [data]",)),
    Case("no-prices", lambda _: {"data": {"signals": SIGNALS}}, ConfigError, ("[data]: missing key `prices`",)),
    Case("table-path-missing", lambda tmp: {"data": {"prices": PANEL, "tables": {"x": str(tmp / "x.parquet")}}},
         ConfigError, ("[data] x: path does not exist",)),
    Case("table-name-taken", lambda _: {"data": {"prices": PANEL, "tables": {"calendar": PANEL}}}, ConfigError,
         ("[data.tables] `calendar`: the run makes a relation of that name",
          "taken: adjusted_prices, calendar, prices")),
    # --- asset names, dates and magnitudes (issue 10: refused at input) -----------------------------
    Case("empty-asset", prices(cell("asset", "")), InputError,
         (R, "empty asset names ('' or only whitespace) (1 row)", "asset  n_rows  first_date", "2021-01-08")),
    Case("blank-asset", prices(cell("asset", " \t ")), InputError,
         (R, "empty asset names ('' or only whitespace) (1 row)", "2021-01-08")),
    Case("signal-empty-asset", signals(cell("asset", "", frame=SIGNALS)), InputError,
         ("signals", "empty asset names ('' or only whitespace) (1 row)", "2021-01-08")),
    Case("signal-null-asset", signals(cell("asset", None, frame=SIGNALS)), InputError,
         ("signals", "NULL date or asset (1 row)", "2021-01-08  NULL")),
    Case("asset-variants-fail", prices(_VARIANT, quality={"asset_variants": "fail"}), InputError,
         (R, "asset names that differ only by case or surrounding whitespace (1 row)", "S1     s1          5",
          'asset_variants = "warn" or "fold"')),
    Case("signal-asset-variants-fail", signals(cell("asset", "s1 ", frame=SIGNALS), quality={"asset_variants": "fail"}),
         InputError, ("signals", "differ only by case or surrounding whitespace (or from the prices' names) (1 row)",
                      "s1     S1          1")),
    Case("date-year-10000", prices(_one_row_later(PANEL, dt.date(9999, 12, 31)).with_columns(
        pl.when(pl.col("date") == dt.date(9999, 12, 31)).then(pl.col("date") + pl.duration(days=1))
        .otherwise(pl.col("date")).alias("date"))), InputError, (R, RANGE, "10000-01-01  S1")),
    Case("date-infinite", _in_duckdb("select * from p union all select * replace ('infinity'::date as date) "
                                     "from p where asset = 'S1' and date = '2021-01-08'"),
         InputError, (R, RANGE, "infinity  S1")),
    Case("date-before-year-1", _in_duckdb("select * replace (case when asset = 'S1' and date = '2021-01-08' "
                                          "then date '-0001-06-01' else date end as date) from p"),
         InputError, (R, RANGE, "S1")),
    Case("signal-date-year-10000", signals(_one_row_later(SIGNALS, dt.date(9999, 12, 31)).with_columns(
        pl.when(pl.col("date") == dt.date(9999, 12, 31)).then(pl.col("date") + pl.duration(days=1))
        .otherwise(pl.col("date")).alias("date"))), InputError, ("signals", RANGE, "10000-01-01  S1")),
    Case("benchmark-date-year-10000", _benchmark(lambda b: pl.concat([b, b.tail(1).with_columns(
        pl.lit(dt.date(9999, 12, 31)).alias("date"))]).with_columns(
        pl.when(pl.col("date") == dt.date(9999, 12, 31)).then(pl.col("date") + pl.duration(days=1))
        .otherwise(pl.col("date")).alias("date"))), InputError, ("benchmark", RANGE, "10000-01-01")),
    Case("close-above-1e12", prices(cell("close", 2e12).pipe(lambda f: cell("high", 3e12, frame=f))), InputError,
         (R, EXTREME, "2021-01-08  S1", "2000000000000.0", "rescale")),
    Case("close-below-1e-6", prices(cell("close", 1e-9).pipe(lambda f: cell("low", 1e-9, frame=f))), InputError,
         (R, EXTREME, "2021-01-08  S1", "1e-09")),
    Case("volume-above-1e15", prices(cell("volume", 1e18)), InputError, (R, EXTREME, "2021-01-08  S1", "1e+18")),
    Case("benchmark-level-above-1e12", _benchmark(lambda b: b.with_columns(
        pl.when(pl.col("date") == DAY).then(1e13).otherwise(pl.col("price")).alias("price"))), InputError,
         ("benchmark", "prices above 1e12 or below 1e-6 (1 row)", "2021-01-08  10000000000000.0")),
    # --- financing inputs: [data] rates and borrow_fees (SPEC 9) ---------------------------------
    Case("rate-as-a-percent", _rates((JAN1, 5.0), (FEB, 0.01)), InputError,
         ("rates", "rates outside -1 < rate < 1 (annual decimals) (1 row)", "2021-01-01  5.0", "0.05 for 5%")),
    Case("rate-nan", _rates((JAN1, NAN), (FEB, 0.01)), InputError, ("rates", "NULL, NaN or infinite rates",)),
    Case("rate-duplicate-date", _rates((JAN1, 0.01), (JAN1, 0.02), (FEB, 0.01)), InputError,
         ("rates", "duplicate dates (1 row)", "2021-01-01")),
    Case("rates-end-before-the-window", _rates((JAN1, 0.01), (dt.date(2021, 2, 9), 0.02)), InputError,
         ("rates", "window dates after the rates end", "(2 rows)", "2021-02-11  2021-02-10     2021-02-09",
          'stale_rate = "carry"')),
    Case("rates-without-a-rate-column", lambda _: {"data": {"prices": PANEL, "rates": pl.DataFrame(
        {"date": [JAN1], "yield": [0.01]})}, "strategy": STRATEGY}, InputError,
         ("rates", "missing required column 'rate'", "columns: date, yield")),
    Case("rates-empty", lambda _: {"data": {"prices": PANEL, "rates": pl.DataFrame(
        schema={"date": pl.Date, "rate": pl.Float64})}, "strategy": STRATEGY}, InputError, ("rates", "has no rows")),
    Case("fee-negative", _fees(pl.DataFrame({"asset": ["S0", "S1"], "fee": [0.01, -0.02]})), InputError,
         ("borrow_fees", "negative fees", "S1", "-0.02")),
    Case("fee-duplicate-asset", _fees(pl.DataFrame({"asset": ["S0", "S0"], "fee": [0.01, 0.02]})), InputError,
         ("borrow_fees", "duplicate asset rows", "S0")),
    Case("fee-null-date", _fees(pl.DataFrame({"date": [JAN1, None], "asset": ["S0", "S1"], "fee": [0.01, 0.02]})),
         InputError, ("borrow_fees", "NULL date or asset (1 row)")),
    Case("cash-rate-as-a-percent", config(execution={"cash_rate": 5}), ConfigError,
         ("[execution] `cash_rate`", "did you mean 0.05?")),
    Case("short-fee-negative", config(execution={"short_fee": -0.01}), ConfigError,
         ("[execution] `short_fee`: must be >= 0",)),
    Case("stop-loss-as-a-percent", config(risk={"stop_loss": 10}), ConfigError,
         ("[risk] `stop_loss`", "below 1", "did you mean 0.1?")),
    Case("max-drawdown-of-one", config(risk={"max_drawdown": 1.0}), ConfigError,
         ("[risk] `max_drawdown`", "below 1", "0 < max_drawdown < 1")),
    Case("halt-dates-negative", config(risk={"max_drawdown": 0.2, "halt_dates": -1}), ConfigError,
         ("[risk] `halt_dates`", ">= 0")),
    Case("reentry-after-fractional", config(risk={"stop_loss": 0.1, "reentry_after": 1.5}), ConfigError,
         ("[risk] `reentry_after`", "whole number")),
    Case("reentry-after-without-a-stop", config(risk={"reentry_after": 2}), ConfigError,
         ("[risk] `reentry_after`", "no effect without a risk exit")),
    Case("trailing-stop-without-high-low", lambda _: {"data": {"prices": PANEL.drop("high", "low")},
                                                      "strategy": STRATEGY, "risk": {"trailing_stop": 0.1}},
         InputError, ("prices", "need the bars' high and low", "no high")),
    Case("hive-partitions-disagree-on-types", _hive_with_a_string_close, InputError,
         (R, "the files disagree on the type of column 'close'", "VARCHAR in 1 file (asset=S2/part.parquet)",
          "DOUBLE in 5 files")),
    # --- engine names are the engine's (issue 10) ------------------------------------------------------
    Case("column-named-like-a-flag", prices(cell("close", -3.0).with_columns(is_bad_price=pl.lit(False))), InputError,
         (R, "column 'is_bad_price' has the name of a column the engine makes", "is_missing_open", "rename it")),
    Case("extra-column-named-close", prices(PANEL.rename({"close": "last"}).with_columns(close=pl.lit(1.0)),
                                            columns={"close": "last"}), InputError,
         (R, "column 'close' has the name of a column the engine makes",)),
    Case("signal-column-named-date", lambda _: {"data": {"prices": PRICES.rename({"date": "day"}),
                                                         "signals": SIGNALS.rename({"date": "day"}).with_columns(
                                                             date=pl.lit(1.0)), "columns": {"date": "day"}},
                                                "strategy": STRATEGY}, InputError,
         ("signals", "column 'date' has the name of a column the engine makes", "date = 'day'")),
    Case("table-name-public-in-other-case", lambda _: {"data": {"prices": PANEL, "tables": {"Signals": PANEL}}},
         ConfigError, ("[data.tables] `Signals`: the run makes a relation of that name",)),
    Case("table-name-engine-prefix", lambda _: {"data": {"prices": PANEL, "tables": {"ml4t_input_prices": PANEL}}},
         ConfigError, ("[data.tables] `ml4t_input_prices`", "names starting with `ml4t`")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_before_anything_is_written(case: Case, tmp_path: Path):
    warehouse = tmp_path / "wh"
    with pytest.raises(case.error) as err:
        ml4t_sql.run(case.build(tmp_path), warehouse=warehouse)
    message = str(err.value)
    for needle in case.needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert "Traceback" not in message and len(message.splitlines()) <= 10
    assert not (warehouse / "runs").exists() and not (warehouse / ".staging").exists()


def test_the_catalog_covers_every_category():
    ids = {c.id for c in CASES}
    assert len(CASES) >= 25 and len(ids) == len(CASES)


def test_at_most_five_offending_rows_are_shown_with_the_total():
    eight = PANEL.with_columns(
        pl.when(pl.col("date") < dt.date(2021, 1, 12)).then(0.0).otherwise(pl.col("close")).alias("close")
    ).filter(pl.col("asset") == "S4")
    with pytest.raises(InputError) as err:
        ml4t_sql.run({"data": {"prices": eight}, "strategy": STRATEGY}, write=False)
    lines = str(err.value).splitlines()
    assert lines[0] == f"prices: {BAD_PRICE.removesuffix(' (1 row)')} (8 rows)"
    assert lines[1].split() == ["date", "asset", "open", "high", "low", "close", "volume"]
    assert [line.split()[0] for line in lines[2:7]] == [f"2021-01-0{d}" for d in range(4, 9)]
    assert 'bad_price = "drop"' in lines[7]


def test_an_existing_warehouse_keeps_its_runs_after_a_refusal(tmp_path: Path):
    earlier = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, warehouse=tmp_path)
    with pytest.raises(InputError):
        ml4t_sql.run({"data": {"prices": cell("close", 0.0)}, "strategy": STRATEGY}, warehouse=tmp_path)
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [earlier.run_id]
    con = duckdb.connect(str(tmp_path / "ml4t.duckdb"), read_only=True)
    assert con.sql("select run_id from runs").fetchall() == [(earlier.run_id,)]


# --- fixed by a documented policy instead of refused ---------------------------------------------


def run_with(prices: pl.DataFrame, **data: Any) -> ml4t_sql.Run:
    return ml4t_sql.run({"data": {"prices": prices, **data}, "strategy": STRATEGY}, write=False)


@pytest.mark.parametrize(
    ("frame", "policy", "finding", "rows_used"),
    [
        (cell("close", 0.0), {"bad_price": "drop"}, "bad_price", 239),
        (cell("close", NAN), {"bad_price": "drop"}, "bad_price", 239),
        (cell("open", None), {"missing_open": "drop"}, "missing_open", 239),
        (cell("open", None), {"missing_open": "no_fill"}, "missing_open", 240),
        (cell("high", 1.0), {"inconsistent_ohlc": "drop"}, "inconsistent_ohlc", 239),
        (cell("high", 1.0), {"inconsistent_ohlc": "keep"}, "inconsistent_ohlc", 240),
    ],
)
def test_price_policies_drop_or_keep_the_flagged_row(
    frame: pl.DataFrame, policy: dict[str, str], finding: str, rows_used: int
):
    run = run_with(frame, quality=policy)
    q = run.quality
    assert (q["rows_in"], q["rows_used"]) == (240, rows_used)
    assert q["findings"][finding]["count"] == 1 and q["findings"][finding]["policy"] == next(iter(policy.values()))
    assert q["findings"][finding]["examples"][0]["asset"] == "S1"
    held_s1 = run.positions.filter((pl.col("date") == DAY) & (pl.col("asset") == "S1"))
    if rows_used == 239 and held_s1.height:  # no bar that day: valued at its last close
        previous = PANEL.filter((pl.col("asset") == "S1") & (pl.col("date") == DAY - dt.timedelta(days=1)))
        assert held_s1["close"].item() == previous["close"].item()


def test_signal_rows_for_unknown_assets_and_off_calendar_dates_warn_by_default():
    odd = pl.concat(
        [
            SIGNALS,
            pl.DataFrame([(DAY, "ZZZ", 9.0), (dt.date(2021, 3, 6), "S1", 9.0)], schema=SIGNALS.schema, orient="row"),
        ]
    )
    run = run_with(PRICES, signals=odd)
    plain = run_with(PRICES, signals=SIGNALS)
    assert run.equity["nav"].to_list() == plain.equity["nav"].to_list()  # the odd rows change nothing
    assert run.quality["findings"]["unknown_signal_asset"]["examples"][0]["asset"] == "ZZZ"
    assert run.quality["findings"]["off_calendar_signal"]["examples"][0]["date"] == "2021-03-06"
    assert [w.split(" (")[0] for w in run.quality["warnings"]] == [
        "signals: signals for assets that have no prices",
        "signals: signals dated on days with no price bar at all",
    ]


def test_a_date_without_signals_goes_to_cash_under_the_cash_policy():
    run = run_with(PRICES, signals=_null_signals_on(DAY), quality={"no_signal_date": "cash"})
    assert DAY not in run.targets["date"].to_list()
    next_day = DAY + dt.timedelta(days=1)
    sold = run.trades.filter(pl.col("date") == next_day)
    assert set(sold["side"]) == {"sell"} and run.equity.filter(pl.col("date") == next_day)["market_value"].item() == 0
    assert run.quality["findings"]["no_signal_date"]["count"] == 1


def test_dates_before_the_window_may_lack_signals():
    early = SIGNALS.with_columns(
        pl.when(pl.col("date") < dt.date(2021, 1, 20)).then(None).otherwise(pl.col("score")).alias("score")
    )
    run = ml4t_sql.run(
        {"data": {"prices": PRICES, "signals": early}, "strategy": STRATEGY, "execution": {"start": "2021-01-20"}},
        write=False,
    )
    assert run.targets["date"].min() == dt.date(2021, 1, 20)
    assert "no_signal_date" not in run.quality["findings"]


def test_unsorted_input_gives_the_same_result():
    expected = run_with(PANEL).equity["nav"].to_list()
    assert run_with(PANEL.sample(fraction=1.0, shuffle=True, seed=7)).equity["nav"].to_list() == expected


def test_top_n_above_the_universe_selects_every_eligible_asset():
    run = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"signal": "score", "top_n": 50}}, write=False)
    per_date = run.targets.group_by("date").agg(pl.len().alias("n"), pl.col("weight").sum().alias("w"))
    assert set(per_date["n"]) == {6} and all(abs(w - 1) < 1e-12 for w in per_date["w"])


def test_asset_names_differing_only_by_case_warn_by_default_and_stay_apart():
    run = run_with(_VARIANT)
    finding = run.quality["findings"]["asset_variants"]
    assert (finding["count"], finding["policy"]) == (1, "warn")
    assert finding["examples"] == [{"asset": "S1", "folds_into": "s1", "n_rows": 5}]
    assert run.quality["warnings"] == [
        "prices: asset names that differ only by case or surrounding whitespace (1 spelling, e.g. S1); "
        "each spelling is an asset of its own (asset_variants = 'warn')"
    ]
    summary = check({"data": {"prices": _VARIANT}, "strategy": STRATEGY}).summary
    assert summary["assets"] == 7  # S1 and s1 are two assets


def test_folding_asset_names_gives_the_run_of_one_name():
    """Under asset_variants = "fold", 'S1' / 's1' / ' s1 ' are one asset named as its most frequent
    spelling: the same backtest as the panel spelled 's1' throughout."""
    odd = _VARIANT.with_columns(
        pl.when((pl.col("asset") == "s1") & (pl.col("date") > dt.date(2021, 2, 1)))
        .then(pl.lit(" s1 "))
        .otherwise(pl.col("asset"))
        .alias("asset")
    )
    folded = run_with(odd, quality={"asset_variants": "fold"})
    plain = run_with(PANEL.with_columns(pl.col("asset").replace("S1", "s1")))
    assert folded.equity["nav"].to_list() == plain.equity["nav"].to_list()
    assert folded.targets.drop("run_id").equals(plain.targets.drop("run_id"))
    finding = folded.quality["findings"]["asset_variants"]
    assert {r["asset"]: r["folds_into"] for r in finding["examples"]} == {"S1": "s1", " s1 ": "s1"}
    assert folded.quality["warnings"] == []


def test_folding_signal_names_matches_them_with_the_prices():
    odd = SIGNALS.with_columns(pl.col("asset").replace("S1", "s1 "))
    folded = run_with(PRICES, signals=odd, quality={"asset_variants": "fold"})
    plain = run_with(PRICES, signals=SIGNALS)
    assert folded.equity["nav"].to_list() == plain.equity["nav"].to_list()
    assert folded.quality["findings"]["signals.asset_variants"]["examples"][0] == {
        "asset": "s1 ", "folds_into": "S1", "n_rows": 40,
    }  # fmt: skip
    assert "unknown_signal_asset" not in folded.quality["findings"]
    warned = run_with(PRICES, signals=odd)  # default: warned, and the signals are an unknown asset's
    assert set(warned.quality["findings"]) == {"signals.asset_variants", "unknown_signal_asset"}


def test_rates_after_their_end_are_carried_under_the_carry_policy_and_reported():
    frame = pl.DataFrame({"date": [JAN1, dt.date(2021, 2, 9)], "rate": [0.01, 0.02]})
    run = ml4t_sql.run({"data": {"prices": PANEL, "rates": frame, "quality": {"stale_rate": "carry"}},
                        "strategy": STRATEGY}, write=False)  # fmt: skip
    finding = run.quality["findings"]["stale_rate"]
    assert finding["count"] == 2 and finding["policy"] == "carry"
    assert [e["date"] for e in finding["examples"]] == ["2021-02-11", "2021-02-12"]
    assert ("rates: the series ends on 2021-02-09; its last rate 0.02 is carried to the 2 window dates "
            "2021-02-11 .. 2021-02-12 (stale_rate = 'carry')") in run.quality["warnings"]  # fmt: skip
    eq = run.equity.filter(pl.col("date") == dt.date(2021, 2, 12))
    cash = run.equity.filter(pl.col("date") == dt.date(2021, 2, 11))["cash"][0]
    assert eq["financing"][0] == pytest.approx(max(cash, 0.0) * 0.02 / 365, abs=1e-12)  # the last rate carried


def test_borrow_fees_for_unknown_assets_warn_by_default_and_fail_on_request():
    fees = pl.DataFrame({"asset": ["S0", "ZZZ"], "fee": [0.01, 0.02]})
    run = ml4t_sql.run({"data": {"prices": PANEL, "borrow_fees": fees}, "strategy": STRATEGY}, write=False)
    assert run.quality["findings"]["unknown_fee_asset"]["count"] == 1
    assert any("borrow_fees: fees for assets that have no prices (1 asset, e.g. ZZZ)" in w
               for w in run.quality["warnings"])  # fmt: skip
    with pytest.raises(InputError, match="unknown_fee_asset"):
        ml4t_sql.run({"data": {"prices": PANEL, "borrow_fees": fees, "quality": {"unknown_fee_asset": "fail"}},
                      "strategy": STRATEGY}, write=False)  # fmt: skip


def test_custom_targets_off_the_rebalance_schedule_are_counted_and_ignored():
    """docs/SEMANTICS.md: with `rebalance` set, a custom strategy's rows on other dates are ignored,
    and the run's quality report counts them (a warning-level finding with examples)."""
    sql = "select date, asset, 1.0 / 6 as weight from prices"
    weekly = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": sql, "rebalance": "weekly"}}, write=False)
    finding = weekly.quality["findings"]["off_schedule_target"]
    rebalance_dates = weekly.targets["date"].unique().to_list()
    assert len(rebalance_dates) == 6 and finding["count"] == 240 - 6 * 6
    assert finding["policy"] == "ignored" and finding["relation"] == "strategy sql"
    assert finding["examples"][0] == {"variant": 0, "date": "2021-01-05", "asset": "S0", "weight": 1.0 / 6}
    assert all(dt.date.fromisoformat(r["date"]) not in rebalance_dates for r in finding["examples"])
    assert weekly.quality["warnings"] == [
        "strategy sql: target rows on dates that are not rebalance dates (rebalance = 'weekly'); they are ignored "
        "(204 rows, e.g. 2021-01-05 S0)"
    ]
    daily = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": sql}}, write=False)
    assert "off_schedule_target" not in daily.quality["findings"] and daily.quality["warnings"] == []
    on_schedule = "select date, asset, 1.0 / 6 as weight from prices where date in (select date from rebalance_dates)"
    clean = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": on_schedule, "rebalance": "weekly"}},
                         write=False)  # fmt: skip
    assert "off_schedule_target" not in clean.quality["findings"]
    assert clean.equity["nav"].to_list() == weekly.equity["nav"].to_list()  # the ignored rows change nothing
    every = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": {"sql": sql, "rebalance_every": 7}}, write=False)
    calendar = sorted(PANEL["date"].unique().to_list())
    assert sorted(every.targets["date"].unique().to_list()) == calendar[::7]
    assert every.quality["warnings"][0].startswith(
        "strategy sql: target rows on dates that are not rebalance dates (rebalance_every = 7)"
    )


def test_check_lists_stops_without_high_and_low():
    result = check({"data": {"prices": PANEL.drop("high", "low")}, "strategy": STRATEGY, "risk": {"stop_loss": 0.1}})
    assert any("need the bars' high and low" in e for e in result.errors)
    assert not check({"data": {"prices": PANEL}, "strategy": STRATEGY, "risk": {"stop_loss": 0.1}}).errors
