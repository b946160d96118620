"""What every HTML page of ml4t_sql.report shares: the run tables as Arrow, a run's info, the
payload's JSON, the inlined assets (CSS, scripts, the vendored ECharts) and the Jinja templates."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pyarrow as pa

from ..errors import Ml4tError
from ..schema import TABLES
from .numbers import fmt

ASSETS = Path(__file__).resolve().parent / "assets"
ECHARTS_VERSION = "6.1.0"


def arrow(run: Mapping[str, Any], name: str) -> pa.Table:
    """Table `name` of a run (Arrow or Polars) as Arrow, cast to its contract, any further column kept
    after the contract's (e.g. equity's `dividends` from a run with corporate actions); empty if absent."""
    table = run.get(name)
    if table is None:
        return TABLES[name].schema.empty_table()
    if not isinstance(table, pa.Table):
        table = table.to_arrow()
    schema = TABLES[name].schema
    if table.schema == schema:
        return table
    extra = [c for c in table.column_names if c not in schema.names]  # a column a newer engine adds
    known = table.select(schema.names).cast(schema)
    for column in extra:
        known = known.append_column(column, table[column])
    return known


def run_info(run: Mapping[str, Any]) -> dict[str, Any]:
    """The run's `runs` row with its configuration parsed, its metrics, and the labels pages use."""
    runs = arrow(run, "runs").to_pylist()
    if len(runs) != 1:
        raise Ml4tError(f"a report needs exactly one run's tables, got {len(runs)} rows in `runs`")
    row = runs[0]
    config = json.loads(row["config"] or "{}")
    metrics = {r["metric"]: r["value"] for r in arrow(run, "metrics").to_pylist()}
    m = config.get("metrics", {})
    bench_source = config.get("data", {}).get("benchmark")
    return {
        **row,
        "label": row["name"] or row["run_id"],
        "config_parsed": config,
        "quality_parsed": json.loads(row["quality"] or "{}"),
        "metrics": metrics,
        "periods_per_year": int(m.get("periods_per_year", 252)),
        "risk_free_rate": float(m.get("risk_free_rate", 0.0)),
        "benchmark_label": f"Benchmark ({Path(str(bench_source)).stem})" if bench_source else None,
    }


def columns(rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [plain(r[name]) for r in rows] for name in names}


def plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def script_json(payload: Any) -> str:
    """JSON safe inside <script type="application/json">: no `</` can close the tag."""
    return json.dumps(payload, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def fmt_pct(value: float | None) -> str:
    return fmt(value, "pct")


@cache
def asset(name: str) -> str:
    """A file of assets/, safe to inline in a <script> or <style> element."""
    return (ASSETS / name).read_text(encoding="utf-8").replace("</script", "<\\/script").replace("</style", "<\\/style")


def page_script(name: str) -> str:
    """A page's script of assets/, after the number format it uses (assets/numbers.js)."""
    return asset("numbers.js") + "\n" + asset(name)


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(ASSETS), undefined=jinja2.StrictUndefined, autoescape=True)
    env.filters["fmt"] = fmt
    return env


def template(name: str) -> jinja2.Template:
    return _env().get_template(name)
