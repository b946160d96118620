"""`ml4t-sql research` against alphalens-reloaded (its own pinned environment, tests/parity/envs.py).

alphalens is given what makes its definitions ml4t-sql's (docs/RESEARCH.md lists every difference):
prices shifted so that its forward return price(t+h) / price(t) - 1 is open(t+1+h) / open(t+1) - 1,
and panels where pd.qcut's bins coincide with ntile (distinct signals, every date's count a multiple
of the quantiles; where the signal ties, alphalens bins each date's row order by signal, ties by
asset as ntile breaks them, while its IC reads the signal itself), no outlier filter and no max_loss.
Then, to 1e-9, on a random panel and on the bundled S&P 500 sample with the example's momentum signal:

- the rank IC of every date and horizon (factor_information_coefficient is Spearman);
- each quantile's mean forward return per date and over dates (mean_return_by_quantile,
  demeaned=False). alphalens drops a date from every horizon once any horizon's return is missing
  (its dropna), so its means over dates cover the dates of the longest horizon: ml4t-sql's
  quantile_returns equal them there, and for shorter horizons the mean of ml4t-sql's per-date means
  over alphalens' dates equals them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.config import load_config
from ml4t_sql.data.quality import QualityReport
from ml4t_sql.data.sources import load_sources
from ml4t_sql.diagnostics import build
from ml4t_sql.pipeline import working_connection
from tests.factories import make_prices
from tests.parity import envs

pytestmark = pytest.mark.parity

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parent / "peers" / "run_alphalens.py"
TOL = 1e-9


@pytest.fixture(scope="module")
def alphalens_env() -> dict:
    return envs.ensure("alphalens")


def peer_inputs(cfg: Any, workdir: Path) -> None:
    """The factor rows ml4t-sql studies and the shifted opens, from the same SQL on a fresh connection."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = load_config(cfg)
    with contextlib.closing(working_connection(2048, workdir)) as con:
        load_sources(con, config, QualityReport())
        build(con, config)
        order = "row_number() over (partition by date order by signal asc, asset desc) as order"
        con.sql(f"select date, asset, signal, {order} from ml4t.factor order by date, asset").pl().write_parquet(
            workdir / "factor.parquet"
        )
        shifted = """
            select c.date, p.asset, p.open as price
            from ml4t.calendar as c
            inner join ml4t.calendar as n on n.date_idx = c.date_idx + 1
            inner join ml4t.prices as p on p.date = n.date
            where p.open is not null
            order by c.date, p.asset
        """
        con.sql(shifted).pl().write_parquet(workdir / "prices.parquet")
    (workdir / "case.json").write_text(
        json.dumps({"periods": list(config.research.horizons), "quantiles": config.research.quantiles})
    )


