"""sql/reports/cost_split.sql: costs by kind, in money and bps of traded notional; impact and dividends
only when the run's tables have them."""

import datetime as dt

import pytest

D1, D2 = dt.date(2020, 1, 2), dt.date(2020, 1, 3)


def _trades(impact=False):
    rows = [
        {"run_id": "r", "date": D1, "notional": 1000.0, "commission": 1.0, "slippage_cost": 2.0},
        {"run_id": "r", "date": D2, "notional": 3000.0, "commission": 3.0, "slippage_cost": 4.0},
    ]
    if impact:
        rows[0]["impact_cost"], rows[1]["impact_cost"] = 0.5, 1.5
    return rows


def _equity(dividends=False):
    rows = [{"run_id": r, "date": d, "financing": f} for r, d, f in (("r", D1, 0.25), ("r", D2, -1.25), ("s", D1, 0.0))]
    if dividends:
        for row, div in zip(rows, (2.0, -0.5, 0.0), strict=True):
            row["dividends"] = div
    return rows


def test_commission_slippage_and_financing(sql):
    out = sql("reports/cost_split", {"trades": _trades(), "equity": _equity()}, dividends=False, impact=None)
    got = {(r["run_id"], r["kind"]): (r["paid"], r["bps_of_notional"]) for r in out}
    assert got == {
        ("r", "commission"): (4.0, pytest.approx(10.0)),
        ("r", "slippage"): (6.0, pytest.approx(15.0)),
        ("r", "financing"): (pytest.approx(1.0), None),  # -(0.25 - 1.25): paid 1
        ("s", "commission"): (0.0, None),  # a run without trades pays nothing, and has no bps
        ("s", "slippage"): (0.0, None),
        ("s", "financing"): (0.0, None),
    }
    assert all(r["paid"] == 0.0 and str(r["paid"]) == "0.0" for r in out if r["run_id"] == "s")  # never -0.0


def test_impact_and_dividends_when_present(sql):
    tables = {"trades": _trades(impact=True), "equity": _equity(dividends=True)}
    out = sql("reports/cost_split", tables, dividends=True, impact="impact_cost")
    got = {r["kind"]: (r["paid"], r["bps_of_notional"]) for r in out if r["run_id"] == "r"}
    assert got["impact"] == (2.0, pytest.approx(5.0))
    assert got["dividends"] == (pytest.approx(-1.5), None)  # received 2, paid 0.5 by a short
    assert set(got) == {"commission", "slippage", "impact", "financing", "dividends"}
