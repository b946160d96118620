"""bt runner: a bt Strategy over an interleaved open/close timeline.

bt values, sizes and fills at one price per row. To give it an open and a close per date, every
date becomes two rows: 09:30 with each asset's open (its last close where it has no bar to trade
at) and 16:00 with the last close. The strategy acts on the 09:30 rows only:

- delistings first: a holding on its SEMANTICS step-1 date is closed (its 09:30 price is then its
  last close), without commission;
- then the decision of the previous date: `base = strategy value` at this open (ml4t-sql's
  `nav_open`), and `rebalance(weight, asset, base)` for every targeted or held asset that can
  trade at this open (0 closes a holding); an asset that cannot trade is left alone (ml4t-sql
  cancels its order). This is bt's own `Rebalance` algo without its closing of untradable assets.

So bt sizes with the NAV and price of the open it fills at: ml4t-sql's `sizing = "fill_price"`.
bt never checks cash. `integer_positions` floors each new target (q = floor(order) for a long
position), which is ml4t-sql's default rounding of the target.
Commission is bt's `commissions(q, p)`; bt takes it out of the allocation (a buy's shares plus
commission cost the allocated amount; a sell raises the amount net of commission), where ml4t-sql
adds it on top: a known difference, measured by the suite.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from common import Timer, load, write_results

FREE = [False]  # set while a delisting trades: no commission on it


def main(workdir: str) -> None:
    import bt

    case = load(workdir)
    sc = case.scenario
    if sc["slippage_bps"]:
        raise SystemExit("bt has no slippage model")
    rate = sc["commission_bps"] / 1e4
    T = case.n_dates
    days = pd.to_datetime(case.dates)
    opens = days + pd.Timedelta(hours=9, minutes=30)
    closes = days + pd.Timedelta(hours=16)
    prev_close = np.vstack([np.full((1, case.n_assets), np.nan), case.last_close[:-1]])
    tradable = ~np.isnan(case.open)
    open_px = np.where(tradable, case.open, prev_close)
    index = pd.DatetimeIndex(np.ravel(np.column_stack([opens, closes])))
    prices = np.empty((2 * T, case.n_assets))
    prices[0::2], prices[1::2] = open_px, case.last_close
    data = pd.DataFrame(prices, index=index, columns=case.assets)
    open_row = {ts: t for t, ts in enumerate(opens)}
    delist_on: dict[int, list[int]] = {}
    for t, j in case.delist:
        delist_on.setdefault(t, []).append(j)

    class AtTheOpen(bt.Algo):
        """Delistings, then the previous date's targets, at each 09:30 row."""

        def __call__(self, target):  # noqa: ANN001
            t = open_row.get(target.now)
            if t is None:
                return True
            names = case.assets
            for j in delist_on.get(t, []):
                child = target.children.get(names[j])
                if child is not None and child.position != 0:
                    FREE[0] = True
                    target.close(names[j], update=False)
                    FREE[0] = False
            target.root.update(target.now)
            weights = case.decisions.get(t - 1)
            if weights is None:
                return True
            base = target.value
            children = target.children
            held = {j for j, name in enumerate(names) if name in children and children[name].position != 0}
            for j in sorted(held | set(weights)):
                if tradable[t, j]:
                    target.rebalance(weights.get(j, 0.0), names[j], base=base, update=False)
            target.root.update(target.now)
            return True

    def commission(q: float, p: float) -> float:
        return 0.0 if FREE[0] else abs(q) * p * rate

    strategy = bt.Strategy("parity", [AtTheOpen()])
    test = bt.Backtest(
        strategy,
        data,
        initial_capital=sc["initial_cash"],
        commissions=commission,
        integer_positions=not sc["fractional"],
        progress_bar=False,
    )
    with Timer() as timer:
        bt.run(test)
    s = test.strategy
    nav = s.values.loc[closes].to_numpy()
    cash = s.cash.loc[closes].to_numpy()
    positions = s.positions.reindex(index=index, columns=case.assets).fillna(0.0).to_numpy()
    before = np.vstack([np.zeros((1, case.n_assets)), positions[:-1]])
    trades = []
    for r, j in zip(*np.nonzero(positions != before), strict=True):
        trades.append((r // 2, int(j), positions[r, j] - before[r, j], prices[r, j]))
    meta = {"peer": "bt", "version": bt.__version__, "seconds": timer.seconds}
    write_results(workdir, case, nav, cash, trades, meta)


if __name__ == "__main__":
    main(sys.argv[1])
