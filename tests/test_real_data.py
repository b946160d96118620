"""The S&P 500 sample's real quirks, each handled by a documented [data.quality] policy.

The rows are the ones listed in warehouse/sample/README.md: 11 NULL opens, 12 OHLC-inconsistent
bars (LNT 2016-05-19 has its close halved), and a 10-day gap of DHR, ES and O in March 2015.
docs/DATA_QUALITY.md describes every rule and what this sample triggers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import InputError

HOLD_CASH = "select distinct date, min(asset) over (partition by date) as asset, 0.0 as weight from prices"
SAMPLE = Path(__file__).resolve().parents[1] / "warehouse" / "sample" / "sp500_5yr.parquet"
d = dt.date


def sample(*assets: str) -> pl.DataFrame:
    frame = pl.read_parquet(SAMPLE)
    return frame.filter(pl.col("asset").is_in(assets)) if assets else frame


def hold(
    prices: pl.DataFrame, targets: list[tuple[dt.date, str, float]], quality: dict[str, str], **execution: Any
) -> ml4t_sql.Run:
    frame = pl.DataFrame([{"date": t, "asset": a, "weight": w} for t, a, w in targets])
    return ml4t_sql.run(
        {
            "data": {"prices": prices, "tables": {"t": frame}, "quality": quality},
            "strategy": {"sql": "select * from t"},
            "execution": execution,
        },
        write=False,
    )


def test_default_policy_refuses_null_opens_and_names_the_rows():
    with pytest.raises(InputError) as err:
        ml4t_sql.run(
            {
                "data": {"prices": str(SAMPLE)},
                "strategy": {"sql": "select null::date as date, '' as asset, 0.0 as weight where false"},
            },
            write=False,
        )
    message = str(err.value)
    assert message.startswith("prices: NULL open (11 rows)")
    assert "BHF" in message and "2017-07-26" in message  # first example, ordered by asset and date
    assert 'missing_open = "drop" or "no_fill"' in message


def test_default_policy_refuses_inconsistent_bars_and_names_them():
    with pytest.raises(InputError) as err:
        ml4t_sql.run({"data": {"prices": str(SAMPLE), "quality": {"missing_open": "no_fill"}}}, write=False)
    message = str(err.value)
    assert "high below max(open, close) or low above min(open, close) (12 rows)" in message
    for asset in ("AOS", "BBY", "CHD", "CHK", "DHR"):
        assert asset in message


def test_lnt_half_price_bar_is_dropped_or_kept_by_policy():
    prices = sample("LNT").filter(pl.col("date").is_between(d(2016, 5, 10), d(2016, 5, 31)))
    targets = [(d(2016, 5, 10), "LNT", 1.0)]
    dropped = hold(prices, targets, {"inconsistent_ohlc": "drop"})
    assert d(2016, 5, 19) not in dropped.equity["date"].to_list()  # the bar is gone from the calendar
    assert dropped.equity["return"].abs().max() < 0.05
    assert dropped.quality["findings"]["inconsistent_ohlc"]["count"] == 1

    kept = hold(prices, targets, {"inconsistent_ohlc": "keep"})
    returns = dict(zip(kept.equity["date"], kept.equity["return"], strict=True))
    assert returns[d(2016, 5, 19)] == pytest.approx(17.87 / 35.35 - 1)  # the glitch, kept on request
    assert returns[d(2016, 5, 20)] == pytest.approx(35.91 / 17.87 - 1)


def test_null_open_with_no_fill_values_the_close_and_cancels_fills():
    # DHR 2016-01-12 has only a close (88.55). A decision on 2016-01-11 cannot fill at that open.
    prices = sample("DHR", "AAPL").filter(pl.col("date").is_between(d(2016, 1, 6), d(2016, 1, 15)))
    targets = [(d(2016, 1, 7), "DHR", 0.5), (d(2016, 1, 11), "DHR", 0.2), (d(2016, 1, 11), "AAPL", 0.2)]
    run = hold(prices, targets, {"missing_open": "no_fill"})
    orders = {
        a: s
        for a, s in run.orders.filter(pl.col("decision_date") == d(2016, 1, 11)).select("asset", "status").iter_rows()
    }
    assert orders == {"DHR": "cancelled", "AAPL": "filled"}
    close = run.positions.filter((pl.col("date") == d(2016, 1, 12)) & (pl.col("asset") == "DHR"))["close"].item()
    assert close == 88.55

    dropped = hold(prices, targets, {"missing_open": "drop"})
    dhr = dropped.positions.filter((pl.col("date") == d(2016, 1, 12)) & (pl.col("asset") == "DHR"))
    prior = prices.filter((pl.col("asset") == "DHR") & (pl.col("date") == d(2016, 1, 11)))["close"].item()
    assert dhr["close"].item() == prior  # no bar that day: valued at the last close


@pytest.mark.parametrize(("delist_after", "delisted"), [(5, True), (15, False), (0, False)])
def test_interior_gap_of_dhr_in_march_2015(delist_after: int, delisted: bool):
    # DHR has no bars from 2015-03-09 to 2015-03-20 (10 dates); its last close before is 2015-03-06.
    prices = sample("DHR", "AAPL").filter(pl.col("date").is_between(d(2015, 2, 20), d(2015, 4, 10)))
    last_close = prices.filter((pl.col("asset") == "DHR") & (pl.col("date") == d(2015, 3, 6)))["close"].item()
    run = hold(prices, [(d(2015, 2, 23), "DHR", 0.5), (d(2015, 2, 23), "AAPL", 0.5)], {}, delist_after=delist_after)
    gone = run.trades.filter(pl.col("reason") == "delisted")
    if delisted:
        # the 5th missing date is 2015-03-13: sold there at the last close, and not bought back
        assert gone.select("date", "asset", "price").rows() == [(d(2015, 3, 13), "DHR", last_close)]
    else:
        assert gone.height == 0
        held = run.positions.filter(
            (pl.col("asset") == "DHR") & pl.col("date").is_between(d(2015, 3, 9), d(2015, 3, 20))
        )
        assert held.height == 10 and set(held["close"]) == {last_close}  # valued at the stale close


def test_bad_price_policy_on_a_real_bar():
    # the sample has no bad price; zero one real close (LNT 2016-05-18) and apply each policy
    prices = sample("LNT").filter(pl.col("date").is_between(d(2016, 5, 10), d(2016, 5, 31)))
    zeroed = prices.with_columns(
        pl.when(pl.col("date") == d(2016, 5, 18)).then(0.0).otherwise(pl.col("close")).alias("close")
    )
    targets = [(d(2016, 5, 10), "LNT", 1.0)]
    with pytest.raises(InputError) as err:
        hold(zeroed, targets, {"inconsistent_ohlc": "drop"})
    assert (
        str(err.value).splitlines()[0]
        == "prices: NULL, NaN, infinite, zero or negative prices, or a negative or non-finite volume (1 row)"
    )
    assert "2016-05-18  LNT" in str(err.value)
    dropped = hold(zeroed, targets, {"inconsistent_ohlc": "drop", "bad_price": "drop"})
    assert d(2016, 5, 18) not in dropped.equity["date"].to_list()
    assert dropped.quality["findings"]["bad_price"]["examples"][0]["date"] == "2016-05-18"


MOMENTUM = Path(__file__).resolve().parents[1] / "examples" / "momentum_12_1.sql"


def momentum_run(quality: dict[str, str], **execution: Any) -> ml4t_sql.Run:
    return ml4t_sql.run(
        {
            "data": {
                "prices": str(SAMPLE),
                "signals": str(MOMENTUM),
                "quality": {"missing_open": "no_fill", "inconsistent_ohlc": "drop", **quality},
            },
            "strategy": {"signal": "momentum", "top_n": 5, "rebalance": "quarterly"},
            "execution": execution,
        },
        write=False,
    )


def test_momentum_needs_a_year_of_history_and_says_where_to_start():
    # 12-1 momentum is NULL for every stock until 253 bars exist: 2014-02-10 is the first date with one
    with pytest.raises(InputError) as err:  # a window from the first date of the data
        momentum_run({}, start="2013-02-08")
    lines = str(err.value).splitlines()
    assert lines[0] == "signals: rebalance dates on which no asset has a finite 'momentum' signal (5 rows)"
    assert lines[2].split() == ["2013-02-08", "476", "0"]  # date, signal rows, non-NULL signals
    assert "set [execution] start = 2014-02-10" in lines[-1]
    cash = momentum_run({"no_signal_date": "cash"}, start="2013-02-08")  # or hold cash until the signal exists
    assert cash.targets["date"].min() == d(2014, 4, 1) and cash.equity["nav"][0] == 1_000_000.0
    auto = momentum_run({})  # start = "auto", the default: from the first date with a signal
    assert auto.equity["date"].min() == d(2014, 2, 10) == auto.targets["date"].min()


def test_the_sample_breaks_none_of_the_name_date_and_magnitude_rules():
    """Asset names, dates and magnitudes (docs/DATA_QUALITY.md): the sample is clean, by an
    independent count in Polars and by `check`, which finds only its known quirks."""
    from ml4t_sql.data.checks import MAX_PRICE, MAX_VOLUME, MIN_PRICE
    from ml4t_sql.validation import check

    frame = sample()
    names = frame["asset"].unique()
    assert names.str.strip_chars().str.to_lowercase().n_unique() == names.len()
    assert (names.str.strip_chars().str.len_chars() > 0).all()
    prices = frame.select(pl.concat_list("open", "high", "low", "close").explode().drop_nulls())
    assert MIN_PRICE < prices.min().item() and prices.max().item() < MAX_PRICE
    assert frame["volume"].max() < MAX_VOLUME
    assert frame["date"].min() > d(1, 1, 1) and frame["date"].max() < d(9999, 12, 31)
    quality = {"missing_open": "no_fill", "inconsistent_ohlc": "drop"}
    result = check({"data": {"prices": str(SAMPLE), "quality": quality}, "strategy": {"sql": HOLD_CASH}})
    assert result.ok, result.errors
    assert set(result.report.findings) == {"missing_open", "inconsistent_ohlc", "gaps"}


# --- the bundled 1-month Treasury series as [data] rates -----------------------------------------

TREASURY = SAMPLE.parent / "treasury_1m.parquet"


def test_the_treasury_series_is_small_decimal_and_ends_in_march_2017():
    rates = pl.read_parquet(TREASURY)
    assert rates.columns == ["date", "rate"] and rates.height == 3917
    assert rates["date"].is_sorted() and rates["date"].n_unique() == rates.height
    assert (rates["date"].min(), rates["date"].max()) == (d(2001, 7, 31), d(2017, 3, 29))
    assert 0.0 <= rates["rate"].min() and rates["rate"].max() < 0.06  # decimals, not percents
    assert rates.filter(pl.col("date") == d(2017, 3, 29))["rate"][0] == 0.0076


def test_cash_earns_the_treasury_rate_and_the_stale_end_is_refused_or_carried():
    prices = sample("AAPL", "MSFT").filter(pl.col("date") <= d(2017, 6, 30))
    targets = [(d(2016, 1, 4), "AAPL", 0.5)]
    config = {"missing_open": "no_fill"}
    with pytest.raises(InputError, match="window dates after the rates end"):
        ml4t_sql.run({"data": {"prices": prices, "rates": str(TREASURY), "quality": config},
                      "strategy": {"sql": "select date '2016-01-04' as date, 'AAPL' as asset, 0.5 as weight"}},
                     write=False)  # fmt: skip
    frame = pl.DataFrame([{"date": t, "asset": a, "weight": w} for t, a, w in targets])
    run = ml4t_sql.run(
        {"data": {"prices": prices, "tables": {"t": frame}, "rates": str(TREASURY),
                  "quality": {**config, "stale_rate": "carry"}},
         "strategy": {"sql": "select * from t"}, "execution": {"start": "2016-01-04"}},
        write=False,
    )  # fmt: skip
    eq = run.equity
    assert eq["financing"][0] == 0.0 and (eq["financing"].slice(1) > 0).all()  # half in cash all along
    # 2016-01-05 earns on 2016-01-04's cash the rate of 2016-01-04, for 1 day
    rate = pl.read_parquet(TREASURY).filter(pl.col("date") == d(2016, 1, 4))["rate"][0]
    assert eq["financing"][1] == pytest.approx(eq["cash"][0] * rate / 365, rel=1e-12)
    finding = run.quality["findings"]["stale_rate"]
    assert finding["policy"] == "carry" and finding["examples"][0]["date"] == "2017-03-31"
    assert run.stats()["total_financing"] == pytest.approx(float(eq["financing"].sum()))
