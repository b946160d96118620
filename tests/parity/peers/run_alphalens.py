"""alphalens runner: the signal research figures ml4t-sql's `research` is compared with.

Runs inside the alphalens-reloaded environment (tests/parity/requirements/alphalens.txt; no
ml4t_sql). Workdir protocol:

- in:  factor.parquet (date, asset, signal, order): the factor rows ml4t-sql studied (a bar and a
       finite signal), and `order`, each date's row number by signal ascending, ties by asset
       descending: ml4t-sql's ntile order, without ties, so that pd.qcut over it bins as ntile does
       (the IC is computed from `signal` itself, ties and all); prices.parquet (date, asset, price)
       with price(t) = open(t+1), so that alphalens'
       forward return price(t+h) / price(t) - 1 is ml4t-sql's open(t+1+h) / open(t+1) - 1;
       case.json {periods, quantiles}
- out: ic.parquet (date, period, rank_ic): factor_information_coefficient (Spearman);
       quantile_daily.parquet (date, period, quantile, mean): mean_return_by_quantile(by_date=True,
       demeaned=False); quantile_mean.parquet (period, quantile, mean): the same, by_date=False;
       meta.json (version, seconds)

alphalens settings that would otherwise change the figures: filter_zscore=None (no outlier
returns dropped), max_loss=1.0 (never refuse for dropped rows), quantiles=q (pd.qcut per date).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd


def main(workdir: str) -> None:
    import alphalens
    from alphalens.performance import factor_information_coefficient, mean_return_by_quantile
    from alphalens.utils import get_clean_factor_and_forward_returns, get_forward_returns_columns

    folder = Path(workdir)
    case = json.loads((folder / "case.json").read_text())
    periods = tuple(sorted(case["periods"]))
    started = time.perf_counter()
    factor = pd.read_parquet(folder / "factor.parquet")
    factor["date"] = pd.to_datetime(factor["date"])
    factor = factor.set_index(["date", "asset"]).sort_index()
    long = pd.read_parquet(folder / "prices.parquet")
    long["date"] = pd.to_datetime(long["date"])
    prices = long.pivot(index="date", columns="asset", values="price").sort_index()

    def clean(column: str) -> pd.DataFrame:
        return get_clean_factor_and_forward_returns(
            factor[column], prices, quantiles=case["quantiles"], periods=periods, filter_zscore=None, max_loss=1.0
        )

    data, ordered = clean("signal"), clean("order")
    columns = list(get_forward_returns_columns(data.columns))
    label = dict(zip(columns, periods, strict=True))  # alphalens names them "1D", "5D", ...: in period order
    ic = factor_information_coefficient(data)
    by_date, _ = mean_return_by_quantile(ordered, by_date=True, demeaned=False)
    overall, _ = mean_return_by_quantile(ordered, by_date=False, demeaned=False)
    seconds = time.perf_counter() - started

    ic_rows = ic.rename(columns=label).stack().rename("rank_ic").reset_index()
    ic_rows.columns = ["date", "period", "rank_ic"]
    ic_rows.to_parquet(folder / "ic.parquet")
    daily = by_date.rename(columns=label).stack().rename("mean").reset_index()
    daily.columns = ["quantile", "date", "period", "mean"]
    daily.to_parquet(folder / "quantile_daily.parquet")
    mean = overall.rename(columns=label).stack().rename("mean").reset_index()
    mean.columns = ["quantile", "period", "mean"]
    mean.to_parquet(folder / "quantile_mean.parquet")
    quantile_counts = ordered.groupby(level="date")["factor_quantile"].value_counts().unstack().fillna(0)
    meta = {
        "peer": "alphalens",
        "version": alphalens.__version__,
        "seconds": seconds,
        "rows": len(data),
        "tie_dates": int(factor.groupby(level="date")["signal"].apply(lambda x: x.duplicated().any()).sum()),
        "dates": int(data.index.get_level_values("date").nunique()),
        "min_per_quantile": int(quantile_counts.min().min()),
    }
    (folder / "meta.json").write_text(json.dumps(meta))


if __name__ == "__main__":
    main(sys.argv[1])
