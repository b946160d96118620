"""Offline HTML reports: one self-contained file per run (tearsheet) or per comparison of runs.

The data comes from SQL, one file per relation in sql/reports/, run over the run tables
(`equity`, `positions`, `trades`, `benchmark`, `metrics`, `runs`) of the runs shown:

    equity_curve, drawdowns -> drawdown_periods, monthly_returns, annual_returns, rolling_stats,
    contributions, turnover, exposure, carry, cost_split, current_holdings, trade_blotter,
    stop_exits -> stop_exit_totals, halts (over `events`: the risk section, ml4t_sql.report.risk)

`carry` and `cost_split` take equity's `dividends` when the runs booked any and an impact column of
trades when the run has one (their SQL is shaped by Jinja; the charts and rows for them appear only then). The
header line, configuration and data-quality tables come from the run's `runs` row
(ml4t_sql.report.summary); numbers are written by ml4t_sql.report.numbers. A Jinja template
(assets/report.html.j2) lays them out; the charts are drawn in the browser by Apache ECharts, whose
minified build (assets/echarts/, Apache-2.0) is inlined into the page, so the file opens offline and
fetches nothing. docs/REPORT.md says why ECharts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..store.runs import INPUT_TABLES
from ..templates import params_for, render
from .common import ECHARTS_VERSION, arrow, asset, columns, fmt_pct, page_script, plain, run_info, script_json, template
from .metric_table import METRICS, metric_groups, metric_text
from .risk import risk_section
from .summary import config_rows, quality_rows, strategy_line

ROLLING_WINDOW = 126
"""Trailing window of the rolling statistics, in trading dates (six months)."""
TOP_CONTRIBUTORS = 10
BLOTTER_ROWS = 200
"""The trade blotter shows the last this many fills; the page gives the query for the rest."""
IMPACT_COLUMNS = ("impact_cost", "impact")
"""The trades column holding a fill's market-impact cost, in the order looked for."""
COST_KINDS = ("commission", "slippage", "impact", "financing", "dividends")
"""The rows of sql/reports/cost_split.sql, in the order the page lists them."""
RELATIONS = (
    "equity_curve",
    "drawdowns",
    "drawdown_periods",
    "monthly_returns",
    "annual_returns",
    "rolling_stats",
    "contributions",
    "turnover",
    "exposure",
    "carry",
    "cost_split",
    "window_dates",
    "position_spells",
    "current_holdings",
    "trade_blotter",
    "stop_exits",
    "stop_exit_totals",
    "halts",
)
"""The report relations, in an order where each reads only run tables and earlier relations."""


