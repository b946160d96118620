"""sql/checks/date_range.sql: dates outside 0001-01-01 .. 9999-12-31, and infinite dates."""

ROWS = """
select * from (values
    (1, date '0001-01-01'), (2, date '9999-12-31'), (3, date '2020-02-29'),
    (4, 'infinity'::date), (5, '-infinity'::date), (6, date '10000-01-01'), (7, date '0000-12-31'),
    (8, null::date), (9, date '9999-12-31'), (10, date '-0044-03-15')
) as t(id, date)
"""


def test_only_dates_no_reader_holds_are_offending(check):
    rows = check("date_range", "typed_prices", {"typed_prices": ROWS})
    assert sorted(r["id"] for r in rows) == [4, 5, 6, 7, 10]  # the bounds themselves, a leap day, NULL are fine
