"""Offline HTML reports: one self-contained file per run (tearsheet) or per comparison of runs.

The data comes from SQL, one file per relation in sql/reports/, run over the run tables
(`equity`, `positions`, `trades`, `benchmark`, `metrics`, `runs`) of the runs shown:

    equity_curve, drawdowns -> drawdown_periods, monthly_returns, annual_returns,
    rolling_stats, contributions, turnover, exposure

A Jinja template (assets/report.html.j2) lays them out; the charts are drawn in the browser by
Apache ECharts, whose minified build (assets/echarts/, Apache-2.0) is inlined into the page, so the
file opens offline and fetches nothing. docs/REPORT.md says why ECharts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pyarrow as pa

from ..errors import Ml4tError
from ..schema import TABLES
from ..store.runs import INPUT_TABLES
from ..templates import render

ASSETS = Path(__file__).resolve().parent / "assets"
ECHARTS_VERSION = "6.1.0"
ROLLING_WINDOW = 126
"""Trailing window of the rolling statistics, in trading dates (six months)."""
TOP_CONTRIBUTORS = 10
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
)
"""The report relations, in an order where each reads only run tables and earlier relations."""

# metric key -> (group, label, format); formats: pct, ratio, days, money, count
METRICS: dict[str, tuple[str, str, str]] = {
    "total_return": ("Returns", "Total return", "pct"),
    "cagr": ("Returns", "CAGR", "pct"),
    "best_day": ("Returns", "Best day", "pct"),
    "worst_day": ("Returns", "Worst day", "pct"),
    "hit_rate": ("Returns", "Hit rate (positive days)", "pct"),
    "final_nav": ("Returns", "Final NAV", "money"),
    "volatility": ("Risk", "Volatility (annualized)", "pct"),
    "sharpe": ("Risk", "Sharpe ratio", "ratio"),
    "sortino": ("Risk", "Sortino ratio", "ratio"),
    "max_drawdown": ("Risk", "Max drawdown", "pct"),
    "max_drawdown_duration": ("Risk", "Max drawdown duration (trading days)", "days"),
    "longest_drawdown_duration": ("Risk", "Longest drawdown (trading days)", "days"),
    "calmar": ("Risk", "Calmar ratio", "ratio"),
    "avg_turnover": ("Trading", "Average daily turnover", "pct"),
    "annual_turnover": ("Trading", "Annual turnover", "ratio"),
    "total_turnover": ("Trading", "Total turnover", "ratio"),
    "total_costs": ("Trading", "Total costs", "money"),
    "total_commission": ("Trading", "Commission", "money"),
    "total_slippage": ("Trading", "Slippage", "money"),
    "total_financing": ("Trading", "Financing (+ earned, - paid)", "money"),
    "n_trades": ("Trading", "Trades", "count"),
    "avg_holdings": ("Trading", "Average holdings", "ratio"),
    "avg_gross_exposure": ("Trading", "Average gross exposure", "pct"),
    "avg_net_exposure": ("Trading", "Average net exposure", "pct"),
    "benchmark_total_return": ("Benchmark", "Benchmark total return", "pct"),
    "benchmark_cagr": ("Benchmark", "Benchmark CAGR", "pct"),
    "benchmark_volatility": ("Benchmark", "Benchmark volatility", "pct"),
    "benchmark_sharpe": ("Benchmark", "Benchmark Sharpe ratio", "ratio"),
    "benchmark_max_drawdown": ("Benchmark", "Benchmark max drawdown", "pct"),
    "excess_return": ("Benchmark", "Excess return (relative wealth)", "pct"),
    "alpha": ("Benchmark", "Alpha (annualized)", "pct"),
    "beta": ("Benchmark", "Beta", "ratio"),
    "correlation": ("Benchmark", "Correlation", "ratio"),
    "tracking_error": ("Benchmark", "Tracking error", "pct"),
    "information_ratio": ("Benchmark", "Information ratio", "ratio"),
}


def report_data(
    runs: Sequence[Mapping[str, Any]], *, window: int = ROLLING_WINDOW
) -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """(relation -> rows over all `runs`, one info dict per run) for the report relations.

    Each run is a mapping of table name -> Arrow table or Polars frame (a `Run.tables`).
    """
    infos = [_run_info(run) for run in runs]
    con = duckdb.connect()
    try:
        for name in INPUT_TABLES:
            parts = [_arrow(run, name) for run in runs]
            con.register(f"_{name}", pa.concat_tables(parts, promote_options="permissive"))
            con.execute(f"create temp table {name} as select * from _{name}")
        out: dict[str, list[dict[str, Any]]] = {}
        for relation in RELATIONS:
            sql = render(f"reports/{relation}")
            con.execute(f"create temp table {relation} as {sql}", _params(sql, infos[0], window))
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
    payload = {
        "curve": _columns(rows_of["equity_curve"], ("date", "nav", "benchmark_nav", "universe_nav", "excess_return")),
        "drawdown": _columns(rows_of["drawdowns"], ("date", "drawdown")),
        "monthly": _columns(rows_of["monthly_returns"], ("year", "month", "return")),
        "rolling": _columns(rows_of["rolling_stats"], ("date", "volatility", "sharpe")),
        "turnover": _columns(rows_of["turnover"], ("month", "turnover", "costs")),
        "exposure": _columns(rows_of["exposure"], ("date", "holdings", "gross_exposure", "net_exposure")),
        "top": _columns(contributions[::-1][:TOP_CONTRIBUTORS], ("asset", "pnl")),
        "bottom": _columns(contributions[:TOP_CONTRIBUTORS], ("asset", "pnl")),
        "benchmark_label": info["benchmark_label"],
        "window": ROLLING_WINDOW,
    }
    periods = sorted(rows_of["drawdown_periods"], key=lambda r: r["depth"])[:5]
    return _template("report.html.j2").render(
        info=info,
        metrics=_metric_groups(info["metrics"]),
        periods=periods,
        annual=rows_of["annual_returns"],
        payload=_script_json(payload),
        echarts=_asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=_asset("report.css"),
        script=_asset("report.js"),
        window=ROLLING_WINDOW,
        pct=_fmt_pct,
    )


def write_report(tables: Mapping[str, Any], path: str | Path) -> Path:
    """Write `render_report(tables)` to `path`; return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(tables), encoding="utf-8")
    return out


