"""`[execution] start = "auto"` (the default): where the window starts, and what the run says.

The rule is computed a second time here, from the frames in plain Polars (`first_finite_date`,
`first_row_date`), and a run under "auto" must equal the same run with that date as an explicit
start: same window, same tables.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ml4t_sql
from ml4t_sql.errors import ConfigError, InputError
from ml4t_sql.validation import check, format_check

from .clirunner import cli
from .test_inputs import make_panel

PANEL = make_panel(n_assets=4, n_days=30)
PRICES = PANEL.drop("score")
DAYS = sorted(PANEL["date"].unique().to_list())
STRATEGY = {"signal": "score", "top_n": 2}


def warm_up(frame: pl.DataFrame, firsts: dict[str, int]) -> pl.DataFrame:
    """`score` NULL (or NaN, every other asset) before day index firsts[asset] (absent: never finite)."""
    index = {d: i for i, d in enumerate(DAYS)}
    rows = []
    for k, r in enumerate(frame.iter_rows(named=True)):
        first = firsts.get(r["asset"])
        if first is None or index[r["date"]] < first:
            r = {**r, "score": float("nan") if k % 2 else None}
        rows.append(r)
    return pl.DataFrame(rows, schema=frame.schema)


def first_finite_date(signals: pl.DataFrame, prices: pl.DataFrame) -> dt.date | None:
    """The reference: the first date on which an asset that has a bar that date has a finite score."""
    bars = set(zip(prices["date"].to_list(), prices["asset"].to_list(), strict=True))
    rows = zip(signals["date"].to_list(), signals["asset"].to_list(), signals["score"].to_list(), strict=True)
    dates = [d for d, a, s in rows if (d, a) in bars and s is not None and s == s and abs(s) != float("inf")]
    return min(dates, default=None)


def run(data: dict[str, Any], strategy: dict[str, Any] | None = None, **execution: Any) -> ml4t_sql.Run:
    config = {"data": data, "strategy": strategy or STRATEGY, "execution": execution}
    return ml4t_sql.run(config, write=False)


def same_tables(a: ml4t_sql.Run, b: ml4t_sql.Run) -> None:
    for name in ("equity", "targets", "trades", "positions", "orders"):
        assert a.tables[name].drop("run_id").equals(b.tables[name].drop("run_id")), name


def test_the_window_starts_at_the_first_finite_signal():
    panel = warm_up(PANEL, {"S0": 9, "S1": 7, "S2": 12, "S3": 7})
    auto = run({"prices": panel})
    assert auto.equity["date"].min() == DAYS[7] == first_finite_date(panel, panel)
    assert auto.quality["window"] == {"start": str(DAYS[7]), "chosen_by": "first_signal", "earlier_dates": 7}
    assert auto.quality["notes"][0] == (
        f"window starts {DAYS[7]}: the first date on which an asset has a finite 'score' signal "
        '([execution] start = "auto"; the 7 earlier dates feed signals only)'
    )
    same_tables(auto, run({"prices": panel}, start=DAYS[7]))
    with pytest.raises(InputError, match="no_signal_date"):  # an explicit start before it: refused, as before
        run({"prices": panel}, start=DAYS[0])


def test_a_finite_signal_without_a_bar_does_not_start_the_window():
    signals = warm_up(PANEL, {"S0": 3, "S1": 10}).select("date", "asset", "score")
    prices = PRICES.filter(~((pl.col("asset") == "S0") & (pl.col("date") < DAYS[5])))
    auto = run({"prices": prices, "signals": signals})
    assert auto.equity["date"].min() == DAYS[5] == first_finite_date(signals, prices)


def test_an_interior_date_without_signals_still_follows_no_signal_date():
    panel = warm_up(PANEL, {"S0": 4, "S1": 4}).with_columns(
        pl.when(pl.col("date") == DAYS[10]).then(None).otherwise(pl.col("score")).alias("score")
    )
    with pytest.raises(InputError, match="no asset has a finite 'score' signal") as refused:
        run({"prices": panel})
    assert str(DAYS[10]) in str(refused.value) and "set [execution] start" not in str(refused.value)
    cash = run({"prices": panel, "quality": {"no_signal_date": "cash"}})
    assert cash.equity["date"].min() == DAYS[4] and DAYS[10] not in cash.targets["date"].to_list()


def test_no_finite_signal_at_all_starts_at_the_first_date_and_is_refused():
    panel = warm_up(PANEL, {})
    result = check({"data": {"prices": panel}, "strategy": STRATEGY})
    assert result.summary["window_start"] == DAYS[0] and result.report.window["chosen_by"] == "data"
    assert any("no_signal_date" in e for e in result.errors)


def test_dates_where_no_asset_passes_the_filters_stay_in_the_window_in_cash():
    panel = warm_up(PANEL, {"S0": 2, "S1": 2, "S2": 2, "S3": 2})
    auto = run({"prices": panel}, {**STRATEGY, "min_history": 6})  # 6 bars first on DAYS[5]
    assert auto.equity["date"].min() == DAYS[2]
    first = auto.targets["date"].min()
    assert first == DAYS[5]
    values = auto.equity.filter(pl.col("date") <= DAYS[6])["market_value"].to_list()
    assert values[:4] == [0.0] * 4 and values[4] > 0  # the decision of DAYS[5] fills at the next open
    assert auto.quality["window"]["cash_dates"] == 4
    assert auto.quality["notes"][1] == (
        f"the strategy holds cash on the first 4 window dates ({DAYS[2]} .. {DAYS[5]}): "
        f"no target with a nonzero weight before the decision of {DAYS[5]}"
    )


CUSTOM = """
select date, asset, 1.0 / 2 as weight from prices
where date >= date '2021-01-12' and asset in ('S1', 'S2')
"""


def test_a_custom_strategy_starts_at_its_first_row_and_its_schedule_counts_from_there():
    strategy = {"sql": CUSTOM, "rebalance_every": 3}
    auto = run({"prices": PANEL}, strategy)
    assert DAYS[8] == dt.date(2021, 1, 12)
    assert auto.equity["date"].min() == DAYS[8]  # the query's first row, over the whole calendar
    assert auto.quality["window"]["chosen_by"] == "first_target"
    assert auto.targets["date"].unique().sort().to_list() == [DAYS[8 + 3 * k] for k in range(8)]
    assert "cash_dates" not in auto.quality["window"]
    explicit = run({"prices": PANEL}, strategy, start=DAYS[8])
    same_tables(auto, explicit)


def test_a_custom_strategy_holding_cash_at_the_start_says_so_in_the_run(tmp_path: Path):
    sql = "select date, asset, case when date < date '2021-01-10' then 0.0 else 0.25 end as weight from prices"
    auto = run({"prices": PANEL}, {"sql": sql})
    assert auto.equity["date"].min() == DAYS[0]
    assert auto.quality["notes"] == [
        f"window starts {DAYS[0]}: the first date on which the strategy SQL returns a row, also the first date of the "
        'prices ([execution] start = "auto")',
        f"the strategy holds cash on the first 7 window dates ({DAYS[0]} .. {DAYS[6]}): "
        f"no target with a nonzero weight before the decision of {DAYS[6]}",
    ]
    PANEL.write_parquet(tmp_path / "p.parquet")
    (tmp_path / "c.toml").write_text(f'[data]\nprices = "p.parquet"\n[strategy]\nsql = "{sql}"\n')
    done = cli("run", str(tmp_path / "c.toml"), "--warehouse", str(tmp_path / "wh"))
    assert done.returncode == 0, done.stderr
    assert f"note: the strategy holds cash on the first 7 window dates ({DAYS[0]} .. {DAYS[6]})" in done.stderr
    assert f"note: window starts {DAYS[0]}" in done.stderr
    checked = format_check(check(tmp_path / "c.toml", warehouse=tmp_path / "wh"))
    assert "holds cash on the first 7 window dates" in checked


def test_start_takes_a_date_or_auto():
    assert ml4t_sql.Config(data=ml4t_sql.config.Data(prices=PANEL)).execution.start == "auto"
    with pytest.raises(ConfigError, match=r"expected a date like 2015-01-02 or 'auto', got 'atuo'"):
        run({"prices": PANEL}, start="atuo")
    with pytest.raises(ConfigError, match="start 2021-01-20 is after end"):
        run({"prices": PANEL}, start="2021-01-20", end="2021-01-10")
    explicit = run({"prices": PANEL}, start=None)  # Python only: the first date of the prices
    assert explicit.quality["window"]["chosen_by"] == "data" and explicit.quality["notes"] == []


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from(["S0", "S1", "S2", "S3"]), st.integers(0, 29), min_size=1), st.booleans())
def test_auto_equals_an_explicit_start_at_the_reference_date(firsts: dict[str, int], separate: bool):
    panel = warm_up(PANEL, firsts)
    data = {"prices": PRICES, "signals": panel.select("date", "asset", "score")} if separate else {"prices": panel}
    data["quality"] = {"no_signal_date": "cash"}  # assets whose signal never turns finite: fine
    expected = first_finite_date(panel, PRICES)
    assert expected == DAYS[min(firsts.values())]
    auto = run(data)
    assert auto.equity["date"].min() == expected
    same_tables(auto, run(data, start=expected))


def test_the_bundled_examples_explicit_start_is_the_date_auto_chooses():
    """The examples pin start = 2014-02-10 (their golden numbers, tests/test_golden.py): "auto"
    chooses the same date, so their numbers do not move without it."""
    import tomllib

    example = Path(__file__).resolve().parent.parent / "examples" / "top25_momentum.toml"
    raw = tomllib.loads(example.read_text())
    assert raw["execution"].pop("start") == "2014-02-10"
    cfg = ml4t_sql.config.from_mapping(raw, base_dir=example.parent, where=str(example))
    result = check(cfg)
    assert result.summary["window_start"] == dt.date(2014, 2, 10)
    assert result.report.window == {"start": "2014-02-10", "chosen_by": "first_signal", "earlier_dates": 252}