def report_data(
    runs: Sequence[Mapping[str, Any]], *, window: int = ROLLING_WINDOW
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """(relation -> rows over all `runs`, one info dict per run) for the report relations.

    Each run is a mapping of table name -> Arrow table or Polars frame (a `Run.tables`).
    """
    infos = [run_info(run) for run in runs]
    con = duckdb.connect()
    try:
        for name in INPUT_TABLES:
            parts = [arrow(run, name) for run in runs]
            con.register(f"_{name}", pa.concat_tables(parts, promote_options="permissive"))
            con.execute(f"create temp table {name} as select * from _{name}")
        con.register("_events", pa.concat_tables([arrow(run, "events") for run in runs]))
        con.execute("create temp table events as select * from _events")
        structure = _structure(con)
        values = _values(infos[0], window)
        out: dict[str, list[dict[str, Any]]] = {}
        for relation in RELATIONS:
            sql = render(f"reports/{relation}", **structure)
            con.execute(f"create temp table {relation} as {sql}", params_for(sql, values))
            rel = con.sql(f"select * from {relation} order by all")
            out[relation] = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()
    return out, infos


def render_report(tables: Mapping[str, Any]) -> str:
    """The self-contained HTML tearsheet of one run."""
    data, (info,) = report_data([tables])
    rows_of = {name: [r for r in rows if r["run_id"] == info["run_id"]] for name, rows in data.items()}
    contributions = sorted(rows_of["contributions"], key=lambda r: r["pnl"])
    has_dividends = any(r.get("kind") == "dividends" for r in rows_of["cost_split"])
    carry_names = ("month", "financing", "cumulative_financing") + (
        ("dividends", "cumulative_dividends") if has_dividends else ()
    )
    payload = {
        "curve": columns(rows_of["equity_curve"], ("date", "nav", "benchmark_nav", "universe_nav", "excess_return")),
        "drawdown": columns(rows_of["drawdowns"], ("date", "drawdown")),
        "monthly": columns(rows_of["monthly_returns"], ("year", "month", "return")),
        "rolling": columns(rows_of["rolling_stats"], ("date", "volatility", "sharpe")),
        "turnover": columns(rows_of["turnover"], ("month", "turnover", "costs")),
        "exposure": columns(
            rows_of["exposure"],
            ("date", "holdings", "gross_exposure", "net_exposure", "long_exposure", "short_exposure"),
        ),
        "carry": columns(rows_of["carry"], carry_names),
        "top": columns(contributions[::-1][:TOP_CONTRIBUTORS], ("asset", "pnl")),
        "bottom": columns(contributions[:TOP_CONTRIBUTORS], ("asset", "pnl")),
        "benchmark_label": info["benchmark_label"],
        "window": ROLLING_WINDOW,
    }
    periods = sorted(rows_of["drawdown_periods"], key=lambda r: r["depth"])[:5]
    holdings = sorted(rows_of["current_holdings"], key=lambda r: (-abs(r["weight"]), r["asset"]))
    blotter = sorted(rows_of["trade_blotter"], key=lambda r: r["n"])
    impact = next((c for c in IMPACT_COLUMNS if blotter and c in blotter[0]), None)
    risk = risk_section(rows_of, info["end_date"])
    payload["risk"] = risk["payload"] if risk else None
    return template("report.html.j2").render(
        info=info,
        strategy=strategy_line(info["config_parsed"], info),
        metrics=metric_groups(info["metrics"]),
        metric=metric_text,
        costs=sorted(rows_of["cost_split"], key=lambda r: COST_KINDS.index(r["kind"])),
        periods=periods,
        annual=rows_of["annual_returns"],
        holdings=holdings,
        blotter=blotter,
        blotter_rows=BLOTTER_ROWS,
        blotter_impact=impact,
        n_trades=int(info["metrics"].get("n_trades", len(blotter))),
        trades_query=trades_query(info["run_id"]),
        config_rows=config_rows(info["config_parsed"]),
        quality_rows=quality_rows(info["quality_parsed"]),
        quality=info["quality_parsed"],
        has_dividends=has_dividends,
        risk=risk,
        payload=script_json(payload),
        echarts=asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=asset("report.css"),
        script=page_script("report.js"),
        window=ROLLING_WINDOW,
        pct=fmt_pct,
    )


def trades_query(run_id: str) -> str:
    """The command that lists every trade of a run, newest first (the blotter shows the last 200);
    for a sweep's variant (run id `RUN:N`, ml4t_sql.store.variants) the trades of that variant."""
    base, _, variant = run_id.partition(":")
    where = f"run_id = '{base}'" + (f" and variant = {int(variant)}" if variant.isdigit() else "")
    return f'ml4t-sql query "select * from trades where {where} order by date desc, asset, reason"'


def write_report(tables: Mapping[str, Any], path: str | Path) -> Path:
    """Write `render_report(tables)` to `path`; return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(tables), encoding="utf-8")
    return out


def compare_metrics(runs: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """(run ids, [(metric, value per run)]) in the order of METRICS, then any other keys."""
    infos = [run_info(run) for run in runs]
    keys = [k for k in METRICS if any(k in i["metrics"] for i in infos)]
    keys += sorted({k for i in infos for k in i["metrics"]} - set(keys))
    return [i["run_id"] for i in infos], [(k, [i["metrics"].get(k, math.nan) for i in infos]) for k in keys]


def render_compare(runs: Sequence[Mapping[str, Any]]) -> str:
    """One HTML page with the runs' equity curves and drawdowns together and their metrics side by side."""
    data, infos = report_data(runs)
    ids, rows = compare_metrics(runs)
    series = []
    for info in infos:
        mine = [r for r in data["equity_curve"] if r["run_id"] == info["run_id"]]
        dd = [r for r in data["drawdowns"] if r["run_id"] == info["run_id"]]
        series.append(
            {
                "name": info["label"],
                "growth": columns(mine, ("date", "growth")),
                "drawdown": columns(dd, ("date", "drawdown")),
            }
        )
    first = [r for r in data["equity_curve"] if r["run_id"] == infos[0]["run_id"]]
    bench = {
        "name": infos[0]["benchmark_label"] or "Equal-weight universe",
        "date": [plain(r["date"]) for r in first],
        "growth": [plain(r["benchmark_nav"] * r["growth"] / r["nav"]) if r["benchmark_nav"] else None for r in first],
    }
    table = [
        (METRICS[key][1] if key in METRICS else key, [metric_text(key, v) for v in values]) for key, values in rows
    ]
    return template("compare.html.j2").render(
        infos=infos,
        ids=ids,
        table=table,
        payload=script_json({"runs": series, "benchmark": bench}),
        echarts=asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=asset("report.css"),
        script=page_script("compare.js"),
    )


def _structure(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What shapes the report SQL: whether the runs booked dividends (equity has the column and a
    date with a dividend: a run without [data] actions shows none) and which trades column is impact."""
    equity = con.sql("select * from equity limit 0").columns
    trades = con.sql("select * from trades limit 0").columns
    booked = "dividends" in equity and con.sql("select count(*) from equity where dividends <> 0").fetchall() != [(0,)]
    return {
        "dividends": booked,
        "impact": next((c for c in IMPACT_COLUMNS if c in trades
                        and con.sql(f"select count(*) from trades where {c} <> 0").fetchall() != [(0,)]), None),
    }


def _values(info: Mapping[str, Any], window: int) -> dict[str, Any]:
    return {
        "window": window,
        "periods_per_year": info["periods_per_year"],
        "risk_free": (1.0 + info["risk_free_rate"]) ** (1.0 / info["periods_per_year"]) - 1.0,
        "limit": BLOTTER_ROWS,
    }
