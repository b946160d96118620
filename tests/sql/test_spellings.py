"""sql/sources/spellings.sql: each asset name of a relation as written, with its rows and first date."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_one_row_per_name_as_written_nulls_together(sql):
    rows = [{"date": d, "asset": a} for d, a in [(D2, "A"), (D1, "A"), (D2, "a"), (D1, None), (D2, None), (D2, " A")]]
    out = sql("sources/spellings", {"typed_prices": rows}, relation="typed_prices", counts={})
    assert out == [
        {"asset": " A", "n_rows": 1, "first_date": D2},
        {"asset": "A", "n_rows": 2, "first_date": D1},
        {"asset": "a", "n_rows": 1, "first_date": D2},
        {"asset": None, "n_rows": 2, "first_date": D1},
    ]
