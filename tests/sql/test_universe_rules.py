"""The rules of the universe inputs, literal rows in and out: sql/checks/span_order.sql,
overlapping_span.sql, unknown_member_asset.sql and missing_group.sql."""

import datetime as dt

import polars as pl

D = [dt.date(2020, 1, d) for d in range(1, 11)]
SPAN = {"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date}


def spans(*rows):
    return pl.DataFrame([dict(zip(SPAN, r, strict=True)) for r in rows], schema=SPAN)


def test_span_order_flags_spans_that_end_before_they_start(check):
    members = spans(("A", D[1], D[0]), ("B", D[1], D[1]), ("C", D[1], None), ("D", None, D[0]))
    rows = check("span_order", "members", {"members": members})
    assert [r["asset"] for r in rows] == ["A"]  # start = end is one date; an open end never ends


def test_overlapping_spans_share_a_date_inclusive_bounds_and_open_ends(check):
    members = spans(
        ("A", D[0], D[2]), ("A", D[2], D[4]),  # share D[2]: the bounds are inclusive
        ("B", D[0], D[1]), ("B", D[2], None),  # back to back: no overlap
        ("C", D[5], None), ("C", D[7], D[8]),  # inside an open span
        ("E", D[3], D[3]), ("E", D[3], D[3]),  # identical
        ("F", D[0], D[9]),  # one span
    )  # fmt: skip
    rows = check("overlapping_span", "members", {"members": members})
    assert [(r["asset"], r["start_date"], r["other_start"]) for r in rows] == [
        ("A", D[0], D[2]), ("C", D[5], D[7]), ("E", D[3], D[3]),
    ]  # fmt: skip


def test_unknown_member_assets_have_no_price_bar(check):
    members = [{"date": D[0], "asset": a} for a in ("A", "Z", "Z")]
    prices = [{"date": D[1], "asset": "A"}]  # any bar, on any date, makes the asset known
    rows = check("unknown_member_asset", "members", {"members": members, "prices": prices})
    assert rows == [{"asset": "Z", "member_rows": 2}]


def test_missing_group_counts_each_date_and_asset_once(check):
    ungrouped = [
        {"universe_id": u, "date": D[0], "asset": "A", "signal": 1.0, "grp": None, "vol": None} for u in (0, 1)
    ]
    ungrouped += [{"universe_id": 0, "date": D[1], "asset": "B", "signal": None, "grp": None, "vol": None}]
    rows = check("missing_group", "ungrouped", {"ungrouped": ungrouped})
    assert rows == [{"date": D[0], "asset": "A", "universes": 2}, {"date": D[1], "asset": "B", "universes": 1}]
