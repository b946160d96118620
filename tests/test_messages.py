"""Messages that say what to do: intraday timestamps (and `[data] bar_time`), missing columns at
once, every config error at once, an unreadable input in `check`, no engine relation names, and
`top_n` above every universe."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.data.relations import in_user_words, produced
from ml4t_sql.errors import ConfigError, ConfigErrors, InputError
from ml4t_sql.pipeline import execute
from ml4t_sql.sweeps import load_sweep, variant_configs
from ml4t_sql.validation import check, format_check

from .clirunner import cli
from .test_bad_input import CASES, Case
from .test_inputs import PANEL

STRATEGY = {"signal": "score", "top_n": 2}

USER_KEYS = {"borrow_fees"}  # a [data] key: the input's name in messages
ENGINE_NAMES = sorted(
    {name for name, public in produced().items() if not public and "_" in name and name not in USER_KEYS}
    | {"raw_targets", "final_targets", "price_spellings", "signal_spellings", "signal_folds", "rebalance_dates_all"}
)
"""Relations only the engine's SQL knows (one-word names such as `universe` or `rates` are also the
user's [data] keys, so they are allowed)."""
INTERNAL = re.compile(r"\bml4t[._]\w|\binput_(prices|signals|benchmark|universe|assets|rates|borrow_fees)\b|\b("
                      + "|".join(ENGINE_NAMES) + r")\b")  # fmt: skip


def internal_names(message: str) -> list[str]:
    return [m.group(0) for m in INTERNAL.finditer(message)]


ECHOED = {"table-name-engine-prefix"}  # the message quotes the user's own name back


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.id not in ECHOED], ids=[c.id for c in CASES if c.id not in ECHOED]
)
def test_no_message_names_an_engine_relation(case: Case, tmp_path: Path):
    """Every refusal of the bad-input catalog, from a run and from `check`."""
    (tmp_path / "run").mkdir()
    (tmp_path / "check").mkdir()
    with pytest.raises(case.error) as err:
        ml4t_sql.run(case.build(tmp_path / "run"), write=False)
    assert internal_names(str(err.value)) == [], str(err.value)
    result = check(case.build(tmp_path / "check"), warehouse=tmp_path / "wh")
    assert internal_names(format_check(result)) == [], format_check(result)


# --- intraday timestamps and [data] bar_time ---------------------------------------------------


def _at_four(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("date").cast(pl.Datetime("us")) + pl.duration(hours=16))


def test_a_time_of_day_is_refused_with_the_asset_column_and_the_fix():
    prices = _at_four(PANEL).rename({"asset": "symbol"})
    with pytest.raises(InputError) as err:
        ml4t_sql.run({"data": {"prices": prices, "columns": {"asset": "symbol"}}, "strategy": STRATEGY}, write=False)
    lines = str(err.value).splitlines()
    assert lines[0] == "prices: timestamps with a time of day; daily bars need one row per date (240 rows)"
    assert lines[1].split() == ["symbol", "date"] and lines[2].split() == ["S0", "2021-01-04", "16:00:00"]
    assert lines[-1] == (
        'to take the date part as the bar\'s date, set [data] bar_time = "date" (two rows of one asset on a '
        "date are then duplicate keys), or cast(date as date) in a .sql input"
    )


def test_bar_time_date_takes_the_date_part_of_prices_and_signals():
    plain = ml4t_sql.run({"data": {"prices": PANEL}, "strategy": STRATEGY}, write=False)
    signals = _at_four(PANEL.select("date", "asset", "score"))
    data = {"prices": _at_four(PANEL.drop("score")), "signals": signals, "bar_time": "date"}
    stamped = ml4t_sql.run({"data": data, "strategy": STRATEGY}, write=False)
    assert stamped.equity.drop("run_id").equals(plain.equity.drop("run_id"))
    with pytest.raises(InputError, match="signals: timestamps with a time of day"):
        ml4t_sql.run({"data": {"prices": PANEL, "signals": signals}, "strategy": STRATEGY}, write=False)