def compare_metrics(runs: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """(run ids, [(metric, value per run)]) in the order of METRICS, then any other keys."""
    infos = [_run_info(run) for run in runs]
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
                "growth": _columns(mine, ("date", "growth")),
                "drawdown": _columns(dd, ("date", "drawdown")),
            }
        )
    first = [r for r in data["equity_curve"] if r["run_id"] == infos[0]["run_id"]]
    bench = {
        "name": infos[0]["benchmark_label"] or "Equal-weight universe",
        "date": [_plain(r["date"]) for r in first],
        "growth": [_plain(r["benchmark_nav"] * r["growth"] / r["nav"]) if r["benchmark_nav"] else None for r in first],
    }
    table = [
        (METRICS.get(key, ("", key, "ratio"))[1], [_format(v, METRICS.get(key, ("", "", "ratio"))[2]) for v in values])
        for key, values in rows
    ]
    return _template("compare.html.j2").render(
        infos=infos,
        ids=ids,
        table=table,
        payload=_script_json({"runs": series, "benchmark": bench}),
        echarts=_asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=_asset("report.css"),
        script=_asset("compare.js"),
    )


# --- helpers ------------------------------------------------------------------------------------


def _arrow(run: Mapping[str, Any], name: str) -> pa.Table:
    table = run.get(name)
    if table is None:
        return TABLES[name].schema.empty_table()
    if not isinstance(table, pa.Table):
        table = table.to_arrow()
    return table.cast(TABLES[name].schema) if table.schema != TABLES[name].schema else table


def _run_info(run: Mapping[str, Any]) -> dict[str, Any]:
    runs = _arrow(run, "runs").to_pylist()
    if len(runs) != 1:
        raise Ml4tError(f"a report needs exactly one run's tables, got {len(runs)} rows in `runs`")
    row = runs[0]
    config = json.loads(row["config"] or "{}")
    metrics = {r["metric"]: r["value"] for r in _arrow(run, "metrics").to_pylist()}
    m = config.get("metrics", {})
    bench_source = config.get("data", {}).get("benchmark")
    return {
        **row,
        "label": row["name"] or row["run_id"],
        "config_pretty": json.dumps(config, indent=2, sort_keys=True),
        "quality_pretty": json.dumps(json.loads(row["quality"] or "{}"), indent=2, sort_keys=True),
        "metrics": metrics,
        "periods_per_year": int(m.get("periods_per_year", 252)),
        "risk_free_rate": float(m.get("risk_free_rate", 0.0)),
        "benchmark_label": f"Benchmark ({Path(str(bench_source)).stem})" if bench_source else None,
    }


def _params(sql: str, info: Mapping[str, Any], window: int) -> dict[str, Any]:
    values = {
        "window": window,
        "periods_per_year": info["periods_per_year"],
        "risk_free": (1.0 + info["risk_free_rate"]) ** (1.0 / info["periods_per_year"]) - 1.0,
    }
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [_plain(r[name]) for r in rows] for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _script_json(payload: Any) -> str:
    """JSON safe inside <script type="application/json">: no `</` can close the tag."""
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _metric_groups(metrics: Mapping[str, float]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for key, (group, label, fmt) in METRICS.items():
        if key in metrics:
            groups.setdefault(group, []).append((key, label, _format(metrics[key], fmt)))
    return list(groups.items())


def _format(value: float | None, fmt: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if fmt == "pct":
        return _fmt_pct(value)
    if fmt == "money":
        return f"{value:,.2f}"
    if fmt in ("days", "count"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _fmt_pct(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:,.2f}%"


@cache
def _asset(name: str) -> str:
    """A file of assets/, safe to inline in a <script> or <style> element."""
    return (ASSETS / name).read_text(encoding="utf-8").replace("</script", "<\\/script").replace("</style", "<\\/style")


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ASSETS),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )


def _template(name: str) -> jinja2.Template:
    return _env().get_template(name)
