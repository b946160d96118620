"""backtrader runner: one feed per asset, cheat-on-open, a strategy that states targets.

Conventions, set to equal ml4t-sql's defaults:

- Feeds are dense over the calendar: on a date without a bar an asset's bar repeats its last close
  (so `close[0]` is ml4t-sql's `last_close`); the strategy sends no order for it then (ml4t-sql's
  `cancelled`), except a delisting.
- `next` (the close of t): target shares = weight x `broker.getvalue()` / `close[0]` (rounded
  toward zero for whole shares); the orders wait for the next open.
- `next_open` (cheat-on-open: orders sent here fill at this bar's open): delistings, then sells,
  then buys. backtrader rejects a buy whose cost exceeds cash, in full; so the strategy cuts every
  buy by the one factor that makes them fit the cash the sells will leave (ml4t-sql's
  `cash_shortfall = "scale"`), less 1e-12 so that float rounding in the broker's own sum cannot
  tip the last buy into a rejection. `checksubmit` is off: the broker checks cash when it fills,
  after the sells, not when the orders are sent.
- Commission: a percentage `CommInfoBase` (commission on traded value); slippage:
  `set_slippage_perc(slip_open=True, slip_out=True)`. A delisting fills at the last close without
  either (a broker subclass turns both off for orders marked `delist`).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from common import Timer, load, write_results

SAFETY = 1e-12
FREE = [False]  # set while a delisting fills: no commission on it


def main(workdir: str) -> None:
    import backtrader as bt

    case = load(workdir)
    sc = case.scenario
    rate, slip = sc["commission_bps"] / 1e4, sc["slippage_bps"] / 1e4
    fractional = sc["fractional"]
    T = case.n_dates
    tradable = ~np.isnan(case.open)
    delist_on: dict[int, list[int]] = {}
    for t, j in case.delist:
        delist_on.setdefault(t, []).append(j)
    index = pd.DatetimeIndex(pd.to_datetime(case.dates))
    last = pd.DataFrame(case.last_close).bfill().to_numpy()  # before the first bar: never held
    date_index = {d: t for t, d in enumerate(case.dates)}

    class Comm(bt.CommInfoBase):
        params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_PERC), ("percabs", True))

        def _getcommission(self, size, price, pseudoexec):  # noqa: ANN001
            return 0.0 if FREE[0] else abs(size) * price * self.p.commission

    class Broker(bt.brokers.BackBroker):
        def _try_exec_market(self, order, popen, phigh, plow):  # noqa: ANN001
            if not order.info.get("delist"):
                return super()._try_exec_market(order, popen, phigh, plow)
            saved, self.p.slip_perc, FREE[0] = self.p.slip_perc, 0.0, True
            try:
                return super()._try_exec_market(order, popen, phigh, plow)
            finally:
                self.p.slip_perc, FREE[0] = saved, False

    class Targets(bt.Strategy):
        def __init__(self) -> None:
            self.nav, self.cash, self.trades = [], [], []
            self.orders: dict[int, float] | None = None

        def notify_order(self, order):  # noqa: ANN001
            if order.status == order.Completed:
                j = self.datas.index(order.data)
                t = date_index[order.data.datetime.date(0)]
                self.trades.append((t, j, order.executed.size, order.executed.price))
            elif order.status in (order.Margin, order.Rejected):
                raise RuntimeError(f"backtrader rejected an order: {order}")

        def next_open(self) -> None:
            t = date_index[self.datas[0].datetime.date(0)]  # len(self) still counts the previous bar here
            broker = self.broker
            cash = broker.getcash()
            for j in delist_on.get(t, []):
                q = self.getposition(self.datas[j]).size
                if q != 0:
                    self.sell(data=self.datas[j], size=q).addinfo(delist=True)
                    cash += q * self.datas[j].open[0]
            if self.orders is None:
                return
            orders, self.orders = self.orders, None
            live = {j: q for j, q in orders.items() if tradable[t, j] and q != 0}
            for j, q in live.items():
                if q < 0:
                    px = self.datas[j].open[0] * (1 - slip)
                    cash += -q * px - (-q * px) * rate
                    self.sell(data=self.datas[j], size=-q)
            buys = {j: q for j, q in live.items() if q > 0}
            need = sum(q * self.datas[j].open[0] * (1 + slip) for j, q in buys.items()) * (1 + rate)
            scale = 1.0 if need <= cash else cash / need * (1 - SAFETY)
            for j, q in buys.items():
                q = q * scale if fractional else float(np.trunc(q * scale))
                if q > 0:
                    self.buy(data=self.datas[j], size=q)

        def next(self) -> None:
            t = date_index[self.datas[0].datetime.date(0)]
            value = self.broker.getvalue()
            self.nav.append(value)
            self.cash.append(self.broker.getcash())
            weights = case.decisions.get(t)
            if weights is None:
                return
            held = {j for j, d in enumerate(self.datas) if self.getposition(d).size != 0}
            orders = {}
            for j in sorted(held | set(weights)):
                target = weights.get(j, 0.0) * value / self.datas[j].close[0]
                if not fractional:
                    target = float(np.trunc(target))
                orders[j] = target - self.getposition(self.datas[j]).size
            self.orders = orders

    cerebro = bt.Cerebro(cheat_on_open=True, stdstats=False, runonce=False, preload=True)
    cerebro.broker = Broker()
    cerebro.broker.set_coo(True)
    cerebro.broker.set_checksubmit(False)
    cerebro.broker.setcash(sc["initial_cash"])
    cerebro.broker.addcommissioninfo(Comm(commission=rate))
    if slip:
        cerebro.broker.set_slippage_perc(slip, slip_open=True, slip_limit=True, slip_match=True, slip_out=True)
    for j, name in enumerate(case.assets):
        px = np.where(case.has_bar[:, j], case.open[:, j], last[:, j])
        px = np.where(np.isnan(px), last[:, j], px)  # a NULL open: no order is sent there anyway
        feed = pd.DataFrame(
            {"open": px, "high": np.maximum(px, last[:, j]), "low": np.minimum(px, last[:, j]), "close": last[:, j],
             "volume": 1e9, "openinterest": 0.0},
            index=index,
        )  # fmt: skip
        cerebro.adddata(bt.feeds.PandasData(dataname=feed), name=name)
    cerebro.addstrategy(Targets)
    with Timer() as timer:
        (strategy,) = cerebro.run()
    meta = {"peer": "backtrader", "version": bt.__version__, "seconds": timer.seconds}
    assert len(strategy.nav) == T
    write_results(workdir, case, strategy.nav, strategy.cash, strategy.trades, meta)


if __name__ == "__main__":
    main(sys.argv[1])
