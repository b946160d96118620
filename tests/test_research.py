"""Signal research (ml4t_sql.research, `ml4t-sql research`): the SQL against a plain-Python reference
on random panels, publication through the store, the CLI, bad configurations, and the rule that
forward returns never reach the strategy path."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ml4t_sql
from ml4t_sql.config import load_config
from ml4t_sql.errors import ConfigError, Ml4tError
from ml4t_sql.store.runs import list_runs, load_research, load_run
from ml4t_sql.templates import sql_dir
from tests import research_reference as ref
from tests.clirunner import cli
from tests.depth import examples
from tests.factories import make_prices

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-9


def panel(seed: int, n_assets: int, n_days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random prices (ragged, gaps, NULL opens) and a signal `score` with ties, NULLs and NaNs."""
    prices = make_prices(n_assets, n_days, seed, gap_prob=0.05, null_open_prob=0.05)
    rng = random.Random(seed)
    rows = []
    for d, a in prices.select("date", "asset").iter_rows():
        u = rng.random()
        value = (
            None if u < 0.08 else float("nan") if u < 0.1 else float(rng.randint(-3, 3)) if u < 0.4 else rng.gauss(0, 1)
        )
        rows.append({"date": d, "asset": a, "score": value})
    return prices, pl.DataFrame(rows, schema={"date": pl.Date, "asset": pl.String, "score": pl.Float64})


def config(prices: pl.DataFrame, signals: pl.DataFrame, **research: Any) -> dict[str, Any]:
    return {
        "data": {"prices": prices, "signals": signals,
                 "quality": {"missing_open": "no_fill", "no_signal_date": "cash"}},
        "strategy": {"signal": "score"},
        "research": research,
    }  # fmt: skip


def rows_of(frame: pl.DataFrame, *key: str) -> dict[tuple, dict[str, Any]]:
    return {tuple(r[k] for k in key): r for r in frame.iter_rows(named=True)}


def close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= TOL * max(1.0, abs(b)))


def check_against_reference(
    prices: pl.DataFrame, signals: pl.DataFrame, horizons: list[int], q: int, start: dt.date | None
) -> None:
    cfg = config(prices, signals, horizons=horizons, quantiles=q)
    cfg["execution"] = {"start": start or prices["date"].min()}  # the reference's window: not "auto"
    study = ml4t_sql.research(cfg, write=False)
    t = study.tables
    bars = {(r["date"], r["asset"]): r["open"] for r in prices.iter_rows(named=True)}
    sig = {(r["date"], r["asset"]): r["score"] for r in signals.iter_rows(named=True)}
    window = sorted({d for d, _ in bars if start is None or d >= start})

    fac = ref.factor(bars, sig, window, q)
    fwd = ref.forward_returns(bars, window, horizons)
    got = rows_of(t["forward_returns"], "date", "asset", "horizon")
    assert set(got) == set(fwd)
    assert all(close(got[k]["fwd_return"], v) for k, v in fwd.items())

    ic = ref.information_coefficient(fac, fwd, horizons)
    got = rows_of(t["information_coefficient"], "date", "horizon")
    assert set(got) == set(ic)
    for k, (n, pearson, spearman) in ic.items():
        assert got[k]["n_pairs"] == n and close(got[k]["ic"], pearson) and close(got[k]["rank_ic"], spearman), k

    daily = ref.quantile_daily(fac, fwd, horizons)
    got = rows_of(t["quantile_daily_returns"], "date", "horizon", "quantile")
    assert set(got) == set(daily)
    assert all(got[k]["n_assets"] == n and close(got[k]["mean_fwd_return"], m) for k, (n, m) in daily.items())
    means = ref.quantile_means(daily)
    got = rows_of(t["quantile_returns"], "horizon", "quantile")
    assert set(got) == set(means) and all(close(got[k]["mean_fwd_return"], m) for k, m in means.items())
    spread = ref.spread(daily, q)
    got = rows_of(t["quantile_spread"], "date", "horizon")
    assert set(got) == set(spread) and all(close(got[k]["spread"], s) for k, s in spread.items())

    auto = ref.autocorrelation(fac, window)
    got = rows_of(t["factor_autocorrelation"], "date")
    assert set(got) == {(d,) for d in auto}
    assert all(got[(d,)]["n_pairs"] == n and close(got[(d,)]["autocorrelation"], v) for d, (n, v) in auto.items())
    turn = ref.turnover(fac, window)
    got = rows_of(t["quantile_turnover"], "date", "quantile")
    assert {k: (r["n_assets"], r["n_new"]) for k, r in got.items()} == {k: v[:2] for k, v in turn.items()}

    cover = rows_of(t["signal_coverage"], "date")
    assert {d: (r["n_bars"], r["n_signals"]) for (d,), r in cover.items()} == {
        d: (sum(1 for dd, _ in bars if dd == d), sum(1 for dd, _ in fac if dd == d)) for d in window
    }
    summary = rows_of(t["research_summary"], "horizon")
    for h in horizons:
        n, mean, std, ir, tstat, hit = ref.summary([v[2] for (d, hh), v in ic.items() if hh == h and v[2] is not None])
        s = summary[(h,)]
        assert s["n_dates"] == n and close(s["mean_rank_ic"], mean) and close(s["rank_ic_std"], std)
        assert close(s["rank_ic_ir"], ir) and close(s["rank_ic_t_stat"], tstat) and close(s["rank_ic_hit_rate"], hit)
        n, mean, *_ = ref.summary([v for (d, hh), v in spread.items() if hh == h])
        assert s["n_spread_dates"] == n and close(s["mean_spread"], mean)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_assets=st.integers(1, 9),
    n_days=st.integers(3, 25),
    horizons=st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True),
    q=st.integers(2, 5),
    late_start=st.booleans(),
)
def test_research_equals_the_plain_reference_on_random_panels(seed, n_assets, n_days, horizons, q, late_start):
    prices, signals = panel(seed, n_assets, n_days)
    start = sorted(set(prices["date"]))[min(2, prices["date"].n_unique() - 1)] if late_start else None
    check_against_reference(prices, signals, horizons, q, start)


