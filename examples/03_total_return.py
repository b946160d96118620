"""Total return on raw prices: dividends as `[data] actions`, checked against Yahoo's Adj Close.

    python examples/03_total_return.py

The sample `warehouse/sample/yahoo_dow_2017.parquet` has Yahoo's split-adjusted Close and its
split- and dividend-adjusted Adj Close for 30 large US stocks, 2012-12-06 .. 2017-12-06. The
dividends come from the two (examples/dividends_from_adj_close.sql). Per asset, two runs with no
costs, all in the asset from the first fill (the open of the second date) to the last close:

- buy and hold: the dividends are paid into cash and stay there;
- daily re-sizing at the fill open (`sizing = "fill_price"`, weight 1 every date): each dividend
  is reinvested at its ex-date open.

Each is compared with Adj Close's total return from the same open (the open times that date's
Adj Close / Close): the residuals `buy_and_hold` and `reinvested` are the run's total return less
Adj Close's, `reinvested_relative` is (1 + run) / (1 + Adj Close) - 1. docs/VALIDATION.md,
*Dividends on real data*, explains the figures.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

import ml4t_sql

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "warehouse" / "sample" / "yahoo_dow_2017.parquet"
ACTIONS = HERE / "dividends_from_adj_close.sql"
HOLD = "select date, asset, 1.0 as weight from prices where date = (select min(date) from prices)"
DAILY = "select date, asset, 1.0 as weight from prices"


def growth(prices: pl.DataFrame, strategy: str, sizing: str) -> tuple[float, float]:
    """(the run's final NAV / initial cash, total dividends / initial cash) on one asset's bars."""
    run = ml4t_sql.run(
        {
            "data": {"prices": prices, "actions": str(ACTIONS)},
            "strategy": {"sql": strategy},
            "execution": {"sizing": sizing, "initial_cash": 1_000_000.0},
        },
        write=False,
    )
    stats = run.stats()
    return stats["final_nav"] / 1_000_000.0, stats["total_dividends"] / 1_000_000.0


def residuals() -> pl.DataFrame:
    """Per asset: Adj Close's total return from the first fill, the dividends received by the
    buy-and-hold run (per 1 invested), and each run's residual against Adj Close."""
    panel = pl.read_parquet(SAMPLE)
    rows = []
    for asset in sorted(panel["asset"].unique()):
        prices = panel.filter(pl.col("asset") == asset).sort("date")
        first = prices.row(1, named=True)  # the first fill: the open of the second date
        last = prices.row(-1, named=True)
        adjusted = last["adj_close"] / (first["open"] * first["adj_close"] / first["close"])
        hold, dividends = growth(prices, HOLD, "decision_close")
        daily, _ = growth(prices, DAILY, "fill_price")
        rows.append({"asset": asset, "adj_close_return": adjusted - 1, "dividends": dividends,
                     "buy_and_hold": hold - adjusted, "reinvested": daily - adjusted,
                     "reinvested_relative": daily / adjusted - 1})  # fmt: skip
    return pl.DataFrame(rows)


if __name__ == "__main__":
    table = residuals()
    with pl.Config(tbl_rows=40, float_precision=6):
        print(table)
    others = table.filter(pl.col("asset") != "DHR")["reinvested_relative"].abs()
    dhr = table.filter(pl.col("asset") == "DHR")["reinvested_relative"][0]
    hold = table["buy_and_hold"]
    print(f"total return less Adj Close's, buy and hold: {hold.min():+.4f} .. {hold.max():+.4f}; "
          f"reinvested at the ex-date open: |relative residual| <= {others.max():.2e} except DHR ({dhr:+.4f})")