def test_bar_time_date_makes_two_bars_of_one_date_duplicates():
    late = PANEL.filter(pl.col("asset") == "S1").head(1).with_columns(pl.col("close") * 1.01)
    prices = pl.concat(
        [_at_four(PANEL), late.with_columns(pl.col("date").cast(pl.Datetime("us")) + pl.duration(hours=20))]
    )
    with pytest.raises(InputError, match=r"prices: duplicate \(date, asset\) keys"):
        ml4t_sql.run({"data": {"prices": prices, "bar_time": "date"}, "strategy": STRATEGY}, write=False)
    with pytest.raises(ConfigError, match="'dates' is not one of midnight, date; did you mean 'date'"):
        ml4t_sql.run({"data": {"prices": PANEL, "bar_time": "dates"}, "strategy": STRATEGY}, write=False)


# --- missing columns, config errors, unreadable inputs: all at once ----------------------------


def test_missing_columns_are_listed_at_once(tmp_path: Path):
    with pytest.raises(InputError) as err:
        ml4t_sql.run({"data": {"prices": PANEL.drop("open", "close")}, "strategy": STRATEGY}, write=False)
    assert str(err.value).splitlines()[0] == (
        "prices: missing required columns: column 'open', column 'close' are not in the input"
    )
    signals = PANEL.select("score", "volume")
    with pytest.raises(InputError, match=r"signals: missing required columns 'date' \(date\) and 'asset' \(asset\)"):
        ml4t_sql.run({"data": {"prices": PANEL, "signals": signals}, "strategy": STRATEGY}, write=False)
    rates = pl.DataFrame({"day": [PANEL["date"][0]], "yield": [0.01]})
    with pytest.raises(InputError, match="rates: missing required columns 'date' and 'rate'"):
        ml4t_sql.run({"data": {"prices": PANEL, "rates": rates}, "strategy": STRATEGY}, write=False)


BAD_CONFIG = """
[data]
prices = "p.parquet"
bar_time = "dat"
[strategy]
topn = 5
top_n = "5"
[execution]
commission_bps = -1
start = "soon"
[output]
colour = "red"
"""


def test_check_lists_every_config_error_at_once(tmp_path: Path):
    PANEL.write_parquet(tmp_path / "p.parquet")
    (tmp_path / "c.toml").write_text(BAD_CONFIG)
    result = check(tmp_path / "c.toml")
    assert [e.split(": ", 1)[1] if e.startswith(str(tmp_path)) else e for e in result.errors] == [
        "'dat' is not one of midnight, date; did you mean 'date'?",
        "unknown key `topn`; did you mean `top_n`?",
        "expected a whole number, got '5'",
        "expected a date like 2015-01-02 or 'auto', got 'soon'",
        "unknown key `colour`; known keys: warehouse, name",
        "must be >= 0, got -1.0; allowed: 0 <= commission_bps < 10,000 (basis points of traded notional; 1 bp = 0.01%)",
    ]
    with pytest.raises(ConfigErrors) as err:  # a run lists them too, before it reads anything
        ml4t_sql.run(tmp_path / "c.toml", write=False)
    assert len(err.value.errors) == 6 and str(err.value).startswith("6 configuration errors:\n  ")
    done = cli("check", str(tmp_path / "c.toml"))
    assert done.returncode == 1 and done.stdout.count("\nerror: ") == 6
    assert "6 error(s); in the configuration (a run lists them too):" in done.stdout


def test_the_rules_between_keys_wait_for_the_keys_themselves():
    one = {"data": {"prices": PANEL}, "strategy": {**STRATEGY, "hold_rank": 1}}
    with pytest.raises(ConfigError, match="`hold_rank`: must be at least top_n") as err:
        ml4t_sql.run(one, write=False)
    assert not isinstance(err.value, ConfigErrors)  # one error: itself, as before
    noisy = {"data": {"prices": PANEL}, "strategy": {**STRATEGY, "hold_rank": 1, "top_n": "5"}}
    assert [e for e in check(noisy).errors if "hold_rank" in e] == []  # top_n has its default meanwhile