# --- publication, listing, reading ---------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("wh")
    prices, signals = panel(7, 6, 30)
    study = ml4t_sql.research(config(prices, signals, horizons=[1, 3], quantiles=3), warehouse=root)
    return root, study.run_id


def test_a_research_run_is_published_whole_and_queryable(warehouse: tuple[Path, str]):
    root, run_id = warehouse
    folder = root / "runs" / run_id
    names = {p.stem for p in folder.glob("*.parquet")}
    assert names == {"runs", *ml4t_sql.schema.RESEARCH_TABLES}  # type: ignore[attr-defined]
    con = ml4t_sql.connect(root)
    try:
        ((n,),) = con.sql("select count(*) from research_summary where run_id = $r", params={"r": run_id}).fetchall()
        assert n == 2
        assert con.sql("select * from runs").pl()["run_id"].to_list() == [run_id]
    finally:
        con.close()
    out = cli(
        "query", "select horizon, n_dates from research_summary order by horizon", "--warehouse", str(root), "--csv"
    )
    assert out.returncode == 0 and out.stdout.splitlines()[0] == "horizon,n_dates"


def test_runs_lists_a_research_run_by_kind_and_readers_of_backtests_refuse_it(warehouse: tuple[Path, str]):
    root, run_id = warehouse
    runs = list_runs(root)
    assert runs.columns[:2] == ["run_id", "kind"] and runs.row(0, named=True)["kind"] == "research"
    assert runs.row(0, named=True)["strategy"] == "research: score, horizons 1/3, 3 quantiles"
    listing = cli("runs", "--warehouse", str(root))
    assert listing.returncode == 0 and re.search(rf"{run_id}\s+research\s", listing.stdout)
    with pytest.raises(Ml4tError, match="is a research run"):
        load_run(root, run_id)
    assert set(load_research(root, run_id)) == {"runs", *ml4t_sql.schema.RESEARCH_TABLES}  # type: ignore[attr-defined]