def run_alphalens(workdir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONWARNINGS"] = "ignore"
    started = time.perf_counter()
    proc = subprocess.run(
        [str(envs.python("alphalens")), str(RUNNER), str(workdir)], capture_output=True, text=True, env=env, timeout=900
    )
    assert proc.returncode == 0, f"alphalens runner failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    meta = json.loads((workdir / "meta.json").read_text())
    return {
        "meta": {**meta, "wall": time.perf_counter() - started},
        "ic": pl.read_parquet(workdir / "ic.parquet").with_columns(pl.col("date").cast(pl.Date)),
        "daily": pl.read_parquet(workdir / "quantile_daily.parquet").with_columns(pl.col("date").cast(pl.Date)),
        "mean": pl.read_parquet(workdir / "quantile_mean.parquet"),
    }


def compare(cfg: Any, workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    study = ml4t_sql.research(cfg, write=False)
    ours_seconds = time.perf_counter() - started
    peer_inputs(cfg, workdir)
    theirs = run_alphalens(workdir)
    q = study.config.research.quantiles
    longest = max(study.config.research.horizons)
    counts = study.tables["quantile_daily_returns"].group_by("date", "horizon").agg(pl.col("n_assets").min())
    assert theirs["meta"]["min_per_quantile"] == counts.filter(pl.col("horizon") == longest)["n_assets"].min()

    ic = theirs["ic"].join(
        study.tables["information_coefficient"].rename({"horizon": "period"}), on=["date", "period"], how="left"
    )
    assert ic.height > 0 and ic["rank_ic_right"].null_count() == 0
    ic_diff = (ic["rank_ic"] - ic["rank_ic_right"]).abs().max()
    ours_dates = study.tables["information_coefficient"].filter(pl.col("horizon") == longest)["date"]
    assert sorted(set(theirs["ic"]["date"])) == sorted(ours_dates)  # alphalens keeps the longest horizon's dates

    daily = theirs["daily"].join(
        study.tables["quantile_daily_returns"].rename({"horizon": "period"}),
        on=["date", "period", "quantile"],
        how="left",
    )
    assert daily["mean_fwd_return"].null_count() == 0
    daily_diff = (daily["mean"] - daily["mean_fwd_return"]).abs().max()
    same_dates = (
        study.tables["quantile_daily_returns"]
        .join(theirs["ic"].select("date").unique(), on="date")
        .group_by("horizon", "quantile")
        .agg(pl.col("mean_fwd_return").mean().alias("ours"))
    )
    mean = theirs["mean"].join(same_dates.rename({"horizon": "period"}), on=["period", "quantile"], how="left")
    mean_diff = (mean["mean"] - mean["ours"]).abs().max()
    stored = (
        theirs["mean"]
        .filter(pl.col("period") == longest)
        .join(study.tables["quantile_returns"].rename({"horizon": "period"}), on=["period", "quantile"])
    )
    assert stored.height == q
    stored_diff = (stored["mean"] - stored["mean_fwd_return"]).abs().max()
    return {"ic": ic_diff, "daily": daily_diff, "mean": mean_diff, "stored": stored_diff, "ic_rows": ic.height,
            "ours_seconds": ours_seconds, **theirs["meta"]}  # fmt: skip


def random_config(seed: int, n_assets: int = 50, n_days: int = 80) -> dict[str, Any]:
    prices = make_prices(n_assets, n_days, seed, ragged=False)
    signals = prices.select("date", "asset").with_columns(
        score=pl.Series([((i * 7919 + seed) % 100_003) / 100_003 - 0.5 for i in range(prices.height)])
    )
    return {"data": {"prices": prices, "signals": signals}, "strategy": {"signal": "score"},
            "research": {"horizons": [1, 3, 5], "quantiles": 5}}  # fmt: skip


def sp500_config() -> dict[str, Any]:
    """The example's data and momentum signal, over the assets with a usable bar on every date (a
    multiple of 5 of them, alphabetically first), so that every date's count divides into quantiles."""
    prices = pl.read_parquet(ROOT / "warehouse" / "sample" / "sp500_5yr.parquet")
    n_dates = prices["date"].n_unique()
    usable = prices.filter(
        pl.col("open").is_not_null()
        & (pl.col("high") >= pl.max_horizontal("open", "close"))
        & (pl.col("low") <= pl.min_horizontal("open", "close"))
    )
    complete = usable.group_by("asset").len().filter(pl.col("len") == n_dates)["asset"].sort().to_list()
    keep = complete[: len(complete) // 5 * 5]
    return {
        "data": {"prices": prices.filter(pl.col("asset").is_in(keep)),
                 "signals": str(ROOT / "examples" / "momentum_12_1.sql"),
                 "quality": {"inconsistent_ohlc": "drop"}},
        "strategy": {"signal": "momentum"},
        "execution": {"start": "2014-02-10"},
        "research": {"horizons": [1, 5, 21], "quantiles": 5},
    }  # fmt: skip


def _check(result: dict[str, Any]) -> None:
    print(json.dumps({k: v for k, v in result.items()}, default=str))
    for key in ("ic", "daily", "mean", "stored"):
        assert result[key] <= TOL, f"{key}: max |ml4t-sql - alphalens| = {result[key]:.3e}"


def test_research_equals_alphalens_on_a_random_panel(alphalens_env: dict, tmp_path: Path):
    _check(compare(random_config(11), tmp_path / "random"))


def test_research_equals_alphalens_on_the_sp500_sample(alphalens_env: dict, tmp_path: Path):
    _check(compare(sp500_config(), tmp_path / "sp500"))
