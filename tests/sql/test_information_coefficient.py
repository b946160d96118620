"""sql/research/information_coefficient.sql: Pearson and Spearman (average ranks) per date and horizon;
NULL forward returns left out; NULL below 2 pairs or with a constant side."""

import datetime as dt

import pytest

D1, D2, D3 = dt.date(2020, 1, 2), dt.date(2020, 1, 3), dt.date(2020, 1, 6)


def _pearson(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx, syy = sum((a - mx) ** 2 for a in x), sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5


def test_ic_and_rank_ic_with_ties_nulls_and_small_groups(sql):
    factor = [
        {"date": D1, "asset": "A", "signal": 1.0, "quantile": 1},
        {"date": D1, "asset": "B", "signal": 2.0, "quantile": 1},
        {"date": D1, "asset": "C", "signal": 2.0, "quantile": 2},  # tie with B: average rank 2.5
        {"date": D1, "asset": "D", "signal": 5.0, "quantile": 2},
        {"date": D1, "asset": "E", "signal": 7.0, "quantile": 2},  # NULL forward return: left out
        {"date": D2, "asset": "A", "signal": 1.0, "quantile": 1},  # one pair only
        {"date": D3, "asset": "A", "signal": 1.0, "quantile": 1},  # constant returns
        {"date": D3, "asset": "B", "signal": 2.0, "quantile": 2},
    ]
    fwd = [
        {"date": D1, "asset": "A", "horizon": 1, "fwd_return": 0.01},
        {"date": D1, "asset": "B", "horizon": 1, "fwd_return": 0.03},
        {"date": D1, "asset": "C", "horizon": 1, "fwd_return": 0.02},
        {"date": D1, "asset": "D", "horizon": 1, "fwd_return": -0.01},
        {"date": D1, "asset": "E", "horizon": 1, "fwd_return": None},
        {"date": D2, "asset": "A", "horizon": 1, "fwd_return": 0.05},
        {"date": D3, "asset": "A", "horizon": 1, "fwd_return": 0.02},
        {"date": D3, "asset": "B", "horizon": 1, "fwd_return": 0.02},
    ]
    rows = sql("research/information_coefficient", {"factor": factor, "forward_returns": fwd})
    got = {r["date"]: r for r in rows}
    assert got[D1]["n_pairs"] == 4
    assert got[D1]["ic"] == pytest.approx(_pearson([1, 2, 2, 5], [0.01, 0.03, 0.02, -0.01]), abs=1e-12)
    assert got[D1]["rank_ic"] == pytest.approx(_pearson([1, 2.5, 2.5, 4], [2, 4, 3, 1]), abs=1e-12)
    assert (got[D2]["n_pairs"], got[D2]["ic"], got[D2]["rank_ic"]) == (1, None, None)
    assert (got[D3]["n_pairs"], got[D3]["ic"], got[D3]["rank_ic"]) == (2, None, None)
    assert len(rows) == 3