def test_a_failing_write_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from ml4t_sql.store.warehouse import Stage

    written = []

    def write(self: Stage, name: str, table: Any) -> None:
        written.append(name)
        if len(written) == 4:
            raise OSError(28, "No space left on device")
        original(self, name, table)

    original = Stage.write
    monkeypatch.setattr(Stage, "write", write)
    prices, signals = panel(1, 4, 12)
    with pytest.raises(OSError):
        ml4t_sql.research(config(prices, signals), warehouse=tmp_path)
    assert not list((tmp_path / "runs").glob("*")) and not list((tmp_path / ".staging").glob("*"))


# --- the CLI and bad configurations --------------------------------------------------------------


def test_cli_prints_the_summary_writes_the_page_and_the_run_id_last(tmp_path: Path):
    prices, signals = panel(3, 6, 30)
    prices.write_parquet(tmp_path / "p.parquet")
    signals.write_parquet(tmp_path / "s.parquet")
    (tmp_path / "c.toml").write_text(
        '[data]\nprices = "p.parquet"\nsignals = "s.parquet"\n[data.quality]\nmissing_open = "no_fill"\n'
        'no_signal_date = "cash"\n[strategy]\nsignal = "score"\n[research]\nhorizons = [1, 2]\nquantiles = 2\n'
        '[output]\nwarehouse = "wh"\n'
    )
    out = cli("research", str(tmp_path / "c.toml"), "-o", str(tmp_path / "r.html"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["horizon", "dates", "IC", "IC"] and lines[1].split()[0] == "1"
    run_id = lines[-1]
    assert (tmp_path / "wh" / "runs" / run_id / "research_summary.parquet").is_file()
    assert "Signal research: score" in (tmp_path / "r.html").read_text()
    page = cli("report", run_id, "--warehouse", str(tmp_path / "wh"), "-o", str(tmp_path / "again.html"))
    assert page.returncode == 0 and "Signal research: score" in (tmp_path / "again.html").read_text()
    quiet = cli("research", str(tmp_path / "c.toml"), "--quiet")
    assert quiet.returncode == 0 and len(quiet.stdout.splitlines()) == 1


BAD = [
    ({"horizons": [1, 0]}, "[research] `horizons`: must be at least 1, got 0"),
    ({"horizons": [1, 10_001]}, "must be at most 10,000, got 10001"),
    ({"horizons": [1, 2.5]}, "`horizons`: expected a whole number, got 2.5"),
    ({"horizons": []}, "expected a non-empty list of whole numbers"),
    ({"horizons": "5"}, "expected a list of whole numbers like [1, 5, 21]"),
    ({"horizons": [5, 5]}, "each horizon once; [5] appear twice"),
    ({"quantiles": 1}, "[research] `quantiles`: must be at least 2, got 1"),
    ({"quantiles": 1001}, "must be at most 1,000"),
    ({"quantiles": 2.5}, "expected a whole number, got 2.5"),
    ({"quantile": 5}, "unknown key `quantile`; did you mean `quantiles`?"),
]


@pytest.mark.parametrize(
    ("research", "needle"), BAD, ids=[n.split(":")[0][:30] + str(i) for i, (_, n) in enumerate(BAD)]
)
def test_bad_research_settings_are_refused(research: dict[str, Any], needle: str):
    with pytest.raises(ConfigError) as err:
        load_config({"data": {"prices": "p.parquet"}, "research": research})
    assert needle in str(err.value)


def test_an_unknown_signal_is_refused_before_anything_is_written(tmp_path: Path):
    prices, signals = panel(2, 3, 10)
    cfg = config(prices, signals)
    cfg["strategy"] = {"signal": "scroe", "sql": "select date, asset, 1.0 as weight from prices"}
    with pytest.raises(ConfigError, match="'scroe' is not a column of the signals"):
        ml4t_sql.research(cfg, warehouse=tmp_path)
    assert not (tmp_path / "runs").exists()


def test_a_backtest_config_hash_does_not_change_without_a_research_section():
    plain = load_config({"data": {"prices": "p.parquet"}})
    assert "research" not in plain.to_json()
    studied = load_config({"data": {"prices": "p.parquet"}, "research": {"horizons": [2]}})
    assert '"research": {"horizons": [2], "quantiles": 5}' in studied.to_json()


# --- forward returns never reach the strategy path -----------------------------------------------

FORWARD = re.compile(r"forward_returns|fwd_return|diagnostics", re.IGNORECASE)


def test_no_strategy_source_or_backtest_module_names_the_forward_returns():
    files = [*(sql_dir() / "strategy").glob("*.sql"), *(sql_dir() / "sources").glob("*.sql"),
             *(sql_dir() / "results").glob("*.sql"), *(ROOT / "ml4t_sql" / "strategy").glob("*.py"),
             *(ROOT / "ml4t_sql" / "engine").glob("*.py"), ROOT / "ml4t_sql" / "pipeline.py"]  # fmt: skip
    assert files
    named = [str(p.relative_to(ROOT)) for p in files if FORWARD.search(p.read_text())]
    assert named == []


def test_a_backtest_connection_has_no_research_relation(tmp_path: Path):
    from ml4t_sql.data.quality import QualityReport
    from ml4t_sql.data.sources import load_sources
    from ml4t_sql.pipeline import working_connection
    from ml4t_sql.strategy.targets import build_targets

    prices, signals = panel(4, 4, 12)
    cfg = load_config(config(prices, signals))
    con = working_connection(256, tmp_path)
    try:
        report = QualityReport()
        load_sources(con, cfg, report)
        build_targets(con, cfg, [cfg.strategy], report)
        names = {
            n
            for (n,) in con.sql(
                "select table_name from duckdb_tables() union all select view_name from duckdb_views()"
            ).fetchall()
        }
    finally:
        con.close()
    assert not names & {"forward_returns", "factor", "information_coefficient", "quantile_daily_returns"}


def test_the_same_inputs_give_bit_identical_tables():
    prices, signals = panel(5, 9, 40)
    a, b = (ml4t_sql.research(config(prices, signals), write=False) for _ in range(2))
    for name in ml4t_sql.schema.RESEARCH_TABLES:  # type: ignore[attr-defined]
        assert a.tables[name].drop("run_id").equals(b.tables[name].drop("run_id")), name


def test_a_warehouse_holds_backtests_and_research_side_by_side(tmp_path: Path):
    prices, signals = panel(6, 5, 20)
    backtest = ml4t_sql.run(config(prices, signals), warehouse=tmp_path)
    study = ml4t_sql.research(config(prices, signals, horizons=[2]), warehouse=tmp_path)
    runs = list_runs(tmp_path)
    kinds = dict(zip(runs["run_id"], runs["kind"], strict=True))
    assert kinds == {backtest.run_id: "backtest", study.run_id: "research"}
    assert runs.filter(kind="backtest")["total_return"].to_list() == [backtest.stats()["total_return"]]
    con = ml4t_sql.connect(tmp_path)
    try:
        kinds = con.sql("select count(*) from runs").fetchall()[0][0]
        equity = con.sql("select distinct run_id from equity").fetchall()
        research = con.sql("select distinct run_id from research_summary").fetchall()
    finally:
        con.close()
    assert (kinds, equity, research) == (2, [(backtest.run_id,)], [(study.run_id,)])
    refused = cli("compare", backtest.run_id, study.run_id, "--warehouse", str(tmp_path))
    assert refused.returncode == 2 and "is a research run" in refused.stderr
    assert cli("check", "--warehouse", str(tmp_path)).returncode == 0


def test_a_research_run_missing_one_of_its_tables_is_damaged(warehouse: tuple[Path, str], tmp_path: Path):
    import json
    import shutil

    from ml4t_sql.store.manifest import inspect_run

    root, run_id = warehouse
    folder = tmp_path / run_id
    shutil.copytree(root / "runs" / run_id, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["tables"]["quantile_spread"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "quantile_spread.parquet").unlink()
    assert inspect_run(folder).problems == ("manifest.json lacks table quantile_spread",)
    assert inspect_run(root / "runs" / run_id, rows=True, checksums=True).sound


def test_bad_prices_are_refused_before_anything_is_written(tmp_path: Path):
    prices, signals = panel(8, 3, 10)
    prices = prices.with_columns(close=pl.when(pl.col("asset") == "A001").then(-1.0).otherwise(pl.col("close")))
    with pytest.raises(ml4t_sql.InputError, match="prices"):
        ml4t_sql.research(config(prices, signals), warehouse=tmp_path)
    assert not (tmp_path / "runs").exists()
