"""Configuration: defaults, relative paths, serialization. Bad configs are in the catalog, test_bad_input.py."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.config import NUMBERS, Config, Data, Execution, Metrics, Research, Strategy, load_config
from ml4t_sql.errors import ConfigError
from ml4t_sql.sweeps import load_sweep, variant_configs

from .factories import make_prices


def base(**sections: Any) -> dict[str, Any]:
    return {"data": {"prices": "p.parquet"}, **sections}


def test_defaults_follow_the_documented_values():
    cfg = load_config(base())
    x = cfg.execution
    got = (x.initial_cash, x.sizing, x.fractional, x.commission_bps, x.slippage_bps, x.min_trade_value, x.delist_after)
    assert got == (1_000_000.0, "decision_close", True, 0.0, 0.0, 0.0, 5)
    assert cfg.output.warehouse == "warehouse" and cfg.strategy.top_n == 25 and cfg.strategy.weighting == "equal"
    q = cfg.data.quality
    got = (q.missing_open, q.bad_price, q.inconsistent_ohlc, q.unknown_signal_asset, q.off_calendar_signal)
    assert got == ("fail", "fail", "fail", "warn", "warn") and q.no_signal_date == "fail"


def test_toml_paths_are_relative_to_the_file(tmp_path: Path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "run.toml"
    path.write_text('[data]\nprices = "../p.parquet"\n[execution]\nstart = 2020-01-02\n')
    cfg = load_config(path)
    assert cfg.resolve(cfg.data.prices) == tmp_path / "cfg" / ".." / "p.parquet"
    assert str(cfg.execution.start) == "2020-01-02"


def test_a_config_object_passes_through_and_serializes():
    cfg = Config(data=Data(prices="p.parquet"))
    assert load_config(cfg) is cfg
    assert '"prices": "p.parquet"' in cfg.to_json() and len(cfg.digest()) == 16


# --- numbers: every numeric key checked for meaning (ml4t_sql.config.NUMBERS) --------------------

NAN, INF = math.nan, math.inf
FLOAT_KEYS = [k for k, b in NUMBERS.items() if not b.whole]
INT_KEYS = [k for k, b in NUMBERS.items() if b.whole]


def refused(section: str, key: str, value: Any, **also: Any) -> str:
    """The message refusing `[section] key = value` (other keys of the section in `also`)."""
    with pytest.raises(ConfigError) as err:
        load_config(base(**{section: {key: value, **also}}))
    return str(err.value)


def names_it(message: str, section: str, key: str, shown: str) -> None:
    """The message names the section, the key, the value and the allowed range with its unit."""
    bounds = NUMBERS[(section, key)]
    for needle in (f"[{section}] `{key}`", shown, f"allowed: {bounds.text(key)} ({bounds.unit})"):
        assert needle in message, f"{needle!r} not in: {message}"


@pytest.mark.parametrize("value", [NAN, INF, -INF], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(("section", "key"), FLOAT_KEYS, ids=[k for _, k in FLOAT_KEYS])
def test_non_finite_values_are_refused(section: str, key: str, value: float):
    message = refused(section, key, value)
    names_it(message, section, key, f"must be a finite number, got {value!r}")


OUT_OF_RANGE = [
    ("strategy", "top_n", 0, "must be at least 1"),
    ("strategy", "top_n", -3, "must be at least 1"),
    ("strategy", "top_n", 10**9 + 1, "must be at most 1e9"),
    ("execution", "initial_cash", 0, "must be positive"),
    ("execution", "initial_cash", -5, "must be positive"),
    ("execution", "initial_cash", 1e19, "must be at most 1e18"),
    ("execution", "commission_bps", -1, "must be >= 0"),
    ("execution", "commission_bps", 10_000, "must be below 10,000"),
    ("execution", "commission_bps", 2e4, "must be below 10,000"),
    ("execution", "slippage_bps", -0.5, "must be >= 0"),
    ("execution", "slippage_bps", 10_000, "must be below 10,000"),
    ("execution", "min_trade_value", -1, "must be >= 0"),
    ("execution", "min_trade_value", 1e19, "must be at most 1e18"),
    ("execution", "delist_after", -1, "must be >= 0"),
    ("execution", "delist_after", 10**6 + 1, "must be at most 1e6"),
    ("execution", "memory_budget_mb", 0, "must be at least 0.001"),
    ("execution", "memory_budget_mb", -64, "must be at least 0.001"),
    ("execution", "memory_budget_mb", 1e10, "must be at most 1e9"),
    ("metrics", "risk_free_rate", -1, "must be above -1"),
    ("metrics", "risk_free_rate", 250, "must be below 1"),
    ("metrics", "periods_per_year", 0, "must be at least 1"),
    ("metrics", "periods_per_year", 10**9 + 1, "must be at most 1e9"),
]


@pytest.mark.parametrize(
    ("section", "key", "value", "rule"), OUT_OF_RANGE, ids=[f"{c[1]}={c[2]}" for c in OUT_OF_RANGE]
)
def test_values_out_of_range_are_refused(section: str, key: str, value: Any, rule: str):
    message = refused(section, key, value)
    shown = repr(float(value)) if not NUMBERS[(section, key)].whole else repr(value)
    names_it(message, section, key, f"{rule}, got {shown}")


SLIPS = [
    ("metrics", "risk_free_rate", 5, "did you mean 0.05?"),
    ("metrics", "risk_free_rate", 2.5, "did you mean 0.025?"),
    ("metrics", "risk_free_rate", 1, "did you mean 0.01?"),
    ("metrics", "risk_free_rate", -2, "did you mean -0.02?"),
    ("execution", "commission_bps", 0.0005, "did you mean 5?"),
    ("execution", "commission_bps", 0.001, "did you mean 10?"),
    ("execution", "slippage_bps", 0.0002, "did you mean 2?"),
]


@pytest.mark.parametrize(("section", "key", "value", "hint"), SLIPS, ids=[f"{c[1]}={c[2]}" for c in SLIPS])
def test_a_value_in_the_wrong_unit_gets_a_did_you_mean(section: str, key: str, value: float, hint: str):
    message = refused(section, key, value)
    names_it(message, section, key, repr(float(value)))
    assert hint in message
    unit = "percent given as a whole number" if key == "risk_free_rate" else "the key takes basis points"
    assert unit in message


@pytest.mark.parametrize(
    ("commission", "slippage"), [(10_000 - 1, 1), (5_000, 5_000), (6_000, 4_500), (0.5, 9_999.5)], ids=str
)
def test_costs_that_reach_the_notional_are_refused(commission: float, slippage: float):
    message = refused("execution", "commission_bps", commission, slippage_bps=slippage)
    total = f"{commission:g} + {slippage:g} = {commission + slippage:g} bps"
    for needle in ("[execution] `commission_bps` + `slippage_bps`", total, "commission_bps + slippage_bps < 10,000"):
        assert needle in message


def test_costs_just_below_the_notional_are_accepted():
    x = load_config(base(execution={"commission_bps": 5_000, "slippage_bps": 4_999.9})).execution
    assert x.commission_bps + x.slippage_bps < 10_000


ABSURD = [
    ("strategy", "top_n", 10**30),
    ("execution", "delist_after", 10**30),
    ("metrics", "periods_per_year", 10**30),
    ("metrics", "periods_per_year", -(10**30)),
    ("strategy", "top_n", 2**63),  # one past DuckDB's BIGINT
]


@pytest.mark.parametrize(("section", "key", "value"), ABSURD, ids=[f"{c[1]}={c[2]:.0e}" for c in ABSURD])
def test_absurd_whole_numbers_are_refused_cleanly(section: str, key: str, value: int):
    message = refused(section, key, value)
    names_it(message, section, key, f"(a {len(str(abs(value)))}-digit number)" if abs(value) > 10**23 else repr(value))
    assert "BIGINT" not in message and "INT64" not in message


@pytest.mark.parametrize(("section", "key"), FLOAT_KEYS, ids=[k for _, k in FLOAT_KEYS])
def test_a_whole_number_too_large_for_a_double_is_refused(section: str, key: str):
    message = refused(section, key, 10**400)
    assert f"[{section}] `{key}`" in message and "too large for a number" in message and "401-digit" in message


@pytest.mark.parametrize(("section", "key"), INT_KEYS, ids=[k for _, k in INT_KEYS])
def test_whole_number_keys_refuse_fractions(section: str, key: str):
    message = refused(section, key, 2.5)
    assert f"[{section}] `{key}`" in message and "expected a whole number, got 2.5" in message


@pytest.mark.parametrize(("section", "key"), list(NUMBERS), ids=[k for _, k in NUMBERS])
def test_both_ends_of_every_closed_range_are_accepted(section: str, key: str):
    bounds = NUMBERS[(section, key)]
    for value in (bounds.lo, bounds.hi):
        if math.isinf(value) or (value == bounds.lo and bounds.lo_open) or (value == bounds.hi and bounds.hi_open):
            continue
        value = int(value) if bounds.whole else value
        assert getattr(getattr(load_config(base(**{section: {key: value}})), section), key) == value


@pytest.mark.parametrize(
    ("text", "needle"),
    [('start = "0000-01-01"', "expected a date like 2015-01-02"),
     ('start = "10000-01-01"', "expected a date like 2015-01-02"),
     ("end = 0000-01-01", "not valid TOML")],
    ids=["year-0-string", "year-10000-string", "year-0-toml"],
)  # fmt: skip
def test_dates_outside_the_years_1_to_9999_are_refused(tmp_path: Path, text: str, needle: str):
    path = tmp_path / "run.toml"
    path.write_text(f'[data]\nprices = "p.parquet"\n[execution]\n{text}\n')
    with pytest.raises(ConfigError, match=needle):
        load_config(path)


def test_a_config_built_in_python_is_checked_too():
    with pytest.raises(ConfigError, match=r"config \[execution\] `commission_bps`: must be a finite number"):
        load_config(Config(data=Data(prices="p.parquet"), execution=Execution(commission_bps=NAN)))
    with pytest.raises(ConfigError, match=r"\[strategy\] `top_n`: expected a whole number, got '5'"):
        load_config(Config(data=Data(prices="p.parquet"), strategy=Strategy(top_n="5")))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"\[metrics\] `risk_free_rate`: must be below 1, got 3.0"):
        load_config(Config(data=Data(prices="p.parquet"), metrics=Metrics(risk_free_rate=3.0)))


# --- the same rules through [sweep] values -----------------------------------------------------

SWEEPS = [
    ({"commission_bps": [1.0, NAN]}, ("[sweep] `commission_bps`", "must be a finite number, got nan", "allowed: 0 <=")),
    ({"top_n": [5, 10**30]}, ("[sweep] `top_n`", "must be at most 1e9", "31-digit", "allowed: 1 <= top_n <= 1e9")),
    ({"slippage_bps": [2, 0.0002]}, ("[sweep] `slippage_bps`", "did you mean 2?", "0 <= slippage_bps < 10,000")),
    ({"initial_cash": [1e6, -INF]}, ("[sweep] `initial_cash`", "got -inf", "allowed: 0 < initial_cash <= 1e18")),
    ({"min_signal": [0.0, INF]}, ("[sweep] `min_signal`", "got inf", "allowed: any finite number (in the signal's")),
    ({"commission_bps": [5, 6_000], "slippage_bps": [1, 4_000]},
     ("[sweep] variant 3 (commission_bps=6000, slippage_bps=4000)", "6000 + 4000 = 10000 bps",
      "commission_bps + slippage_bps < 10,000")),
]  # fmt: skip


@pytest.mark.parametrize(("grid", "needles"), SWEEPS, ids=["nan", "absurd-int", "bps-fraction", "-inf", "inf", "costs"])
def test_sweep_values_are_checked_like_a_runs(grid: dict[str, list[Any]], needles: tuple[str, ...]):
    with pytest.raises(ConfigError) as err:
        base_config, combos = load_sweep(base(), grid)
        variant_configs(base_config, combos)
    for needle in needles:
        assert needle in str(err.value), f"{needle!r} not in: {err.value}"


# --- the ranges are documented where the keys are ------------------------------------------------


def test_every_range_is_in_the_docstring_and_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    classes = {"strategy": Strategy, "execution": Execution, "metrics": Metrics, "research": Research}
    for (section, key), bounds in NUMBERS.items():
        doc = " ".join((classes[section].__doc__ or "").split())
        assert bounds.text(key) in doc, f"{section}.{key}: {bounds.text(key)!r} not in the docstring"
        row = f"| `[{section}] {key}` | {bounds.text(key)} | {bounds.unit} |"
        assert row in readme, f"README has no row {row!r}"


def test_a_top_n_of_1e9_selects_every_eligible_asset():
    prices = make_prices(n_assets=7, n_days=8, seed=4, ragged=False)
    run = ml4t_sql.run(
        {"data": {"prices": prices.with_columns(pl.col("close").alias("score"))},
         "strategy": {"signal": "score", "top_n": 10**9, "weighting": "signal"}},
        write=False,
    )  # fmt: skip
    per_date = run.targets.group_by("date").agg(pl.len().alias("n"), pl.col("weight").sum().alias("w"))
    assert set(per_date["n"]) == {7} and all(abs(w - 1) < 1e-12 for w in per_date["w"])
