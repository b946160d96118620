"""The financing inputs' SQL on literal rows: sql/sources/rates.sql, borrow_fees.sql, rate_by_date.sql,
fee_by_date.sql, and the rules sql/checks/bad_rate.sql, bad_fee.sql, unknown_fee_asset.sql,
stale_rate.sql."""

import datetime as dt
import math

import polars as pl

D = [dt.date(2024, 1, d) for d in (5, 8, 9, 10, 11)]  # Fri, Mon, Tue, Wed, Thu
CAL = [{"date": d, "date_idx": i} for i, d in enumerate(D)]
ASSETS = [{"asset": "A", "asset_idx": 0}, {"asset": "B", "asset_idx": 1}, {"asset": "C", "asset_idx": 2}]


def _rates(rows):  # type: ignore[no-untyped-def]
    return pl.DataFrame(rows, schema={"date": pl.Date, "rate": pl.Float64}, orient="row")


def test_rates_typed_from_utc_timestamps(sql):
    stamps = "select timestamptz '2017-03-29 00:00:00+00' as t, '0.0076' as r"
    assert sql("sources/rates", {"input_rates": stamps}, date="t", rate="r", utc=True) == [
        {"date": dt.date(2017, 3, 29), "rate": 0.0076}
    ]


def test_bad_rates_null_nan_infinite_and_out_of_range(check):
    values = [0.05, None, math.nan, math.inf, -1.0, 1.0, 5.0, -0.99, 0.0]
    rows = _rates([(dt.date(2024, 1, 1) + dt.timedelta(days=i), v) for i, v in enumerate(values)])
    found = check("bad_rate", "rates", {"rates": rows})
    bad = [r["rate"] for r in found]
    assert len(bad) == 6 and bad.count(None) == 1 and sum(1 for v in bad if v is not None and math.isnan(v)) == 1
    assert sorted(v for v in bad if v is not None and not math.isnan(v)) == [-1.0, 1.0, 5.0, math.inf]


def test_bad_fees_negative_and_non_finite(check):
    rows = [{"asset": a, "fee": f} for a, f in zip("ABCDE", [0.0, 0.3, -0.01, None, math.inf], strict=True)]
    assert [r["asset"] for r in check("bad_fee", "borrow_fees", {"borrow_fees": rows})] == ["C", "D", "E"]


def test_unknown_fee_assets_are_counted_per_asset(check):
    fees = [{"date": D[0], "asset": "Z", "fee": 0.1}, {"date": D[1], "asset": "Z", "fee": 0.2},
            {"date": D[0], "asset": "A", "fee": 0.1}, {"date": D[0], "asset": None, "fee": 0.1}]  # fmt: skip
    prices = [{"date": D[0], "asset": "A"}]
    assert check("unknown_fee_asset", "borrow_fees", {"borrow_fees": fees, "prices": prices}) == [
        {"asset": "Z", "fee_rows": 2}
    ]


def test_stale_rate_lists_the_dates_whose_previous_close_is_after_the_last_row(check):
    # last row Mon: Tue's previous close is Mon (a row that day: not stale); Wed's is Tue (stale), Thu's Wed.
    tables = {"rates": _rates([(D[0], 0.01), (D[1], 0.02)]), "calendar": CAL}
    assert check("stale_rate", "rates", tables) == [
        {"date": D[3], "previous_date": D[2], "last_rate_date": D[1]},
        {"date": D[4], "previous_date": D[3], "last_rate_date": D[1]},
    ]
    tables["rates"] = _rates([(D[0], 0.01), (dt.date(2024, 1, 10), 0.02)])
    assert check("stale_rate", "rates", tables) == []  # a row on the last previous close


def test_rate_by_date_is_the_row_in_force_at_the_previous_close(sql):
    # rows: Sat 01-06 (0.03, applies from Mon's close on), Tue (0.0, a zero rate is a rate)
    tables = {"rates": _rates([(dt.date(2024, 1, 6), 0.03), (D[2], 0.0)]), "calendar": CAL}
    rows = {r["date_idx"]: r["rate"] for r in sql("sources/rate_by_date", tables)}
    assert rows == {0: None, 1: None, 2: 0.03, 3: 0.0, 4: 0.0}  # Mon's interest is on Fri's close


def test_fee_by_date_point_in_time_ties_and_a_single_asset(sql):
    # A: row on Mon (0.1) and Wed (0.2); B: one row, Thu (in force from Thu's close: after the window)
    fees = pl.DataFrame({"date": [D[1], D[3], D[4]], "asset": ["A", "A", "B"], "fee": [0.1, 0.2, 0.5]})
    tables = {"borrow_fees": fees, "calendar": CAL, "assets": ASSETS}
    rows = sql("sources/fee_by_date", tables, {"start": 0, "stop": 5}, dated=True)
    assert [(r["date_idx"], r["asset_idx"], r["fee"]) for r in rows] == [(2, 0, 0.1), (3, 0, 0.1), (4, 0, 0.2)]
    part = sql("sources/fee_by_date", tables, {"start": 3, "stop": 4}, dated=True)
    assert [(r["date_idx"], r["fee"]) for r in part] == [(3, 0.1)]


def test_fee_by_date_static_applies_on_every_date_and_skips_unknown_assets(sql):
    fees = [{"asset": "C", "fee": 0.04}, {"asset": "Z", "fee": 0.9}]
    tables = {"borrow_fees": fees, "calendar": CAL, "assets": ASSETS}
    rows = sql("sources/fee_by_date", tables, {"start": 1, "stop": 3}, dated=False)
    assert [(r["date_idx"], r["asset_idx"], r["fee"]) for r in rows] == [(1, 2, 0.04), (2, 2, 0.04)]
