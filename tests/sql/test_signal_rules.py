"""sql/checks/unknown_signal_asset.sql and off_calendar_signal.sql: signal rows that are never used."""

import datetime as dt

D1, D2, SAT = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 4)
PRICES = [{"date": D1, "asset": "A"}, {"date": D2, "asset": "B"}]


def test_assets_without_any_price(check):
    spellings = [{"asset": "A", "n_rows": 3, "first_date": D1}, {"asset": "Z", "n_rows": 2, "first_date": D2},
                 {"asset": "a", "n_rows": 1, "first_date": D1}]  # fmt: skip
    rows = check("unknown_signal_asset", "signals", {"signal_spellings": spellings, "prices": PRICES})
    assert rows == [
        {"asset": "Z", "signal_rows": 2, "first_date": D2},
        {"asset": "a", "signal_rows": 1, "first_date": D1},  # names are matched exactly (see asset_variants)
    ]


def test_dates_without_any_bar(check):
    signals = [{"date": D1, "asset": "B"}, {"date": SAT, "asset": "A"}, {"date": SAT, "asset": "B"}]
    rows = check("off_calendar_signal", "signals", {"signals": signals, "prices": PRICES})
    assert rows == [{"date": SAT, "signal_rows": 2}]  # D1 has a bar (of A): B's signal there is fine
