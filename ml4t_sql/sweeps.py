"""Sweeps: many variants of one strategy, decided in one SQL statement and folded at once.

A sweep is a run configuration plus a grid of values::

    [sweep]                            # next to [data], [strategy], [execution], [output]
    top_n = [10, 25, 50]
    rebalance = ["daily", "monthly"]
    commission_bps = [0, 5]

Every combination is a variant (here 3 x 2 x 2 = 12), numbered in the order of the grid (the
last key changes fastest). Sweepable keys: the strategy's `signal`, `top_n`, `weighting`,
`rebalance`, `rebalance_every`, `min_signal`, `stale`, the universe filters `min_price`, `min_adv`,
`adv_window`, `min_history` and `vol_window`, every construction key (`bottom_n`, `quantiles`,
`long_short`, the hold ranks, `group`, `group_neutral`, the caps, the exposures), and the execution's
`initial_cash`, `sizing`, `fractional`,
`commission_bps`, `slippage_bps`, `min_trade_value`, `cash_shortfall`, `rounding`, and every `[risk]`
key (`stop_loss`, `take_profit`, `trailing_stop`, `reentry_after`, `max_drawdown`, `halt_dates`). Keys that
change the data (the inputs, the window, `delist_after`) cannot be swept: run those separately.
Each value is checked as it would be in a run's file (type, finite, range and unit:
ml4t_sql.config.NUMBERS), and each variant for the rules that tie keys together
(`commission_bps + slippage_bps < 10,000`), before anything is loaded.

How it runs (see docs/SWEEPS.md for the measured alternatives): the inputs are loaded and checked
once; the targets of every variant come from one SQL statement (each signal ranked once, then
each variant's top N, schedule and weighting); one fold carries all variants' state at once
(`shares[V, N]`). Variants that share a universe (signal, schedule and filters) rank it once.
The tables are the run tables with a `variant` column after `run_id`, plus `variants` (what each
variant is) and `metrics` per variant.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from .config import Config, check_value, from_mapping, load_config
from .errors import ConfigError
from .pipeline import execute

STRATEGY_KEYS = (
    "signal", "top_n", "weighting", "rebalance", "rebalance_every", "min_signal", "stale", "min_price", "min_adv",
    "adv_window", "min_history", "group", "vol_window", "bottom_n", "quantiles", "long_short", "hold_rank",
    "hold_rank_short", "group_neutral", "max_group_weight", "long_exposure", "short_exposure", "max_weight",
)  # fmt: skip
EXECUTION_KEYS = (
    "initial_cash", "sizing", "fractional", "commission_bps", "slippage_bps", "min_trade_value",
    "cash_shortfall", "rounding", "allow_short", "max_leverage", "cash_rate", "margin_rate", "short_fee",
    "max_participation", "commission_per_share", "commission_min", "impact_coefficient", "impact_vol_window",
    "drift_band", "lot_size",
)  # fmt: skip
RISK_KEYS = ("stop_loss", "take_profit", "trailing_stop", "reentry_after", "max_drawdown", "halt_dates")


def section_of(key: str) -> str:
    """The config section of a sweepable key."""
    return "strategy" if key in STRATEGY_KEYS else "risk" if key in RISK_KEYS else "execution"


@dataclass
class Sweep:
    """A finished sweep: its run id, the variants, and every table with a `variant` column."""

    run_id: str
    variants: pl.DataFrame
    tables: dict[str, pl.DataFrame]
    path: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        """A short summary: id, variant count, one line per variant best first (ml4t_sql.console)."""
        from .console import sweep_text

        return f"Sweep {self.run_id}: {len(self.variants)} variants\n{sweep_text(self.compare())}"

    def compare(self, *metrics: str) -> pl.DataFrame:
        """One row per variant: its swept values and its metrics (all, or those named)."""
        long = self.tables["metrics"]
        if metrics:
            long = long.filter(pl.col("metric").is_in(metrics))
        wide = long.pivot(on="metric", index="variant", values="value")
        return self.variants.drop("run_id", "params").join(wide, on="variant").sort("variant")

    def report(self, path: str | Path, *, metric: str = "sharpe", x: str | None = None, y: str | None = None) -> Path:
        """Write the sweep's HTML page: a heatmap of `metric` over two swept keys (the first two, or
        `x` and `y`) and every variant's headline metrics (ml4t_sql.report.sweep_page)."""
        from .report.sweep_page import write_sweep_report

        tables = {"runs": self.tables["runs"], "variants": self.variants, "metrics": self.tables["metrics"]}
        return write_sweep_report(tables, path, metric=metric, x=x, y=y)


