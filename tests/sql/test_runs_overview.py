"""sql/reports/runs_overview.sql: one line per run with a strategy summary from its config and headline metrics."""

import datetime as dt
import json


def run_row(run_id, strategy):
    created = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return {"run_id": run_id, "created_at": created, "name": None, "config": json.dumps({"strategy": strategy}),
            "start_date": dt.date(2019, 1, 2), "end_date": dt.date(2019, 12, 31)}  # fmt: skip


def builtin(**kw):
    return {"sql": None, "top_n": 25, "signal": "signal", "weighting": "equal", "rebalance": None, **kw}


def test_summaries_and_headline_metrics(sql):
    runs = [
        run_row("a", builtin(signal="momentum")),
        run_row("b", builtin(sql="select 1", rebalance="monthly")),
        run_row("c", builtin(sql="select 1")),
    ]
    metrics = [
        {"run_id": "a", "metric": "sharpe", "value": 1.5},
        {"run_id": "a", "metric": "total_return", "value": 0.2},
        {"run_id": "b", "metric": "sharpe", "value": -0.5},
    ]
    out = {r["run_id"]: r for r in sql("reports/runs_overview", {"runs": runs, "metrics": metrics})}
    assert out["a"]["strategy"] == "top 25 by momentum, equal, daily"
    assert out["b"]["strategy"] == "custom SQL, monthly"
    assert out["c"]["strategy"] == "custom SQL, own dates"
    assert (out["a"]["sharpe"], out["a"]["total_return"], out["b"]["sharpe"]) == (1.5, 0.2, -0.5)
    assert out["c"]["sharpe"] is None and out["b"]["excess_return"] is None
