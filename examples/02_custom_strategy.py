"""Your own strategy is SQL that returns (date, asset, weight).

    python examples/02_custom_strategy.py

Low volatility: on the first trading day of each month, hold the 25 S&P 500 stocks with the lowest
63-day volatility of daily returns, weighted by inverse volatility. Everything the query reads is
dated <= t: the decision is at the close of t and fills at the next open.
"""

from pathlib import Path

import ml4t_sql

HERE = Path(__file__).resolve().parent

LOW_VOLATILITY = """
with returns as (
    select date, asset, close / lag(close) over (partition by asset order by date) - 1 as r
    from prices
),
volatility as (
    select date, asset,
           stddev_samp(r) over (partition by asset order by date rows between 62 preceding and current row) as vol,
           count(r) over (partition by asset order by date rows between 62 preceding and current row) as n
    from returns
),
picked as (
    select v.date, v.asset, v.vol,
           row_number() over (partition by v.date order by v.vol asc, v.asset asc) as rank
    from volatility as v
    inner join rebalance_dates using (date)   -- the monthly schedule, from [strategy] rebalance
    where v.n = 63 and v.vol > 0
)
select date, asset, (1 / vol) / sum(1 / vol order by asset) over (partition by date) as weight
from picked   -- summed in asset order: the same bits on every run, however many threads add them up
where rank <= $top_n
"""

run = ml4t_sql.run(
    {
        "data": {
            "prices": str(HERE.parent / "warehouse" / "sample" / "sp500_5yr.parquet"),
            "quality": {"missing_open": "no_fill", "inconsistent_ohlc": "drop"},
        },
        "strategy": {"sql": LOW_VOLATILITY, "top_n": 25, "rebalance": "monthly"},
        "execution": {"commission_bps": 1.0, "slippage_bps": 2.0, "start": "2013-05-13", "delist_after": 15},
    },
    write=False,
)
stats = run.stats()
print(
    f"low volatility, monthly: total return {stats['total_return']:.1%}, Sharpe {stats['sharpe']:.2f}, "
    f"max drawdown {stats['max_drawdown']:.1%}, {run.trades.height} trades"
)
print(run.targets.filter(run.targets["date"] == run.targets["date"].max()).sort("weight", descending=True).head(5))