def load_sweep(
    config: Config | Mapping[str, Any] | str | Path, grid: Mapping[str, Sequence[Any]] | None = None
) -> tuple[Config, list[dict[str, Any]]]:
    """The base configuration and one dict of swept values per variant.

    `config` is a TOML path with a `[sweep]` table, a dict with a "sweep" key, or any run
    configuration together with `grid`.
    """
    raw_grid: Mapping[str, Any] = {}
    if isinstance(config, (str, Path)) and Path(config).is_file():
        path = Path(config)
        try:
            raw = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not a valid TOML file: {exc}") from None
        raw_grid = raw.pop("sweep", {})
        base = from_mapping(raw, base_dir=path.resolve().parent, where=str(path))
    elif isinstance(config, Mapping):
        raw_grid = config.get("sweep", {})
        base = load_config({k: v for k, v in config.items() if k != "sweep"})
    else:
        base = load_config(config)
    if grid is not None:
        raw_grid = grid
    if not isinstance(raw_grid, Mapping) or not raw_grid:
        raise ConfigError("sweep: give a [sweep] table of key = [values, ...] (e.g. top_n = [10, 25, 50])")
    keys = list(raw_grid)
    for key in keys:
        sweepable = STRATEGY_KEYS + EXECUTION_KEYS + RISK_KEYS
        if key not in sweepable:
            near = difflib.get_close_matches(key, sweepable, n=1)
            hint = f"; did you mean `{near[0]}`?" if near else f"; sweepable: {', '.join(sweepable)}"
            raise ConfigError(f"[sweep] `{key}` cannot be swept{hint}")
        values = raw_grid[key]
        if not isinstance(values, (list, tuple)) or not values:
            raise ConfigError(f"[sweep] `{key}`: expected a non-empty list of values, got {values!r}")
        for value in values:  # each value means what it would in a run's file: type, range, unit
            check_value(section_of(key), key, value, "[sweep]")
    if base.strategy.sql is not None and "signal" in keys:
        raise ConfigError("[sweep] `signal` cannot be swept with a custom [strategy] sql")
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*(raw_grid[k] for k in keys))]
    return base, combos


def variant_configs(base: Config, combos: Sequence[Mapping[str, Any]]) -> list[Config]:
    """One validated Config per combination of swept values (the rules that tie keys together, such
    as commission_bps + slippage_bps < 10,000, are checked per variant)."""
    out = []
    for i, combo in enumerate(combos):
        raw = json.loads(base.to_json())
        raw.setdefault("risk", {})  # left out of the JSON at its default
        for key, value in combo.items():
            raw[section_of(key)][key] = value
        try:
            checked = load_config({"data": {"prices": "-"}, "strategy": raw["strategy"], "execution": raw["execution"],
                                   "risk": raw["risk"]})  # fmt: skip
        except ConfigError as exc:
            values = ", ".join(f"{k}={v}" for k, v in combo.items())
            raise ConfigError(f"[sweep] variant {i} ({values}): {str(exc).removeprefix('config ')}") from None
        out.append(dataclasses.replace(base, strategy=checked.strategy, execution=checked.execution, risk=checked.risk))
    return out


def sweep(
    config: Config | Mapping[str, Any] | str | Path,
    *,
    grid: Mapping[str, Sequence[Any]] | None = None,
    warehouse: str | Path | None = None,
    write: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Sweep:
    """Run every variant of a sweep (see the module docstring); tables keyed by (run_id, variant)."""
    base, combos = load_sweep(config, grid)
    out = execute(
        base, variant_configs(base, combos), combos=combos, warehouse=warehouse, write=write, progress=progress
    )
    tables = dict(out.tables)
    return Sweep(out.run_id, tables.pop("variants"), tables, out.path, out.timings)