def test_an_unreadable_input_stops_check_before_the_quality_table(tmp_path: Path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    for prices in ("bad.parquet", "nowhere.parquet"):
        (tmp_path / "c.toml").write_text(f'[data]\nprices = "{prices}"\n[strategy]\nsignal = "score"\n')
        text = format_check(check(tmp_path / "c.toml", warehouse=tmp_path / "wh"))
        assert "data quality:\n" not in text and "missing_open" not in text, text
        assert text.splitlines()[0].startswith("data quality: not checked: the prices and signals could not be read")
        assert "error: " in text
    PANEL.write_parquet(tmp_path / "good.parquet")
    (tmp_path / "c.toml").write_text('[data]\nprices = "good.parquet"\n[strategy]\nsignal = "score"\n')
    assert "\ndata quality:\n" in format_check(check(tmp_path / "c.toml", warehouse=tmp_path / "wh"))


# --- top_n above every universe ------------------------------------------------------------------


def largest_universe(frame: pl.DataFrame, min_history: int = 1) -> tuple[int, dt.date]:
    """The reference: the most assets with a finite score and at least `min_history` bars on a
    date, and the first date with that many."""
    ranked = frame.sort("date").with_columns(pl.int_range(1, pl.len() + 1).over("asset").alias("bars"))
    eligible = ranked.filter(pl.col("score").is_finite() & (pl.col("bars") >= min_history))
    sizes = eligible.group_by("date").len()
    largest = int(sizes["len"].max())
    return largest, sizes.filter(pl.col("len") == largest)["date"].min()


@pytest.mark.parametrize(("top_n", "min_history"), [(6, 1), (7, 1), (10, 1), (5, 3), (6, 3), (2, 1)])
def test_top_n_above_the_largest_universe_is_a_warning(top_n: int, min_history: int):
    first = PANEL["date"].min()
    panel = PANEL.with_columns(  # S5 has a signal on the first date only: the largest universe is then
        pl.when((pl.col("asset") == "S5") & (pl.col("date") > first)).then(None).otherwise(pl.col("score"))
        .alias("score")
    )  # fmt: skip
    strategy = {**STRATEGY, "top_n": top_n, "min_history": min_history}
    run = ml4t_sql.run({"data": {"prices": panel}, "strategy": strategy}, write=False)
    largest, on = largest_universe(panel, min_history)
    assert (largest, on) == ((6, first) if min_history == 1 else (5, first + dt.timedelta(days=2)))
    warned = [w for w in run.quality["warnings"] if w.startswith("[strategy] top_n")]
    if top_n > largest:
        assert warned == [
            f"[strategy] top_n = {top_n} is above the largest universe of any rebalance date ({largest} eligible "
            f"assets, on {on}): every eligible asset is held on every rebalance date; lower top_n, or check the "
            "universe's filters"
        ]
    else:
        assert warned == []


def test_a_sweep_names_the_variants_whose_top_n_is_too_large(tmp_path: Path):
    PANEL.write_parquet(tmp_path / "p.parquet")
    (tmp_path / "s.toml").write_text(
        '[data]\nprices = "p.parquet"\n[strategy]\nsignal = "score"\n[sweep]\ntop_n = [2, 8, 9]\n'
    )
    base, combos = load_sweep(tmp_path / "s.toml")
    out = execute(base, variant_configs(base, combos), combos=combos, write=False)
    assert [w for w in out.quality["warnings"] if "top_n" in w] == [
        "[strategy] top_n = 8 is above the largest universe of any rebalance date (6 eligible assets, on "
        "2021-01-04; variants 1): every eligible asset is held on every rebalance date; lower top_n, or check "
        "the universe's filters",
        "[strategy] top_n = 9 is above the largest universe of any rebalance date (6 eligible assets, on "
        "2021-01-04; variants 2): every eligible asset is held on every rebalance date; lower top_n, or check "
        "the universe's filters",
    ]


def test_a_database_message_about_the_engine_sql_uses_the_users_names():
    text = (
        'Binder Error: column "x" not in ml4t.typed_prices, ml4t."raw_targets", ml4t_input_prices or input_signals; '
        "ml4t.final_targets, ml4t.calendar"
    )
    said = in_user_words(text)
    assert said == (
        'Binder Error: column "x" not in prices, the strategy\'s targets, prices or signals; targets, calendar'
    )
    assert internal_names(text) and internal_names(said) == []
