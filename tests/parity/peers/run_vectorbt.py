"""vectorbt (open-source) runner: `Portfolio.from_orders` with target percents, one cash-sharing group.

Conventions, set to equal ml4t-sql's:

- The decision of date t becomes the orders of bar t+1: `size_type = TargetPercent`, `size` =
  target weight (0 for held assets without a target), `price` = the open of t+1 (NaN where the
  asset has no bar then, so vectorbt ignores the order: ml4t-sql's `cancelled`).
- `val_price = -inf`: assets are valued, and targets sized, at the previous close (the decision
  close); `close` is the last close carried forward, so the group value is ml4t-sql's NAV.
- `cash_sharing=True`, one group, `call_seq="auto"`: sells first, then buys in ascending order of
  their value (weight x NAV - current value), ties in column (asset) order. A buy that needs more
  cash than is left is filled partially, the rest get nothing: ml4t-sql's
  `cash_shortfall = "sequential"`.
- Whole shares: `size_granularity = 1`, which floors each order, not the target: ml4t-sql's
  `rounding = "order"`.
- Long-short books (`bottom_n` > 0): `direction = "both"`, so a negative target percent sells
  short; a short sale credits its proceeds to cash and a buy may spend them (`lock_cash = False`),
  as in ml4t-sql. vectorbt never lets cash go below 0 (no margin), so the scenarios keep the net
  exposure at or below 1: ml4t-sql's floor `(1 - max_leverage) x NAV` is then never reached either.
- `fees` = commission rate, `slippage` = slippage rate; delistings are orders to a target amount
  of 0 at the last close, without fees or slippage, on the date SEMANTICS step 1 gives.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from common import Timer, load, write_results


def main(workdir: str) -> None:
    import vectorbt as vbt
    from vectorbt.portfolio.enums import SizeType

    case = load(workdir)
    sc = case.scenario
    T, N = case.n_dates, case.n_assets
    size = np.full((T, N), np.nan)
    size_type = np.full((T, N), int(SizeType.TargetPercent), dtype=np.int64)
    price = np.full((T, N), np.nan)
    fees = np.full((T, N), sc["commission_bps"] / 1e4)
    slippage = np.full((T, N), sc["slippage_bps"] / 1e4)
    for t, weights in case.decisions.items():
        size[t + 1, :] = 0.0  # every asset takes part (0 = close a holding; no-op otherwise)
        for j, w in weights.items():
            size[t + 1, j] = w
        price[t + 1, :] = case.open[t + 1, :]
    for t, j in case.delist:
        size[t, j], size_type[t, j] = 0.0, int(SizeType.TargetAmount)
        price[t, j], fees[t, j], slippage[t, j] = case.last_close[t, j], 0.0, 0.0
    # before its first bar an asset is never held; any finite value keeps the call sequence sortable
    close = pd.DataFrame(case.last_close, columns=case.assets).bfill().to_numpy()
    index = pd.DatetimeIndex(pd.to_datetime(case.dates))

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a, index=index, columns=case.assets)

    with Timer() as timer:
        pf = vbt.Portfolio.from_orders(
            close=frame(close),
            size=frame(size),
            size_type=frame(size_type),
            price=frame(price),
            val_price=-np.inf,
            fees=frame(fees),
            slippage=frame(slippage),
            size_granularity=np.nan if sc["fractional"] else 1.0,
            direction="both" if sc.get("bottom_n", 0) else "longonly",
            init_cash=sc["initial_cash"],
            cash_sharing=True,
            group_by=True,
            call_seq="auto",
            freq="1D",
        )
        nav = pf.value().to_numpy()
        cash = pf.cash().to_numpy()
        rec = pf.orders.values
    sides = np.where(rec["side"] == 0, 1.0, -1.0)
    trades = [
        (int(i), int(c), s * float(q), float(p))
        for i, c, q, p, s in zip(rec["idx"], rec["col"], rec["size"], rec["price"], sides, strict=True)
    ]
    meta = {"peer": "vectorbt", "version": vbt.__version__, "seconds": timer.seconds}
    write_results(workdir, case, nav, cash, trades, meta)


if __name__ == "__main__":
    main(sys.argv[1])
