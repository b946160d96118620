"""cvxportfolio runner: `MarketSimulator` with `StocksHoldingCost`, the borrow fee and nothing else.

Runs in cvxportfolio's own environment (tests/parity/requirements/cvxportfolio.txt).

- in:  prices.parquet (date, asset, price): one price per asset and date, no gaps;
       weights.parquet (date, asset, weight): the post-trade weights of each trading date;
       case.json: {"initial_cash": ..., "short_fees": {asset: annual percent}}
- out: equity.parquet (date, nav): the portfolio value at each trading date, before its trades
       (cvxportfolio's `v`), meta.json.

cvxportfolio's conventions, as they are here: holdings are dollars; at time t the policy's weights
become trades at t's price (returns indexed by t are those from t to the next time); the holding
cost of period [t, t_next) is `(1 + fee / 100) ** ((t_next - t) / 365.24 days) - 1` on the
absolute value of the post-trade short positions, debited from cash before the period's returns;
cash earns the cash column's return, here 0.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd


def main(workdir: str) -> None:
    import cvxportfolio as cvx

    wd = Path(workdir)
    case = json.loads((wd / "case.json").read_text())
    prices = pd.read_parquet(wd / "prices.parquet").pivot(index="date", columns="asset", values="price")
    prices.index = pd.DatetimeIndex(pd.to_datetime(prices.index))
    weights = pd.read_parquet(wd / "weights.parquet").pivot(index="date", columns="asset", values="weight")
    weights.index = pd.DatetimeIndex(pd.to_datetime(weights.index))
    weights = weights.reindex(columns=prices.columns).fillna(0.0)
    weights["USDOLLAR"] = 1.0 - weights.sum(axis=1)
    returns = (prices.shift(-1) / prices - 1.0).iloc[:-1]  # indexed by t: from t to the next date
    returns["USDOLLAR"] = 0.0
    fees = pd.Series(case["short_fees"]).reindex(prices.columns)
    sim = cvx.MarketSimulator(
        returns=returns,
        costs=[cvx.StocksHoldingCost(short_fees=fees)],
        cash_key="USDOLLAR",
        min_history=pd.Timedelta("0d"),  # an asset trades from its first return on
    )
    start = time.perf_counter()
    result = sim.backtest(
        cvx.FixedWeights(weights),
        start_time=weights.index[0],
        end_time=prices.index[-1],
        initial_value=float(case["initial_cash"]),
    )
    seconds = time.perf_counter() - start
    v = result.v
    pd.DataFrame({"date": [d.date().isoformat() for d in v.index], "nav": v.to_numpy(float)}).to_parquet(
        wd / "equity.parquet", index=False
    )
    (wd / "meta.json").write_text(json.dumps({"peer": "cvxportfolio", "version": cvx.__version__, "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
