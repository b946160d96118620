"""A sweep's variants as runs: list them with their metrics, pick one, load it like a single run.

A variant is named by its number (`3`), its name (`top_n=10, rebalance=daily`), `best` or
`worst` (by Sharpe, ties to the lower number; a NaN Sharpe is never best nor worst unless every
variant's is NaN). `RUN_ID:VARIANT` names one variant of a sweep wherever a run id is taken
(`compare`, and `report RUN_ID --variant VARIANT`). A loaded variant has the tables of a single
run: the `variant` column dropped, `run_id` written `RUN_ID:VARIANT_NUMBER` (so two variants of
one sweep stay apart in a comparison), the name `NAME [VARIANT NAME]`, and its config with the
swept values in place.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import Ml4tError, StoreError
from ..schema import LATER_TABLES
from .layout import RUNS, check_run_id
from .manifest import inspect_run

SWEEP_TABLES = ("runs", "equity", "positions", "trades", "benchmark", "metrics", "variants")
RANK_BY = "sharpe"


def split_ref(ref: str) -> tuple[str, str | None]:
    """`RUN_ID:VARIANT` -> (RUN_ID, VARIANT); a plain run id -> (run id, None)."""
    run_id, sep, variant = ref.partition(":")
    return run_id, (variant if sep else None)


def read_sweep(warehouse: str | Path, run_id: str, names: tuple[str, ...] = SWEEP_TABLES) -> dict[str, pa.Table]:
    """A sweep's tables `names`, and those of LATER_TABLES it has (`events`), each file checked
    against its manifest first (StoreError if altered)."""
    root = Path(warehouse).resolve()
    folder = root / RUNS / check_run_id(run_id)
    check = inspect_run(folder, rows=True, checksums=True)
    if not check.sound:
        raise StoreError(f"{check.describe()}; `ml4t-sql check --warehouse {root}` checks every run")
    if "variants" not in check.tables:
        raise Ml4tError(f"run {run_id!r} is not a sweep: it has no variants")
    names += tuple(name for name in LATER_TABLES if name in check.tables and name not in names)
    return {name: pq.read_table(folder / f"{name}.parquet") for name in names}


def variant_table(variants: pa.Table, metrics: pa.Table) -> pl.DataFrame:
    """One row per variant: variant, name, then every metric as a column."""
    wide = pl.from_arrow(metrics).pivot(on="metric", index="variant", values="value")  # type: ignore[union-attr]
    base = pl.from_arrow(variants).select("variant", "name")  # type: ignore[union-attr]
    return base.join(wide, on="variant", how="left").sort("variant")


def pick(table: pl.DataFrame, spec: str, run_id: str) -> int:
    """The variant number that `spec` names (module docstring) among `table`'s rows."""
    numbers = table["variant"].to_list()
    names = table["name"].to_list()
    if spec in ("best", "worst"):
        scores = [_score(v) for v in table[RANK_BY].to_list()] if RANK_BY in table.columns else []
        if not scores:
            raise Ml4tError(f"sweep {run_id}: no {RANK_BY} to rank variants by")
        sign = 1.0 if spec == "best" else -1.0
        keys = [(-sign * s if s == s else math.inf, i) for i, s in enumerate(scores)]  # NaN last, ties: lowest
        order = [i for _, i in sorted(keys)]
        return int(numbers[order[0]])
    if spec.strip().lstrip("-").isdigit() and int(spec) in numbers:
        return int(spec)
    if spec in names:
        return int(numbers[names.index(spec)])
    listed = "; ".join(f"{n}: {name}" for n, name in zip(numbers, names, strict=True))
    raise Ml4tError(f"sweep {run_id} has no variant {spec!r}: give best, worst, a number or a name ({listed})")


def load_variant(warehouse: str | Path, run_id: str, spec: str) -> dict[str, pa.Table]:
    """Variant `spec` of sweep `run_id` as a single run's tables (module docstring)."""
    tables = read_sweep(warehouse, run_id)
    number = pick(variant_table(tables["variants"], tables["metrics"]), spec, run_id)
    row = next(r for r in tables["variants"].to_pylist() if r["variant"] == number)
    label = f"{run_id}:{number}"
    out: dict[str, pa.Table] = {}
    for name in ("equity", "positions", "trades", "benchmark", "metrics", *(n for n in LATER_TABLES if n in tables)):
        table = tables[name]
        table = table.filter(pc.equal(table["variant"], number)).drop_columns(["variant"])
        out[name] = _relabel(table, label)
    runs = tables["runs"].to_pylist()[0]
    runs["run_id"] = label
    runs["name"] = f"{runs['name'] or run_id} [{row['name']}]"
    runs["config"] = _with_params(runs["config"], json.loads(row["params"] or "{}"))
    out["runs"] = pa.Table.from_pylist([runs], schema=tables["runs"].schema)
    return out


def _relabel(table: pa.Table, label: str) -> pa.Table:
    i = table.schema.get_field_index("run_id")
    return table.set_column(i, "run_id", pa.array([label] * table.num_rows, pa.string()))


def _with_params(config: str | None, params: dict[str, Any]) -> str:
    """The sweep's base config JSON with one variant's swept values in place."""
    from ..sweeps import STRATEGY_KEYS

    raw = json.loads(config or "{}")
    for key, value in params.items():
        raw.setdefault("strategy" if key in STRATEGY_KEYS else "execution", {})[key] = value
    return json.dumps(raw, sort_keys=True)


def _score(value: Any) -> float:
    return float(value) if value is not None else math.nan
