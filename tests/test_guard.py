"""ml4t_sql.results.guard: no NaN, infinity or NULL number leaves a run; documented NaN metrics may."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

import ml4t_sql
from ml4t_sql import pipeline
from ml4t_sql.errors import InputError
from ml4t_sql.results.guard import check_numbers
from ml4t_sql.results.metrics import NAN_METRICS

from .factories import make_prices

NAN, INF = math.nan, math.inf


def equity(nav: list[float | None]) -> pa.Table:
    n = len(nav)
    return pa.table(
        {
            "run_id": ["r"] * n,
            "date": pa.array([f"2021-01-{d + 4:02d}" for d in range(n)]).cast(pa.date32()),
            "nav": pa.array(nav, pa.float64()),
            "cash": [1.0] * n,
        }
    )


@pytest.mark.parametrize("bad", [NAN, INF, -INF, None], ids=["nan", "inf", "-inf", "null"])
def test_a_non_finite_number_is_refused_with_table_column_and_rows(bad: float | None):
    with pytest.raises(InputError) as err:
        check_numbers({"equity": equity([100.0, 101.0, bad, 99.0])})
    message = str(err.value)
    assert message.startswith("output table equity: column `nav` holds NaN, infinite or NULL values (1 row)")
    assert "2021-01-06" in message and "nothing was written" in message
    assert "run_id" not in message  # the rows show what locates them, not the run's id


def test_only_the_first_five_rows_are_shown_with_the_count():
    with pytest.raises(InputError) as err:
        check_numbers({"equity": equity([NAN] * 8)})
    lines = str(err.value).splitlines()
    assert "(8 rows)" in lines[0] and len([line for line in lines if line.startswith("  2021-")]) == 5


def test_finite_tables_and_non_float_columns_pass():
    check_numbers({"equity": equity([100.0, 1e300, -5.0]), "runs": pa.table({"name": [None], "n": [1]})})


def metrics(values: dict[str, float]) -> pa.Table:
    return pa.table({"run_id": ["r"] * len(values), "metric": list(values), "value": list(values.values())})


@pytest.mark.parametrize("key", sorted(NAN_METRICS))
def test_a_documented_nan_metric_passes(key: str):
    check_numbers({"metrics": metrics({"total_return": 0.1, key: NAN})})


@pytest.mark.parametrize(
    ("values", "key"),
    [({"total_return": NAN}, "total_return"), ({"sortino": INF}, "sortino"), ({"final_nav": -INF}, "final_nav")],
    ids=["undocumented-nan", "infinite-documented-key", "infinite"],
)
def test_other_non_finite_metrics_are_refused(values: dict[str, float], key: str):
    with pytest.raises(InputError) as err:
        check_numbers({"metrics": metrics({"cagr": 0.1, **values})})
    assert "output table metrics: column `value`" in str(err.value) and key in str(err.value)


def test_every_documented_nan_metric_is_in_the_metrics_page():
    page = (Path(__file__).resolve().parents[1] / "docs" / "METRICS.md").read_text()
    section = page.split("## When a metric is NaN")[1].split("\n## ")[0]
    for key in NAN_METRICS:
        assert f"`{key}`" in section, key


def test_a_run_whose_numbers_break_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An overflow inside the fold (simulated: one NAV made infinite) stops the run before publishing."""
    original = pipeline.run_fold

    def overflowing(*args: Any, **kwargs: Any) -> Any:
        ledger = original(*args, **kwargs)
        ledger.equity.nav[3] = np.inf
        return ledger

    monkeypatch.setattr(pipeline, "run_fold", overflowing)
    prices = make_prices(n_assets=4, n_days=10, seed=3, ragged=False)
    config = {"data": {"prices": prices.with_columns(score=prices["close"])}, "strategy": {"signal": "score"}}
    with pytest.raises(InputError, match=r"output table equity: column `nav`.*\(1 row\)"):
        ml4t_sql.run(config, warehouse=tmp_path)
    assert not (tmp_path / "runs").exists() and not list((tmp_path / ".staging").glob("*"))


def test_a_chunked_run_checks_each_chunk_before_writing_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    original = pipeline.run_fold

    def broken_price(*args: Any, **kwargs: Any) -> Any:
        ledger = original(*args, **kwargs)
        if ledger.trades.price.size:
            ledger.trades.price[0] = np.nan
        return ledger

    monkeypatch.setattr(pipeline, "run_fold", broken_price)
    prices = make_prices(n_assets=4, n_days=30, seed=3, ragged=False)
    config = {
        "data": {"prices": prices.with_columns(score=prices["close"])},
        "strategy": {"signal": "score"},
        "execution": {"memory_budget_mb": 0.001},  # one date a chunk
    }
    with pytest.raises(InputError, match=r"output table trades: column `price`"):
        ml4t_sql.run(config, warehouse=tmp_path)
    assert not (tmp_path / "runs").exists() and not list((tmp_path / ".staging").glob("*"))
