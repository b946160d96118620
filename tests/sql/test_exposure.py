"""sql/reports/exposure.sql: holdings counted per close (0 in cash), exposures and cash weight."""

import datetime as dt

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def test_holdings_and_cash_weight(sql):
    equity = [
        {"run_id": "r", "date": D1, "cash": 100.0, "nav": 100.0, "gross_exposure": 0.0, "net_exposure": 0.0,
         "long_exposure": 0.0, "short_exposure": 0.0},
        {"run_id": "r", "date": D2, "cash": 25.0, "nav": 100.0, "gross_exposure": 1.25, "net_exposure": 0.75,
         "long_exposure": 1.0, "short_exposure": 0.25},
    ]
    positions = [{"run_id": "r", "date": D2, "asset": a} for a in ("A", "B", "C")]
    out = sql("reports/exposure", {"equity": equity, "positions": positions})
    assert [(r["date"], r["holdings"], r["cash_weight"], r["gross_exposure"]) for r in out] == [
        (D1, 0, 1.0, 0.0), (D2, 3, 0.25, 1.25),
    ]  # fmt: skip
    assert [(r["long_exposure"], r["short_exposure"]) for r in out] == [(0.0, 0.0), (1.0, 0.25)]
