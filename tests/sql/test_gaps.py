"""sql/checks/gaps.sql: interior gaps, dates of the calendar between an asset's first and last bar."""

import datetime as dt

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7, 8, 9)]


def bars(asset, *days):
    return [{"date": DAYS[i], "asset": asset} for i in days]


def test_each_gap_its_first_missing_date_and_length(check):
    prices = [*bars("A", 0, 1, 2, 3, 4, 5), *bars("B", 0, 3, 5), *bars("C", 2, 3), *bars("D", 1, 3)]
    assert check("gaps", "prices", {"prices": prices}) == [
        {"asset": "B", "first_missing": DAYS[1], "missing_dates": 2},
        {"asset": "B", "first_missing": DAYS[4], "missing_dates": 1},
        {"asset": "D", "first_missing": DAYS[2], "missing_dates": 1},
    ]  # C starts late: no gap before an asset's first bar; A has none
