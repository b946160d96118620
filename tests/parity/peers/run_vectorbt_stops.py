"""vectorbt runner for the stop rules: `Portfolio.from_signals` with `sl_stop`, `sl_trail`, `tp_stop`.

Runs in vectorbt's own environment (tests/parity/requirements/vectorbt.txt), once for every stop
case of tests/parity/test_stops.py: each case is one column (one asset, its own cash; no cash
sharing), so one process and one numba compilation serve them all.

- in:  bars.parquet (date, case, open, high, low, close, enter, exit): one single-asset panel
       per case on one calendar; `enter` / `exit` mark the bars whose open fills ml4t-sql's
       entry and exit decisions;
       cases.json: [{name, side (+1 long, -1 short), sl_stop, sl_trail, tp_stop, fees, slippage,
       init_cash}], in the order of the columns.
- out: equity.parquet (date, case, nav), orders.parquet (date, case, shares (signed), price),
       meta.json (peer, version, seconds).

Conventions, set to equal ml4t-sql's (each one's ml4t-sql counterpart is in the test's docstring):

- Entries and exits are signals on the fill bar, at `price` = that bar's open. An entry buys
  (or sells short) with `size = 1`, `size_type = "percent"`: all the cash, commission and
  slippage included.
- `stop_entry_price = FillPrice`: the levels are relative to the entry's fill price (slippage in).
- `stop_exit_price = StopMarket`: a stop fills at its level, or at the open when the open is
  already through it, moved by slippage, and pays `fees`.
- `upon_stop_exit = Close`: a stop closes the position; the stop loss is checked before the take
  profit. `sl_trail = True`: the stop trails the highest high (long) or lowest low (short) since
  the bar after entry, starting from the entry price.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def main(workdir: str) -> None:
    import vectorbt as vbt
    from vectorbt.portfolio.enums import StopEntryPrice, StopExitMode, StopExitPrice

    wd = Path(workdir)
    cases = json.loads((wd / "cases.json").read_text())
    bars = pd.read_parquet(wd / "bars.parquet")
    names = [c["name"] for c in cases]

    def wide(column: str) -> pd.DataFrame:
        out = bars.pivot(index="date", columns="case", values=column)[names]
        out.index = pd.DatetimeIndex(pd.to_datetime(out.index))
        return out

    def per_case(key: str) -> np.ndarray:
        return np.array([[c[key] for c in cases]], dtype=float)

    long = np.array([[c["side"] > 0 for c in cases]])
    enter, leave = wide("enter").astype(bool), wide("exit").astype(bool)
    start = time.perf_counter()
    pf = vbt.Portfolio.from_signals(
        close=wide("close"),
        open=wide("open"),
        high=wide("high"),
        low=wide("low"),
        entries=enter & long,
        exits=leave & long,
        short_entries=enter & ~long,
        short_exits=leave & ~long,
        price=wide("open"),
        size=1.0,
        size_type="percent",
        fees=per_case("fees"),
        slippage=per_case("slippage"),
        init_cash=per_case("init_cash")[0],
        sl_stop=per_case("sl_stop"),
        sl_trail=np.array([[bool(c["sl_trail"]) for c in cases]]),
        tp_stop=per_case("tp_stop"),
        stop_entry_price=StopEntryPrice.FillPrice,
        stop_exit_price=StopExitPrice.StopMarket,
        upon_stop_exit=StopExitMode.Close,
        freq="1D",
    )
    nav = pf.value()
    rec = pf.orders.values
    seconds = time.perf_counter() - start
    dates = [d.date().isoformat() for d in nav.index]
    pd.DataFrame(
        {
            "date": np.tile(dates, len(names)),
            "case": np.repeat(names, len(dates)),
            "nav": nav.to_numpy().T.reshape(-1),
        }
    ).to_parquet(wd / "equity.parquet", index=False)
    sign = np.where(rec["side"] == 0, 1.0, -1.0)
    pd.DataFrame(
        {
            "date": [dates[i] for i in rec["idx"]],
            "case": [names[c] for c in rec["col"]],
            "shares": sign * rec["size"],
            "price": rec["price"].astype(float),
        }
    ).to_parquet(wd / "orders.parquet", index=False)
    (wd / "meta.json").write_text(json.dumps({"peer": "vectorbt", "version": vbt.__version__, "seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1])
