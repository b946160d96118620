"""Configuration: defaults, relative paths, serialization. Bad configs are in the catalog, test_bad_input.py."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.config import (
    NUMBERS,
    Config,
    Data,
    Execution,
    Metrics,
    Research,
    Risk,
    Strategy,
    check_value,
    load_config,
)  # fmt: skip
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
    ("strategy", "min_price", -1, "must be >= 0"),
    ("strategy", "min_price", 1e13, "must be at most 1e12"),
    ("strategy", "min_adv", -0.5, "must be >= 0"),
    ("strategy", "min_adv", 1e28, "must be at most 1e27"),
    ("strategy", "adv_window", 0, "must be at least 1"),
    ("strategy", "adv_window", 10**6 + 1, "must be at most 1e6"),
    ("strategy", "min_history", 0, "must be at least 1"),
    ("strategy", "min_history", -5, "must be at least 1"),
    ("strategy", "vol_window", 1, "must be at least 2"),
    ("strategy", "vol_window", 10**7, "must be at most 1e6"),
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
    ("execution", "cash_rate", -1, "must be above -1"),
    ("execution", "cash_rate", 250, "must be below 1"),
    ("execution", "margin_rate", 1, "must be below 1"),
    ("execution", "short_fee", -0.01, "must be >= 0"),
    ("execution", "short_fee", 1, "must be below 1"),
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
    ("execution", "cash_rate", 5, "did you mean 0.05?"),
    ("execution", "margin_rate", 7.5, "did you mean 0.075?"),
    ("execution", "short_fee", 3, "did you mean 0.03?"),
    ("execution", "commission_bps", 0.0005, "did you mean 5?"),
    ("execution", "commission_bps", 0.001, "did you mean 10?"),
    ("execution", "slippage_bps", 0.0002, "did you mean 2?"),
]


@pytest.mark.parametrize(("section", "key", "value", "hint"), SLIPS, ids=[f"{c[1]}={c[2]}" for c in SLIPS])
def test_a_value_in_the_wrong_unit_gets_a_did_you_mean(section: str, key: str, value: float, hint: str):
    message = refused(section, key, value)
    names_it(message, section, key, repr(float(value)))
    assert hint in message
    rates = ("risk_free_rate", "cash_rate", "margin_rate", "short_fee")
    unit = "percent given as a whole number" if key in rates else "the key takes basis points"
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
        if key in TIED:  # its range alone; the rules that tie it to other keys are tested apart
            assert check_value(section, key, value, "config") == value
            continue
        assert getattr(getattr(load_config(base(**{section: {key: value}})), section), key) == value


TIED = {
    "bottom_n", "hold_rank", "hold_rank_short", "max_group_weight", "long_exposure", "short_exposure", "max_weight",
    "max_leverage", "lot_size", "reentry_after", "halt_dates",
}  # fmt: skip
"""Keys whose ends need other keys set (a short leg, a group, leverage the fold cannot take yet)."""


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
    ({"min_price": [1.0, -2.0]}, ("[sweep] `min_price`", "must be >= 0, got -2.0", "allowed: 0 <= min_price <= 1e12")),
    ({"vol_window": [20, 1]}, ("[sweep] `vol_window`", "must be at least 2, got 1", "whole number of close-to-close")),
    ({"commission_bps": [5, 6_000], "slippage_bps": [1, 4_000]},
     ("[sweep] variant 3 (commission_bps=6000, slippage_bps=4000)", "6000 + 4000 = 10000 bps",
      "commission_bps + slippage_bps < 10,000")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("grid", "needles"),
    SWEEPS,
    ids=["nan", "absurd-int", "bps-fraction", "-inf", "inf", "min-price", "vol-window", "costs"],
)
def test_sweep_values_are_checked_like_a_runs(grid: dict[str, list[Any]], needles: tuple[str, ...]):
    with pytest.raises(ConfigError) as err:
        base_config, combos = load_sweep(base(), grid)
        variant_configs(base_config, combos)
    for needle in needles:
        assert needle in str(err.value), f"{needle!r} not in: {err.value}"


# --- the ranges are documented where the keys are ------------------------------------------------


def test_every_range_is_in_the_docstring_and_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    classes = {"strategy": Strategy, "execution": Execution, "metrics": Metrics, "research": Research, "risk": Risk}
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


# --- the universe keys ----------------------------------------------------------------------------


def test_universe_keys_default_off_and_load_from_a_file(tmp_path: Path):
    s = Strategy()
    assert (s.min_price, s.min_adv, s.adv_window, s.min_history, s.group, s.vol_window) == (
        None,
        None,
        20,
        None,
        None,
        60,
    )
    path = tmp_path / "run.toml"
    path.write_text(
        '[data]\nprices = "p.parquet"\nuniverse = "members.parquet"\nassets = "sectors.csv"\n'
        '[data.quality]\nmissing_group = "fail"\n'
        '[strategy]\nmin_price = 5\nmin_adv = 1e6\nadv_window = 10\nmin_history = 250\ngroup = "sector"\n'
        'weighting = "inverse_vol"\nvol_window = 20\n'
    )
    cfg = load_config(path)
    assert (cfg.data.universe, cfg.data.assets, cfg.data.quality.missing_group) == ("members.parquet", "sectors.csv",
                                                                                    "fail")  # fmt: skip
    st = cfg.strategy
    assert (st.min_price, st.min_adv, st.adv_window, st.min_history, st.group) == (5.0, 1e6, 10, 250, "sector")
    assert (st.weighting, st.vol_window) == ("inverse_vol", 20)


@pytest.mark.parametrize(
    ("raw", "needle"),
    [({"strategy": {"group": "sector; drop"}}, "[strategy] `group`: 'sector; drop' is not a plain name"),
     ({"strategy": {"group": 3}}, "`group`: expected a string, got 3"),
     ({"strategy": {"min_history": 2.5}}, "`min_history`: expected a whole number, got 2.5"),
     ({"data": {"prices": "p.parquet", "quality": {"missing_group": "drop"}}}, "'drop' is not one of warn, fail"),
     ({"data": {"prices": "p.parquet", "universes": "u.parquet"}}, "unknown key `universes`; did you mean `universe`?"),
     ({"strategy": {"sql": "select 1", "min_price": 5.0}}, "[strategy] `min_price`: applies to the built-in strategy"),
     ({"data": {"prices": "p.parquet", "assets": "a.csv"}, "strategy": {"sql": "x.sql"}},
      "[data] `assets`: applies to the built-in strategy only")],
    ids=["group-not-plain", "group-not-text", "history-fraction", "missing-group-choice", "universe-typo",
         "filter-with-sql", "assets-with-sql"],
)  # fmt: skip
def test_bad_universe_keys_are_refused(raw: dict[str, Any], needle: str):
    with pytest.raises(ConfigError) as err:
        load_config({**base(), **raw})
    assert needle in str(err.value), str(err.value)


# --- construction keys: the rules that tie them together ------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "execution", "needles"),
    [
        ({"quantiles": 5, "top_n": 10}, {}, ("`quantiles` with `top_n`", "contradictory")),
        ({"quantiles": 5, "bottom_n": 3, "short_exposure": 1.0}, {}, ("`quantiles` with `bottom_n`",)),
        ({"quantiles": 5, "hold_rank": 30}, {}, ("`quantiles` with `hold_rank`",)),
        ({"quantiles": 5, "hold_rank_short": 3}, {}, ("`quantiles` with `hold_rank_short`",)),
        ({"long_short": True}, {}, ("`long_short`: applies to `quantiles` only",)),
        ({"top_n": 10, "hold_rank": 5}, {}, ("`hold_rank`: must be at least top_n (10), got 5",)),
        ({"hold_rank_short": 3}, {}, ("`hold_rank_short`: needs a short leg",)),
        ({"bottom_n": 5, "short_exposure": 0.5, "hold_rank_short": 3}, {}, ("must be at least bottom_n (5), got 3",)),
        ({"group_neutral": True}, {}, ("`group_neutral`: needs `group`",)),
        ({"max_group_weight": 0.3}, {}, ("`max_group_weight`: needs `group`",)),
        ({"weighting": "inverse_vol", "vol_window": 1}, {}, ("`vol_window`: must be at least 2",)),
        ({"long_exposure": -0.5}, {}, ("`long_exposure`: must be >= 0",)),
        ({"short_exposure": -1.0}, {}, ("`short_exposure`: must be >= 0",)),
        ({"max_weight": 0}, {}, ("`max_weight`: must be positive",)),
        ({"max_weight": 5}, {}, ("`max_weight`: 5 is above every leg's exposure", "did you mean 0.05?")),
        ({"bottom_n": 5}, {}, ("`short_exposure`: 0 with a short leg",)),
        ({"short_exposure": 0.3}, {}, ("`short_exposure`: 0.3 with no short leg",)),
        ({"bottom_n": 5, "short_exposure": 0.5}, {}, ("a short leg needs `[execution] allow_short = true`",)),
        ({"quantiles": 5, "long_short": True, "short_exposure": 1.0}, {}, ("allow_short = true",)),
        ({"long_exposure": 1.3}, {}, ("`[execution] max_leverage` of at least that", "(it is 1)")),
        ({"long_exposure": 1.3}, {"max_leverage": 1.2}, ("`long_exposure` + `short_exposure`: 1.3", "(it is 1.2)")),
        ({"bottom_n": 5, "short_exposure": 1.0}, {"allow_short": True},
         ("`long_exposure` + `short_exposure`: 2 x NAV", "`[execution] max_leverage` of at least that")),
        ({"bottom_n": 5, "short_exposure": 0.5}, {"max_leverage": 2.0},
         ("a short leg needs `[execution] allow_short",)),
        ({}, {"max_leverage": 100.5}, ("`max_leverage`",)),
        ({}, {"max_leverage": 0}, ("`max_leverage`: must be positive",)),
        ({"group": "no such; name"}, {}, ("[strategy] `group`", "not a plain name")),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, dict) else None,
)
def test_contradictory_or_unbuilt_constructions_are_refused(strategy, execution, needles):
    with pytest.raises(ConfigError) as info:
        load_config(base(strategy=strategy, execution=execution))
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize(
    "strategy",
    [
        {"quantiles": 5},
        {"top_n": 10, "hold_rank": 10},
        {"top_n": 10, "hold_rank": 30, "weighting": "rank"},
        {"group": "sector", "group_neutral": True, "max_group_weight": 0.4, "max_weight": 0.05},
        {"weighting": "inverse_vol", "vol_window": 2},
        {"long_exposure": 0.5, "max_weight": 1.0},
    ],
)
def test_long_only_unlevered_constructions_are_accepted(strategy):
    cfg = load_config(base(strategy=strategy))
    for key, value in strategy.items():
        assert getattr(cfg.strategy, key) == value


@pytest.mark.parametrize(
    ("strategy", "execution"),
    [
        ({}, {"allow_short": True}),
        ({}, {"max_leverage": 2.0}),
        ({"bottom_n": 5, "short_exposure": 0.5}, {"allow_short": True, "max_leverage": 1.5}),
        ({"quantiles": 5, "long_short": True, "short_exposure": 1.0}, {"allow_short": True, "max_leverage": 2.0}),
        ({"long_exposure": 1.3, "bottom_n": 5, "short_exposure": 0.3}, {"allow_short": True, "max_leverage": 1.6}),
        ({"long_exposure": 1.5}, {"max_leverage": 1.5}),
    ],
)
def test_short_and_levered_constructions_are_accepted_when_allowed(strategy, execution):
    cfg = load_config(base(strategy=strategy, execution=execution))
    for key, value in execution.items():
        assert getattr(cfg.execution, key) == value


def test_construction_keys_are_sweepable_and_each_variant_is_checked():
    grid = {"weighting": ["rank", "inverse_vol"], "hold_rank": [None, 40], "max_weight": [None, 0.1],
            "long_exposure": [0.5, 1.0], "group": ["sector"], "vol_window": [20]}  # fmt: skip
    cfg, combos = load_sweep(base(), grid)
    assert len(variant_configs(cfg, combos)) == 16
    with pytest.raises(ConfigError, match=r"variant 0 \(bottom_n=3, short_exposure=0.5\).*allow_short = true"):
        cfg, combos = load_sweep(base(), {"bottom_n": [3], "short_exposure": [0.5]})
        variant_configs(cfg, combos)


def test_financing_keys_default_to_zero_and_their_relations_are_optional():
    cfg = load_config({"data": {"prices": "p.parquet"}})
    x = cfg.execution
    assert (x.cash_rate, x.margin_rate, x.short_fee) == (0.0, 0.0, 0.0)
    assert cfg.data.rates is None and cfg.data.borrow_fees is None
    assert (cfg.data.quality.stale_rate, cfg.data.quality.unknown_fee_asset) == ("fail", "warn")
    cfg = load_config({"data": {"prices": "p.parquet", "rates": "r.parquet", "quality": {"stale_rate": "carry"}},
                       "execution": {"cash_rate": 0.02, "margin_rate": -0.5, "short_fee": 0}})  # fmt: skip
    assert cfg.data.rates == "r.parquet" and cfg.data.quality.stale_rate == "carry"
    assert (cfg.execution.cash_rate, cfg.execution.margin_rate, cfg.execution.short_fee) == (0.02, -0.5, 0)


def test_financing_key_slips_get_a_did_you_mean():
    with pytest.raises(ConfigError, match="did you mean `rates`"):
        load_config({"data": {"prices": "p.parquet", "rate": "r.parquet"}})
    with pytest.raises(ConfigError, match="did you mean `short_fee`"):
        load_config({"data": {"prices": "p.parquet"}, "execution": {"short_fees": 0.01}})
    with pytest.raises(ConfigError, match="stale_rate"):
        load_config({"data": {"prices": "p.parquet", "quality": {"stale_rate": "hold"}}})
