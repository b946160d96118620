"""`check --lookahead`: the strategy rerun on the inputs cut after several rebalance dates; the first
relation (in pipeline order) whose rows dated <= the cut change is reported, with example rows.

Caught: a custom strategy using lead(), a join to the next date's prices, a join to a table of
future earnings, a membership table whose end dates leak, a `.sql` signal that peeks (as `signals`),
an intermediate relation that peeks while the targets stay the same. Passed, exactly: every built-in
construction of tests/lookahead_cases.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ml4t_sql.strategy import builtin
from ml4t_sql.strategy.lookahead import spread
from ml4t_sql.validation import check, format_check

from .clirunner import cli
from .depth import examples, sample
from .lookahead_cases import BUILT_IN, Case, lookahead_panel

PANEL = lookahead_panel()
EXECUTION = {"delist_after": 3}

# the top 3 by the next bar's return: lead() reads the bar after the decision
LEAD_SQL = """
select date, asset, 1.0 / 3 as weight
from (
    select date, asset, lead(close) over (partition by asset order by date) / close - 1 as fwd
    from prices
)
where fwd is not null
qualify row_number() over (partition by date order by fwd desc, asset) <= 3
"""

# the same idea without a window function: a join to the next trading date's close
NEXT_DATE_SQL = """
with next_close as (
    select p.date, p.asset, n.close / p.close - 1 as fwd
    from prices as p
    inner join calendar as c on c.date = p.date
    inner join calendar as c1 on c1.date_idx = c.date_idx + 1
    inner join prices as n on n.asset = p.asset and n.date = c1.date
)
select date, asset, 0.5 as weight
from next_close
qualify row_number() over (partition by date order by fwd desc, asset) <= 2
"""

# a join to earnings announced in the next 5 calendar days (a table dated by its announcement)
EARNINGS_SQL = """
select p.date, p.asset, 0.25 as weight
from prices as p
inner join earnings as e on e.asset = p.asset and e.date > p.date and e.date <= p.date + 5
qualify row_number() over (partition by p.date order by e.surprise desc, p.asset) <= 4
"""

# members (asset, start_date, end_date): avoid the assets that leave within 10 days (end_date leaks)
LEAVERS_SQL = """
select p.date, p.asset, 0.25 as weight
from prices as p
inner join members as m on m.asset = p.asset and p.date >= m.start_date
where m.end_date is null or m.end_date > p.date + 10
qualify row_number() over (partition by p.date order by p.close desc, p.asset) <= 4
"""

CLEAN_SQL = """
select date, asset, 0.5 as weight
from prices
qualify row_number() over (partition by date order by close desc, asset) <= 2
"""


def config(strategy: dict[str, Any], **data: Any) -> dict[str, Any]:
    return {"data": {"prices": PANEL, **data}, "strategy": strategy, "execution": EXECUTION}


def dates() -> list[dt.date]:
    return sorted(PANEL["date"].unique().to_list())


def earnings() -> pl.DataFrame:
    """One announcement per asset about every 9 trading dates, with a surprise."""
    rows = PANEL.select("date", "asset").sort("asset", "date").with_row_index("i")
    picked = rows.filter(pl.col("i") % 9 == 0)
    return picked.select("date", "asset", ((pl.col("i") * 37 % 17) / 17.0).alias("surprise"))


def members() -> pl.DataFrame:
    """Every asset a member from its first bar; six of them leave at a date in the window."""
    spans = PANEL.group_by("asset").agg(pl.col("date").min().alias("start_date")).sort("asset")
    days = dates()
    ends = [days[20 + 15 * i] if i < 6 else None for i in range(spans.height)]
    return spans.with_columns(pl.Series("end_date", ends, dtype=pl.Date))


def lookahead_of(cfg: dict[str, Any], cuts: int = 6):
    result = check(cfg, lookahead=True, cuts=cuts)
    assert result.lookahead is not None, result.errors
    return result, result.lookahead


# --- built-in constructions pass exactly ---------------------------------------------------------


def built_in_relations(relations: list[str]) -> bool:
    """The relations of a built-in strategy: its windows, then its steps in the order of builtin.STEPS,
    the five every construction has among them, ending at targets."""
    steps = [r for r in relations if r in builtin.STEPS]
    windows = relations[: len(relations) - len(steps)]
    return (
        set(windows) <= set(builtin.WINDOWS)
        and steps == [s for s in builtin.STEPS if s in steps]
        and {"universe", "ranks", "selection", "weights", "targets"} <= set(steps)
        and relations[-1] == "targets"
    )


@pytest.mark.parametrize("case", sample(BUILT_IN, every=3), ids=lambda c: c.id)
def test_every_built_in_construction_passes(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    cfg = config({"signal": "score", **case.strategy}, **case.inputs(PANEL))
    result, found = lookahead_of(cfg)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even spill files
    assert result.ok, result.errors
    assert found.finding is None and built_in_relations(found.relations)
    assert found.cuts and all(c.error is None and c.compared == len(found.relations) for c in found.cuts)
    assert not found.notes


def test_a_built_in_strategy_over_a_sql_signal_passes(tmp_path: Path):
    (tmp_path / "momentum.sql").write_text(
        "select date, asset, close / lag(close, 5) over (partition by asset order by date) - 1 as momentum from prices"
    )
    cfg = config({"signal": "momentum", "top_n": 3, "rebalance": "weekly"}, signals=str(tmp_path / "momentum.sql"))
    cfg["data"]["quality"] = {"no_signal_date": "cash"}
    result, found = lookahead_of(cfg, cuts=4)
    assert result.ok, result.errors
    assert found.relations[0] == "signals" and len(found.cuts) == 4


# --- what is caught ------------------------------------------------------------------------------


def test_a_custom_strategy_using_lead_is_caught_with_the_relation_and_the_cut():
    result, found = lookahead_of(config({"sql": LEAD_SQL}))
    assert not result.ok and found.finding is not None
    change = found.finding
    assert change.relation == "targets (strategy sql)" and found.relations == ["targets (strategy sql)"]
    first = found.cuts[0].date
    assert change.cut == first  # already at the first cut: the decision on it reads the next bar
    assert change.deterministic and change.rows.gone > 0 and change.rows.gone_examples
    message = result.errors[-1]
    assert message.startswith(f"look-ahead: `targets (strategy sql)` changes on dates <= {first}")
    assert "with all the inputs:" in message and "date" in message.splitlines()[2]


def test_a_join_to_the_next_dates_prices_is_caught():
    result, found = lookahead_of(config({"sql": NEXT_DATE_SQL}))
    assert found.finding is not None and found.finding.relation == "targets (strategy sql)"
    # on the cut date itself the full run holds assets the cut run cannot rank (no next close)
    assert all(row["date"] == found.finding.cut for row in found.finding.rows.gone_examples)
    assert not result.ok


def test_a_join_to_a_table_of_future_earnings_is_caught():
    result, found = lookahead_of(config({"sql": EARNINGS_SQL}, tables={"earnings": earnings()}))
    assert found.finding is not None and found.finding.relation == "targets (strategy sql)"
    assert not found.whole and not result.ok


def test_a_membership_table_whose_end_dates_leak_is_caught():
    """(asset, start_date, end_date) has no `date`: as of d it keeps the spans started by d, and an
    end after d is not known yet (NULL); a strategy reading the end date early is caught."""
    result, found = lookahead_of(config({"sql": LEAVERS_SQL}, tables={"members": members()}))
    assert found.finding is not None and found.finding.relation == "targets (strategy sql)", result.errors
    honest = LEAVERS_SQL.replace("m.end_date > p.date + 10", "m.end_date >= p.date")
    result, found = lookahead_of(config({"sql": honest}, tables={"members": members()}))
    assert result.ok and found.finding is None, result.errors


def test_a_sql_signal_that_peeks_is_caught_as_the_signals_relation(tmp_path: Path):
    (tmp_path / "fwd.sql").write_text(
        "select date, asset, lead(close) over (partition by asset order by date) / close - 1 as fwd from prices"
    )
    cfg = config({"signal": "fwd", "top_n": 3}, signals=str(tmp_path / "fwd.sql"), quality={"no_signal_date": "cash"})
    result, found = lookahead_of(cfg)
    assert found.relations[0] == "signals" and built_in_relations(found.relations[1:])
    assert found.finding is not None and found.finding.relation == "signals"
    assert found.finding.cut == found.cuts[0].date
    assert "look-ahead: `signals` changes on dates <=" in result.errors[-1]


def test_a_peeking_relation_is_reported_even_when_the_targets_do_not_change(tmp_path: Path):
    """The signal column is honest, another column of the same query peeks: `signals` is reported."""
    (tmp_path / "both.sql").write_text(
        "select date, asset, score, lead(close) over (partition by asset order by date) as tomorrow from prices"
    )
    cfg = config({"signal": "score", "top_n": 3}, signals=str(tmp_path / "both.sql"))
    result, found = lookahead_of(cfg)
    assert found.finding is not None and found.finding.relation == "signals"
    clean = config({"signal": "score", "top_n": 3})
    assert check(clean, lookahead=True).ok  # the same targets, without the peeking column: clean


def test_a_built_in_step_that_peeks_is_reported_at_that_step(monkeypatch: pytest.MonkeyPatch):
    """A universe with an extra column from the next date: universe is reported; the steps after it
    read only their own columns, so ranks, selection and targets are as without it."""
    render = builtin.render

    def peeking(name: str, **structure: Any) -> str:
        sql = render(name, **structure)
        if name != "strategy/universe":
            return sql
        return f"select *, lead(date) over (partition by universe_id, asset order by date) as peek from (\n{sql}\n)"

    monkeypatch.setattr(builtin, "render", peeking)
    result, found = lookahead_of(config({"signal": "score", "top_n": 3}))
    assert found.finding is not None and found.finding.relation == "universe", result.errors
    assert found.finding.rows.gone_examples[0]["peek"] is not None
    assert found.finding.rows.new_examples[0]["peek"] is None


def test_a_table_without_dates_is_kept_whole_and_said_so():
    """A table keyed by `report_date` (no `date`): truncation cannot see through it, the report says so."""
    future = earnings().rename({"date": "report_date"})
    sql = EARNINGS_SQL.replace("e.date", "e.report_date")
    result, found = lookahead_of(config({"sql": sql}, tables={"earnings": future}))
    assert result.ok and found.finding is None  # not caught: the documented limit
    assert [p.label for p in found.whole] == ["[data.tables] earnings"]
    assert (
        "not truncated: [data.tables] earnings has no `date` or `start_date` column (date-like columns: report_date)"
        in (format_check(result))
    )


def test_a_clean_custom_strategy_passes_and_the_report_lists_each_cut():
    result, found = lookahead_of(config({"sql": CLEAN_SQL}), cuts=3)
    assert result.ok and found.finding is None
    assert [c.date for c in found.cuts] == spread(dates(), 3)
    text = format_check(result)
    assert "look-ahead: 3 cut(s), 1 relation(s) compared in order: targets (strategy sql)" in text
    assert "look-ahead: none found" in text and text.endswith("would start with these inputs")


def test_the_cut_dates_spread_over_the_rebalance_dates():
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(11)]
    assert spread(days, 6) == [days[i] for i in (0, 2, 4, 6, 8, 10)]
    assert spread(days, 2) == [days[0], days[-1]] and spread(days, 1) == [days[5]]
    assert spread(days[:3], 6) == days[:3]


def test_lookahead_is_not_run_over_inputs_with_errors():
    bad = PANEL.with_columns(pl.when(pl.col("asset") == "A001").then(-1.0).otherwise(pl.col("close")).alias("close"))
    result = check({"data": {"prices": bad}, "strategy": {"sql": LEAD_SQL}}, lookahead=True)
    assert not result.ok and result.lookahead is None


# --- the command ---------------------------------------------------------------------------------


def write_config(tmp_path: Path, sql: str) -> Path:
    PANEL.write_parquet(tmp_path / "prices.parquet")
    (tmp_path / "strategy.sql").write_text(sql)
    path = tmp_path / "run.toml"
    path.write_text(
        '[data]\nprices = "prices.parquet"\n[strategy]\nsql = "strategy.sql"\n'
        '[execution]\ndelist_after = 3\n[output]\nwarehouse = "wh"\n'
    )
    return path


def test_the_command_exits_1_on_a_finding_and_0_when_clean(tmp_path: Path):
    peeking = write_config(tmp_path, LEAD_SQL)
    done = cli("check", "--lookahead", "--cuts", "2", str(peeking))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "look-ahead: 2 cut(s), 1 relation(s) compared in order: targets (strategy sql)" in done.stdout
    assert "the strategy fails the look-ahead check (a run would use data dated after its decisions):" in done.stdout
    assert "error: look-ahead: `targets (strategy sql)` changes on dates <= " in done.stdout
    assert "not compared (an earlier cut changed the first relation)" in done.stdout
    assert "a run would stop" not in done.stdout  # a run would start: it is the strategy that is wrong
    assert not (tmp_path / "wh").exists()
    clean = write_config(tmp_path, CLEAN_SQL)
    done = cli("check", "--lookahead", str(clean))
    assert done.returncode == 0 and "look-ahead: none found" in done.stdout, done.stdout
    plain = cli("check", str(clean))  # without --lookahead: no strategy reruns
    assert plain.returncode == 0 and "look-ahead" not in plain.stdout


def test_the_command_refuses_bad_arguments(tmp_path: Path):
    clean = write_config(tmp_path, CLEAN_SQL)
    assert cli("check", "--lookahead", "--cuts", "0", str(clean)).returncode == 2
    done = cli("check", "--lookahead")
    assert done.returncode == 2 and "--lookahead needs a CONFIG" in done.stderr


def test_a_sql_table_that_peeks_is_reported_under_its_name(tmp_path: Path):
    (tmp_path / "fwd.sql").write_text(
        "select date, asset, lead(close) over (partition by asset order by date) / close - 1 as fwd from prices"
    )
    sql = (
        "select date, asset, 0.5 as weight from fwd where fwd is not null "
        "qualify row_number() over (partition by date order by fwd desc, asset) <= 2"
    )
    result, found = lookahead_of(config({"sql": sql}, tables={"fwd": str(tmp_path / "fwd.sql")}))
    assert found.relations == ["[data.tables] fwd", "targets (strategy sql)"]
    assert found.finding is not None and found.finding.relation == "[data.tables] fwd" and not result.ok


def test_a_strategy_that_is_not_deterministic_is_not_blamed_for_look_ahead():
    sql = "select date, asset, random() / 100 as weight from prices"
    result, found = lookahead_of(config({"sql": sql}), cuts=2)
    assert found.finding is not None and not found.finding.deterministic
    assert "`targets (strategy sql)` is not deterministic: two runs on the same inputs differ" in result.errors[-1]


@pytest.mark.slow
@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    top_n=st.integers(1, 12),
    weighting=st.sampled_from(["equal", "signal"]),
    rebalance=st.sampled_from(["daily", "weekly", "monthly", "month_end", "quarterly"]),
    min_signal=st.one_of(st.none(), st.sampled_from([-0.5, 0.0, 0.4])),
    cuts=st.integers(1, 8),
)
def test_random_built_in_strategies_on_random_panels_pass(seed, top_n, weighting, rebalance, min_signal, cuts):
    panel = lookahead_panel(n_assets=7, n_days=70, seed=seed)
    strategy = {"signal": "score", "top_n": top_n, "weighting": weighting, "rebalance": rebalance}
    if min_signal is not None:
        strategy["min_signal"] = min_signal
    cfg = {"data": {"prices": panel, "quality": {"no_signal_date": "cash"}}, "strategy": strategy,
           "execution": EXECUTION}  # fmt: skip
    result = check(cfg, lookahead=True, cuts=cuts)
    assert result.ok and result.lookahead is not None and result.lookahead.finding is None, result.errors
    assert all(c.error is None and c.compared == len(result.lookahead.relations) for c in result.lookahead.cuts)
