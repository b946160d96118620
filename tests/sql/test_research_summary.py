"""sql/research/research_summary.sql: mean, std (ddof 1), IR, t-stat and hit rate of the IC per horizon,
NULL ICs left out; the spread's mean; a horizon without dates still has its row."""

import datetime as dt
import math

import pytest

DAYS = [dt.date(2020, 1, d) for d in (2, 3, 6, 7)]


def test_summary_statistics_per_horizon(sql):
    ics = [0.1, -0.05, 0.2, None]
    ic = [{"date": d, "horizon": 1, "n_pairs": 3, "ic": v, "rank_ic": v} for d, v in zip(DAYS, ics, strict=True)]
    ic.append({"date": DAYS[0], "horizon": 5, "n_pairs": 3, "ic": 0.3, "rank_ic": 0.3})  # one date
    spread = [{"date": d, "horizon": 1, "top_return": 0.0, "bottom_return": 0.0, "spread": s}
              for d, s in zip(DAYS, [0.01, 0.03, -0.01, 0.01], strict=True)]  # fmt: skip
    rows = sql("research/research_summary", {"information_coefficient": ic, "quantile_spread": spread},
               {"horizons": [1, 5, 21]})  # fmt: skip
    got = {r["horizon"]: r for r in rows}
    values = [0.1, -0.05, 0.2]
    mean = sum(values) / 3
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    one = got[1]
    assert one["n_dates"] == 3 and one["mean_ic"] == pytest.approx(mean) and one["ic_std"] == pytest.approx(std)
    assert one["ic_ir"] == pytest.approx(mean / std) and one["ic_t_stat"] == pytest.approx(mean / std * math.sqrt(3))
    assert one["ic_hit_rate"] == pytest.approx(2 / 3) and one["rank_ic_hit_rate"] == pytest.approx(2 / 3)
    assert one["n_spread_dates"] == 4 and one["mean_spread"] == pytest.approx(0.01)
    five = got[5]
    assert (five["n_dates"], five["mean_ic"], five["ic_std"], five["ic_ir"], five["ic_t_stat"]) == (
        1,
        0.3,
        None,
        None,
        None,
    )
    assert five["n_spread_dates"] == 0 and five["mean_spread"] is None
    assert got[21]["n_dates"] == 0 and got[21]["mean_rank_ic"] is None
