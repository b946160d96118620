"""The offline HTML page of a sweep (`ml4t-sql report SWEEP_ID`, `Sweep.report(path)`): a heatmap of
one metric (Sharpe by default) over two swept keys, and every variant's headline metrics.

The heatmap's cells come from sql/reports/sweep_grid.sql over the sweep's `variants` and `metrics`:
x is the first swept key, y the second (or any two named), each in the order of the grid; when more
keys were swept a cell shows the best variant among those that share its two values (the cell's
tooltip and the table say which). Same machinery and style as the tearsheet (ml4t_sql.report.common).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Ml4tError
from ..schema import TABLES, VARIANTS
from ..store.runs import checked_run
from ..templates import params_for, render
from .common import ECHARTS_VERSION, asset, columns, page_script, script_json, template
from .metric_table import METRICS, metric_text

TABLE_METRICS = ("total_return", "cagr", "volatility", "sharpe", "max_drawdown", "annual_turnover", "total_costs")
"""The columns of the page's variant table, in order."""


def swept_keys(variants: Sequence[Mapping[str, Any]]) -> list[str]:
    """The swept keys in the order of the grid (the order of a variant's `name`, key=value, ...)."""
    if not variants:
        return []
    first = variants[0]
    keys = list(json.loads(first["params"] or "{}"))
    name = str(first["name"] or "")
    return sorted(keys, key=lambda k: (name.find(f"{k}="), k))


def render_sweep(
    tables: Mapping[str, Any], *, metric: str = "sharpe", x: str | None = None, y: str | None = None
) -> str:
    """The self-contained HTML page of one sweep (its `runs`, `variants` and `metrics` tables)."""
    runs = _arrow(tables, "runs", TABLES["runs"].schema).to_pylist()
    if len(runs) != 1:
        raise Ml4tError(f"a sweep page needs exactly one sweep's tables, got {len(runs)} rows in `runs`")
    info = dict(runs[0], label=runs[0]["name"] or runs[0]["run_id"])
    variants = sorted(_arrow(tables, "variants", VARIANTS.schema).to_pylist(), key=lambda r: r["variant"])
    metrics = _arrow(tables, "metrics", None)
    keys = swept_keys(variants)
    if not keys:
        raise Ml4tError("a sweep page needs the sweep's `variants` table (one row per variant)")
    x_key = x or keys[0]
    y_key = y or (keys[1] if len(keys) > 1 else None)
    for key in (x_key, y_key):
        if key is not None and key not in keys:
            raise Ml4tError(f"sweep page: `{key}` was not swept; swept keys: {', '.join(keys)}")
    if metric not in {m for m in metrics.column("metric").to_pylist()}:
        raise Ml4tError(f"sweep page: no metric `{metric}` in the sweep's metrics (e.g. sharpe, cagr, total_return)")
    grid = sweep_grid(variants, metrics, metric=metric, x_key=x_key, y_key=y_key)
    by_variant: dict[int, dict[str, float]] = {}
    for row in metrics.to_pylist():
        by_variant.setdefault(row["variant"], {})[row["metric"]] = row["value"]
    rows = [
        {
            "variant": v["variant"],
            "name": v["name"],
            **{k: by_variant.get(v["variant"], {}).get(k) for k in TABLE_METRICS},
        }
        for v in variants
    ]
    rows.sort(key=lambda r: (r[metric] is None or r[metric] != r[metric], -(r[metric] or 0.0), r["variant"]))
    label = METRICS[metric][1] if metric in METRICS else metric
    payload = {
        "metric": metric,
        "label": label,
        "kind": METRICS[metric][2] if metric in METRICS else "ratio",
        "x_key": x_key,
        "y_key": y_key or "",
        "grid": columns(grid, ("x", "y", "x_order", "y_order", "value", "n_variants", "best_variant")),
        "names": {str(v["variant"]): v["name"] for v in variants},
    }
    return template("sweep.html.j2").render(
        info=info,
        keys=keys,
        x_key=x_key,
        y_key=y_key,
        metric_label=label,
        n_variants=len(variants),
        table_metrics=[(k, METRICS[k][1] if k in METRICS else k) for k in TABLE_METRICS],
        rows=rows,
        metric=metric_text,
        sorted_by=metric,
        payload=script_json(payload),
        echarts=asset("echarts/echarts.min.js"),
        echarts_version=ECHARTS_VERSION,
        css=asset("report.css"),
        script=page_script("sweep.js"),
    )


def sweep_grid(
    variants: Sequence[Mapping[str, Any]], metrics: pa.Table, *, metric: str, x_key: str, y_key: str | None
) -> list[dict[str, Any]]:
    """The rows of sql/reports/sweep_grid.sql for one sweep, ordered by (y_order, x_order)."""
    con = duckdb.connect()
    try:
        con.register("_variants", pa.Table.from_pylist(list(variants), schema=VARIANTS.schema))
        con.execute("create temp table variants as select * from _variants")
        con.register("_metrics", metrics)
        con.execute("create temp table metrics as select * from _metrics")
        sql = render("reports/sweep_grid")
        values = {"metric": metric, "x_key": x_key, "y_key": y_key or ""}
        rel = con.sql(f"select * from ({sql}) order by y_order, x_order", params=params_for(sql, values))
        return [dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()


def write_sweep_report(tables: Mapping[str, Any], path: str | Path, **options: Any) -> Path:
    """Write `render_sweep(tables, **options)` to `path`; return the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_sweep(tables, **options), encoding="utf-8")
    return out


def load_sweep_tables(
    warehouse: str | Path, run_id: str, names: Sequence[str] = ("runs", "variants", "metrics")
) -> dict[str, pa.Table]:
    """A published sweep's tables `names` (default: `runs`, `variants` and `metrics`), checked
    against its manifest first."""
    folder, check = checked_run(warehouse, run_id)
    if "variants" not in check.tables:
        raise Ml4tError(f"run {run_id!r} is not a sweep")
    return {name: pq.read_table(folder / f"{name}.parquet") for name in names}


def _arrow(tables: Mapping[str, Any], name: str, schema: pa.Schema | None) -> pa.Table:
    table = tables.get(name)
    if table is None:
        raise Ml4tError(f"a sweep page needs the sweep's `{name}` table")
    if not isinstance(table, pa.Table):
        table = table.to_arrow()
    return table.cast(schema) if schema is not None and table.schema != schema else table
