"""Run the canonical example from Python and query its tables.

    python examples/01_quickstart.py [WAREHOUSE]

Runs examples/top25_momentum.toml (top 25 S&P 500 stocks by 12-1 momentum, equal weight, daily),
prints the headline metrics, then answers two questions in SQL over the warehouse.
"""

import sys
from pathlib import Path

import ml4t_sql

HERE = Path(__file__).resolve().parent
warehouse = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "warehouse"

run = ml4t_sql.run(HERE / "top25_momentum.toml", warehouse=warehouse)
print(f"run {run.run_id}: {run.equity.height} dates, {run.trades.height} trades")
for key in ("total_return", "cagr", "sharpe", "max_drawdown", "annual_turnover"):
    print(f"  {key:>16} {run.stats()[key]: .4f}")

con = ml4t_sql.connect(warehouse)
yearly = con.sql(
    """
    select year(date) as year, product(1 + "return") - 1 as return, sum(costs) as costs
    from equity where run_id = $run_id group by year order by year
    """,
    params={"run_id": run.run_id},
).pl()
print(yearly)
most_held = con.sql(
    "select asset, count(*) as days from positions where run_id = $run_id group by asset order by days desc limit 5",
    params={"run_id": run.run_id},
).pl()
print(most_held)
