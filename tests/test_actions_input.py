"""`[data] actions` as an input: each way it can be wrong is refused before anything is written,
naming the relation, the rule and the offending rows; what is odd but fine runs (SPEC 12, 14.12)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import InputError

from .test_inputs import PANEL

PRICES = PANEL.drop("score")
STRATEGY = {"sql": "select date, asset, 0.5 as weight from prices where asset in ('S0', 'S1')"}
DAY = dt.date(2021, 1, 8)
GAP = dt.date(2021, 1, 12)  # S2 has no bar that day
NAN = float("nan")
SCHEMA = {"date": pl.Date, "asset": pl.String, "split": pl.Float64, "dividend": pl.Float64}


def actions(*rows: tuple[Any, ...]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def run(acts: Any, warehouse: Path | None = None) -> ml4t_sql.Run:
    prices = PRICES.filter(~((pl.col("asset") == "S2") & (pl.col("date") == GAP)))
    cfg = {"data": {"prices": prices, "actions": acts}, "strategy": STRATEGY}
    return ml4t_sql.run(cfg, warehouse=warehouse, write=warehouse is not None)


SPLIT = "NaN, infinite, zero or negative split ratios (new shares per old share)"
DIVIDEND = "NaN, infinite or negative dividends (cash per old share)"
CASES = [
    ("split-zero", actions((DAY, "S1", 0.0, 0.0)), (f"{SPLIT} (1 row)",
                                                    "2021-01-08  S1", "reverse split 0.1")),
    ("split-negative", actions((DAY, "S1", -2.0, 0.0)), ("old share) (1 row)", "-2.0")),
    ("split-nan", actions((DAY, "S1", NAN, 0.0)), ("split ratios", "nan")),
    ("dividend-negative", actions((DAY, "S1", 1.0, -0.3)), (f"{DIVIDEND} (1 row)", "-0.3")),
    ("dividend-nan", actions((DAY, "S1", 1.0, NAN), (GAP, "S1", 1.0, 0.1)), (f"{DIVIDEND} (1 row)",)),
    ("duplicate-date-asset", actions((DAY, "S1", 2.0, 0.0), (DAY, "S1", 1.0, 0.5)),
     ("duplicate (date, asset) actions (1 row)", "2021-01-08  S1", "one row per ex-date and asset")),
    ("null-asset", actions((DAY, None, 2.0, 0.0)), ("NULL date or asset (1 row)",)),
    ("split-without-a-bar", actions((GAP, "S2", 2.0, 0.0)),
     ("splits on a date the asset has no price bar (1 row)", "2021-01-12  S2", "post-split bar")),
    ("empty", actions(), ("has no rows",)),
    ("no-split-or-dividend-column", pl.DataFrame({"date": [DAY], "asset": ["S1"], "ratio": [2.0]}),
     ("expected (date, asset, split, dividend)", "date, asset, ratio")),
    ("split-as-text", pl.DataFrame({"date": [DAY], "asset": ["S1"], "split": ["2:1"]}),
     ("column 'split' must be numeric",)),
]


@pytest.mark.parametrize(("acts", "needles"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_before_anything_is_written(acts: pl.DataFrame, needles: tuple[str, ...], tmp_path: Path):
    with pytest.raises(InputError) as err:
        run(acts, tmp_path / "wh")
    message = str(err.value)
    assert message.startswith("actions: "), message
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert not (tmp_path / "wh" / "runs").exists()


def test_off_calendar_actions_are_refused_inside_the_prices_span_only():
    prices = PRICES.filter(pl.col("date") != DAY)  # no asset trades on DAY
    cfg = {"data": {"prices": prices, "actions": actions((DAY, "S1", 1.0, 0.2))}, "strategy": STRATEGY}
    with pytest.raises(InputError, match="dated on a day no asset trades"):
        ml4t_sql.run(cfg, write=False)
    before = actions((dt.date(2020, 6, 1), "S1", 2.0, 0.2), (dt.date(2030, 1, 1), "S2", 3.0, 0.0))
    assert run(before).tables["events"].height == 0  # outside the prices: never used, not refused


def test_a_dividend_without_a_bar_is_paid_and_nulls_are_the_defaults():
    held = pl.DataFrame({"date": [GAP, dt.date(2021, 1, 20)], "asset": ["S0", "S1"], "split": [None, 2.0],
                         "dividend": [0.4, None]}, schema=SCHEMA)  # fmt: skip
    r = run(held)
    eq = r.equity.filter(pl.col("date") == GAP)
    shares = r.positions.filter((pl.col("date") == GAP - dt.timedelta(days=1)) & (pl.col("asset") == "S0"))["shares"]
    assert eq["dividends"][0] == pytest.approx(0.4 * shares[0], rel=1e-12)
    assert sorted(r.tables["events"]["rule"].to_list()) == ["dividend", "split"]
    gap = actions((GAP, "S2", 1.0, 0.3))  # S2 has no bar on GAP: a dividend is fine there
    assert run(gap).equity["dividends"].sum() == 0.0  # S2 is never held


def test_a_split_only_relation_and_a_dividend_only_relation_are_accepted():
    split_only = pl.DataFrame({"date": [DAY], "asset": ["S0"], "split": [2.0]})
    assert run(split_only).tables["events"]["detail"].to_list()[0].startswith("ratio 2: ")
    dividend_only = pl.DataFrame({"date": [DAY], "asset": ["S1"], "dividend": [0.1]})
    assert run(dividend_only).stats()["total_dividends"] > 0


def test_a_run_published_before_the_events_table_stays_sound(tmp_path: Path):
    """A warehouse's older runs have no events.parquet: they are sound, and the views still build."""
    import json

    from ml4t_sql.store.manifest import MANIFEST, inspect_run

    first = run(actions((DAY, "S0", 2.0, 0.0)), tmp_path / "wh")
    assert first.path is not None and first.tables["events"].height == 1
    manifest = json.loads((first.path / MANIFEST).read_text())
    del manifest["tables"]["events"]
    (first.path / MANIFEST).write_text(json.dumps(manifest))
    (first.path / "events.parquet").unlink()
    assert inspect_run(first.path, rows=True, checksums=True).sound
    second = run(actions((DAY, "S1", 1.0, 0.5)), tmp_path / "wh")
    con = ml4t_sql.connect(tmp_path / "wh")
    assert con.sql("select count(distinct run_id) from equity").fetchall() == [(2,)]
    assert con.sql("select run_id, rule from events").fetchall() == [(second.run_id, "dividend")]
