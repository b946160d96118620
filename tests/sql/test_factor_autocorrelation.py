"""sql/research/factor_autocorrelation.sql: ranks over each date's whole cross-section (average ranks
for ties), correlated over the assets present on both consecutive window dates."""

import datetime as dt

import pytest

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]
CALENDAR = [{"date": d, "date_idx": i} for i, d in enumerate(DAYS)]


def _pearson(x: list[float], y: list[float]) -> float:
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    return sxy / (sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y)) ** 0.5


def test_rank_autocorrelation_with_ties_new_assets_and_a_gap(sql):
    signals = {
        DAYS[0]: {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0},
        DAYS[1]: {"A": 2.0, "B": 1.0, "C": 3.0, "E": 3.0},  # D gone, E new; C and E tie (rank 3.5)
        DAYS[3]: {"A": 1.0, "B": 2.0},  # day 2 has no signal: no pairs on day 3
    }
    factor = [{"date": d, "asset": a, "signal": s, "quantile": 1} for d, row in signals.items() for a, s in row.items()]
    rows = sql("research/factor_autocorrelation", {"factor": factor, "calendar": CALENDAR})
    assert len(rows) == 1 and rows[0]["date"] == DAYS[1] and rows[0]["n_pairs"] == 3
    # ranks on day 0: A1 B2 C3 (D4); on day 1: A2 B1 C3.5 (E3.5)
    assert rows[0]["autocorrelation"] == pytest.approx(_pearson([1, 2, 3], [2, 1, 3.5]), abs=1e-12)


def test_a_single_pair_or_constant_ranks_give_null(sql):
    factor = [
        {"date": DAYS[0], "asset": "A", "signal": 1.0, "quantile": 1},
        {"date": DAYS[1], "asset": "A", "signal": 2.0, "quantile": 1},
    ]
    rows = sql("research/factor_autocorrelation", {"factor": factor, "calendar": CALENDAR})
    assert [(r["n_pairs"], r["autocorrelation"]) for r in rows] == [(1, None)]
