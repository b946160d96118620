"""The offline HTML page of a research run (`ml4t-sql research -o`, `ml4t-sql report RUN_ID`).

Same style and machinery as the tearsheet (ml4t_sql.report.tearsheet: its CSS, the inlined ECharts
build, its JSON and asset helpers): the IC and rank IC series with their trailing means per
horizon, the mean forward return of each quantile per horizon, and the growth of the shortest
horizon's top-minus-bottom spread. The chart data comes from the research tables and two report
relations (sql/reports/rolling_ic.sql, cumulative_spread.sql). Nothing is fetched: it opens offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import Ml4tError
from ..schema import RESEARCH, TABLES
from ..templates import params_for, render
from .common import ECHARTS_VERSION, page_script
from .common import asset as _asset
from .common import columns as _columns
from .common import fmt_pct as _fmt_pct
from .common import script_json as _script_json
from .common import template as _template

ROLLING_IC_WINDOW = 63
"""Trailing window of the IC's rolling mean on the page, in trading dates (three months)."""
RELATIONS = ("rolling_ic", "cumulative_spread")


def render_research(tables: Mapping[str, Any]) -> str:
    """The self-contained HTML page of one research run (its `runs` row and research tables)."""
    arrow = {name: _arrow(tables, name) for name in ("runs", *RESEARCH)}
    runs = arrow["runs"].to_pylist()
    if len(runs) != 1:
        raise Ml4tError(f"a research page needs exactly one run's tables, got {len(runs)} rows in `runs`")
    info = dict(runs[0])
    config = json.loads(info["config"] or "{}")
    info["config_pretty"] = json.dumps(config, indent=2, sort_keys=True)
    info["label"] = info["name"] or info["run_id"]
    info["signal"] = config.get("strategy", {}).get("signal", "signal")
    con = duckdb.connect()
    try:
        for name in ("information_coefficient", "quantile_spread", "quantile_returns"):
            con.register(f"_{name}", arrow[name])
            con.execute(f"create temp table {name} as select * from _{name}")
        data: dict[str, list[dict[str, Any]]] = {}
        for relation in RELATIONS:
            sql = render(f"reports/{relation}")
            rel = con.sql(f"select * from ({sql}) order by all", params=params_for(sql, {"window": ROLLING_IC_WINDOW}))
            data[relation] = [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()
    summary = sorted(arrow["research_summary"].to_pylist(), key=lambda r: r["horizon"])
    horizons = [r["horizon"] for r in summary]
    quantiles = sorted(arrow["quantile_returns"].to_pylist(), key=lambda r: (r["horizon"], r["quantile"]))
    auto = [
        r["autocorrelation"] for r in arrow["factor_autocorrelation"].to_pylist() if r["autocorrelation"] is not None
    ]
    payload = {
        "horizons": horizons,
        "ic": {
            str(h): _columns([r for r in data["rolling_ic"] if r["horizon"] == h],
                             ("date", "ic", "rank_ic", "rolling_ic", "rolling_rank_ic"))
            for h in horizons
        },
        "quantiles": {str(h): _columns([r for r in quantiles if r["horizon"] == h], ("quantile", "mean_fwd_return"))
                      for h in horizons},
        "spread": _columns(data["cumulative_spread"], ("date", "spread", "growth")),
        "spread_horizon": data["cumulative_spread"][0]["horizon"] if data["cumulative_spread"] else None,
        "window": ROLLING_IC_WINDOW,
    }  # fmt: skip
    return _template("research.html.j2").render(
        info=info,
        summary=summary,
        autocorrelation=sum(auto) / len(auto) if auto else None,
        payload=_script_json(payload),
        echarts=_asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=_asset("report.css"),
        script=page_script("research.js"),
        window=ROLLING_IC_WINDOW,
        pct=_fmt_pct,
        num=_fmt_num,
        bp=_fmt_bp,
    )


def write_research_report(tables: Mapping[str, Any], path: str | Path) -> Path:
    """Write `render_research(tables)` to `path`; return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_research(tables), encoding="utf-8")
    return out


def _arrow(tables: Mapping[str, Any], name: str) -> pa.Table:
    schema = TABLES["runs"].schema if name == "runs" else RESEARCH[name].schema
    table = tables.get(name)
    if table is None:
        raise Ml4tError(f"a research page needs the research table {name!r}")
    if not isinstance(table, pa.Table):
        table = table.to_arrow()
    return table.cast(schema) if table.schema != schema else table


def _fmt_bp(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 1e4:.2f} bp"


def _fmt_num(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
