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
- Fills: a custom slippage model fills the whole order at the next session's open x (1 +/- slippage).
  An order lives one bar, as in ml4t-sql: `handle_data` first cancels every order still open (the
  rest of an order its fill bar did not fill: no bar, volume 0, or the participation cap), so no
  remainder is carried. (`EODCancel` alone does not do it in a daily simulation: zipline's
  `execute_daily_cancel_policy` cancels an asset's oldest open order only when a newer one exists.)
  A scenario with `carry` leaves zipline's own rule instead: the rest stays open and fills on later
  bars (a known difference). zipline does not check cash: buys fill in full and cash may go below
  0: ml4t-sql's `cash_shortfall = "borrow"`.
- Participation cap (`max_participation`): zipline's `FixedBasisPointsSlippage(basis_points =
  slippage, volume_limit = max_participation)`, shown the fill bar's open as its price: it fills
  `min(|open amount|, int(volume_limit x volume) - shares already filled on the bar)` at price x
  (1 +/- basis points), nothing on a bar with volume 0, where ml4t-sql fills `floor(p x volume)`
  of the fill bar. The bundle then carries the panel's volume (whole numbers; without a cap it is
  1e6 on every bar, which the uncapped model never reads).
- Commission: `PerDollar(commission_bps)`; with `commission_per_share` or `commission_min`,
  `PerShare(cost = commission_per_share, min_trade_cost = commission_min)` (commission_bps must
  then be 0: zipline takes one model): max(min, cost x shares) on an order's first fill, which with
  one fill per order is ml4t-sql's per-fill max(commission_min, per_share x shares).
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
    from zipline.api import (
        cancel_order,
        get_open_orders,
        order_target_percent,
        set_cancel_policy,
        set_commission,
        set_slippage,
        sid,
    )
    from zipline.data.bundles import ingest, register
    from zipline.finance import cancel_policy, commission, slippage

    case = load(workdir)
    sc = case.scenario
    if sc["fractional"]:
        raise SystemExit("zipline trades whole shares only")
    rate, slip = sc["commission_bps"] / 1e4, sc["slippage_bps"] / 1e4
    per_share, minimum = sc.get("commission_per_share", 0.0), sc.get("commission_min", 0.0)
    if (per_share or minimum) and rate:
        raise SystemExit("zipline takes one commission model: PerShare (with its minimum) or PerDollar")
    participation = sc.get("max_participation")
    T = case.n_dates
    first = pd.Timestamp(case.dates[0])
    sessions = xcals.get_calendar("XNYS").sessions_in_range(first, first + pd.Timedelta(days=3 * T + 30))[:T]
    assert len(sessions) == T
    sessions = pd.DatetimeIndex(sessions).tz_localize(None)
    k = int(sc["delist_after"])
    never = sessions[-1] + pd.Timedelta(days=30)

    def volume(span: slice, j: int) -> np.ndarray:
        """The bars' volume: the panel's under a participation cap (NULL: 0), else 1e6."""
        if participation is None:
            return np.full(span.stop - span.start, 1e6)
        v = np.nan_to_num(case.volume[span, j], nan=0.0)
        assert (v == np.floor(v)).all() and (v < 2**32).all(), "zipline stores volume as uint32"
        return v

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
                 "close": c, "volume": np.where(bar, volume(span, j), 0.0)},
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

    class OpenAsClose:
        """The bar data, with the open as the price a built-in slippage model reads (`close`)."""

        def __init__(self, data) -> None:  # noqa: ANN001
            self.data = data

        def current(self, asset, field):  # noqa: ANN001, ANN201
            return self.data.current(asset, "open" if field == "close" else field)

    class CappedOpenFill(slippage.FixedBasisPointsSlippage):
        """zipline's volume-limited fill (`FixedBasisPointsSlippage`) at the bar's open."""

        def process_order(self, data, order):  # noqa: ANN001
            return super().process_order(OpenAsClose(data), order)

    position_of = {s: t for t, s in enumerate(sessions)}

    def initialize(context) -> None:  # noqa: ANN001
        if per_share or minimum:
            set_commission(us_equities=commission.PerShare(cost=per_share, min_trade_cost=minimum))
        else:
            set_commission(us_equities=commission.PerDollar(cost=rate))
        if participation is None:
            set_slippage(us_equities=OpenFill(slip))
        else:
            set_slippage(us_equities=CappedOpenFill(basis_points=sc["slippage_bps"], volume_limit=participation))
        set_cancel_policy(cancel_policy.EODCancel())

    def handle_data(context, data) -> None:  # noqa: ANN001
        if not sc.get("carry", False):
            for orders in get_open_orders().values():  # the rest of an order its fill bar left
                for o in orders:
                    cancel_order(o)
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
