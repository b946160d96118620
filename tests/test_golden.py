"""The bundled example end to end: its headline metrics pinned, its tables' exact columns and grain.

The README quotes these figures; this test is where they come from. A change that moves any of
them is a change of results: say why in the commit and update the pins and the README together.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import ml4t_sql
from ml4t_sql.schema import TABLES, VARIANTS

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "top25_momentum.toml"

PINNED = {
    "total_return": 0.8133187633351895,
    "cagr": 0.1606003794381159,
    "volatility": 0.17903010537777558,
    "sharpe": 0.921975972197589,
    "sortino": 1.2634052281870034,
    "max_drawdown": -0.21110686438225723,
    "max_drawdown_duration": 223.0,
    "annual_turnover": 38.21111190875659,
    "total_costs": 61803.62888447898,
    "total_commission": 20601.22207514538,
    "total_slippage": 41202.40680933359,
    "total_financing": 0.0,
    "n_trades": 26920.0,
    "final_nav": 1813318.7633351895,
    "benchmark_total_return": 0.6112154288445946,
    "benchmark_sharpe": 1.042474506964057,
    "benchmark_max_drawdown": -0.13022943346011906,
    "alpha": 0.012310234839760126,
    "beta": 1.2052429405218705,
    "information_ratio": 0.3617910334108736,
}
ROWS = {"runs": 1, "targets": 25175, "orders": 26950, "trades": 26920, "positions": 25150, "equity": 1007}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> ml4t_sql.Run:
    return ml4t_sql.run(EXAMPLE, warehouse=tmp_path_factory.mktemp("golden"))


def test_headline_metrics_are_pinned(example: ml4t_sql.Run):
    stats = example.stats()
    assert {k: stats[k] for k in PINNED} == pytest.approx(PINNED, rel=1e-12, abs=1e-12)
    assert {name: example.tables[name].height for name in ROWS} == ROWS
    assert stats["total_commission"] + stats["total_slippage"] == pytest.approx(stats["total_costs"], rel=1e-12)
    assert example.equity["financing"].abs().max() == 0.0  # no rates: the step does nothing


def test_the_readme_quotes_these_figures(example: ml4t_sql.Run):
    s = example.stats()
    text = " ".join((REPO / "README.md").read_text().split())
    quoted = (
        f"returns {s['total_return']:.1%} (CAGR {s['cagr']:.1%}, Sharpe {s['sharpe']:.2f}, max drawdown "
        f"{s['max_drawdown']:.1%} lasting {s['max_drawdown_duration']:.0f} trading days) against SPY's "
        f"{s['benchmark_total_return']:.1%} (Sharpe {s['benchmark_sharpe']:.2f}, max drawdown "
        f"{s['benchmark_max_drawdown']:.1%}): beta {s['beta']:.2f}, alpha {s['alpha']:.1%} a year, "
        f"information ratio {s['information_ratio']:.2f}"
    )
    assert quoted in text


def test_every_table_has_exactly_its_contract_columns(example: ml4t_sql.Run):
    assert example.path is not None
    written = sorted(p.stem for p in example.path.glob("*.parquet"))
    assert written == sorted(TABLES)
    for name, contract in TABLES.items():
        schema = pq.read_schema(example.path / f"{name}.parquet")
        assert schema.names == contract.names, name
        assert [f.type for f in schema] == [t for _, t, _ in contract.columns], name


def test_every_table_is_unique_on_its_grain(example: ml4t_sql.Run, tmp_path: Path):
    assert example.path is not None
    _assert_unique_keys(example.path, sweep=False)
    result = ml4t_sql.sweep(EXAMPLE, grid={"top_n": [5, 10], "rebalance": ["daily", "monthly"]}, warehouse=tmp_path)
    assert result.path is not None
    _assert_unique_keys(result.path, sweep=True)


def _assert_unique_keys(folder: Path, *, sweep: bool) -> None:
    con = duckdb.connect()
    try:
        for contract in [*TABLES.values(), *([VARIANTS] if sweep else [])]:
            source = f"read_parquet('{folder / contract.name}.parquet')"
            columns = con.sql(f"select * from {source} limit 0").columns
            key = list(contract.key)
            if sweep and "variant" in columns and "variant" not in key:
                key.insert(1, "variant")
            names = ", ".join(f'"{k}"' for k in key)
            dupes = con.sql(f"select {names}, count(*) from {source} group by all having count(*) > 1").fetchall()
            assert not dupes, f"{contract.name}: {len(dupes)} keys ({names}) appear twice, e.g. {dupes[:3]}"
    finally:
        con.close()
