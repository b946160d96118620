"""`[data] universe` and `[data] assets` end to end: every source form, the refusals (the relation,
the rule and example rows, before anything is written), the warnings, and what each does to the
built-in strategy's targets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import ml4t_sql
from ml4t_sql.errors import ConfigError, InputError

from .test_inputs import PANEL

DAY = dt.date(2021, 1, 8)
FIRST, LAST = PANEL["date"].min(), PANEL["date"].max()
SPAN = {"asset": pl.String, "start_date": pl.Date, "end_date": pl.Date}
STATIC = pl.DataFrame({"asset": [f"S{i}" for i in range(6)], "sector": ["a", "a", "b", "b", "c", None]})


def spans(*rows: tuple[Any, ...]) -> pl.DataFrame:
    return pl.DataFrame([dict(zip(SPAN, r, strict=True)) for r in rows], schema=SPAN)


def cfg(strategy: dict[str, Any] | None = None, **data: Any) -> dict[str, Any]:
    return {"data": {"prices": PANEL, **data}, "strategy": {"signal": "score", "top_n": 2, **(strategy or {})}}


MEMBERS = spans(("S0", FIRST, None), ("S1", FIRST, DAY), ("S2", DAY, DAY), ("S3", DAY + dt.timedelta(days=1), None))

BAD = [
    ("overlapping-spans", cfg(universe=spans(("S1", FIRST, DAY), ("S1", DAY, None))), InputError,
     ("universe: overlapping spans of one asset (both ends are inclusive) (1 row)", "S1", "2021-01-08",
      "merge them")),
    ("span-ends-before-it-starts", cfg(universe=spans(("S1", DAY, FIRST))), InputError,
     ("universe: spans whose end_date is before their start_date (1 row)", "S1     2021-01-08  2021-01-04")),
    ("span-without-start", cfg(universe=spans(("S1", None, DAY))), InputError,
     ("universe: NULL asset or start_date (1 row)",)),
    ("universe-columns-unknown", cfg(universe=pl.DataFrame({"ticker": ["S1"], "since": [FIRST]})), InputError,
     ("universe: expected (asset, start_date, end_date) spans or (date, asset) snapshots", "ticker, since")),
    ("universe-span-without-end-column", cfg(universe=pl.DataFrame({"asset": ["S1"], "start_date": [FIRST]})),
     InputError, ("universe: expected (asset, start_date, end_date) spans", "asset, start_date")),
    ("universe-both-shapes", cfg(universe=MEMBERS.with_columns(date=pl.col("start_date"))), InputError,
     ("universe: has both a 'date' column and start_date/end_date", "drop one shape")),
    ("universe-dates-as-strings", cfg(universe=MEMBERS.with_columns(pl.col("start_date").cast(pl.String))),
     InputError, ("universe: column 'start_date' holds dates as strings",)),
    ("duplicate-snapshot-rows", cfg(universe=pl.DataFrame({"date": [DAY, DAY], "asset": ["S1", "S1"]})),
     InputError, ("universe: duplicate (date, asset) rows (1 row)", "2021-01-08  S1")),
    ("empty-universe", cfg(universe=spans(("S1", FIRST, None)).head(0)), InputError, ("universe: has no rows",)),
    ("duplicate-static-assets", cfg({"group": "sector"}, assets=pl.concat([STATIC, STATIC.head(1)])), InputError,
     ("assets: duplicate asset rows (1 row)", "S0", "give one row per asset")),
    ("duplicate-dated-assets", cfg({"group": "sector"}, assets=pl.DataFrame(
        {"date": [DAY, DAY], "asset": ["S1", "S1"], "sector": ["a", "b"]})), InputError,
     ("assets: duplicate (date, asset) rows (1 row)", "2021-01-08  S1")),
    ("assets-without-asset-column", cfg({"group": "sector"}, assets=STATIC.rename({"asset": "ticker"})), InputError,
     ("assets: expected (asset, <group columns>) or (date, asset, <group columns>)", "ticker, sector")),
    ("assets-null-asset", cfg({"group": "sector"}, assets=STATIC.with_columns(
        asset=pl.when(pl.col("asset") == "S0").then(None).otherwise(pl.col("asset")))),
     InputError, ("assets: NULL asset (1 row)",)),
    ("group-names-no-column", cfg({"group": "sectr"}, assets=STATIC), ConfigError,
     ("[strategy] group = 'sectr' names no column of [data] assets (sector) or prices", "did you mean 'sector'?")),
    ("group-without-assets-names-no-price-column", cfg({"group": "sector"}), ConfigError,
     ("[strategy] group = 'sector' names no column of prices (open, high, low, close, volume, score)",)),
    ("missing-group-fails-under-fail", cfg({"group": "sector"}, assets=STATIC, quality={"missing_group": "fail"}),
     InputError, ("assets: assets without a 'sector' group on a rebalance date they are otherwise eligible on",
                  "2021-01-04  S5", 'missing_group = "warn"')),
]  # fmt: skip


@pytest.mark.parametrize(("build", "error", "needles"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_refused_before_anything_is_written(build: dict[str, Any], error: type[Exception], needles: tuple[str, ...],
                                            tmp_path: Path):  # fmt: skip
    warehouse = tmp_path / "wh"
    with pytest.raises(error) as err:
        ml4t_sql.run(build, warehouse=warehouse)
    message = str(err.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in:\n{message}"
    assert "Traceback" not in message and len(message.splitlines()) <= 10
    assert not (warehouse / "runs").exists()


def held(run: ml4t_sql.Run) -> dict[dt.date, set[str]]:
    out: dict[dt.date, set[str]] = {}
    for d, a in run.targets.select("date", "asset").iter_rows():
        out.setdefault(d, set()).add(a)
    return out


def test_membership_spans_keep_the_targets_inside_them():
    run = ml4t_sql.run(cfg({"top_n": 6}, universe=MEMBERS), write=False)
    by_date = held(run)
    assert by_date[FIRST] == {"S0", "S1"}
    assert by_date[DAY] == {"S0", "S1", "S2"}  # S1's last day and S2's only day: both inclusive
    assert by_date[DAY + dt.timedelta(days=1)] == {"S0", "S3"}
    assert by_date[LAST] == {"S0", "S3"}  # open ends run on


@pytest.mark.parametrize("form", ["parquet", "csv", "sql", "duckdb-table"])
def test_every_source_form_of_the_universe_gives_the_same_targets(form: str, tmp_path: Path):
    want = ml4t_sql.run(cfg({"top_n": 6}, universe=MEMBERS), write=False).targets.drop("run_id")
    if form == "parquet":
        MEMBERS.write_parquet(tmp_path / "members.parquet")
        source: Any = str(tmp_path / "members.parquet")
    elif form == "csv":
        MEMBERS.write_csv(tmp_path / "members.csv")
        source = str(tmp_path / "members.csv")
    elif form == "sql":
        MEMBERS.write_parquet(tmp_path / "m.parquet")
        (tmp_path / "members.sql").write_text("select * from m")
        source = str(tmp_path / "members.sql")
    else:
        import duckdb

        con = duckdb.connect(str(tmp_path / "db.duckdb"))
        con.from_arrow(MEMBERS.to_arrow()).create("members")
        con.close()
        source = {"database": str(tmp_path / "db.duckdb"), "table": "members"}
    data: dict[str, Any] = {"universe": source}
    if form == "sql":
        data["tables"] = {"m": str(tmp_path / "m.parquet")}
    got = ml4t_sql.run(cfg({"top_n": 6}, **data), write=False).targets.drop("run_id")
    assert got.sort("date", "asset").equals(want.sort("date", "asset"))


def test_members_without_prices_are_warned_about_and_change_nothing():
    odd = pl.concat([MEMBERS, spans(("ZZZ", FIRST, None))])
    run = ml4t_sql.run(cfg({"top_n": 6}, universe=odd), write=False)
    plain = ml4t_sql.run(cfg({"top_n": 6}, universe=MEMBERS), write=False)
    assert run.targets.drop("run_id").equals(plain.targets.drop("run_id"))
    finding = run.quality["findings"]["unknown_member_asset"]
    assert (finding["count"], finding["policy"], finding["examples"]) == (
        1,
        "warn",
        [{"asset": "ZZZ", "member_rows": 1}],
    )
    # top_n = 6 holds every eligible asset here (warned too); the member without prices adds one warning
    assert [w for w in run.quality["warnings"] if w not in plain.quality["warnings"]] == [
        "universe: assets that have no price bar at all; they are never eligible (1 asset, e.g. ZZZ)"
    ]


def test_an_asset_without_a_group_is_not_eligible_and_counted():
    run = ml4t_sql.run(cfg({"top_n": 6, "group": "sector"}, assets=STATIC), write=False)
    assert all("S5" not in assets for assets in held(run).values())  # its sector is NULL
    assert all(len(assets) == 5 for assets in held(run).values())
    finding = run.quality["findings"]["missing_group"]
    assert (finding["relation"], finding["count"], finding["policy"]) == ("assets", PANEL["date"].n_unique(), "warn")


def test_point_in_time_groups_and_a_price_column_as_the_group():
    dated = pl.DataFrame({"date": [FIRST, DAY], "asset": ["S1", "S2"], "sector": ["a", "b"]})
    by_date = held(ml4t_sql.run(cfg({"top_n": 6, "group": "sector"}, assets=dated), write=False))
    assert by_date[FIRST] == {"S1"} and by_date[DAY] == {"S1", "S2"}  # S2's row is in force from DAY on
    prices = PANEL.with_columns(industry=pl.when(pl.col("asset") == "S0").then(None).otherwise(pl.lit("x")))
    run = ml4t_sql.run({"data": {"prices": prices}, "strategy": {"signal": "score", "top_n": 6, "group": "industry"}},
                       write=False)  # fmt: skip
    assert all(assets == {"S1", "S2", "S3", "S4", "S5"} for assets in held(run).values())
    assert run.quality["findings"]["missing_group"]["relation"] == "prices"


def test_a_sweep_of_filters_shares_universes_and_keeps_one_variants_results():
    grid = {"min_history": [None, 10], "top_n": [2, 3]}
    result = ml4t_sql.sweep(cfg({"top_n": 2}, universe=MEMBERS), grid=grid, write=False)
    targets = result.tables["targets"]
    for variant, (history, top_n) in enumerate([(None, 2), (None, 3), (10, 2), (10, 3)]):
        strategy = {"top_n": top_n, **({"min_history": history} if history else {})}
        alone = ml4t_sql.run(cfg(strategy, universe=MEMBERS), write=False).targets
        got = targets.filter(pl.col("variant") == variant).select("date", "asset", "weight")
        assert got.sort("date", "asset").equals(alone.select("date", "asset", "weight").sort("date", "asset"))
    early = targets.filter((pl.col("variant") == 2) & (pl.col("date") < FIRST + dt.timedelta(days=9)))
    assert early.height == 0  # fewer than 10 bars: nobody is eligible yet


def test_a_csv_of_open_spans_reads_its_empty_end_column_as_no_end(tmp_path: Path):
    (tmp_path / "members.csv").write_text("asset,start_date,end_date\nS0,2021-01-04,\nS3,2021-01-09,\n")
    by_date = held(ml4t_sql.run(cfg({"top_n": 6}, universe=str(tmp_path / "members.csv")), write=False))
    assert by_date[FIRST] == {"S0"} and by_date[LAST] == {"S0", "S3"}
    (tmp_path / "members.csv").write_text("asset,start_date,end_date\nS0,2021-01-04,soon\n")
    with pytest.raises(InputError, match="column 'end_date' holds dates as strings"):
        ml4t_sql.run(cfg(universe=str(tmp_path / "members.csv")), write=False)


def test_the_universe_inputs_are_in_the_lineage():
    run = ml4t_sql.run(cfg({"group": "sector"}, universe=MEMBERS, assets=STATIC), write=False)
    lineage = run.tables["lineage"]
    rows = {r["input"]: r for r in lineage.iter_rows(named=True) if r["input"] in ("universe", "assets")}
    assert rows["universe"]["n_rows"] == MEMBERS.height and rows["assets"]["n_rows"] == STATIC.height


def test_min_adv_without_any_volume_is_refused():
    with pytest.raises(InputError, match=r"prices: \[strategy\] min_adv needs volumes, but no bar of prices has one"):
        ml4t_sql.run(cfg({"min_adv": 1.0}, prices=PANEL.drop("volume")), write=False)


def test_variants_share_a_universe_unless_a_universe_key_differs():
    from ml4t_sql.config import Strategy
    from ml4t_sql.strategy.variants import tables

    variants = [
        Strategy(top_n=5),
        Strategy(top_n=10, min_signal=0.0, weighting="signal"),  # min_signal decides eligibility: its own
        Strategy(adv_window=5),  # adv_window without min_adv: no window, the same universe
        Strategy(vol_window=10),  # vol_window without inverse_vol: the same universe
        Strategy(min_price=5.0),
        Strategy(min_adv=1e6, adv_window=5),
        Strategy(min_adv=1e6, adv_window=10),
        Strategy(weighting="inverse_vol"),
        Strategy(weighting="inverse_vol", vol_window=20),
        Strategy(rebalance="monthly"),
        Strategy(group="sector"),
        Strategy(signal="other"),
        Strategy(min_price=5.0, top_n=1),
    ]  # type: ignore[arg-type]
    variant_table, universe_table = tables(variants, membership=False)
    ids = variant_table.column("universe_id").to_pylist()
    assert ids == [0, 1, 0, 0, 2, 3, 4, 5, 6, 7, 8, 9, 2]
    assert variant_table.column("signal_id").to_pylist() == [0] * 11 + [1, 0]
    rows = universe_table.to_pylist()
    assert len(rows) == 10 and rows[0]["adv_window"] is None and rows[0]["vol_window"] is None
    assert rows[1]["min_signal"] == 0.0 and rows[0]["min_signal"] is None
    assert (rows[3]["adv_window"], rows[5]["vol_window"], rows[6]["vol_window"]) == (5, 60, 20)
    assert rows[8]["group_id"] == 0 and rows[7]["schedule"] == "monthly"
