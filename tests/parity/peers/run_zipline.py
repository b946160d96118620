"""zipline-reloaded runner: a bundle written from the panel, `order_target_percent` at each close.

Conventions, set to equal ml4t-sql's where zipline allows it:

- Calendar: the panel's i-th date is zipline's i-th XNYS session from the first date on (zipline
  needs an exchange calendar; synthetic panels use plain weekdays). Results map back by position.
- Bundle: one row per session from an asset's first bar to its last (a gap inside is written as a
  bar with volume 0, which zipline never fills); zipline stores prices with 3 decimals, so the
  harness rounds the panel to 3 decimals for every engine. `auto_close_date` is the date of
  SEMANTICS step 1 (last bar + `delist_after` dates): zipline then closes the holding at its last
  price before that session's fills, without costs, as ml4t-sql does. Without delisting it is
  after the last session (never).
- `handle_data` at the close of t: `order_target_percent(asset, weight)` for each targeted or held
  asset: sized with `portfolio_value` (NAV at the close) and the last price (the decision close).
  zipline rounds each *order* toward zero, after snapping it to a whole number within 1e-4: ml4t-sql's
  `rounding = "order_snap"`; it trades whole shares only.
- Fills: a custom slippage model fills the whole order at the next session's open x (1 +/- slippage);
  `EODCancel`: an order not filled on that bar (no bar: volume 0) is cancelled, never carried.
  Commission: `PerDollar`. zipline does not check cash: buys fill in full and cash may go below 0:
  ml4t-sql's `cash_shortfall = "borrow"`.
- Corporate actions (raw prices): the bundle's adjustments. A split of ratio r (new shares per
  old) is zipline's `ratio = 1 / r` on its effective date: before that session zipline multiplies
  positions by r, divides their last price and open orders' sizes likewise; the fraction of a
  share would be paid in cash at the new cost basis (ml4t-sql: at last_close / r), so the
  scenarios split by whole numbers. A dividend is a cash dividend with `pay_date = ex_date`:
  zipline earns it on the ex-date from the previous close's position (shorts owe it) and pays it
  the same session, as ml4t-sql books it on the ex-date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from common import Timer, load, write_results


def main(workdir: str) -> None:
    import exchange_calendars as xcals
    import zipline
    from zipline import run_algorithm
    from zipline.api import order_target_percent, set_cancel_policy, set_commission, set_slippage, sid
    from zipline.data.bundles import ingest, register
    from zipline.finance import cancel_policy, commission, slippage

    case = load(workdir)
    sc = case.scenario
    if sc["fractional"]:
        raise SystemExit("zipline trades whole shares only")
    rate, slip = sc["commission_bps"] / 1e4, sc["slippage_bps"] / 1e4
    T = case.n_dates
    first = pd.Timestamp(case.dates[0])
    sessions = xcals.get_calendar("XNYS").sessions_in_range(first, first + pd.Timedelta(days=3 * T + 30))[:T]
    assert len(sessions) == T
    sessions = pd.DatetimeIndex(sessions).tz_localize(None)
    k = int(sc["delist_after"])
    never = sessions[-1] + pd.Timedelta(days=30)

    def ingest_panel(environ, asset_db_writer, minute_bar_writer, daily_bar_writer, adjustment_writer,  # noqa: ANN001
                     calendar, start_session, end_session, cache, show_progress, output_dir):  # fmt: skip
        rows, frames = [], []
        for j, name in enumerate(case.assets):
            bars = np.flatnonzero(case.has_bar[:, j])
            lo, hi = int(bars[0]), int(bars[-1])
            closes_at = sessions[hi + k] if k and hi + k < T else never
            rows.append((name, name, sessions[lo], sessions[hi], closes_at, "NYSE"))
            span = slice(lo, hi + 1)
            bar = case.has_bar[span, j]
            o = np.where(bar, np.nan_to_num(case.open[span, j], nan=0.0), 0.0)
            c = np.where(bar, case.close[span, j], 0.0)
            frame = pd.DataFrame(
                {"open": o, "high": np.maximum(o, c), "low": np.where(bar, np.minimum(np.where(o > 0, o, c), c), 0.0),
                 "close": c, "volume": np.where(bar, 1e6, 0.0)},
                index=sessions[span],
            )  # fmt: skip
            frames.append((j, frame))
        daily_bar_writer.write(iter(frames), show_progress=False)
        equities = pd.DataFrame(
            rows, columns=["symbol", "asset_name", "start_date", "end_date", "auto_close_date", "exchange"]
        )
        exchanges = pd.DataFrame({"exchange": ["NYSE"], "canonical_name": ["NYSE"], "country_code": ["US"]})
        asset_db_writer.write(equities=equities, exchanges=exchanges)
        splits = pd.DataFrame(
            [(j, sessions[t], 1.0 / r) for t, j, r, _ in case.actions if r != 1.0],
            columns=["sid", "effective_date", "ratio"],
        )
        dividends = pd.DataFrame(
            [(j, sessions[t], sessions[t], sessions[t], sessions[t], d) for t, j, _, d in case.actions if d != 0.0],
            columns=["sid", "ex_date", "declared_date", "record_date", "pay_date", "amount"],
        )
        adjustment_writer.write(splits=splits if len(splits) else None, dividends=dividends if len(dividends) else None)

    environ = {"ZIPLINE_ROOT": str(Path(workdir) / "zipline_root")}
    register("parity", ingest_panel, calendar_name="XNYS", start_session=sessions[0], end_session=sessions[-1])
    ingest("parity", environ=environ, show_progress=False)

    class OpenFill(slippage.SlippageModel):
        """The whole order at this bar's open, moved against the trade by `rate`."""

        def __init__(self, rate: float) -> None:
            super().__init__()
            self.rate = rate

        def process_order(self, data, order):  # noqa: ANN001
            px = data.current(order.asset, "open")
            return (px * (1 + self.rate) if order.amount > 0 else px * (1 - self.rate)), order.amount

    position_of = {s: t for t, s in enumerate(sessions)}

    def initialize(context) -> None:  # noqa: ANN001
        set_commission(us_equities=commission.PerDollar(cost=rate))
        set_slippage(us_equities=OpenFill(slip))
        set_cancel_policy(cancel_policy.EODCancel())

    def handle_data(context, data) -> None:  # noqa: ANN001
        t = position_of[pd.Timestamp(context.get_datetime()).tz_localize(None).normalize()]
        weights = case.decisions.get(t)
        if weights is None:
            return
        held = {int(a.sid) for a, p in context.portfolio.positions.items() if p.amount != 0}
        for j in sorted(held | set(weights)):
            order_target_percent(sid(j), weights.get(j, 0.0))

    with Timer() as timer:
        perf = run_algorithm(
            start=sessions[0],
            end=sessions[-1],
            initialize=initialize,
            handle_data=handle_data,
            capital_base=sc["initial_cash"],
            data_frequency="daily",
            bundle="parity",
            environ=environ,
            default_extension=False,
            benchmark_returns=pd.Series(0.0, index=sessions.tz_localize("UTC")),
        )
    assert len(perf) == T
    trades = []
    for t, txns in enumerate(perf["transactions"]):
        for x in txns:
            trades.append((t, int(x["sid"].sid if hasattr(x["sid"], "sid") else x["sid"]), x["amount"], x["price"]))
    meta = {"peer": "zipline", "version": zipline.__version__, "seconds": timer.seconds}
    write_results(workdir, case, perf["portfolio_value"].to_numpy(), perf["ending_cash"].to_numpy(), trades, meta)


if __name__ == "__main__":
    main(sys.argv[1])
